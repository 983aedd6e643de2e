#!/usr/bin/env bash
# Times a full base backup and its restore through walarchive (backup-push, restore) against
# pgBackRest (backup --type=full, restore) and pg_basebackup -Ft -z (and tar to unpack it), on one
# PostgreSQL 15 cluster made with pgbench on this machine, RUNS times each (default 3, on the same
# cluster), and prints every run's wall times, the medians, bytes stored and the ratios of the
# medians. The machine's load is printed with each run.
#
# Usage: SCALE=70 RUNS=3 bench/restore-vs-pgbackrest.sh   (scale 70 is about 1 GiB)
#
# What each tool does (the same work, as far as each allows):
# - both compress with zstd level 3 and encrypt (walarchive AES-256-GCM with a random 256-bit key
#   file; pgBackRest repo1-cipher-type=aes-256-cbc with a random passphrase), into a local
#   directory (walarchive file:, pgBackRest posix repository); both with 2 workers (backup-push and
#   restore --parallel 2, pgBackRest process-max=2);
# - both start with an immediate checkpoint (backup-push by default, pgBackRest start-fast=y);
# - both wait until the WAL the backup needs is in their own archive before calling it complete:
#   while a tool's backups are timed, the server's archive_command is that tool's own (walarchive
#   wal-push, pgbackrest archive-push; switched with ALTER SYSTEM and a reload), and pgBackRest
#   runs with archive-check=y (it polls its repository for the stop segment; backup-push polls the
#   archive for the backup history file and the stop segment);
# - pgBackRest checksums every file (SHA-1) and checks page checksums only if the cluster has
#   them (initdb here: no data checksums); walarchive stores each file's SHA-256;
# - restores: walarchive authenticates every chunk of every object (GCM tags), checks each object's
#   lengths and trailer against its storage metadata and every file's SHA-256 (the object's own
#   HMAC-SHA-256 of the same bytes is not recomputed), fsyncs every file and directory; pgBackRest
#   verifies each file's SHA-1 and fsyncs.
#   The restores are not started (walarchive's drills prove those start).
# - fairness of the machine: odd runs time walarchive first, even runs pgBackRest first; the data
#   directory (for backups) and each repository (for restores) are read into the page cache just
#   before each timed run, and sync runs after each restore (so that one tool's dirty pages are not
#   written back during the other's run).
# - the archiver has archived the WAL of pgbench -i before the backups start; pg_basebackup runs
#   with -X none -c fast (its WAL wait uses pgBackRest's archive_command).
#
# WALARCHIVE_JAVA_OPTS is passed to backup-push and restore only (not to the server's wal-push);
# BENCH_JFR=DIR records a JFR profile of each walarchive backup-push and restore into DIR.
#
# Needs: PostgreSQL 15 and pgbench, pgBackRest (apt-get install pgbackrest), and the CLI built:
# mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples -am
# Runs the servers as user postgres when run as root. Everything is removed on exit (KEEP=1 keeps
# the work directory, for more runs by hand).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
scale=${SCALE:-70}
runs=${RUNS:-3}
java_opts=${WALARCHIVE_JAVA_OPTS:-}
unset WALARCHIVE_JAVA_OPTS
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
launcher=$root/walarchive-examples/target/walarchive/bin/walarchive
for tool in pgbackrest "$pgbin/pg_ctl" "$pgbin/pgbench"; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool is missing (PostgreSQL 15 and pgBackRest are needed)" >&2
    exit 1
  fi
done
if [[ ! -x $launcher ]]; then
  echo "error: the CLI is not built; run in $root:" >&2
  echo "  mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples -am" >&2
  exit 1
fi
while read -r var; do
  unset "$var"
done < <(compgen -e | grep -E "^(WALARCHIVE|PGBACKREST)_" || true)

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d /tmp/walarchive-restore-bench-XXXXXX)
chmod 755 "$work"
if [[ $(id -u) -eq 0 ]]; then chown postgres: "$work"; fi
port=$((20000 + RANDOM % 20000))
cleanup() {
  as_pg "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  if [[ -n ${KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

as_pg head -c 32 /dev/urandom | base64 >"$work/archive.key"
cat >"$work/walarchive.properties" <<P
url=file:$work/archive-walarchive
compression=zstd:3
key-file=$work/archive.key
key-id=k1
P
cat >"$work/pgbackrest.conf" <<P
[global]
repo1-path=$work/archive-pgbackrest
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$(head -c 24 /dev/urandom | base64)
compress-type=zst
compress-level=3
process-max=2
archive-check=y
start-fast=y
repo1-retention-full=99
log-level-console=warn
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock

[bench]
pg1-path=$work/data
pg1-port=$port
pg1-socket-path=$work
P
mkdir -p "$work/pgbr-log" "$work/pgbr-lock"
chmod 600 "$work/archive.key" "$work/walarchive.properties" "$work/pgbackrest.conf"
if [[ $(id -u) -eq 0 ]]; then chown postgres: "$work"/*; fi

echo "initdb and pgbench -i -s $scale ..." >&2
as_pg "$pgbin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
cat >>"$work/data/postgresql.auto.conf" <<P
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
archive_mode = on
archive_command = '$launcher wal-push --config $work/walarchive.properties %p'
max_wal_size = '2GB'
P
as_pg "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
as_pg "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$scale" postgres >/dev/null 2>&1
as_pg "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc "CHECKPOINT" postgres >/dev/null
# pgbench -i leaves about 1 GiB of WAL for archive_command; let the archiver catch up first, so
# that backup-push's pg_backup_stop (which waits for the WAL it needs to be archived) is not timed
# for archiving the load's WAL backlog, which pgBackRest (archive-check=n) does not wait for
echo "waiting for the archiver to catch up ..." >&2
until [[ $(as_pg "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc \
  "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'" postgres) == 0 ]]; do
  sleep 1
done
size=$(du -sb "$work/data" | cut -f1)
as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench stanza-create

seconds() { # runs "$@" and prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
psql_() { as_pg "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc "$1" postgres; }
use_archive_command() { # $1: the command; waits until the archiver has nothing left to archive
  psql_ "ALTER SYSTEM SET archive_command = '$1'" >/dev/null
  psql_ "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  until [[ $(psql_ "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'") == 0 ]]; do
    sleep 1
  done
}
jfr() { # $1: a name; the JVM options for walarchive in this run
  if [[ -n ${BENCH_JFR:-} ]]; then
    echo "$java_opts -XX:StartFlightRecording=filename=$BENCH_JFR/$1.jfr,settings=profile"
  else
    echo "$java_opts"
  fi
}
if [[ -n ${BENCH_JFR:-} ]]; then mkdir -p "$BENCH_JFR" && chmod 777 "$BENCH_JFR"; fi
wa_push="$launcher wal-push --config $work/walarchive.properties %p"
br_push="pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p"

warm() { # reads the files in $@ twice, so that the timed read finds them in the page cache
  # (a file that vanishes meanwhile, such as a WAL's archive_status file, is skipped)
  for _ in 1 2; do find "$@" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true; done
}
wa_b=() br_b=() pb_b=() wa_r=() br_r=() pb_r=()
wa_backup_once() {
  use_archive_command "$wa_push"
  warm "$work/data"
  wa_b+=("$(seconds as_pg env PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres WALARCHIVE_JAVA_OPTS="$(jfr backup-$i)" "$launcher" backup-push --config "$work/walarchive.properties" --parallel 2)")
}
br_backup_once() {
  use_archive_command "$br_push"
  warm "$work/data"
  br_b+=("$(seconds as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench --type=full backup)")
}
wa_restore_once() {
  warm "$work/archive-walarchive"
  wa_r+=("$(seconds as_pg env WALARCHIVE_JAVA_OPTS="$(jfr restore-$i)" "$launcher" restore --config "$work/walarchive.properties" --parallel 2 "$work/restore-walarchive")")
  sync
}
br_restore_once() {
  warm "$work/archive-pgbackrest"
  br_r+=("$(seconds as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench --pg1-path="$work/restore-pgbackrest" restore)")
  sync
}
# odd runs time walarchive first, even runs pgBackRest first; every timed read is from a warmed
# page cache (this machine's memory reclaim evicts files idle for some seconds, which made the
# first tool after the setup read from disk), and sync runs between restores
echo "backups ..." >&2
for ((i = 1; i <= runs; i++)); do
  if ((i % 2)); then wa_backup_once; br_backup_once; else br_backup_once; wa_backup_once; fi
  as_pg rm -rf "$work/pgbb"
  warm "$work/data"
  pb_b+=("$(seconds as_pg "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$work/pgbb" -Ft -z -X none -c fast)")
  printf 'backup run %d: walarchive %.2f s, pgBackRest %.2f s, pg_basebackup %.2f s; %s\n' \
    "$i" "${wa_b[-1]}" "${br_b[-1]}" "${pb_b[-1]}" "$(uptime)"
done
as_pg "$pgbin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null

echo "restores ..." >&2
for ((i = 1; i <= runs; i++)); do
  rm -rf "$work/restore-walarchive" "$work/restore-pgbackrest" "$work/restore-tar"
  sync
  if ((i % 2)); then wa_restore_once; br_restore_once; else br_restore_once; wa_restore_once; fi
  as_pg mkdir -m 700 "$work/restore-tar"
  warm "$work/pgbb"
  pb_r+=("$(seconds as_pg tar -xzf "$work/pgbb/base.tar.gz" -C "$work/restore-tar")")
  sync
  printf 'restore run %d: walarchive %.2f s, pgBackRest %.2f s, tar %.2f s; %s\n' \
    "$i" "${wa_r[-1]}" "${br_r[-1]}" "${pb_r[-1]}" "$(uptime)"
done

# the size of one (the last) backup of each
wa_last=$(ls -d "$work"/archive-walarchive/basebackups/*/ | sort | tail -1)
br_last=$(ls -d "$work"/archive-pgbackrest/backup/bench/*F/ | sort | tail -1)
wa_stored=$(du -sb "$wa_last" | cut -f1)
br_stored=$(du -sb "$br_last" | cut -f1)
pb_stored=$(du -sb "$work/pgbb" | cut -f1)
wa_backup=$(median "${wa_b[@]}") br_backup=$(median "${br_b[@]}") pb_backup=$(median "${pb_b[@]}")
wa_restore=$(median "${wa_r[@]}") br_restore=$(median "${br_r[@]}") pb_restore=$(median "${pb_r[@]}")

printf 'data directory: %s bytes (pgbench scale %s); %s runs, medians; load average: %s\n' "$size" "$scale" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| tool | backup s | restore s | stored bytes |\n|---|---|---|---|\n'
printf '| walarchive (zstd 3, AES-256-GCM, --parallel 2) | %.2f | %.2f | %s |\n' "$wa_backup" "$wa_restore" "$wa_stored"
printf '| pgBackRest (zst 3, aes-256-cbc, process-max 2) | %.2f | %.2f | %s |\n' "$br_backup" "$br_restore" "$br_stored"
printf '| pg_basebackup -Ft -z, tar -xzf | %.2f | %.2f | %s |\n' "$pb_backup" "$pb_restore" "$pb_stored"
printf 'walarchive / pgBackRest (medians): backup %.2fx, restore %.2fx the time (below 1 is faster); stored %.2fx\n' \
  "$(echo "$wa_backup / $br_backup" | bc -l)" "$(echo "$wa_restore / $br_restore" | bc -l)" "$(echo "$wa_stored / $br_stored" | bc -l)"
