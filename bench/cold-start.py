#!/usr/bin/env python3
"""Cold start of the Lambda host: the Native AOT `bootstrap` against the same host run under the
JIT (a framework-dependent build), from process start to its first response at a stand-in of the
runtime API, median of N runs each (the two alternate, run by run).

Two events are timed. The target is judged on the first: an event with no records, so only the
host's own start-up is timed (configuration, AWS clients, engine). The second is a first batch of
100 realistic records written to a fake DynamoDB endpoint that answers at once: start-up plus the
first use of the parser, planner and AWS SDK (what a real cold invocation pays).

    python3 bench/cold-start.py [--runs N] [--smoke] [--markdown PATH] [--json PATH]

Publishes artifacts/lambda/bootstrap (build/publish-lambda.sh) and artifacts/lambda-jit/bootstrap
(dotnet publish ... --self-contained false -p:PublishAot=false) when missing or stale.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

import benchlib
from benchlib import ROOT
from fake_dynamodb import FakeDynamoDb
from lambda_runtime import RuntimeApi  # noqa: E402 (benchlib puts scripts/ on the path)

TARGET_AOT_MS, TARGET_SPEEDUP = 100, 3


def start_once(bootstrap, event, expected_items, fake, run):
    """One cold start: (milliseconds from process start to its first response)."""
    runtime = RuntimeApi()
    runtime.enqueue(event, f"cold-{run}")
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=runtime.address, REPLICATION_TARGETS="us-west-2:customers",
               AWS_ENDPOINT_URL=fake.endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
    before, _ = fake.counts()
    started = time.monotonic()
    process = subprocess.Popen([str(bootstrap)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        answered, path, body = runtime.wait_for_answer(1, timeout=60)
    finally:
        process.terminate()
        process.wait(10)
        # Shutting the stand-in down takes up to half a second (its poll interval): not worth waiting for.
        threading.Thread(target=runtime.close, daemon=True).start()
    if not path.endswith("/response") or body.get("batchItemFailures"):
        sys.exit(f"{bootstrap} run {run}: the function answered {path} {body}, not a clean response")
    written = fake.counts()[0] - before
    if written != expected_items:
        sys.exit(f"{bootstrap} run {run}: {written} items reached the target, expected {expected_items}")
    return (answered - started) * 1000


def summary(timings):
    return {"medianMs": round(statistics.median(timings), 1), "minMs": round(min(timings), 1), "maxMs": round(max(timings), 1), "runs": len(timings)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each host and event (default 20)")
    parser.add_argument("--smoke", action="store_true", help="3 runs, no judging: proves the benchmark works")
    parser.add_argument("--markdown", help="write the results section here")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args()
    runs = 3 if args.smoke else args.runs

    hosts = {"aot": benchlib.ensure_aot(), "jit": benchlib.ensure_jit()}
    empty = {"Records": []}
    batch, keys = benchlib.stream_event(100, seed=3)
    fake = FakeDynamoDb()
    timings = {(host, event): [] for host in hosts for event in ("empty", "batch")}
    try:
        for run in range(runs):
            for host, bootstrap in hosts.items():
                timings[(host, "empty")].append(start_once(bootstrap, empty, 0, fake, run))
                timings[(host, "batch")].append(start_once(bootstrap, batch, keys, fake, run))
    finally:
        fake.close()

    figures = {f"{host}_{event}": summary(values) for (host, event), values in timings.items()}
    aot, jit = figures["aot_empty"]["medianMs"], figures["jit_empty"]["medianMs"]
    speedup = jit / aot
    batch_speedup = figures["jit_batch"]["medianMs"] / figures["aot_batch"]["medianMs"]
    size = hosts["aot"].stat().st_size / 1024 / 1024
    for name, figure in figures.items():
        print(f"{name:10} process start to first response: median {figure['medianMs']:.1f} ms over {figure['runs']} runs "
              f"(min {figure['minMs']:.1f}, max {figure['maxMs']:.1f})")
    print(f"AOT is {speedup:.1f}x faster than JIT to start ({batch_speedup:.1f}x with a first batch of 100 records); bootstrap {size:.1f} MiB")

    def cell(figure):
        return f"median **{figure['medianMs']:.1f} ms** (min {figure['minMs']:.1f}, max {figure['maxMs']:.1f})"

    smoke = args.smoke
    aot_ok, speed_ok = aot <= TARGET_AOT_MS, speedup >= TARGET_SPEEDUP
    rows = [
        ["AOT `bootstrap`, event with no records", cell(figures["aot_empty"]), f"≤ {TARGET_AOT_MS} ms",
         f"JIT: {figures['jit_empty']['medianMs']:.1f} ms", benchlib.verdict(aot_ok, smoke, f"{aot - TARGET_AOT_MS:.1f} ms over")],
        ["AOT speed-up over JIT, event with no records", f"**{speedup:.1f}×**", f"≥ {TARGET_SPEEDUP}×", "JIT = 1×",
         benchlib.verdict(speed_ok, smoke, f"{TARGET_SPEEDUP - speedup:.1f}× short")],
        ["JIT (framework-dependent) build, event with no records", cell(figures["jit_empty"]), "(baseline)", "", ""],
        ["AOT, first batch of 100 records to a fake DynamoDB", cell(figures["aot_batch"]), "(not a target)",
         f"JIT: {figures['jit_batch']['medianMs']:.1f} ms ({batch_speedup:.1f}× slower)", ""],
        ["JIT, first batch of 100 records to a fake DynamoDB", cell(figures["jit_batch"]), "(baseline)", "", ""],
    ]
    markdown = "\n".join([
        "### 4. Cold start",
        "",
        f"`{benchlib.quoted_command(sys.argv)}`: process start to the first response at the runtime API stand-in "
        f"(`scripts/lambda_runtime.py`), {runs} runs of each, AOT and JIT alternating. AOT: `artifacts/lambda/bootstrap` "
        f"({size:.1f} MiB, `build/publish-lambda.sh`); JIT: `artifacts/lambda-jit/bootstrap`, `{' '.join(benchlib.JIT_PUBLISH)}`.",
        "",
        benchlib.table(["measure", "result", "target", "baseline", "verdict"], rows),
    ])
    benchlib.write_outputs(args.markdown, args.json, markdown, {"figures": figures, "speedup": round(speedup, 2),
                                                                "batchSpeedup": round(batch_speedup, 2), "bootstrapMiB": round(size, 1)})


if __name__ == "__main__":
    main()
