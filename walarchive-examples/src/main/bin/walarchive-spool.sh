# shellcheck shell=sh
# walarchive async mode, the launcher's front-end (sourced by bin/walarchive; issue 13).
#
# With a spool directory configured (--spool-dir, WALARCHIVE_SPOOL_DIR or property spool-dir),
# 'walarchive wal-push %p' and 'walarchive wal-fetch %f %p' are answered here, without a JVM, when
# the spool already holds the answer, and otherwise handed to one long-lived worker JVM per (data
# directory, archive URL) that this script starts on demand ('walarchive agent', idle exit). The
# spool layout is documented in dev.walarchive.cli.SpoolState; keep the two in step.
#
# async_front_end returns (to the normal synchronous path) when no spool is configured or the call
# has a form it does not handle; otherwise it exits with the command's exit code.
#
# Expects from the launcher: crypto_jit, and launcher_java (sets app_home, java_cmd, cds, or
# launcher_error and status 1), called only when a worker is to start.
#
# An answer from the spool costs one process (stat for wal-push, mv for wal-fetch) besides the
# shell: everything else here is a shell builtin, on the path of such an answer.

spool__fail() {
  # $1 exit code, $2 message
  printf 'walarchive %s: %s\n' "$spool_cmd" "$2" >&2
  exit "$1"
}

# the worker (or its JVM) could not start: push fails with 2 (PostgreSQL retries), fetch with 126
spool__start_failed() {
  if [ "$spool_cmd" = wal-fetch ]; then spool__fail 126 "$1"; else spool__fail 2 "$1"; fi
}

# reads the settings spool-dir, url, copy-url and copy-mode of properties file $1 into cfg_spool,
# cfg_url, cfg_copies and cfg_mode, in the shell itself (no process): name=value lines, spaces
# around name and value dropped, the last one wins (the worker refuses a file that names a setting
# twice, and a spool key other than its own, so a disagreement fails there)
spool__read_config() {
  cfg_spool=
  cfg_url=
  cfg_copies=
  cfg_mode=
  [ -f "$1" ] && [ -r "$1" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in *=*) ;; *) continue ;; esac
    k=${line%%=*}
    k=${k#"${k%%[![:space:]]*}"}
    k=${k%"${k##*[![:space:]]}"}
    case $k in spool-dir | url | copy-url | copy-mode) ;; *) continue ;; esac
    v=${line#*=}
    v=${v#"${v%%[![:space:]]*}"}
    v=${v%"${v##*[![:space:]]}"}
    case $k in
      url) cfg_url=$v ;; spool-dir) cfg_spool=$v ;; copy-url) cfg_copies=$v ;; *) cfg_mode=$v ;;
    esac
  done <"$1"
}

# the duration $2 (the value of variable $1) in centiseconds, in spool__cs: whole seconds ("30"), or
# a whole number with ms, s, m, h, d or w in any case ("500ms", "30s", "5m"); milliseconds round up.
# With $3 = zero, 0 is accepted too. Anything else fails the call with the command's configuration
# exit code (a shell's arithmetic error would exit 2, which wal-fetch must never do: PostgreSQL
# reads it as "not in the archive" and ends recovery)
spool__duration() {
  d=$2
  u=
  case $d in
    *[Mm][Ss]) u=ms; d=${d%??} ;;
    *[Ss]) u=s; d=${d%?} ;;
    *[Mm]) u=m; d=${d%?} ;;
    *[Hh]) u=h; d=${d%?} ;;
    *[Dd]) u=d; d=${d%?} ;;
    *[Ww]) u=w; d=${d%?} ;;
  esac
  case $d in
    '' | *[!0-9]* | ??????????*) d= ;;
    *)
      # no leading zeros (an octal number to some shells)
      while [ "$d" != 0 ] && [ "${d#0}" != "$d" ]; do d=${d#0}; done
      [ "$d" != 0 ] || [ "$3" = zero ] || d=
      ;;
  esac
  if [ -z "$d" ]; then
    [ "$3" = zero ] && zero=', or 0 for never' || zero=
    spool__start_failed "$1=$2 is not a duration; write whole seconds (30) or a whole number with ms, s, m, h, d or w (500ms, 30s, 5m)$zero"
  fi
  case $u in
    ms) spool__cs=$(((d + 9) / 10)) ;;
    '' | s) spool__cs=$((d * 100)) ;;
    m) spool__cs=$((d * 6000)) ;;
    h) spool__cs=$((d * 360000)) ;;
    d) spool__cs=$((d * 8640000)) ;;
    w) spool__cs=$((d * 60480000)) ;;
  esac
}

# the time since boot in centiseconds, in spool__now, from /proc/uptime (no process); status 1
# without it
spool__now() {
  { IFS=' ' read -r up _ </proc/uptime; } 2>/dev/null || return 1
  case $up in
    *[!0-9.]* | .* | *.*.* | '') return 1 ;;
    *.?) spool__now=${up%.*}${up#*.}0 ;;
    *.??*) f=${up#*.}; f=${f%"${f#??}"}; spool__now=${up%.*}$f ;;
    *) spool__now=${up}00 ;;
  esac
  while [ "$spool__now" != 0 ] && [ "${spool__now#0}" != "$spool__now" ]; do spool__now=${spool__now#0}; done
}

spool__quote() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# the flags of the call (no positional arguments), quoted for eval
spool__flags() {
  flags=
  expect=
  for a in "$@"; do
    if [ -n "$expect" ]; then
      # the launcher's own worker options are dropped with their value
      [ "$expect" = skip ] || flags="$flags $(spool__quote "$a")"
      expect=
      continue
    fi
    case $a in
      --pgdata | --idle-exit | --state-dir) expect=skip ;;
      --url | --config | --compression | --key-file | --key-id | --keyring-file | -o | --option | --tmpdir | --spool-dir | --copy-url | --copy-mode)
        flags="$flags $a"
        expect=value
        ;;
      -*) flags="$flags $(spool__quote "$a")" ;;
    esac
  done
  printf '%s' "$flags"
}

spool__worker_alive() {
  # the worker holds $K/lock (taken by flock(1) for it) as long as it runs
  ! flock -n "$K/lock" true 2>/dev/null
}

# whether the worker runs, without a process: $K/worker.pid ("<pid> <start time> <boot id>",
# written by the worker once its new life began, see SpoolState.writeWorkerPid) names a live
# process that started at that time (clock ticks since boot, field 22 of /proc/<pid>/stat) in this
# boot. Without that file (a worker of an older version) or without /proc, the lock decides.
spool__worker_runs() {
  if ! { IFS=' ' read -r wpid wstart wboot _ <"$K/worker.pid"; } 2>/dev/null || [ ! -r /proc/self/stat ]; then
    spool__worker_alive
    return
  fi
  case $wpid$wstart in '' | *[!0-9]*) return 1 ;; esac
  { IFS= read -r wstat <"/proc/$wpid/stat" && IFS= read -r boot </proc/sys/kernel/random/boot_id; } 2>/dev/null ||
    return 1
  [ "$boot" = "$wboot" ] || return 1
  # after the command name (which may hold spaces and parentheses): state (field 3), ...
  wstat=${wstat##*) }
  # shellcheck disable=SC2086
  set -- $wstat
  [ $# -ge 20 ] && [ "${20}" = "$wstart" ] || return 1
  case $1 in Z | X | x) return 1 ;; esac
  return 0
}

spool__start_worker() {
  if ! launcher_java; then
    rm -f "$K/req/$tok"
    spool__start_failed "$launcher_error"
  fi
  rm -f "$K/startup-error" "$K/worker-stopped"
  worker_flags=$(spool__flags "$@")
  # full JIT in the long-lived worker (no C1-only start-up flags); a new session so that signals
  # to PostgreSQL's archiver or startup process do not reach it
  # shellcheck disable=SC2086
  (
    eval "set -- $worker_flags"
    set -f # $crypto_jit holds '*' (a method pattern, not a file name)
    exec setsid flock -n "$K/lock" "$java_cmd" -XX:+UseSerialGC -Xshare:auto $cds $crypto_jit $WALARCHIVE_JAVA_OPTS \
      -cp "$app_home/lib/walarchive.jar" dev.walarchive.cli.Main agent --pgdata "$datadir" \
      --state-dir "$K" --idle-exit "$idle_s" "$@"
  ) </dev/null >>"$K/worker.log" 2>&1 &
  worker_pid=$!
}

# hands "$1 $2" (push|fetch NAME) to the worker and waits for its reply; sets reply_code, reply_msg
spool__ask() {
  # a token no other call uses (a random UUID from the kernel, read without a process)
  if ! { IFS= read -r tok_id </proc/sys/kernel/random/uuid; } 2>/dev/null; then tok_id=$(date +%s%N); fi
  tok="$1.$2.$$.$tok_id"
  if ! { [ -d "$K/req" ] || mkdir -p "$K/req" "$K/reply" 2>/dev/null; }; then
    spool__fail "$fail_code" "cannot create $K/req; make the spool directory writable by this user"
  fi
  # one short write; the worker takes a request only once its line is complete (ends in a newline)
  if ! printf '%s %s\n' "$1" "$2" 2>/dev/null >"$K/req/$tok"; then
    rm -f "$K/req/$tok"
    spool__fail "$fail_code" "cannot write a request to the spool $K (full or not writable); free space or fix permissions"
  fi
  # bounded by the time elapsed (each turn's sleep is a process: turns take longer than 10 ms),
  # or by counting turns where /proc/uptime is missing
  deadline=
  if spool__now; then deadline=$((spool__now + timeout_cs)); fi
  i=0
  starts=0
  worker_pid=
  while if [ -n "$deadline" ]; then spool__now && [ "$spool__now" -lt "$deadline" ]; else [ "$i" -lt "$timeout_cs" ]; fi; do
    if [ -f "$K/reply/$tok" ]; then
      reply_code=
      { IFS=' ' read -r reply_code reply_msg <"$K/reply/$tok"; } 2>/dev/null
      rm -f "$K/reply/$tok"
      case $reply_code in
        '' | *[!0-9]* | ????*)
          spool__fail "$fail_code" "unreadable reply from the walarchive worker in the spool $K (full or not writable?); free space or fix permissions, see $K/worker.log"
          ;;
      esac
      return 0
    fi
    # the worker writes a reply before it removes the request: a request gone without a reply is
    # one it could not answer (it could not write the reply); the reply is looked for once more
    if [ ! -f "$K/req/$tok" ] && [ ! -f "$K/reply/$tok" ]; then
      spool__fail "$fail_code" "the walarchive worker could not write its reply into the spool $K (full or not writable?); free space or fix permissions, see $K/worker.log"
    fi
    if [ $((i % 50)) -eq 0 ] && ! spool__worker_alive; then
      if [ -n "$worker_pid" ] && ! kill -0 "$worker_pid" 2>/dev/null && [ -f "$K/startup-error" ]; then
        rm -f "$K/req/$tok"
        spool__start_failed "the walarchive worker did not start: $(head -n 1 "$K/startup-error")"
      fi
      # a worker that failed while this call waited (not one killed: a new one is started then)
      if [ "$K/worker-stopped" -nt "$K/req/$tok" ]; then
        why=
        { IFS= read -r why <"$K/worker-stopped"; } 2>/dev/null
        rm -f "$K/req/$tok"
        spool__fail "$fail_code" "the walarchive worker stopped: ${why:-no reason recorded}; see $K/worker.log"
      fi
      starts=$((starts + 1))
      if [ "$starts" -gt 5 ]; then
        rm -f "$K/req/$tok"
        last=$(tail -n 1 "$K/worker.log" 2>/dev/null)
        spool__start_failed "the walarchive worker does not stay up (${last:-no output}); see $K/worker.log"
      fi
      spool__start_worker "$@"
    fi
    sleep 0.01
    i=$((i + 1))
  done
  rm -f "$K/req/$tok"
  spool__fail "$fail_code" "the walarchive worker did not answer within ${WALARCHIVE_SPOOL_TIMEOUT:-120}${timeout_unit}; see $K/worker.log"
}

# moves complete file $1 (in the spool) to $2: a rename when the worker found spool and pg_wal on
# one filesystem; otherwise a rename (same device) or copy + fsync + rename, then an fsync of the
# destination directory
spool__deliver() {
  case $2 in */*) destdir=${2%/*} ;; *) destdir=. ;; esac
  if [ -f "$K/same-filesystem" ]; then
    # the worker found the spool and pg_wal on one filesystem: a rename, nothing to copy. No fsync
    # of pg_wal: the file's data is durable already (fsynced in the spool), the rename is atomic,
    # and PostgreSQL makes the name durable itself when it keeps a restored segment (after a crash
    # it asks for the file again)
    mv -f -- "$1" "$2" 2>/dev/null && return 0
  fi
  # shellcheck disable=SC2046
  set -- "$1" "$2" $(stat -c %d -- "$1" "$destdir" 2>/dev/null)
  [ $# -eq 4 ] || return 1
  if [ "$3" = "$4" ]; then
    mv -f -- "$1" "$2" 2>/dev/null || return 1
  else
    tmp="$destdir/.${2##*/}.walarchive-$$"
    if ! { cp -- "$1" "$tmp" && sync -- "$tmp" && mv -f -- "$tmp" "$2"; } 2>/dev/null; then
      rm -f -- "$tmp"
      return 1
    fi
    rm -f -- "$1"
  fi
  sync -- "$destdir" 2>/dev/null
  return 0
}

# the state directory's name for (datadir, url, copies, mode) in key: as SpoolState.stateDir, the
# first 16 hex digits of a SHA-256. Looked up in $spool/keys first (no process): lines "v1 TAB
# datadir TAB url TAB copies TAB mode TAB key", each appended in one write by a call that computed
# its key with sha256sum; a line counts only whole (ending in 16 hex digits and a newline) and only
# if every field equals this call's exactly. Values holding a tab or newline skip the index.
spool__key() {
  tab='	' # a tab
  entry="v1$tab$datadir$tab$url$tab$copies$tab$mode$tab"
  indexed=
  case $entry in *"
"*) ;; *)
    case $datadir$url$copies$mode in *"$tab"*) ;; *) indexed=1 ;; esac
    ;;
  esac
  lines=0
  if [ -n "$indexed" ] && [ -f "$spool/keys" ]; then
    while IFS= read -r line; do
      lines=$((lines + 1))
      case $line in "$entry"*) ;; *) continue ;; esac
      key=${line#"$entry"}
      case $key in
        [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) return 0 ;;
      esac
    done <"$spool/keys"
  fi
  if [ -n "$copies" ]; then
    c=$(printf '%s' "$copies" | tr -d ' \t')
    m=$(printf '%s' "${mode:-strict}" | tr -d ' \t' | tr '[:upper:]' '[:lower:]')
    key=$(printf 'v1\n%s\n%s\ncopies %s %s' "$datadir" "$url" "$c" "$m" | sha256sum)
  else
    key=$(printf 'v1\n%s\n%s' "$datadir" "$url" | sha256sum)
  fi
  key=${key%% *}
  case $key in
    ????????????????????????????????????????????????????????????????) ;;
    *) spool__fail "${fail_code:-2}" "cannot compute the spool key (sha256sum failed); install coreutils" ;;
  esac
  key=${key%"${key#????????????????}"}
  # a bounded index (a host has a few data directories and archives; duplicates are harmless)
  if [ -n "$indexed" ] && [ "$lines" -lt 200 ]; then
    printf '%s%s\n' "$entry" "$key" 2>/dev/null >>"$spool/keys"
  fi
  return 0
}

async_front_end() {
  spool_cmd=$1
  case $spool_cmd in wal-push | wal-fetch | agent) ;; *) return 0 ;; esac
  shift
  spool=
  url=
  copies=
  mode=
  config=${WALARCHIVE_CONFIG:-}
  pgdata=
  p1=
  p2=
  n=0
  expect=
  for a in "$@"; do
    if [ -n "$expect" ]; then
      case $expect in
        spool) spool=$a ;; url) url=$a ;; config) config=$a ;; pgdata) pgdata=$a ;;
        copies) copies=${copies:+$copies,}$a ;; mode) mode=$a ;;
      esac
      expect=
      continue
    fi
    case $a in
      --spool-dir) expect=spool ;;
      --spool-dir=*) spool=${a#*=} ;;
      --url) expect=url ;;
      --url=*) url=${a#*=} ;;
      --config) expect=config ;;
      --config=*) config=${a#*=} ;;
      --pgdata) expect=pgdata ;;
      --pgdata=*) pgdata=${a#*=} ;;
      --copy-url) expect=copies ;;
      --copy-url=*) copies=${copies:+$copies,}${a#*=} ;;
      --copy-mode) expect=mode ;;
      --copy-mode=*) mode=${a#*=} ;;
      --compression | --key-file | --key-id | --keyring-file | -o | --option | --tmpdir | --idle-exit | --state-dir) expect=other ;;
      --*=*) ;;
      -v | --verbose | --allow-unencrypted) ;;
      -*) return 0 ;; # help, version, unknown: the Java CLI answers
      *)
        n=$((n + 1))
        if [ $n -eq 1 ]; then p1=$a; else p2=$a; fi
        ;;
    esac
  done
  [ -z "$expect" ] || return 0
  cfg_spool=
  cfg_url=
  cfg_copies=
  cfg_mode=
  if [ -n "$config" ]; then
    spool__read_config "$config"
  fi
  [ -n "$spool" ] || spool=${WALARCHIVE_SPOOL_DIR:-$cfg_spool}
  [ -n "$spool" ] || return 0
  [ -n "$url" ] || url=${WALARCHIVE_URL:-$cfg_url}
  [ -n "$url" ] || return 0
  case $spool in /*) ;; *) spool=$PWD/$spool ;; esac

  case $spool_cmd in
    wal-push) [ $n -eq 1 ] || return 0; dest=$p1; fail_code=1 ;;
    wal-fetch) [ $n -eq 2 ] || return 0; dest=$p2; fail_code=129 ;;
    agent) [ $n -eq 0 ] && [ -n "$pgdata" ] || return 0 ;;
  esac
  if [ "$spool_cmd" != agent ]; then
    # checked before any use, and on every call (an answer from the spool as well)
    spool__duration WALARCHIVE_SPOOL_TIMEOUT "${WALARCHIVE_SPOOL_TIMEOUT:-120}"
    timeout_cs=$spool__cs
    case ${WALARCHIVE_SPOOL_TIMEOUT:-120} in *[!0-9]*) timeout_unit= ;; *) timeout_unit=' s' ;; esac
    spool__duration WALARCHIVE_SPOOL_IDLE "${WALARCHIVE_SPOOL_IDLE:-60}" zero
    # whole seconds for the worker's --idle-exit, rounded up
    idle_s=$(((spool__cs + 99) / 100))
  fi
  if [ "$spool_cmd" = agent ]; then
    datadir=$(cd "$pgdata" 2>/dev/null && pwd -P) || return 0
  else
    # %p is relative to the data directory, PostgreSQL's working directory for the command
    case $dest in
      /*) d=${dest%/*} ;;
      */*) d=$PWD/${dest%/*} ;;
      *) d=$PWD ;;
    esac
    case $d in */pg_wal) ;; *) return 0 ;; esac
    if [ "${d%/pg_wal}" = "$PWD" ]; then
      # PostgreSQL's call: its real path, from the shell itself (the working directory stays)
      cd -P . 2>/dev/null || return 0
      datadir=$PWD
    else
      datadir=$(cd "${d%/pg_wal}" 2>/dev/null && pwd -P) || return 0
    fi
  fi
  # the copies and their mode are part of the key (as in SpoolState.key): a worker pushes to the
  # archives it was started with, so another set of copies gets a worker and markers of its own
  [ -n "$copies" ] || copies=${WALARCHIVE_COPY_URL:-}
  [ -n "$copies" ] || copies=$cfg_copies
  [ -n "$mode" ] || mode=${WALARCHIVE_COPY_MODE:-$cfg_mode}
  # only the spool directory itself, never a path above it (as for a file: archive): a mistyped
  # spool-dir fails instead of growing a new tree
  if [ ! -d "$spool" ] && ! mkdir "$spool" 2>/dev/null; then
    spool__fail "${fail_code:-2}" "cannot create the spool directory $spool (walarchive creates no directory above it); create it, writable by this user"
  fi
  spool__key
  K=$spool/$key

  if [ "$spool_cmd" = agent ]; then
    mkdir -p "$K" || spool__fail 2 "cannot create $K; make the spool directory writable by this user"
    if ! flock -n "$K/lock" true; then
      spool__fail 2 "another walarchive worker already serves $K"
    fi
    launcher_java || spool__fail 2 "$launcher_error"
    set -f # $crypto_jit holds '*' (a method pattern, not a file name)
    exec flock -n "$K/lock" "$java_cmd" -XX:+UseSerialGC -Xshare:auto $cds $crypto_jit $WALARCHIVE_JAVA_OPTS \
      -cp "$app_home/lib/walarchive.jar" dev.walarchive.cli.Main agent --state-dir "$K" "$@"
  fi

  if [ "$spool_cmd" = wal-push ]; then
    name=${p1##*/}
    case $name in '' | *[!0-9A-Za-z.]*) return 0 ;; esac
    if [ "$K/archive-verified" -nt "$K/ack/$name" ]; then
      # durable in the archive, as long as the file is still the one the worker pushed, a check of
      # the archive's identity that began after the marker was written succeeded (archive-verified
      # is there only while those checks succeed, and its time is when the last one began), and
      # the worker that makes the checks (after each push, and every 2 s) runs
      id=$(stat -L -c '%d:%i:%s:%.9Y:%.9Z' -- "$p1" 2>/dev/null) &&
        IFS=' ' read -r rec _ <"$K/ack/$name" && [ "$rec" = "$id" ] && spool__worker_runs && exit 0
    fi
    spool__ask push "$name" "$@"
    [ "$reply_code" = 0 ] && exit 0
    [ -n "$reply_msg" ] && printf 'walarchive wal-push: %s\n' "$reply_msg" >&2
    exit "$reply_code"
  fi

  # wal-fetch
  name=$p1
  case $name in '' | *[!0-9A-Za-z.]*) return 0 ;; esac
  # a prefetched file is used only while the worker that fetched it (from this archive) runs
  if [ -f "$K/prefetch/$name" ] && [ -f "$K/archive-verified" ] && spool__worker_runs &&
    spool__deliver "$K/prefetch/$name" "$p2"; then
    # tell the worker where recovery is, so that it keeps fetching ahead
    printf 'seen %s\n' "$name" 2>/dev/null >"$K/req/seen.$name.$$"
    exit 0
  fi
  tries=0
  while :; do
    spool__ask fetch "$name" "$@"
    case $reply_code in
      0)
        spool__deliver "$K/prefetch/$name" "$p2" && exit 0
        # cleaned up between the answer and the move (or no room at %p): ask again, then give up
        tries=$((tries + 1))
        [ "$tries" -lt 3 ] ||
          spool__fail 129 "cannot move $name from the spool $K to $p2; check space and permissions"
        continue
        ;;
      1) exit 1 ;;
    esac
    break
  done
  [ -n "$reply_msg" ] && printf 'walarchive wal-fetch: %s\n' "$reply_msg" >&2
  exit "$reply_code"
}
