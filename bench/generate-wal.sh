#!/usr/bin/env bash
# Generates real PostgreSQL WAL segments for the walarchive benchmarks.
#
# Usage: bench/generate-wal.sh <outdir> [segments]
#
# Starts a throw-away PostgreSQL cluster (as user postgres when run as root) in a temporary
# directory, with archive_mode=on, loads it with `pgbench -i`, runs pgbench (TPC-B like
# transactions) until at least <segments> (default 8) complete segments were archived during the
# run, and copies the newest <segments> complete segments of the run to <outdir>.
# The server is always stopped and the temporary directory removed, also on failure.
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin), PGBENCH_SCALE (default 20),
# PGBENCH_CLIENTS (default 4), KEEP_DATA (a path that does not exist yet: the stopped cluster's
# data directory is moved there instead of being removed, for tools such as pgBackRest that check
# that segments come from the cluster they are configured for; its postgresql.conf still names
# the removed temporary directory, so fix archive_command and unix_socket_directories before
# starting it again).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <outdir> [segments]" >&2
  exit 2
fi
outdir=$1
segments=${2:-8}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
scale=${PGBENCH_SCALE:-20}
clients=${PGBENCH_CLIENTS:-4}

if [[ ! -x $pgbin/initdb ]]; then
  echo "error: no PostgreSQL binaries in $pgbin; set PGBIN or apt-get install postgresql-15" >&2
  exit 1
fi

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d /tmp/walarchive-wal.XXXXXX)
chmod 755 "$work"
mkdir "$work/archive"
if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$work"; fi
data=$work/data
started=false

cleanup() {
  if $started; then
    as_pg "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 \
      || as_pg "$pgbin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

as_pg "$pgbin/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
wal_level = replica
archive_mode = on
archive_command = 'cp %p $work/archive/%f'
max_wal_size = 1GB
checkpoint_timeout = 60s
synchronous_commit = off
CONF
as_pg "$pgbin/pg_ctl" -D "$data" -l "$work/server.log" -w start >/dev/null
started=true

psql() { as_pg "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -X -A -t -q "$@"; }
pgbench() { as_pg "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres "$@"; }

pgbench -i -q -s "$scale" postgres >/dev/null 2>&1
psql -c 'CHECKPOINT' postgres
first=$(psql -c 'SELECT pg_walfile_name(pg_current_wal_insert_lsn())' postgres)
echo "pgbench run starts in segment $first" >&2

archived_in_run() {
  (cd "$work/archive" && ls) | grep -E '^[0-9A-F]{24}$' \
    | awk -v first="$first" -v current="$current" '$0 > first && $0 < current'
}

# run pgbench in rounds until enough complete segments of the run are in the archive; after each
# round wait until the archiver has no segment older than the current one left to archive
while :; do
  pgbench -n -c "$clients" -j 2 -T 10 postgres >/dev/null 2>&1
  current=$(psql -c 'SELECT pg_walfile_name(pg_current_wal_insert_lsn())' postgres)
  for _ in $(seq 1 240); do
    pending=$(psql -c "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name ~ '^[0-9A-F]{24}[.]ready\$' AND name < '$current'" postgres)
    if (( pending == 0 )); then break; fi
    sleep 0.5
  done
  done_count=$(archived_in_run | wc -l)
  echo "  $done_count complete segments archived so far" >&2
  if (( done_count >= segments )); then break; fi
done

mkdir -p "$outdir"
mapfile -t names < <(archived_in_run | tail -n "$segments")
if (( ${#names[@]} < segments )); then
  echo "error: only ${#names[@]} segments archived, wanted $segments" >&2
  exit 1
fi
for n in "${names[@]}"; do cp "$work/archive/$n" "$outdir/$n"; done
if [[ $(id -u) -eq 0 ]]; then chown "$(id -u):$(id -g)" "$outdir"/*; fi
if [[ -n ${KEEP_DATA:-} ]]; then
  as_pg "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  started=false
  mv "$data" "$KEEP_DATA"
  echo "kept the stopped cluster in $KEEP_DATA" >&2
fi
echo "copied ${#names[@]} segments to $outdir: ${names[0]} .. ${names[-1]}" >&2
