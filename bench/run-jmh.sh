#!/usr/bin/env bash
# Runs the object format JMH benchmarks on real WAL and prints throughput and ratio tables.
#
# Usage: bench/run-jmh.sh [waldir] [extra JMH options...]
#
# waldir (default walarchive-benchmarks/target/wal) holds WAL segments; if it has none, they are
# generated with bench/generate-wal.sh (needs PostgreSQL and pgbench). The benchmarks run single-
# threaded, so every figure is per core. Each benchmark runs in FORKS (default 3) separate JVMs;
# the tables quote the median over forks. LEVELS (default "1 3 6 9") are the zstd levels compared
# in a second run (all levels in one run, so that they are measured under the same conditions). Results are kept in walarchive-benchmarks/target/jmh-*.json.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
waldir=${1:-$root/walarchive-benchmarks/target/wal}
shift || true
forks=${FORKS:-3}
levels=${LEVELS:-1 3 6 9}
target=$root/walarchive-benchmarks/target

if ! ls "$waldir" 2>/dev/null | grep -qE '^[0-9A-F]{24}$'; then
  "$root/bench/generate-wal.sh" "$waldir" "${SEGMENTS:-8}"
fi
waldir=$(cd "$waldir" && pwd)

(cd "$root" && mvn -B -q package -pl walarchive-benchmarks -am -DskipTests -Dmaven.javadoc.skip)
jar=$target/benchmarks.jar
prop=-Dwalarchive.bench.wal=$waldir

java "$prop" -cp "$jar" dev.walarchive.benchmarks.CompressionRatio -1 1 3 6 9 | tee "$target/compression-ratio.txt"

java -jar "$jar" 'FormatBenchmark' -f "$forks" -p level=3 -jvmArgsAppend "$prop" \
  -rf json -rff "$target/jmh-format.json" "$@"
level_list=$(echo "$levels" | tr ' ' ',')
if [[ -n $level_list ]]; then
  java -jar "$jar" 'FormatBenchmark\.(encodeZstdAes|decodeZstdAes|rawZstdCompress|rawZstdDecompress)$' \
    -f "$forks" -p level="$level_list" -jvmArgsAppend "$prop" \
    -rf json -rff "$target/jmh-levels.json" "$@"
fi

python3 "$root/bench/jmh-table.py" "$waldir" "$target/jmh-format.json" \
  $( [[ -n $level_list ]] && echo "$target/jmh-levels.json" ) | tee "$target/jmh-table.txt"
