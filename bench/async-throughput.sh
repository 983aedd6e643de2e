#!/usr/bin/env bash
# Async mode (issue 13) against the synchronous CLI, cp and (if installed) pgBackRest async, with a
# real PostgreSQL 15 archiver and a real recovery:
#
#  1. archiving: SEGMENTS segments of pgbench WAL wait as .ready (archive_command = ''); then the
#     tool's archive_command is set and the server reloaded; time until the archiver has archived
#     all of them (the last one's archive_status/*.done). Tools: walarchive synchronous, walarchive with a spool,
#     a warm 'walarchive agent' (async-agent: not in the default tools), `test ! -f && cp`,
#     pgBackRest archive-async with process-max=2 (when installed). walarchive
#     and pgBackRest use zstd level 3 + encryption.
#  2. recovery: a base backup taken before the WAL is restored through restore_command until the
#     end of the archive; time from start until recovery ends. Tools: walarchive synchronous,
#     walarchive with a spool (prefetch), cp; async-agent (not in the default tools): the same
#     with a 'walarchive agent' for the restored directory started (untimed) before PostgreSQL.
#  3. front-end cost of one wal-push call answered from the spool (median of FRONTEND_CALLS timed calls).
#
# Usage: bench/async-throughput.sh      Environment: SEGMENTS (default 50), RUNS (default 3),
# PGBIN (default /usr/lib/postgresql/15/bin), TOOLS (archiving tools, default "sync async cp
# pgbackrest"), RECOVERY_TOOLS (default "sync async cp"; empty: no recovery), WORKER_JAVA_OPTS
# (JVM options of the async worker, e.g. a flight recording), BASELINE (the target/walarchive
# directory of another build: adds async-baseline / async-agent-baseline wherever async /
# async-agent is listed, measured in turn with it, for an A/B comparison of two builds), WARM_SEGMENTS (default 10: for the tool async-agent, a permanent
# 'walarchive agent' started before the run and warmed by archiving the first WARM_SEGMENTS
# segments; only the rest are timed, rates are per timed segment), FRONTEND_CALLS (default 30; 0: no front-end figure), KEEP_WORK=1
# (keep the work directory). Prints per-run seconds, segments/s, medians and ratios.
#
# STORE=s3 LATENCY_MS=20 (default 20): the same against a local S3 server (s3proxy, in memory, in
# a process of its own) behind a proxy that adds LATENCY_MS per round trip (bench/DelayProxy.java),
# like a store in another zone or region. Tools then default to "sync async" (pgBackRest's S3
# client speaks only TLS, s3proxy here only plain HTTP); ASYNC_PARALLELISM (default 4, the
# setting's own default) sets async-parallelism. The first run builds the S3 module's test class
# path (mvn package dependency:build-classpath, a minute).
#
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
  stop_workers
  if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
stop_workers() { # SIGTERM first (a flight recording is written at exit), then SIGKILL
  local pids
  pids=$(pgrep -f -- "--state-dir $work/" || true)
  [[ -n $pids ]] || return 0
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    pids=$(pgrep -f -- "--state-dir $work/" || true)
    [[ -n $pids ]] || return 0
    sleep 0.1
  done
  kill -9 $pids 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [[ $(id -u) -eq 0 ]]; then chown postgres "$work"; fi

store=${STORE:-file}
latency=${LATENCY_MS:-20}
store_pids=()
stop_store() { for pid in ${store_pids[@]+"${store_pids[@]}"}; do kill "$pid" 2>/dev/null || true; done; }
s3_props=
case $store in
  file) ;;
  s3)
    module=walarchive-s3
    if ! ls "$root/$module/target/$module"-*-tests.jar >/dev/null 2>&1 || [[ ! -f $root/$module/target/bench-classpath.txt ]]; then
      echo "building the test class path of $module ..." >&2
      (cd "$root" && mvn -B -q -DskipTests -Dmaven.javadoc.skip package dependency:build-classpath \
        -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt -pl "$module" -am >&2)
    fi
    version=$(cd "$root/$module/target" && ls "$module"-*-tests.jar | sed "s/^$module-\(.*\)-tests.jar$/\1/")
    cp="$root/$module/target/$module-$version-tests.jar:$root/$module/target/$module-$version.jar"
    cp="$cp:$(cat "$root/$module/target/bench-classpath.txt")"
    java -cp "$cp" "$root/bench/BenchServer.java" s3 >"$work/s3.out" 2>"$work/s3.log" &
    store_pids+=($!)
    for _ in $(seq 1 600); do grep -qx READY "$work/s3.out" 2>/dev/null && break; sleep 0.2; done
    grep -qx READY "$work/s3.out" || { echo "error: s3proxy did not start:" >&2; cat "$work/s3.log" >&2; exit 1; }
    s3_port=$(sed -n 's|^WALARCHIVE_S3_ENDPOINT=http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/s3.out")
    java "$root/bench/DelayProxy.java" "$s3_port" "$latency" >"$work/proxy.out" 2>"$work/proxy.log" &
    store_pids+=($!)
    for _ in $(seq 1 300); do grep -qx READY "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
    grep -qx READY "$work/proxy.out" || { echo "error: the delaying proxy did not start:" >&2; cat "$work/proxy.log" >&2; exit 1; }
    proxy_port=$(sed -n 's/^PORT=//p' "$work/proxy.out")
    s3_url=$(sed -n 's/^WALARCHIVE_URL=//p' "$work/s3.out")
    # WALARCHIVE_S3_PATH_STYLE=true -> s3.path-style=true; the endpoint is the proxy's
    s3_props=$(sed -n 's/^WALARCHIVE_S3_\([A-Z_]*\)=\(.*\)$/\1 \2/p' "$work/s3.out" | while read -r k v; do
      k=$(echo "$k" | tr 'A-Z_' 'a-z-')
      [[ $k == endpoint ]] && v=http://127.0.0.1:$proxy_port
      echo "s3.$k=$v"
    done)
    echo "s3proxy on port $s3_port, behind a proxy adding $latency ms per round trip on port $proxy_port" >&2
    ;;
  *) echo "error: STORE must be file or s3, not '$store'" >&2; exit 2 ;;
esac
trap 'cleanup; stop_store' EXIT

head -c 32 /dev/urandom | base64 >"$work/key"
archive_generation=0
write_props() { # a fresh, empty walarchive archive for the next run
  archive_generation=$((archive_generation + 1))
  if [[ $store == s3 ]]; then
    printf 'url=%s-%s\n%s\n' "$s3_url" "$archive_generation" "$s3_props" >"$work/sync.properties"
  else
    echo "url=file:$work/archive-walarchive" >"$work/sync.properties"
  fi
  printf 'compression=zstd:3\nkey-file=%s\n' "$work/key" >>"$work/sync.properties"
  cp "$work/sync.properties" "$work/async.properties"
  echo "spool-dir=$work/spool" >>"$work/async.properties"
  if [[ -n ${ASYNC_PARALLELISM:-} ]]; then echo "async-parallelism=$ASYNC_PARALLELISM" >>"$work/async.properties"; fi
  chmod 600 "$work/sync.properties" "$work/async.properties"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$work/sync.properties" "$work/async.properties"; fi
}
write_props
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

if [[ $store == s3 ]]; then default_tools="sync async"; else default_tools="sync async cp pgbackrest"; fi
read -r -a tools <<<"${TOOLS-$default_tools}"
if ! command -v pgbackrest >/dev/null; then
  for i in "${!tools[@]}"; do [[ ${tools[$i]} != pgbackrest ]] || unset "tools[$i]"; done
fi
if [[ $store == s3 ]]; then default_tools="sync async"; else default_tools="sync async cp"; fi
read -r -a recovery_tools <<<"${RECOVERY_TOOLS-$default_tools}"
baseline_launcher=
if [[ -n ${BASELINE:-} ]]; then
  baseline_launcher=$(cd "$BASELINE" && pwd)/bin/walarchive
  [[ -x $baseline_launcher ]] || { echo "error: BASELINE=$BASELINE has no bin/walarchive" >&2; exit 1; }
  # each baseline tool once, after its tool (listing it as well does not measure it twice)
  has() { local t want=$1; shift; for t; do [[ $t != "$want" ]] || return 0; done; return 1; }
  for t in async async-agent; do
    if has "$t" "${tools[@]}" && ! has "$t-baseline" "${tools[@]}"; then tools+=("$t-baseline"); fi
  done
  if has async "${recovery_tools[@]}" && ! has async-baseline "${recovery_tools[@]}"; then
    recovery_tools+=(async-baseline)
  fi
fi
worker_env=
if [[ -n ${WORKER_JAVA_OPTS:-} ]]; then worker_env="WALARCHIVE_JAVA_OPTS=\"$WORKER_JAVA_OPTS\" "; fi

archive_cmd() {
  case $1 in
    sync) echo "$launcher wal-push --config $work/sync.properties %p" ;;
    async) echo "$worker_env$launcher wal-push --config $work/async.properties %p" ;;
    async-baseline | async-agent-baseline) echo "$worker_env$baseline_launcher wal-push --config $work/async.properties %p" ;;
    async-agent) echo "$launcher wal-push --config $work/async.properties %p" ;;
    cp) echo "test ! -f $work/archive-cp/%f && cp %p $work/archive-cp/%f" ;;
    pgbackrest) echo "pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p" ;;
  esac
}

reset_archive() { # TOOL: empties its archive (and spools), marks the segments ready again
  psql_ "ALTER SYSTEM SET archive_command = ''" >/dev/null
  psql_ "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  stop_workers
  rm -rf "$work/archive-walarchive" "$work/archive-cp" "$work/archive-pgbackrest" "$work/spool" "$work/pgbr-"*
  write_props
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
warm=${WARM_SEGMENTS:-10}
start_agent() { # LAUNCHER [PGDATA]: a permanent worker (walarchive agent) for the data directory, started first
  rm -f "$work/agent.log"
  as_pg env ${WORKER_JAVA_OPTS:+WALARCHIVE_JAVA_OPTS="$WORKER_JAVA_OPTS"} setsid "$1" agent --pgdata "${2:-$data}" \
    --config "$work/async.properties" </dev/null >>"$work/agent.log" 2>&1 &
  for _ in $(seq 1 300); do
    grep -qs 'worker started' "$work/agent.log" && return 0
    sleep 0.1
  done
  echo "error: walarchive agent did not start:" >&2; cat "$work/agent.log" >&2; exit 1
}
mark_ready() { # ready|hold NAME...: renames NAME.hold to NAME.ready (or back), in one process
  local to=$1 from=ready
  shift
  [[ $to == ready ]] && from=hold
  as_pg bash -c 'cd "$1" && f=$2 && t=$3 && shift 3 && for n; do mv "$n.$f" "$n.$t"; done' \
    mark "$data/pg_wal/archive_status" "$from" "$to" "$@"
}
# a pause without a process (read times out on a FIFO this shell holds open both ways): a `sleep`
# and a `psql` every 50 ms (as before 2026-12-03) took about 10% of the machine's CPU while a tool
# archived (perf -a), CPU that a tool compressing on the same 2 cores then lacks
mkfifo "$work/nap"
exec 7<>"$work/nap"
nap() { read -r -t "$1" -u 7 _ || true; }
wait_archived() { # NAME: until the archiver has archived NAME (archives in order, then marks .done)
  until [[ -f $data/pg_wal/archive_status/$1.done ]]; do nap 0.02; done
}
for run in $(seq 1 "$runs"); do
  for tool in "${tools[@]}"; do
    reset_archive "$tool"
    psql_ "SELECT pg_stat_reset_shared('archiver')" >/dev/null
    timed=("${ready[@]}")
    case $tool in
      async-agent | async-agent-baseline)
        # a warm agent: started before, warmed by archiving the first WARM_SEGMENTS segments (the
        # others held back), then the rest wait and are timed
        if [[ $tool == async-agent ]]; then start_agent "$launcher"; else start_agent "$baseline_launcher"; fi
        s=$data/pg_wal/archive_status
        mark_ready hold "${ready[@]:$warm}"
        psql_ "ALTER SYSTEM SET archive_command = '$(archive_cmd "$tool")'" >/dev/null
        psql_ "SELECT pg_reload_conf()" >/dev/null
        wait_archived "${ready[$((warm - 1))]}"
        psql_ "ALTER SYSTEM SET archive_command = ''" >/dev/null
        psql_ "SELECT pg_reload_conf()" >/dev/null
        sleep 1
        timed=("${ready[@]:$warm}")
        # all at once (one process: a runuser per file let them trickle in over ~0.5 s)
        t0=$EPOCHREALTIME
        mark_ready ready "${timed[@]}"
        ;;
      *) t0=$EPOCHREALTIME ;;
    esac
    psql_ "ALTER SYSTEM SET archive_command = '$(archive_cmd "$tool")'" >/dev/null
    psql_ "SELECT pg_reload_conf()" >/dev/null
    wait_archived "$last"
    t1=$EPOCHREALTIME
    secs=$(echo "$t1 - $t0" | bc -l)
    printf 'archive\t%s\t%s\t%.2f\t%s\n' "$tool" "$run" "$secs" "${#timed[@]}" | tee -a "$results" >&2
  done
done

if (( ${#recovery_tools[@]} > 0 )); then
# recovery of the same WAL from each tool's archive (walarchive's holds it from the last run of
# sync/async; cp's from its run), until the end of the archive
reset_archive cp
psql_ "ALTER SYSTEM SET archive_command = '$(archive_cmd cp)'" >/dev/null
psql_ "SELECT pg_reload_conf()" >/dev/null
until [[ $(psql_ "SELECT coalesce(last_archived_wal, '') >= '$last' FROM pg_stat_archiver") == t ]]; do sleep 0.1; done
# walarchive's archive: every segment through one async worker (quicker than a JVM per segment)
(cd "$data" && for n in "${ready[@]}"; do as_pg "$launcher" wal-push --config "$work/async.properties" "pg_wal/$n" >/dev/null 2>&1 || true; done)
stop_workers
rm -rf "$work/spool"
as_pg "$pgbin/pg_ctl" -D "$data" -m fast stop >/dev/null

restore_cmd() {
  case $1 in
    sync) echo "$launcher wal-fetch --config $work/sync.properties %f %p" ;;
    async | async-agent) echo "$worker_env$launcher wal-fetch --config $work/async.properties %f %p" ;;
    async-baseline) echo "$worker_env$baseline_launcher wal-fetch --config $work/async.properties %f %p" ;;
    cp) echo "cp $work/archive-cp/%f %p" ;;
  esac
}
for run in $(seq 1 "$runs"); do
  # odd runs in the order given, even runs in reverse: on this virtual machine, writing into page
  # cache pages that were not used for a while costs several times more than into pages just
  # freed (dd of 1 GiB: 1.7 s of system time, then 0.24 s), so no tool always goes first
  order=(${recovery_tools[@]+"${recovery_tools[@]}"})
  if ((run % 2 == 0)); then
    for ((i = 0, j = ${#order[@]} - 1; i < j; i++, j--)); do
      t=${order[i]} order[i]=${order[j]} order[j]=$t
    done
  fi
  for tool in ${order[@]+"${order[@]}"}; do
    stop_workers
    rm -rf "$work/restore" "$work/spool" "$work/restore.log"
    as_pg cp -a "$work/backup" "$work/restore"
    cat >>"$work/restore/postgresql.conf" <<P
port=$port
restore_command='$(restore_cmd "$tool")'
recovery_target_action='promote'
archive_mode=off
P
    as_pg touch "$work/restore/recovery.signal"
    # async-agent: the sidecar set-up, a 'walarchive agent' for the restored directory started
    # (not timed) before PostgreSQL; it prefetches from the first fetch on, as the on-demand worker
    if [[ $tool == async-agent ]]; then start_agent "$launcher" "$work/restore"; fi
    t0=$EPOCHREALTIME
    as_pg "$pgbin/pg_ctl" -D "$work/restore" -l "$work/restore.log" -w -t 600 start >/dev/null
    # the end of recovery from the server's log, read every 50 ms: a psql poll every 50 ms (as
    # before 2026-12-03) took 10 to 16% of the machine's CPU during the timed recovery (perf -a),
    # CPU that a tool decoding on the same 2 cores then lacks
    until grep -qF 'database system is ready to accept connections' "$work/restore.log" 2>/dev/null; do
      nap 0.05
    done
    t1=$EPOCHREALTIME
    restored=$(grep -c 'restored log file "[0-9A-F]\{24\}"' "$work/restore.log" || true)
    as_pg "$pgbin/pg_ctl" -D "$work/restore" -m immediate stop >/dev/null
    secs=$(echo "$t1 - $t0" | bc -l)
    printf 'recover\t%s\t%s\t%.2f\t%s\n' "$tool" "$run" "$secs" "$restored" | tee -a "$results" >&2
  done
done

fi

echo
echo "median of $runs runs; $count segments (async-agent: the last $((count - warm)), timed after a warm-up batch)"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def pair_ratio(phase, a, b):
    """median over runs of rate(a) / rate(b)"""
    runs = {}
    for r in rows:
        if r[0] == phase:
            runs.setdefault(r[2], {})[r[1]] = r
    xs = []
    for v in runs.values():
        if a in v and b in v:
            ra = int(v[a][4]) / float(v[a][3]) if phase == "archive" else 1 / float(v[a][3])
            rb = int(v[b][4]) / float(v[b][3]) if phase == "archive" else 1 / float(v[b][3])
            xs.append(ra / rb)
    return statistics.median(xs) if xs else None
for phase in ("archive", "recover"):
    secs, counts = {}, {}
    for r in rows:
        if r[0] == phase:
            secs.setdefault(r[1], []).append(float(r[3]))
            counts[r[1]] = int(r[4])
    if not secs:
        continue
    print(f"{phase}:")
    rate = {}
    for tool, xs in secs.items():
        m = statistics.median(xs)
        rate[tool] = counts[tool] / m
        print(f"  {tool:20s} {m:7.2f} s  (min {min(xs):.2f}, max {max(xs):.2f})  {counts[tool]:4d} segments  {rate[tool]:7.1f} segments/s", end="")
        if "cp" in secs:
            vs = rate[tool] / (counts['cp'] / statistics.median(secs['cp'])) if phase == "archive" else statistics.median(secs['cp']) / m
            print(f"  vs cp {vs:5.2f}x", end="")
        print()
    for a, b, label in (("async", "pgbackrest", "walarchive async (worker on demand) / pgBackRest async"),
                        ("async-agent", "pgbackrest", "walarchive async, warm agent / pgBackRest async"),
                        ("async", "async-baseline", "walarchive async / async-baseline"),
                        ("async-agent", "async-agent-baseline", "walarchive warm agent / agent-baseline"),
                        ("async", "sync", "walarchive async / walarchive sync"),
                        ("async", "cp", "walarchive async / cp"),
                        ("async-agent", "cp", "walarchive async, agent started first / cp")):
        if a in secs and b in secs:
            x = pair_ratio(phase, a, b)
            if x is not None:
                print(f"  {label} (rate, median of per-run ratios): {x:.2f}x")
PY

# front-end cost of a call answered from the spool: median wall time of FRONTEND_CALLS calls
# (default 30), each a fresh process as PostgreSQL makes it, against `sh -c true` the same way
frontend_calls=${FRONTEND_CALLS:-30}
if (( frontend_calls > 0 )); then
  if [[ $(as_pg "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; echo $?) != 0 ]]; then
    as_pg "$pgbin/pg_ctl" -D "$data" -l "$work/pg.log" -w start >/dev/null
  fi
  psql_ "ALTER SYSTEM SET archive_command = ''" >/dev/null
  psql_ "SELECT pg_reload_conf()" >/dev/null
  n=$(psql_ "SELECT pg_walfile_name(pg_switch_wal())")
  psql_ "SELECT pg_switch_wal()" >/dev/null
  sleep 1
  # the worker pushes n ahead (status .ready stays, so the ack stays)
  (cd "$data" && as_pg "$launcher" wal-push --config "$work/async.properties" "pg_wal/$n")
  (cd "$data" && as_pg "$launcher" wal-push --config "$work/async.properties" "pg_wal/$n")
  call_ms() { # CMD...: median ms of frontend_calls runs
    local xs=() t0 t1 i
    for i in $(seq 1 "$frontend_calls"); do
      t0=$EPOCHREALTIME
      "$@" >/dev/null
      t1=$EPOCHREALTIME
      xs+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
    done
    printf '%s\n' "${xs[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'
  }
  cd "$data"
  fe=$(call_ms as_pg "$launcher" wal-push --config "$work/async.properties" "pg_wal/$n")
  base=$(call_ms as_pg sh -c true)
  cd "$root"
  echo
  echo "front-end: one wal-push answered from the spool, median of $frontend_calls: $fe ms wall (the same call of sh -c true: $base ms)"
fi
