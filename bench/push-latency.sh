#!/usr/bin/env bash
# Per-call wall time of the walarchive CLI (wal-push, then wal-fetch) with real WAL segments against
# each storage backend: the filesystem and the project's local test servers for S3 (s3proxy), GCS
# (the fake GCS server) and Azure (Azurite), each running as a separate process on 127.0.0.1.
#
# Usage: bench/push-latency.sh [backend...]     backends: file s3 gcs azure (default: all four)
#
# The servers are started once, then each run pushes every segment through every backend (the
# backends take turns segment by segment, so load bursts on a shared machine hit all of them) into
# a fresh prefix, and fetches every segment back (checked against the original). Prints median and
# p90 per-call wall time, CPU time of the CLI process, and throughput per backend.
#
# Environment: SEGMENTS (default 10), RUNS (default 3), COMPRESSION (default zstd:3), ENCRYPT=1
# (adds a random 256-bit key), WALDIR (reuse segments instead of generating them with
# bench/generate-wal.sh), WALARCHIVE_JAVA_OPTS (passed to the CLI's launcher), RAW (a path
# prefix: the raw per-call data is also written to RAW.calls.tsv, for bench-stats.py).
#
# Needs: the CLI built (mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples
# -am), python3, PostgreSQL 15 with pgbench (unless WALDIR), and for azure Azurite
# (npm ci --prefix walarchive-azure/src/test/azurite). The script builds the backends' test jars
# and class paths itself (mvn package dependency:build-classpath). Results go to stdout; servers
# and temporary files are removed on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
segments=${SEGMENTS:-10}
runs=${RUNS:-3}
compression=${COMPRESSION:-zstd:3}
launcher=$root/walarchive-examples/target/walarchive/bin/walarchive
azurite=$root/walarchive-azure/src/test/azurite/node_modules/.bin/azurite-blob
backends=("$@")
if (( ${#backends[@]} == 0 )); then backends=(file s3 gcs azure); fi

for b in "${backends[@]}"; do
  case $b in
    file | s3 | gcs | azure) ;;
    *) echo "error: unknown backend '$b'; use file, s3, gcs or azure" >&2; exit 2 ;;
  esac
done
if [[ ! -f $launcher ]]; then
  echo "error: the CLI is not built; run in $root:" >&2
  echo "  mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples -am" >&2
  exit 1
fi
if ! command -v python3 >/dev/null; then
  echo "error: python3 is needed for the statistics; install it (Debian: apt-get install python3)" >&2
  exit 1
fi
selected=()
for b in "${backends[@]}"; do
  if [[ $b == azure && ! -x $azurite ]]; then
    echo "skipping azure: Azurite is not installed; run: npm ci --prefix walarchive-azure/src/test/azurite" >&2
  else
    selected+=("$b")
  fi
done
backends=("${selected[@]}")
if (( ${#backends[@]} == 0 )); then
  echo "error: no backend left to measure" >&2
  exit 1
fi

while read -r var; do
  if [[ $var != WALARCHIVE_JAVA_OPTS ]]; then unset "$var"; fi
done < <(compgen -e | grep -E '^WALARCHIVE_' || true)

work=$(mktemp -d /tmp/walarchive-latency.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local pid children
  for pid in "${pids[@]}"; do
    children=$(pgrep -P "$pid" || true)
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    for child in $children; do kill "$child" 2>/dev/null || true; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

modules=()
for b in "${backends[@]}"; do
  if [[ $b != file ]]; then modules+=("walarchive-$b"); fi
done
if (( ${#modules[@]} > 0 )); then
  echo "building test jars and class paths of ${modules[*]} ..." >&2
  (cd "$root" && mvn -B -q -DskipTests -Dmaven.javadoc.skip package dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt \
    -pl "$(IFS=,; echo "${modules[*]}")" -am >&2)
fi

if [[ -n ${WALDIR:-} ]]; then
  waldir=$(cd "$WALDIR" && pwd)
else
  echo "generating $segments WAL segments with PostgreSQL and pgbench ..." >&2
  "$root/bench/generate-wal.sh" "$work/wal" "$segments"
  waldir=$work/wal
fi
mapfile -t names < <(ls "$waldir" | grep -E '^[0-9A-F]{24}$' | head -n "$segments")
if (( ${#names[@]} < segments )); then
  echo "error: $waldir has ${#names[@]} segments, wanted $segments" >&2
  exit 1
fi
segsize=$(stat -c %s "$waldir/${names[0]}")

for b in "${backends[@]}"; do
  if [[ $b == file ]]; then
    echo "WALARCHIVE_URL=file:$work/file/bench" >"$work/$b.env"
    continue
  fi
  module=walarchive-$b
  version=$(cd "$root/$module/target" && ls "$module"-*-tests.jar | sed "s/^$module-\(.*\)-tests.jar$/\1/")
  cp="$root/$module/target/$module-$version-tests.jar:$root/$module/target/$module-$version.jar"
  cp="$cp:$(cat "$root/$module/target/bench-classpath.txt")"
  echo "starting the $b test server ..." >&2
  java "-Dwalarchive.azurite=$azurite" -cp "$cp" "$root/bench/BenchServer.java" "$b" \
    >"$work/$b.out" 2>"$work/$b.log" &
  pids+=($!)
  for _ in $(seq 1 600); do
    if grep -qx READY "$work/$b.out"; then break; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.2
  done
  if ! grep -qx READY "$work/$b.out"; then
    echo "error: the $b test server did not start; its output:" >&2
    cat "$work/$b.log" >&2
    exit 1
  fi
  grep -E '^WALARCHIVE_[A-Z0-9_]+=' "$work/$b.out" >"$work/$b.env"
done

config=$compression
key=""
if [[ ${ENCRYPT:-0} == 1 ]]; then
  key=$(head -c 32 /dev/urandom | base64)
  config="$compression+aes"
fi

use_backend() { # BACKEND RUN: exports that backend's variables, with a fresh prefix per run
  local k v
  while read -r k; do
    if [[ $k != WALARCHIVE_JAVA_OPTS ]]; then unset "$k"; fi
  done < <(compgen -e | grep -E '^WALARCHIVE_' || true)
  while IFS='=' read -r k v; do
    if [[ $k == WALARCHIVE_URL ]]; then v=$v-r$2; fi
    export "$k=$v"
  done <"$work/$1.env"
  export WALARCHIVE_COMPRESSION=$compression
  if [[ -n $key ]]; then export WALARCHIVE_KEY=$key; fi
}

calls=$work/calls.tsv
: >"$calls"
timed() { # RUN BACKEND OP NAME -- COMMAND...
  local run=$1 backend=$2 op=$3 name=$4
  shift 5
  local t0 t1
  times >"$work/times0"
  t0=$EPOCHREALTIME
  if ! "$@" >/dev/null 2>"$work/stderr"; then
    echo "error: $backend $op $name failed: $*" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  t1=$EPOCHREALTIME
  times >"$work/times1"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$config" "$backend" "$op" "$name" \
    "$segsize" "$t0" "$t1" "$(sed -n 2p "$work/times0") $(sed -n 2p "$work/times1")" >>"$calls"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$work/fetch"
for run in $(seq 1 "$runs"); do
  echo "run $run of $runs ..." >&2
  for op in push fetch; do
    for i in "${!names[@]}"; do
      name=${names[$i]}
      n=${#backends[@]}
      for j in $(seq 0 $((n - 1))); do
        b=${backends[$(((i + j + run) % n))]}
        use_backend "$b" "$run"
        if [[ $op == push ]]; then
          timed "$run" "$b" push "$name" -- "$launcher" wal-push "$waldir/$name"
        else
          rm -f "$work/fetch/$name"
          timed "$run" "$b" fetch "$name" -- "$launcher" wal-fetch "$name" "$work/fetch/$name"
          if ! cmp -s "$work/fetch/$name" "$waldir/$name"; then
            echo "error: $b fetched a different $name" >&2
            exit 1
          fi
          rm -f "$work/fetch/$name"
        fi
      done
    done
  done
done

cat <<HEADER
walarchive CLI per-call latency: $segments real WAL segments of $((segsize / 1048576)) MiB, $runs runs, $config, $(date -u +%Y-%m-%dT%H:%MZ)
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end
walarchive: $("$launcher" --version 2>&1 | head -1) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)), $(java -version 2>&1 | head -1)${WALARCHIVE_JAVA_OPTS:+, WALARCHIVE_JAVA_OPTS=$WALARCHIVE_JAVA_OPTS}
HEADER
if [[ " ${backends[*]} " != " file " ]]; then
  echo "servers (separate processes on 127.0.0.1, same machine): s3 = s3proxy (in-memory), gcs = the project's fake GCS server, azure = Azurite (in-memory)"
fi
python3 "$root/bench/bench-stats.py" latency "$calls"
if [[ -n ${RAW:-} ]]; then cp "$calls" "$RAW.calls.tsv"; fi
