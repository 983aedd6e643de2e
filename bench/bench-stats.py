#!/usr/bin/env python3
"""Statistics and tables for bench/compare-pgbackrest.sh and bench/push-latency.sh.

Usage: bench-stats.py compare CALLS.tsv SIZES.tsv
       bench-stats.py latency CALLS.tsv

CALLS.tsv has one line per timed call: run, config, tool, op, name, bytes, start and end wall
clock (seconds, from bash's EPOCHREALTIME) and the shell's `times` children line before and after
the call ("0m0.010s 0m0.004s 0m0.412s 0m0.071s": user and system CPU of finished children).
SIZES.tsv: run, config, tool, stored bytes, object count.

Per run and (config, tool, op) it computes the median and p90 (nearest rank) of per-call wall
time, the median per-call CPU time (user + system) and the throughput (WAL bytes over the sum of
per-call wall times, i.e. serial calls as PostgreSQL makes them). The tables quote the median of
each figure over the runs; ratios are medians over runs of the per-run ratio (both tools were
measured interleaved within a run).
"""

import csv
import math
import re
import statistics
import sys
from collections import defaultdict

MIB = 1024 * 1024
NAMES = {"walarchive": "walarchive", "pgbackrest": "pgBackRest"}


def seconds(text):
    m = re.fullmatch(r"(\d+)m([\d.]+)s", text)
    if not m:
        raise ValueError(f"unexpected `times` field {text!r}")
    return int(m.group(1)) * 60 + float(m.group(2))


def p90(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def read_calls(path):
    """{(config, tool, op): {run: [(wall, cpu, bytes)]}}"""
    calls = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            run, config, tool, op, _name, nbytes, t0, t1, cpu = row
            u0, s0, u1, s1 = (seconds(x) for x in cpu.split())
            wall = float(t1) - float(t0)
            calls[(config, tool, op)][run].append((wall, (u1 - u0) + (s1 - s0), int(nbytes)))
    return calls


def run_stats(samples):
    walls = [w for w, _, _ in samples]
    total_bytes = sum(b for _, _, b in samples)
    return {
        "median": statistics.median(walls) * 1000,
        "p90": p90(walls) * 1000,
        "cpu": statistics.median(c for _, c, _ in samples) * 1000,
        "mibs": total_bytes / MIB / sum(walls) if total_bytes else None,
        "n": len(samples),
    }


def summarize(calls):
    """{(config, tool, op): {run: stats}}"""
    return {k: {run: run_stats(s) for run, s in by_run.items()} for k, by_run in calls.items()}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(
        str(c).ljust(widths[i]) if i < 3 else str(c).rjust(widths[i]) for i, c in enumerate(r)
    )
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def compare(calls_path, sizes_path):
    stats = summarize(read_calls(calls_path))
    configs = []
    for config, _, _ in stats:
        if config not in configs:
            configs.append(config)
    runs = sorted({run for per_run in stats.values() for run in per_run}, key=int)
    n = next(iter(next(iter(stats.values())).values()))["n"]

    print()
    print(
        f"Per call ({n} calls per tool and run; medians over {len(runs)} runs)."
        " ms = wall time per call, CPU = user+system per call,"
    )
    print("MiB/s = WAL bytes / sum of per-call wall times (serial calls, like archive_command).")
    print("ratio = walarchive / pgBackRest (time: >1 means walarchive is slower;"
          " MiB/s: <1 means walarchive is slower).")
    print()
    header = ["config", "op", "tool", "median ms", "p90 ms", "CPU ms", "MiB/s"]
    rows = []
    for config in configs:
        for op in ("start", "push", "fetch"):
            w, p = stats.get((config, "walarchive", op)), stats.get((config, "pgbackrest", op))
            if not w or not p:
                continue
            for tool, s in (("walarchive", w), ("pgbackrest", p)):
                rows.append(
                    [
                        config if config != "-" else "(none)",
                        op,
                        NAMES[tool],
                        fmt(med(r["median"] for r in s.values())),
                        fmt(med(r["p90"] for r in s.values())),
                        fmt(med(r["cpu"] for r in s.values())),
                        fmt(med(r["mibs"] for r in s.values()), 1),
                    ]
                )
            common = sorted(set(w) & set(p), key=int)

            def ratio(field):
                values = [
                    w[r][field] / p[r][field]
                    for r in common
                    if w[r][field] is not None and p[r][field]
                ]
                return med(values)

            rows.append(
                [
                    "",
                    "",
                    "ratio",
                    fmt(ratio("median"), 1) + "x",
                    fmt(ratio("p90"), 1) + "x",
                    fmt(ratio("cpu"), 1) + "x",
                    fmt(ratio("mibs"), 2) + "x" if ratio("mibs") is not None else "-",
                ]
            )
    table(header, rows)

    print()
    print("Median per-call wall time (ms) in each run:")
    print()
    header = ["config", "op", "tool"] + [f"run {r}" for r in runs]
    rows = []
    for (config, tool, op), per_run in stats.items():
        rows.append(
            [config if config != "-" else "(none)", op, NAMES.get(tool, tool)]
            + [fmt(per_run[r]["median"]) if r in per_run else "-" for r in runs]
        )
    rows.sort(key=lambda r: (configs.index(r[0]) if r[0] in configs else -1, r[1], r[2]))
    table(header, rows)

    sizes = defaultdict(list)
    with open(sizes_path, newline="") as f:
        for run, config, tool, nbytes, count in csv.reader(f, delimiter="\t"):
            sizes[(config, tool)].append(int(nbytes) / int(count))
    segment = next(b for by_run in read_calls(calls_path).values()
                   for s in by_run.values() for _, _, b in s if b)
    print()
    print(f"Bytes stored per segment ({segment // MIB} MiB segments; median over runs):")
    print()
    header = ["config", "tool", "", "bytes/segment", "% of segment"]
    rows = []
    for config in configs:
        if config == "-":
            continue
        for tool in ("walarchive", "pgbackrest"):
            b = med(sizes.get((config, tool), []))
            rows.append([config, NAMES[tool], "", fmt(b), fmt(100 * b / segment, 1) if b else "-"])
        w, p = med(sizes.get((config, "walarchive"), [])), med(sizes.get((config, "pgbackrest"), []))
        if w and p:
            rows.append(["", "ratio", "", f"{w / p:.3f}x", ""])
    table(header, rows)


BACKENDS = ["file", "s3", "gcs", "azure"]


def latency(calls_path):
    stats = summarize(read_calls(calls_path))
    runs = sorted({run for per_run in stats.values() for run in per_run}, key=int)
    n = next(iter(next(iter(stats.values())).values()))["n"]
    order = lambda key: (
        ["push", "fetch"].index(key[2]) if key[2] in ("push", "fetch") else 9,
        BACKENDS.index(key[1]) if key[1] in BACKENDS else 9,
        key[0],
    )
    keys = sorted(stats, key=order)
    print()
    print(
        f"Per call ({n} calls per backend and run; medians over {len(runs)} runs)."
        " ms = wall time per call, CPU = user+system"
    )
    print(
        "of the CLI process, MiB/s = WAL bytes / sum of per-call wall times, x file = median"
        " wall time / file's (per run)."
    )
    print()
    header = ["backend", "op", "config", "median ms", "p90 ms", "CPU ms", "MiB/s", "x file"]
    rows = []
    for config, tool, op in keys:
        s = stats[(config, tool, op)]
        f = stats.get((config, "file", op))
        versus = "-"
        if f and tool != "file":
            common = [r for r in s if r in f]
            versus = fmt(med(s[r]["median"] / f[r]["median"] for r in common), 1) + "x"
        rows.append(
            [
                tool,
                op,
                config,
                fmt(med(r["median"] for r in s.values())),
                fmt(med(r["p90"] for r in s.values())),
                fmt(med(r["cpu"] for r in s.values())),
                fmt(med(r["mibs"] for r in s.values()), 1),
                versus,
            ]
        )
    table(header, rows)
    print()
    print("Median per-call wall time (ms) in each run:")
    print()
    header = ["backend", "op", "config"] + [f"run {r}" for r in runs]
    rows = [
        [tool, op, config]
        + [fmt(stats[(config, tool, op)][r]["median"]) if r in stats[(config, tool, op)] else "-"
           for r in runs]
        for config, tool, op in keys
    ]
    table(header, rows)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "latency":
        latency(sys.argv[2])
    else:
        sys.exit(__doc__)
