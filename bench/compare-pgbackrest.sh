#!/usr/bin/env bash
# Pushes and fetches real WAL segments through the walarchive CLI and through pgBackRest on this
# machine, one call per segment as PostgreSQL's archive_command / restore_command would, and prints
# per-call wall time (median, p90), CPU time, throughput, bytes stored and the ratio
# walarchive / pgBackRest.
#
# Usage: bench/compare-pgbackrest.sh
#
# Both tools write to a local directory (walarchive: file:<dir>; pgBackRest: a posix repository)
# with the same settings: zstd at LEVEL, and once without and once with encryption (walarchive:
# a random 256-bit key, AES-256-GCM; pgBackRest: repo1-cipher-type=aes-256-cbc with a random
# passphrase). pgBackRest runs serially (archive-async=n, process-max=1), like archive_command.
# Every run starts with empty archives; calls of the two tools alternate segment by segment, so a
# burst of load on this shared machine hits both. A run also times the bare start of each program
# (walarchive --version, pgbackrest version): the per-call floor.
#
# The segments come from bench/generate-wal.sh (PostgreSQL + pgbench); its stopped cluster is kept
# because pgBackRest checks that segments belong to the cluster of its stanza (pg1-path). To reuse
# earlier segments, set both WALDIR (the segments) and CLUSTER (the data directory they came from,
# e.g. made with KEEP_DATA=... bench/generate-wal.sh).
#
# Environment: SEGMENTS (default 20), RUNS (default 3), LEVEL (zstd level, default 3, pgBackRest's
# default for zst and walarchive's default), WALDIR + CLUSTER (see above), WALARCHIVE_JAVA_OPTS
# (passed to the CLI's launcher, for experiments), PGBIN (for generate-wal.sh), RAW (a path prefix:
# the raw per-call data is also written to RAW.calls.tsv and RAW.sizes.tsv, for bench-stats.py).
#
# Needs: pgBackRest (apt-get install pgbackrest), PostgreSQL 15 with pgbench, python3, and the CLI
# built: mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples -am
# Results go to stdout (progress to stderr); everything is removed on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
segments=${SEGMENTS:-20}
runs=${RUNS:-3}
level=${LEVEL:-3}
launcher=$root/walarchive-examples/target/walarchive/bin/walarchive

if ! command -v pgbackrest >/dev/null; then
  echo "error: pgbackrest is not installed; install it (Debian: apt-get install pgbackrest)" >&2
  exit 1
fi
if ! command -v python3 >/dev/null; then
  echo "error: python3 is needed for the statistics; install it (Debian: apt-get install python3)" >&2
  exit 1
fi
if [[ ! -f $launcher ]]; then
  echo "error: the CLI is not built; run in $root:" >&2
  echo "  mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples -am" >&2
  exit 1
fi
if [[ -n ${WALDIR:-} && -z ${CLUSTER:-} || -z ${WALDIR:-} && -n ${CLUSTER:-} ]]; then
  echo "error: set both WALDIR and CLUSTER (the data directory the segments came from), or neither" >&2
  exit 1
fi

# settings from the caller's environment must not leak into either tool
while read -r var; do
  if [[ $var != WALARCHIVE_JAVA_OPTS ]]; then unset "$var"; fi
done < <(compgen -e | grep -E '^(WALARCHIVE|PGBACKREST)_' || true)

work=$(mktemp -d /tmp/walarchive-bench.XXXXXX)
chmod 755 "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${WALDIR:-} ]]; then
  waldir=$(cd "$WALDIR" && pwd)
  cluster=$(cd "$CLUSTER" && pwd)
else
  echo "generating $segments WAL segments with PostgreSQL and pgbench ..." >&2
  KEEP_DATA=$work/pgdata "$root/bench/generate-wal.sh" "$work/wal" "$segments"
  waldir=$work/wal
  cluster=$work/pgdata
fi
mapfile -t names < <(ls "$waldir" | grep -E '^[0-9A-F]{24}$' | head -n "$segments")
if (( ${#names[@]} < segments )); then
  echo "error: $waldir has ${#names[@]} segments, wanted $segments" >&2
  exit 1
fi
segsize=$(stat -c %s "$waldir/${names[0]}")

key=$(head -c 32 /dev/urandom | base64)
passphrase=$(head -c 48 /dev/urandom | base64 | tr -d '/+=')
configs=("zstd:$level" "zstd:$level+aes")

calls=$work/calls.tsv
sizes=$work/sizes.tsv
: >"$calls"
: >"$sizes"

# timed RUN CONFIG TOOL OP NAME BYTES -- COMMAND...: runs COMMAND once, appends wall time and the
# child CPU time (from the shell's own `times`, so nothing else runs inside the measured interval)
timed() {
  local run=$1 config=$2 tool=$3 op=$4 name=$5 bytes=$6
  shift 7
  local t0 t1 c0 c1
  times >"$work/times0"
  t0=$EPOCHREALTIME
  if ! "$@" >/dev/null 2>"$work/stderr"; then
    echo "error: $tool $op $name failed: $*" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  t1=$EPOCHREALTIME
  times >"$work/times1"
  c0=$(sed -n 2p "$work/times0")
  c1=$(sed -n 2p "$work/times1")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$config" "$tool" "$op" "$name" "$bytes" \
    "$t0" "$t1" "$c0 $c1" >>"$calls"
}

pgbr_conf() { # DIR CONFIG: writes DIR/pgbackrest.conf
  local dir=$1 config=$2
  mkdir -p "$dir/repo" "$dir/log" "$dir/lock"
  {
    echo "[global]"
    echo "repo1-type=posix"
    echo "repo1-path=$dir/repo"
    echo "compress-type=zst"
    echo "compress-level=$level"
    echo "archive-async=n"
    echo "process-max=1"
    echo "log-path=$dir/log"
    echo "lock-path=$dir/lock"
    echo "log-level-console=warn"
    echo "log-level-stderr=warn"
    echo "log-level-file=off"
    if [[ $config == *+aes ]]; then
      echo "repo1-cipher-type=aes-256-cbc"
      echo "repo1-cipher-pass=$passphrase"
    fi
    echo
    echo "[bench]"
    echo "pg1-path=$cluster"
  } >"$dir/pgbackrest.conf"
  chmod 600 "$dir/pgbackrest.conf"
}

stored() { # TOOL DIR: prints "bytes count" of the archived segment objects
  local files
  if [[ $1 == walarchive ]]; then
    files=$(find "$2" -type f -regextype posix-extended -regex '.*/[0-9A-F]{24}' -printf '%s\n')
  else
    files=$(find "$2/repo/archive" -type f -regextype posix-extended -regex '.*/[0-9A-F]{24}-[0-9a-f]{40}.*' -printf '%s\n')
  fi
  echo "$files" | awk '{ s += $1; n++ } END { print s + 0, n + 0 }'
}

walarchive_version=$("$launcher" --version 2>&1 | head -1)
pgbackrest_version=$(pgbackrest version)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$work/fetch"

for run in $(seq 1 "$runs"); do
  echo "run $run of $runs ..." >&2
  # the bare start of each program: the floor under every call
  for i in "${!names[@]}"; do
    if (( (i + run) % 2 == 0 )); then order=(walarchive pgbackrest); else order=(pgbackrest walarchive); fi
    for tool in "${order[@]}"; do
      if [[ $tool == walarchive ]]; then
        timed "$run" - walarchive start - 0 -- "$launcher" --version
      else
        timed "$run" - pgbackrest start - 0 -- pgbackrest version
      fi
    done
  done

  for config in "${configs[@]}"; do
    dir=$work/run$run-${config//[:+]/-}
    mkdir -p "$dir"
    export WALARCHIVE_URL=file:$dir/walarchive
    export WALARCHIVE_COMPRESSION=zstd:$level
    if [[ $config == *+aes ]]; then export WALARCHIVE_KEY=$key; else unset WALARCHIVE_KEY; fi
    pgbr_conf "$dir/pgbackrest" "$config"
    pgbr=(pgbackrest "--config=$dir/pgbackrest/pgbackrest.conf" --stanza=bench)
    "${pgbr[@]}" --no-online stanza-create >/dev/null

    for i in "${!names[@]}"; do
      name=${names[$i]}
      if (( (i + run) % 2 == 0 )); then order=(walarchive pgbackrest); else order=(pgbackrest walarchive); fi
      for tool in "${order[@]}"; do
        if [[ $tool == walarchive ]]; then
          timed "$run" "$config" walarchive push "$name" "$segsize" -- "$launcher" wal-push "$waldir/$name"
        else
          timed "$run" "$config" pgbackrest push "$name" "$segsize" -- "${pgbr[@]}" archive-push "$waldir/$name"
        fi
      done
    done
    read -r bytes count < <(stored walarchive "$dir/walarchive")
    printf '%s\t%s\twalarchive\t%s\t%s\n' "$run" "$config" "$bytes" "$count" >>"$sizes"
    read -r bytes count < <(stored pgbackrest "$dir/pgbackrest")
    printf '%s\t%s\tpgbackrest\t%s\t%s\n' "$run" "$config" "$bytes" "$count" >>"$sizes"

    for i in "${!names[@]}"; do
      name=${names[$i]}
      if (( (i + run) % 2 == 0 )); then order=(pgbackrest walarchive); else order=(walarchive pgbackrest); fi
      for tool in "${order[@]}"; do
        dest=$work/fetch/$name
        rm -f "$dest"
        if [[ $tool == walarchive ]]; then
          timed "$run" "$config" walarchive fetch "$name" "$segsize" -- "$launcher" wal-fetch "$name" "$dest"
        else
          timed "$run" "$config" pgbackrest fetch "$name" "$segsize" -- "${pgbr[@]}" archive-get "$name" "$dest"
        fi
        if ! cmp -s "$dest" "$waldir/$name"; then
          echo "error: $tool fetched a different $name" >&2
          exit 1
        fi
      done
    done
    rm -f "$work/fetch"/*
    rm -rf "$dir"
  done
done

cat <<HEADER
walarchive vs pgBackRest: $segments real WAL segments of $((segsize / 1048576)) MiB, $runs runs, $(date -u +%Y-%m-%dT%H:%MZ)
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average ${load_start} at start, $(cut -d' ' -f1-3 /proc/loadavg) at end
walarchive: $walarchive_version ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)), $(java -version 2>&1 | head -1)${WALARCHIVE_JAVA_OPTS:+, WALARCHIVE_JAVA_OPTS=$WALARCHIVE_JAVA_OPTS}
$pgbackrest_version: compress-type=zst, archive-async=n, process-max=1; encryption: aes-256-cbc (pgBackRest), AES-256-GCM (walarchive)
HEADER
python3 "$root/bench/bench-stats.py" compare "$calls" "$sizes"
if [[ -n ${RAW:-} ]]; then
  cp "$calls" "$RAW.calls.tsv"
  cp "$sizes" "$RAW.sizes.tsv"
fi
