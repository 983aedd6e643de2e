#!/usr/bin/env bash
# Times a full base backup and its restore through walarchive (backup-push, restore) against
# pgBackRest (backup --type=full, restore) and pg_basebackup -Ft -z (and tar to unpack it), on one
# PostgreSQL 15 cluster made with pgbench on this machine, and prints wall times, bytes stored and
# the ratios. One run; the machine's load is printed with it.
#
# Usage: SCALE=70 bench/restore-vs-pgbackrest.sh   (scale 70 is about 1 GiB)
#
# Settings: walarchive zstd level 3 with a random 256-bit key (AES-256-GCM), backup-push
# --parallel 2 and restore --parallel 2; pgBackRest compress-type=zst (level 3),
# repo1-cipher-type=aes-256-cbc with a random passphrase, process-max=2, archive-check=n (the WAL
# goes to walarchive; pgBackRest's backup is timed for its files only; the archiver has archived
# the WAL of pgbench -i before the backups start). Both take an immediate checkpoint at the start
# (backup-push by default, pgBackRest start-fast=y). Both repositories are local directories. The restores are not started (walarchive's drills prove those start).
#
# Needs: PostgreSQL 15 and pgbench, pgBackRest (apt-get install pgbackrest), and the CLI built:
# mvn -B -q -DskipTests -Dmaven.javadoc.skip package -pl walarchive-examples -am
# Runs the servers as user postgres when run as root. Everything is removed on exit (KEEP=1 keeps
# the work directory, for more runs by hand).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
scale=${SCALE:-70}
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
  if [[ $var != WALARCHIVE_JAVA_OPTS ]]; then unset "$var"; fi
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
archive-check=n
start-fast=y
log-level-console=warn
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock

[bench]
pg1-path=$work/data
pg1-port=$port
pg1-socket-path=$work
P
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

echo "backups ..." >&2
wa_backup=$(seconds as_pg env PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres "$launcher" backup-push --config "$work/walarchive.properties" --parallel 2)
br_backup=$(seconds as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench --type=full backup)
pb_backup=$(seconds as_pg "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$work/pgbb" -Ft -z -X none -c fast)
as_pg "$pgbin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null

echo "restores ..." >&2
wa_restore=$(seconds as_pg env WALARCHIVE_JAVA_OPTS="${WALARCHIVE_JAVA_OPTS:-}" "$launcher" restore --config "$work/walarchive.properties" --parallel 2 "$work/restore-walarchive")
br_restore=$(seconds as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench --pg1-path="$work/restore-pgbackrest" restore)
as_pg mkdir -m 700 "$work/restore-tar"
pb_restore=$(seconds as_pg tar -xzf "$work/pgbb/base.tar.gz" -C "$work/restore-tar")

wa_stored=$(du -sb "$work/archive-walarchive/basebackups" | cut -f1)
br_stored=$(du -sb "$work/archive-pgbackrest/backup" | cut -f1)
pb_stored=$(du -sb "$work/pgbb" | cut -f1)

printf 'data directory: %s bytes (pgbench scale %s); load average: %s\n' "$size" "$scale" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| tool | backup s | restore s | stored bytes |\n|---|---|---|---|\n'
printf '| walarchive (zstd 3, AES-256-GCM, --parallel 2) | %.1f | %.1f | %s |\n' "$wa_backup" "$wa_restore" "$wa_stored"
printf '| pgBackRest (zst 3, aes-256-cbc, process-max 2) | %.1f | %.1f | %s |\n' "$br_backup" "$br_restore" "$br_stored"
printf '| pg_basebackup -Ft -z, tar -xzf | %.1f | %.1f | %s |\n' "$pb_backup" "$pb_restore" "$pb_stored"
printf 'walarchive / pgBackRest: backup %.2fx, restore %.2fx the time (below 1 is faster); stored %.2fx\n' \
  "$(echo "$wa_backup / $br_backup" | bc -l)" "$(echo "$wa_restore / $br_restore" | bc -l)" "$(echo "$wa_stored / $br_stored" | bc -l)"
