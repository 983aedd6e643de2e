#!/usr/bin/env bash
# Async mode (issue 13) against the synchronous CLI, cp and (if installed) pgBackRest async, with a
# real PostgreSQL 15 archiver and a real recovery:
#
#  1. archiving: SEGMENTS segments of pgbench WAL wait as .ready (archive_command = ''); then the
#     tool's archive_command is set and the server reloaded; time until the archiver has archived
#     all of them (pg_stat_archiver). Tools: walarchive synchronous, walarchive with a spool,
#     `test ! -f && cp`, pgBackRest archive-async with process-max=2 (when installed). walarchive
#     and pgBackRest use zstd level 3 + encryption.
#  2. recovery: a base backup taken before the WAL is restored through restore_command until the
#     end of the archive; time from start until recovery ends. Tools: walarchive synchronous,
#     walarchive with a spool (prefetch), cp.
#  3. front-end cost of one wal-push call answered from the spool (farm-bench, when on PATH).
#
# Usage: bench/async-throughput.sh      Environment: SEGMENTS (default 50), RUNS (default 3),
# PGBIN (default /usr/lib/postgresql/15/bin). Prints per-run seconds, segments/s and medians.
# Needs the CLI built: mvn -B -q -DskipTests package -pl walarchive-examples -am
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
segments=${SEGMENTS:-50}
runs=${RUNS:-3}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
launcher=$root/walarchive-examples/target/walarchive/bin/walarchive
[[ -x $launcher ]] || { echo "error: build the CLI first (see the header)" >&2; exit 1; }

while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(WALARCHIVE|PGBACKREST)_' || true)

as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

work=$(mktemp -d /tmp/walarchive-async-bench.XXXXXX)
chmod 755 "$work"
data=$work/pgdata
port=$((20000 + RANDOM % 20000))
cleanup() {
  as_pg "$pgbin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$pgbin/pg_ctl" -D "$work/restore" -m immediate stop >/dev/null 2>&1 || true
  for pid in $(pgrep -f -- "--state-dir $work/" || true); do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [[ $(id -u) -eq 0 ]]; then chown postgres "$work"; fi

head -c 32 /dev/urandom | base64 >"$work/key"
cat >"$work/sync.properties" <<P
url=file:$work/archive-walarchive
compression=zstd:3
key-file=$work/key
P
cp "$work/sync.properties" "$work/async.properties"
echo "spool-dir=$work/spool" >>"$work/async.properties"
passphrase=$(head -c 48 /dev/urandom | base64 | tr -d '/+=')
if [[ $(id -u) -eq 0 ]]; then chown postgres "$work"/*; fi
chmod 600 "$work/key"

psql_() { as_pg psql -h "$work" -p "$port" -d postgres -Atqc "$1"; }

as_pg "$pgbin/initdb" -D "$data" -A trust >/dev/null
cat >>"$data/postgresql.conf" <<P
port=$port
listen_addresses=''
unix_socket_directories='$work'
wal_level=replica
archive_mode=on
archive_command=''
wal_keep_size='8GB'
max_wal_size='8GB'
checkpoint_timeout='1h'
P
as_pg "$pgbin/pg_ctl" -D "$data" -l "$work/pg.log" -w start >/dev/null
as_pg "$pgbin/pg_basebackup" -h "$work" -p "$port" -D "$work/backup" -X stream -c fast
# make the WAL: pgbench -i until SEGMENTS segments wait
scale=2
while :; do
  as_pg "$pgbin/pgbench" -h "$work" -p "$port" -i -q -s "$scale" postgres >/dev/null 2>&1
  psql_ "SELECT pg_switch_wal()" >/dev/null
  n=$(ls "$data/pg_wal/archive_status" | grep -c '\.ready$' || true)
  (( n >= segments )) && break
  scale=$((scale + 2))
done
mapfile -t ready < <(ls "$data/pg_wal/archive_status" | grep '\.ready$' | sed 's/\.ready$//' | sort)
count=${#ready[@]}
last=${ready[$((count - 1))]}
echo "$count segments wait (last $last, $(( $(stat -c %s "$data/pg_wal/$last") / 1048576 )) MiB each)" >&2

pgbr_conf() {
  cat >"$work/pgbackrest.conf" <<P
[global]
repo1-path=$work/archive-pgbackrest
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$passphrase
compress-type=zst
compress-level=3
archive-async=y
process-max=2
spool-path=$work/pgbr-spool
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock
log-level-console=warn
log-level-file=off
[bench]
pg1-path=$data
pg1-socket-path=$work
pg1-port=$port
P
  chmod 600 "$work/pgbackrest.conf"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$work/pgbackrest.conf"; fi
}

tools=(sync async cp)
if command -v pgbackrest >/dev/null; then tools+=(pgbackrest); fi

archive_cmd() {
  case $1 in
    sync) echo "$launcher wal-push --config $work/sync.properties %p" ;;
    async) echo "$launcher wal-push --config $work/async.properties %p" ;;
    cp) echo "test ! -f $work/archive-cp/%f && cp %p $work/archive-cp/%f" ;;
    pgbackrest) echo "pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p" ;;
  esac
}

reset_archive() { # TOOL: empties its archive (and spools), marks the segments ready again
  psql_ "ALTER SYSTEM SET archive_command = ''" >/dev/null
  psql_ "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  for pid in $(pgrep -f -- "--state-dir $work/" || true); do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work/archive-walarchive" "$work/archive-cp" "$work/archive-pgbackrest" "$work/spool" "$work/pgbr-"*
  as_pg mkdir -p "$work/archive-cp"
  for n in "${ready[@]}"; do
    s=$data/pg_wal/archive_status
    [[ -f $s/$n.done ]] && as_pg mv "$s/$n.done" "$s/$n.ready"
  done
  if [[ $1 == pgbackrest ]]; then
    pgbr_conf
    as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench stanza-create >/dev/null
  fi
}

results=$work/results.tsv
: >"$results"
for run in $(seq 1 "$runs"); do
  for tool in "${tools[@]}"; do
    reset_archive "$tool"
    psql_ "SELECT pg_stat_reset_shared('archiver')" >/dev/null
    t0=$EPOCHREALTIME
    psql_ "ALTER SYSTEM SET archive_command = '$(archive_cmd "$tool")'" >/dev/null
    psql_ "SELECT pg_reload_conf()" >/dev/null
    until [[ $(psql_ "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver") == t ]]; do
      sleep 0.05
    done
    t1=$EPOCHREALTIME
    secs=$(echo "$t1 - $t0" | bc -l)
    printf 'archive\t%s\t%s\t%.2f\n' "$tool" "$run" "$secs" | tee -a "$results" >&2
  done
done

# recovery of the same WAL from each tool's archive (walarchive's holds it from the last run of
# sync/async; cp's from its run), until the end of the archive
reset_archive cp
psql_ "ALTER SYSTEM SET archive_command = '$(archive_cmd cp)'" >/dev/null
psql_ "SELECT pg_reload_conf()" >/dev/null
until [[ $(psql_ "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver") == t ]]; do sleep 0.1; done
as_pg "$launcher" wal-push --config "$work/sync.properties" "$data/pg_wal/${ready[0]}" >/dev/null 2>&1 || true
for n in "${ready[@]}"; do as_pg "$launcher" wal-push --config "$work/sync.properties" "$data/pg_wal/$n" >/dev/null 2>&1 || true; done
as_pg "$pgbin/pg_ctl" -D "$data" -m fast stop >/dev/null

restore_cmd() {
  case $1 in
    sync) echo "$launcher wal-fetch --config $work/sync.properties %f %p" ;;
    async) echo "$launcher wal-fetch --config $work/async.properties %f %p" ;;
    cp) echo "cp $work/archive-cp/%f %p" ;;
  esac
}
for run in $(seq 1 "$runs"); do
  for tool in sync async cp; do
    for pid in $(pgrep -f -- "--state-dir $work/" || true); do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work/restore" "$work/spool" "$work/restore.log"
    as_pg cp -a "$work/backup" "$work/restore"
    cat >>"$work/restore/postgresql.conf" <<P
port=$port
restore_command='$(restore_cmd "$tool")'
recovery_target_action='promote'
archive_mode=off
P
    as_pg touch "$work/restore/recovery.signal"
    t0=$EPOCHREALTIME
    as_pg "$pgbin/pg_ctl" -D "$work/restore" -l "$work/restore.log" -w -t 600 start >/dev/null
    until [[ $(psql_ "SELECT NOT pg_is_in_recovery()" 2>/dev/null) == t ]]; do sleep 0.05; done
    t1=$EPOCHREALTIME
    restored=$(grep -c 'restored log file "[0-9A-F]\{24\}"' "$work/restore.log" || true)
    as_pg "$pgbin/pg_ctl" -D "$work/restore" -m immediate stop >/dev/null
    secs=$(echo "$t1 - $t0" | bc -l)
    printf 'recover\t%s\t%s\t%.2f\t%s\n' "$tool" "$run" "$secs" "$restored" | tee -a "$results" >&2
  done
done

echo
echo "median of $runs runs; $count segments"
python3 - "$results" "$count" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
count = int(sys.argv[2])
for phase in ("archive", "recover"):
    med = {}
    for r in rows:
        if r[0] == phase:
            med.setdefault(r[1], []).append(float(r[3]))
    if not med:
        continue
    base = "cp"
    print(f"{phase}:")
    for tool, xs in med.items():
        m = statistics.median(xs)
        extra = ""
        if phase == "recover":
            extra = "  restored " + next(r[4] for r in rows if r[0] == phase and r[1] == tool)
        print(f"  {tool:11s} {m:7.2f} s  {count / m:7.1f} segments/s  vs cp {statistics.median(med[base]) / m:5.2f}x{extra}")
    if "pgbackrest" in med and "async" in med:
        print(f"  walarchive async / pgBackRest async: {statistics.median(med['pgbackrest']) / statistics.median(med['async']):.2f}x")
    if "sync" in med and "async" in med:
        print(f"  walarchive async / walarchive sync: {statistics.median(med['sync']) / statistics.median(med['async']):.2f}x")
PY

# front-end cost of a call answered from the spool
if command -v farm-bench >/dev/null; then
  as_pg "$pgbin/pg_ctl" -D "$data" -l "$work/pg.log" -w start >/dev/null
  psql_ "ALTER SYSTEM SET archive_command = ''" >/dev/null
  psql_ "SELECT pg_reload_conf()" >/dev/null
  n=$(psql_ "SELECT pg_walfile_name(pg_switch_wal())")
  psql_ "SELECT pg_switch_wal()" >/dev/null
  sleep 1
  # the worker pushes n ahead (status .ready stays, so the ack stays)
  (cd "$data" && as_pg "$launcher" wal-push --config "$work/async.properties" "pg_wal/$n")
  echo
  echo "front-end: one wal-push answered from the spool (cd \$PGDATA && walarchive wal-push pg_wal/$n):"
  (cd "$data" && farm-bench -n 30 --vs "runuser -u postgres -- true" -- runuser -u postgres -- "$launcher" wal-push --config "$work/async.properties" "pg_wal/$n")
fi
