#!/usr/bin/env python3
"""End-to-end CPU of the Lambda host per invocation: the published Native AOT `bootstrap`, warm,
handed events of 1,000 realistic changes on distinct keys through the runtime API stand-in,
writing to a fake DynamoDB endpoint that answers at once (bench/fake_dynamodb.py), so that the
host's CPU is all that is measured. The process's user + system CPU (utime + stime from
/proc/PID/stat, in clock ticks) is read after each answer; as a tick is 10 ms, invocations are
measured in blocks, and the figure is the median over blocks of CPU per 1,000 changes. The
current bootstrap and the old path's (bench/baseline.sh) run in the same run, block for block in
turn. Then what it comes to at Lambda's CPU share (a function gets memory/1,769 MB of a vCPU):
billed ms per 1,000 changes = CPU ms / share.

One-way, and multi-active (REPLICATION_MODE=multi-active, two peers): the fake answers the
multi-active calls as DynamoDB would with no other writer about (bench/fake_dynamodb.py: every
condition met, UpdateItem answers ALL_NEW over the application's item, BatchGetItem finds nothing).

    python3 bench/cpu.py [--records 1000] [--sizes 1500,3500] [--modes one-way,multi-active]
                         [--warmup 3] [--blocks 5] [--per-block 3] [--block-cpu-ms 500] [--pool 4]
                         [--baseline PATH | --no-baseline] [--smoke] [--markdown PATH] [--json PATH]

Publishes artifacts/lambda/bootstrap (build/publish-lambda.sh) when missing or stale, and the
baseline (bench/baseline.sh, once per commit) when --baseline is the default and missing.
"""
import argparse
import os
import statistics
import sys

import benchlib
from warm_host import WarmHost, Workload

TARGET_ONE_WAY_MS = 10      # process CPU per 1,000 realistic 1.5 KB changes, one-way
TARGET_MULTI_ACTIVE_RATIO = 2  # multi-active at most this many times one-way
FULL_VCPU_MB = 1769            # Lambda: a full vCPU at 1,769 MB, in proportion below
SHARES = (128, 1024)
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
MAX_BLOCK = 200  # invocations: a block ends here whatever CPU it has used


def measure(hosts, workload, warmup, blocks, per_block, block_ticks):
    """{host name: [CPU ms per 1,000 changes of each block]}, the invocations in each block, and the
    fake's requests per invocation. A block runs at least `per_block` invocations, and on until it
    has used `block_ticks` clock ticks of CPU, so that a tick is a small part of it."""
    per_block_ms = {name: [] for name in hosts}
    lengths = {name: [] for name in hosts}
    requests = {}
    served = dict.fromkeys(hosts, 0)
    for name, host in hosts.items():
        for _ in range(warmup):
            workload.invoke(host, served[name])
            served[name] += 1
    for _ in range(blocks):
        for name, host in hosts.items():  # in turn, block for block: a load that comes and goes hits both alike
            _, before = host.fake.counts()
            ticks = invocations = 0
            while invocations < per_block or (ticks < block_ticks and invocations < MAX_BLOCK):
                ticks += workload.invoke(host, served[name]).cpu_ticks
                served[name] += 1
                invocations += 1
            per_block_ms[name].append(ticks * TICK_MS / invocations * 1000 / workload.records)
            lengths[name].append(invocations)
            _, after = host.fake.counts()
            requests[name] = {op: round((after.get(op, 0) - before.get(op, 0)) / invocations, 1) for op in after if after.get(op, 0) > before.get(op, 0)}
    return per_block_ms, lengths, requests


def summary(values, lengths):
    return {"invocationsPerBlock": lengths, "medianMs": round(statistics.median(values), 2), "minMs": round(min(values), 2), "maxMs": round(max(values), 2), "blocks": len(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="changes per event, on distinct keys (default 1000)")
    parser.add_argument("--sizes", default="1500,3500", help="bytes per record, on average (default 1500,3500)")
    parser.add_argument("--modes", default="one-way,multi-active", help="one-way, multi-active or both (default both)")
    parser.add_argument("--warmup", type=int, default=3, help="invocations before measuring, per host (default 3)")
    parser.add_argument("--blocks", type=int, default=5, help="measured blocks per host (default 5)")
    parser.add_argument("--per-block", type=int, default=3, help="invocations per block at least (default 3)")
    parser.add_argument("--block-cpu-ms", type=int, default=500,
                        help="a block goes on until it has used this much CPU, so that a 10 ms tick is at most 2 %% of it (default 500)")
    parser.add_argument("--pool", type=int, default=4, help="distinct events handed in turn (default 4)")
    benchlib.add_baseline_options(parser)
    parser.add_argument("--smoke", action="store_true", help="100-record events, one short block, no baseline, no judging")
    parser.add_argument("--markdown", help="write the results section here")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args()
    if args.smoke:
        args.records, args.sizes, args.warmup, args.blocks, args.per_block, args.block_cpu_ms, args.pool = 100, "1500", 1, 1, 2, 0, 1
    sizes = [int(size) for size in args.sizes.split(",")]
    modes = args.modes.split(",")
    if not set(modes) <= {"one-way", "multi-active"}:
        sys.exit(f"--modes {args.modes}: expected one-way, multi-active or both, comma-separated")

    bootstraps = {"current": benchlib.ensure_aot()}
    baseline = benchlib.ensure_baseline(args)
    if baseline:
        bootstraps["baseline"] = baseline

    results = []
    for size in sizes:
        workload = Workload(args.records, size, args.pool)
        for mode in modes:
            hosts = {name: WarmHost(path, multi_active=mode == "multi-active") for name, path in bootstraps.items()}
            try:
                figures, lengths, requests = measure(hosts, workload, args.warmup, args.blocks, args.per_block, args.block_cpu_ms / TICK_MS)
            finally:
                for host in hosts.values():
                    host.close()
            row = {"recordBytes": size, "actualBytesPerRecord": round(workload.bytes_per_record), "mode": mode,
                   "hosts": {name: summary(values, lengths[name]) for name, values in figures.items()}, "requestsPerInvocation": requests}
            results.append(row)
            shown = ", ".join(f"{name} median {row['hosts'][name]['medianMs']:.1f} ms (min {row['hosts'][name]['minMs']:.1f}, "
                              f"max {row['hosts'][name]['maxMs']:.1f})" for name in figures)
            print(f"{mode:12} {size:5} B/record ({workload.bytes_per_record:,.0f} actual): CPU per 1,000 changes: {shown}; "
                  f"requests per invocation (current): {requests['current']}", flush=True)

    markdown = report(args, results, bootstraps, workload)
    benchlib.write_outputs(args.markdown, args.json, markdown, {
        "records": args.records, "warmup": args.warmup, "blocks": args.blocks, "perBlock": args.per_block, "blockCpuMs": args.block_cpu_ms, "pool": args.pool,
        "tickMs": TICK_MS, "baseline": str(baseline) if baseline else None, "results": results})


def report(args, results, bootstraps, workload):
    smoke = args.smoke
    baseline = bootstraps.get("baseline")
    label = benchlib.baseline_label(baseline) if baseline else None

    def find(size, mode):
        return next((row for row in results if row["recordBytes"] == size and row["mode"] == mode), None)

    def share(ms, memory):
        return ms / (memory / FULL_VCPU_MB)

    rows = []
    for row in results:
        current = row["hosts"]["current"]["medianMs"]
        old = row["hosts"].get("baseline", {}).get("medianMs")
        one_way = find(row["recordBytes"], "one-way")
        target, verdict = "", ""
        if row["mode"] == "one-way" and row["recordBytes"] == 1500:
            target = f"≤ {TARGET_ONE_WAY_MS} ms"
            verdict = benchlib.verdict(current <= TARGET_ONE_WAY_MS, smoke, f"{current - TARGET_ONE_WAY_MS:.1f} ms over")
        elif row["mode"] == "multi-active" and one_way and one_way["hosts"]["current"]["medianMs"] > 0:
            # A smoke run's one block can use less CPU than one 10 ms tick: no ratio then.
            ratio = current / one_way["hosts"]["current"]["medianMs"]
            target = f"≤ {TARGET_MULTI_ACTIVE_RATIO}× one-way ({ratio:.1f}×)"
            verdict = benchlib.verdict(ratio <= TARGET_MULTI_ACTIVE_RATIO, smoke, f"{ratio:.1f}×")
        cells = [row["mode"], f"{row['actualBytesPerRecord']:,} B", f"**{current:.1f} ms** ({row['hosts']['current']['minMs']:.1f}–{row['hosts']['current']['maxMs']:.1f})"]
        cells += [f"{share(current, memory):,.0f} ms" for memory in SHARES]
        if baseline:
            cells += [f"{old:.1f} ms ({row['hosts']['baseline']['minMs']:.1f}–{row['hosts']['baseline']['maxMs']:.1f})",
                      f"{share(old, 128):,.0f} ms", f"{old / current:.1f}×" if current else "–"]
        cells += [target, verdict]
        rows.append(cells)
    headers = ["mode", "bytes per record", "CPU per 1,000 changes, median (min–max over blocks)", "billed at 128 MB", "billed at 1,024 MB"]
    if baseline:
        headers += [f"baseline ({label})", "baseline billed at 128 MB", "speed-up (baseline ÷ current)"]
    headers += ["target", "verdict"]

    calls = []
    for row in results:
        if row["mode"] == "multi-active":
            per_change = ", ".join(f"{op} {count / args.records:.2f}" for op, count in sorted(row["requestsPerInvocation"]["current"].items()))
            calls.append(f"{row['actualBytesPerRecord']:,} B a record: {per_change}")
    mix = ", ".join(f"{count * 100 // args.records} % {kind}" for kind, count in sorted(workload.kinds.items()))
    lines = [
        "### 6. CPU per invocation, end to end",
        "",
        f"`{benchlib.quoted_command(sys.argv)}`: the published Native AOT `bootstrap` (`artifacts/lambda/bootstrap`), warm, handed "
        f"events of {args.records:,} changes on distinct keys ({mix}; both images, realistic items: nested maps, lists, all three set "
        f"types) through the runtime API stand-in, writing to `bench/fake_dynamodb.py`, which answers at once. Process CPU: utime + "
        f"stime of the bootstrap from `/proc/PID/stat` ({TICK_MS:g} ms ticks), read after each answer; after {args.warmup} warm-up "
        f"invocations, {args.blocks} block(s) per host, each of at least {args.per_block} invocations and on until it has used "
        f"{args.block_cpu_ms:,} ms of CPU, {args.pool} distinct event(s) in turn; "
        "**the figure is the median over blocks** of each block's CPU per 1,000 changes (a block, not an invocation, because a tick "
        "is as long as the target). "
        + (f"Baseline: the old path's `bootstrap` ({label}, `bench/baseline.sh`), the same events, blocks in turn with the current one. "
           if baseline else "No baseline in this run. ")
        + f"Billed time at Lambda's CPU share: CPU ms ÷ (memory ÷ {FULL_VCPU_MB:,} MB): ÷ {128 / FULL_VCPU_MB:.3f} at 128 MB, "
        f"÷ {1024 / FULL_VCPU_MB:.3f} at 1,024 MB.",
        "",
        "Multi-active: `REPLICATION_MODE=multi-active`, local table us-east-1:customers, peers us-west-2 and eu-west-1, against "
        "`bench/fake_dynamodb.py` extended for it (chosen over moto, which would be slower than the host and keep state across "
        "invocations): every condition met, UpdateItem answers ALL_NEW over the item the application wrote (the record's new image, "
        "given to the fake before the event), TransactWriteItems writes, BatchGetItem finds nothing (no tombstones or pins), "
        "DescribeTable describes the side tables. Only the bootstrap's CPU counts.",
        "",
        benchlib.table(headers, rows),
    ]
    if calls:
        lines += ["", "Multi-active requests per change (current bootstrap): " + "; ".join(calls) + "."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
