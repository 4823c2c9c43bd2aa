#!/usr/bin/env python3
"""Round trips per invocation, end to end: the published Native AOT `bootstrap`, warm, handed
events of 1,000 realistic changes (about 1.5 KB a record) on distinct keys through the runtime API
stand-in, writing to a fake DynamoDB endpoint that answers every request after a cross-region
round trip (bench/fake_dynamodb.py --delay-ms, 60 ms). Timed from the moment the stand-in's /next
answer was written (the event handed over) to the moment the response was posted; the figure is
the median over the measured invocations, divided by the round trip. The current bootstrap and
the old path's (bench/baseline.sh) run in the same run, invocation for invocation in turn.

    python3 bench/round-trips.py [--records 1000] [--record-bytes 1500] [--delay-ms 60] [--warmup 2] [--runs 9]
                                 [--pool 4] [--baseline PATH | --no-baseline] [--smoke] [--markdown PATH] [--json PATH]
"""
import argparse
import statistics
import sys

import benchlib
from warm_host import WarmHost, Workload

TARGET_ROUND_TRIPS = 1.5  # one-way, 1,000 distinct keys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="changes per event, on distinct keys (default 1000)")
    parser.add_argument("--record-bytes", type=int, default=1500, help="bytes per record, on average (default 1500)")
    parser.add_argument("--delay-ms", type=float, default=60, help="the fake endpoint's round trip (default 60)")
    parser.add_argument("--warmup", type=int, default=2, help="invocations before measuring, per host (default 2)")
    parser.add_argument("--runs", type=int, default=9, help="measured invocations per host (default 9)")
    parser.add_argument("--pool", type=int, default=4, help="distinct events handed in turn (default 4)")
    benchlib.add_baseline_options(parser)
    parser.add_argument("--smoke", action="store_true", help="100-record events, two invocations, no baseline, no judging")
    parser.add_argument("--markdown", help="write the results section here")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args()
    if args.smoke:
        args.records, args.warmup, args.runs, args.pool = 100, 1, 2, 1

    bootstraps = {"current": benchlib.ensure_aot()}
    baseline = benchlib.ensure_baseline(args)
    if baseline:
        bootstraps["baseline"] = baseline
    workload = Workload(args.records, args.record_bytes, args.pool, seed=21)
    hosts = {name: WarmHost(path, delay_ms=args.delay_ms) for name, path in bootstraps.items()}
    timings = {name: [] for name in hosts}
    requests = {}
    try:
        served = 0
        for _ in range(args.warmup):
            for host in hosts.values():
                workload.invoke(host, served)
            served += 1
        before = {name: host.fake.counts()[1] for name, host in hosts.items()}
        for _ in range(args.runs):
            for name, host in hosts.items():  # in turn: a load that comes and goes hits both alike
                timings[name].append(workload.invoke(host, served).seconds * 1000)
            served += 1
        for name, host in hosts.items():
            after = host.fake.counts()[1]
            requests[name] = {op: round((after[op] - before[name].get(op, 0)) / args.runs, 1) for op in after if after[op] > before[name].get(op, 0)}
    finally:
        for host in hosts.values():
            host.close()

    figures = {name: {"medianMs": round(statistics.median(values), 1), "minMs": round(min(values), 1), "maxMs": round(max(values), 1),
                      "roundTrips": round(statistics.median(values) / args.delay_ms, 2), "runs": len(values), "requestsPerInvocation": requests[name]}
               for name, values in timings.items()}
    for name, figure in figures.items():
        print(f"{name:9} event handed over to response posted: median {figure['medianMs']:.1f} ms = {figure['roundTrips']:.2f} round trips "
              f"of {args.delay_ms:g} ms (min {figure['minMs']:.1f}, max {figure['maxMs']:.1f}); requests per invocation {figure['requestsPerInvocation']}", flush=True)

    current = figures["current"]
    label = benchlib.baseline_label(baseline) if baseline else None
    old = figures.get("baseline")
    rows = [[f"{args.records:,} distinct keys, {workload.bytes_per_record:,.0f} B a record, one-way",
             f"**{current['roundTrips']:.2f} round trips** ({current['medianMs']:.1f} ms; min {current['minMs']:.1f}, max {current['maxMs']:.1f})",
             f"≤ {TARGET_ROUND_TRIPS}",
             f"{label}: {old['roundTrips']:.2f} ({old['medianMs']:.1f} ms; min {old['minMs']:.1f}, max {old['maxMs']:.1f})" if old else "(not run)",
             benchlib.verdict(current["roundTrips"] <= TARGET_ROUND_TRIPS, args.smoke, f"{current['roundTrips'] - TARGET_ROUND_TRIPS:.2f} over")]]
    markdown = "\n".join([
        "### 7. Round trips per invocation, end to end",
        "",
        f"`{benchlib.quoted_command(sys.argv)}`: the published Native AOT `bootstrap`, warm, handed events of {args.records:,} changes "
        f"on distinct keys through the runtime API stand-in, writing to `bench/fake_dynamodb.py` answering every request after "
        f"{args.delay_ms:g} ms (a cross-region round trip). Timed from the stand-in's /next answer written to the response posted; "
        f"median of {args.runs} invocations per host after {args.warmup} warm-up, {args.pool} distinct event(s) in turn; round trips = "
        f"median ÷ {args.delay_ms:g} ms. Requests per invocation: {', '.join(f'{op} {n:g}' for op, n in current['requestsPerInvocation'].items())}. "
        + (f"Baseline: the old path's `bootstrap` ({label}, `bench/baseline.sh`), invocation for invocation in turn with the current one."
           if old else "No baseline in this run."),
        "",
        benchlib.table(["measure", "result", "target", "baseline", "verdict"], rows),
    ])
    benchlib.write_outputs(args.markdown, args.json, markdown, {
        "records": args.records, "bytesPerRecord": round(workload.bytes_per_record), "delayMs": args.delay_ms, "warmup": args.warmup,
        "runs": args.runs, "pool": args.pool, "baseline": str(baseline) if baseline else None, "figures": figures})


if __name__ == "__main__":
    main()
