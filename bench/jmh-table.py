#!/usr/bin/env python3
"""Prints the ratio tables of bench/run-jmh.sh from JMH JSON results.

Usage: jmh-table.py <waldir> <result.json>...

Every benchmark operation handles one WAL segment; times (ms/op) are turned into MB/s of WAL
(plaintext) with the mean segment size. For each benchmark and level the median over forks of
the per-fork mean is used.
"""
import json
import os
import re
import statistics
import sys

waldir = sys.argv[1]
sizes = [os.path.getsize(os.path.join(waldir, f)) for f in os.listdir(waldir)
         if re.fullmatch(r"[0-9A-F]{24}", f)]
segment = sum(sizes) / len(sizes)

def load(path):
    """(level, benchmark) -> (median MB/s over forks, per-fork MB/s); and the number of forks."""
    loaded, forks = {}, 0
    with open(path) as f:
        for entry in json.load(f):
            name = entry["benchmark"].rsplit(".", 1)[1]
            level = int(entry["params"]["level"])
            per_fork = [statistics.mean(iterations) for iterations in entry["primaryMetric"]["rawData"]]
            forks = max(forks, len(per_fork))
            mbs = [segment / (ms / 1000) / 1e6 for ms in per_fork]
            loaded[(level, name)] = (statistics.median(mbs), mbs)
    return loaded, forks


# the first file is the main run at level 3; a second one, the level study measured in one run
results, forks = load(sys.argv[2])
level_results = load(sys.argv[3])[0] if len(sys.argv) > 3 else {}


def mbs(level, name, source=None):
    value = (results if source is None else source).get((level, name))
    return value[0] if value else None


def fmt(value):
    return "     -" if value is None else f"{value:8.0f}"


print()
print(f"Per-core throughput on {len(sizes)} real WAL segments of {segment / 1048576:.0f} MiB, "
      f"MB/s of WAL, median of {forks} forks")
print()
rows = [
    ("encode  format zstd+aes-256-gcm", "encodeZstdAes"),
    ("encode  format zstd only", "encodeZstd"),
    ("encode  format aes-256-gcm only", "encodeAes"),
    ("raw     zstd compress (one-shot)", "rawZstdCompress"),
    ("raw     aes-256-gcm encrypt", "rawAesGcmEncrypt"),
    ("raw     aes-256-gcm encrypt 64K", "rawAesGcmEncryptChunked"),
    ("raw     hmac-sha256", "rawHmacSha256"),
    ("decode  format zstd+aes-256-gcm", "decodeZstdAes"),
    ("decode  format zstd only", "decodeZstd"),
    ("decode  format aes-256-gcm only", "decodeAes"),
    ("raw     zstd decompress (one-shot)", "rawZstdDecompress"),
    ("raw     aes-256-gcm decrypt", "rawAesGcmDecrypt"),
    ("raw     aes-256-gcm decrypt 64K", "rawAesGcmDecryptChunked"),
]
print(f"{'operation (zstd level 3)':36} {'MB/s':>8}")
for label, name in rows:
    print(f"{label:36} {fmt(mbs(3, name))}")


def ratio(a, b):
    return "     -" if a is None or b is None else f"{a / b:8.2f}"


def serial(*rates):
    return None if any(r is None for r in rates) else 1 / sum(1 / r for r in rates)


print()
print(f"{'ratio (format / raw limit, level 3)':52} {'ratio':>8}")
l3 = lambda n: mbs(3, n)
print(f"{'encode zstd+aes / raw zstd compress':52} {ratio(l3('encodeZstdAes'), l3('rawZstdCompress'))}")
print(f"{'encode zstd+aes / serial raw zstd + raw hmac':52} "
      f"{ratio(l3('encodeZstdAes'), serial(l3('rawZstdCompress'), l3('rawHmacSha256')))}")
print(f"{'encode zstd / raw zstd compress':52} {ratio(l3('encodeZstd'), l3('rawZstdCompress'))}")
print(f"{'encode aes / raw aes-gcm encrypt':52} {ratio(l3('encodeAes'), l3('rawAesGcmEncrypt'))}")
print(f"{'encode aes / raw aes-gcm encrypt 64K':52} {ratio(l3('encodeAes'), l3('rawAesGcmEncryptChunked'))}")
print(f"{'encode aes / serial raw aes-gcm 64K + raw hmac':52} "
      f"{ratio(l3('encodeAes'), serial(l3('rawAesGcmEncryptChunked'), l3('rawHmacSha256')))}")
print(f"{'decode zstd+aes / raw zstd decompress':52} {ratio(l3('decodeZstdAes'), l3('rawZstdDecompress'))}")
print(f"{'decode zstd+aes / serial raw zstd decompress + hmac':52} "
      f"{ratio(l3('decodeZstdAes'), serial(l3('rawZstdDecompress'), l3('rawHmacSha256')))}")
print(f"{'decode zstd / raw zstd decompress':52} {ratio(l3('decodeZstd'), l3('rawZstdDecompress'))}")
print(f"{'decode aes / raw aes-gcm decrypt':52} {ratio(l3('decodeAes'), l3('rawAesGcmDecrypt'))}")
print(f"{'decode aes / raw aes-gcm decrypt 64K':52} {ratio(l3('decodeAes'), l3('rawAesGcmDecryptChunked'))}")
print(f"{'decode aes / serial raw aes-gcm 64K + raw hmac':52} "
      f"{ratio(l3('decodeAes'), serial(l3('rawAesGcmDecryptChunked'), l3('rawHmacSha256')))}")

levels = sorted({level for level, _ in level_results})
if levels:
    print()
    print("zstd levels, measured in one run (encode/decode: the format with zstd + aes-256-gcm)")
    print(f"{'zstd level':>10} {'encode':>8} {'raw zstd':>9} {'ratio':>6} {'decode':>8} {'raw zstd':>9} {'ratio':>6}")
    print(f"{'':>10} {'MB/s':>8} {'c MB/s':>9} {'':>6} {'MB/s':>8} {'d MB/s':>9} {'':>6}")
    for level in levels:
        e, rc = mbs(level, "encodeZstdAes", level_results), mbs(level, "rawZstdCompress", level_results)
        d, rd = mbs(level, "decodeZstdAes", level_results), mbs(level, "rawZstdDecompress", level_results)
        print(f"{level:>10} {fmt(e)} {fmt(rc):>9} {ratio(e, rc):>6} {fmt(d)} {fmt(rd):>9} {ratio(d, rd):>6}")
