#!/usr/bin/env bash
# Async mode's front-end cost: wall time of one call answered from the spool, each a fresh process
# as PostgreSQL starts it, against `sh -c true` started the same way:
#  - wal-push of a segment the worker already pushed (answered from its ack), and
#  - wal-fetch of a prefetched segment (put back into <key>/prefetch/ before each call, and
#    pg_wal/RECOVERYXLOG removed, as PostgreSQL removes it before it calls restore_command; both
#    untimed).
# A cluster from initdb (its first segment), a file: archive with zstd + encryption, a worker
# started by the first call. Medians of CALLS calls (default 30); with BASELINE (the
# target/walarchive directory of another build) that build's launcher in turn with this one.
#
# Usage: [CALLS=30] [BASELINE=dir] bench/frontend-cost.sh     (as root it runs as postgres)
# Needs the CLI built: mvn -B -q -DskipTests package -pl walarchive-examples -am
set -euo pipefail
if [[ $(id -u) -eq 0 ]]; then exec runuser -u postgres -- bash "$0" "$@"; fi
root=$(cd "$(dirname "$0")/.." && pwd)
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
calls=${CALLS:-30}
launchers=("$root/walarchive-examples/target/walarchive/bin/walarchive")
[[ -x ${launchers[0]} ]] || { echo "error: build the CLI first (see the header)" >&2; exit 1; }
if [[ -n ${BASELINE:-} ]]; then launchers+=("$(cd "$BASELINE" && pwd)/bin/walarchive"); fi
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^WALARCHIVE_' || true)

work=$(mktemp -d /tmp/walarchive-frontend-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  local pids
  pids=$(pgrep -f -- "--state-dir $work/" || true)
  [[ -z $pids ]] || kill $pids 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$pgbin/initdb" -D "$work/pgdata" -A trust >/dev/null
head -c 32 /dev/urandom | base64 >"$work/key"
printf 'url=file:%s/archive\ncompression=zstd:3\nkey-file=%s/key\nspool-dir=%s/spool\n' \
  "$work" "$work" "$work" >"$work/async.properties"
chmod 600 "$work/key" "$work/async.properties"
seg=$(ls "$work/pgdata/pg_wal" | grep -E '^[0-9A-F]{24}$' | head -1)
touch "$work/pgdata/pg_wal/archive_status/$seg.ready"
cfg=$work/async.properties
cd "$work/pgdata"
"${launchers[0]}" wal-push --config "$cfg" "pg_wal/$seg"
"${launchers[0]}" wal-fetch --config "$cfg" "$seg" pg_wal/RECOVERYXLOG
key=$(ls -d "$work"/spool/*/)
cp pg_wal/RECOVERYXLOG "$work/segment"

declare -A ms
for _ in $(seq 1 "$calls"); do
  for l in "${launchers[@]}" true; do
    for op in push fetch; do
      if [[ $op == fetch ]]; then
        rm -f pg_wal/RECOVERYXLOG
        cp "$work/segment" "$key/prefetch/.next"
        mv "$key/prefetch/.next" "$key/prefetch/$seg"
      fi
      if [[ $l == true ]]; then
        t0=$EPOCHREALTIME; sh -c true; t1=$EPOCHREALTIME
      elif [[ $op == push ]]; then
        t0=$EPOCHREALTIME; "$l" wal-push --config "$cfg" "pg_wal/$seg"; t1=$EPOCHREALTIME
      else
        t0=$EPOCHREALTIME; "$l" wal-fetch --config "$cfg" "$seg" pg_wal/RECOVERYXLOG; t1=$EPOCHREALTIME
      fi
      ms[$l $op]+="$(echo "($t1 - $t0) * 1000" | bc -l) "
    done
  done
done
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f ms (min %.1f, max %.1f)", m, a[1], a[NR]}'; }
echo "median of $calls calls each, in turns ($(uptime | sed 's/.*load/load/'))"
for l in "${launchers[@]}"; do
  echo "$l"
  echo "  wal-push answered from the spool:  $(median "${ms[$l push]}")"
  echo "  wal-fetch of a prefetched segment: $(median "${ms[$l fetch]}")"
done
echo "sh -c true, started the same way:   $(median "${ms[true push]} ${ms[true fetch]}")"
