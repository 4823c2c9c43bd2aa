#!/usr/bin/env python3
"""Peak memory of the Lambda host (the Native AOT `bootstrap`) handling large batches handed over by
the runtime API stand-in, writing to a fake DynamoDB endpoint that answers BatchWriteItem with
{"UnprocessedItems":{}} at once (bench/fake_dynamodb.py). Peak RSS is the kernel's high-water mark
(VmHWM in /proc/PID/status) read after the last answer, while the process still runs (it waits for
its next invocation); VmRSS is also sampled every 5 ms as a cross-check.

Three events (every record's writes are checked to have reached the fake endpoint):
  realistic  10,000 records of items with 20 attributes (nested maps and lists, all three set
             types), both images; 30 % INSERT, 60 % MODIFY, 10 % REMOVE. About 28 MB: more than
             the 6 MB Lambda ever delivers in one invocation.
  capped     the same kind of records, as many as fit in 6 MB (the largest real event).
  small      10,000 records of 7-attribute items, new images only: a 10,000-record batch that
             fits in 6 MB.
Each runs on this machine as is (24 GB: the GC is lazy here) and with the GC heap limited as .NET
limits it in a 128 MB environment (DOTNET_GCHeapHardLimit = 75 % of 128 MiB). The old path's
bootstrap (bench/baseline.sh) is the baseline, with the GC limited, in the same run; the JIT
(framework-dependent) build of the current host is shown beside it.

    python3 bench/memory.py [--batches N] [--baseline PATH | --no-baseline] [--smoke] [--markdown PATH] [--json PATH]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import benchlib
from fake_dynamodb import FakeDynamoDb
from lambda_runtime import RuntimeApi  # noqa: E402 (benchlib puts scripts/ on the path)

TARGET_MB = 128
TARGET_6MB_MIB = 64  # the largest event Lambda delivers, in half of its smallest memory
INVOCATION_TIMEOUT = 60  # seconds; a host thrashing at its heap limit, or stuck, is reported, not waited for
LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
# What .NET's GC takes as its heap limit inside a 128 MB container: 75 % of it. Hexadecimal, without 0x
# (Native AOT reads the variable as bare hex).
LAMBDA_LIKE_GC = {"DOTNET_GCHeapHardLimit": format(TARGET_MB * 1024 * 1024 * 3 // 4, "x")}


class Sampler:
    """Samples a process's VmRSS until stopped; keeps the largest."""

    def __init__(self, pid):
        self.pid, self.peak_kb, self.running = pid, 0, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak_kb = max(self.peak_kb, benchlib.proc_status(self.pid).get("VmRSS", 0))
            time.sleep(0.005)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak_kb


def measure(bootstrap, event, keys, batches, extra_env=None):
    """Runs one host: an empty event (its start-up footprint), then `batches` times the event.
    Returns figures in MiB and seconds; `error` is set when the host could not handle the event."""
    fake, runtime = FakeDynamoDb(), RuntimeApi()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=runtime.address, REPLICATION_TARGETS="us-west-2:customers",
               AWS_ENDPOINT_URL=fake.endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(TARGET_MB), **(extra_env or {}))
    host_log = tempfile.TemporaryFile()
    process = subprocess.Popen([str(bootstrap)], env=env, stdout=host_log, stderr=subprocess.STDOUT)
    sampler = Sampler(process.pid)
    figures = {"error": None}
    try:
        runtime.invoke({"Records": []}, "empty")
        figures["startHwmMiB"] = benchlib.proc_status(process.pid)["VmHWM"] / 1024
        for batch in range(batches):
            started, cpu_before = time.monotonic(), benchlib.cpu_seconds(process.pid)
            runtime.enqueue(event, f"batch-{batch}")
            try:
                _, path, body = runtime.wait_for_answer(batch + 2, timeout=INVOCATION_TIMEOUT)
            except TimeoutError:
                status = benchlib.proc_status(process.pid)
                figures["hwmMiB"], figures["rssAfterMiB"] = status.get("VmHWM", 0) / 1024, status.get("VmRSS", 0) / 1024
                cpu = benchlib.cpu_seconds(process.pid) - cpu_before
                host_log.seek(0)
                last = (host_log.read().decode(errors="replace").strip().splitlines() or ["(nothing)"])[-1][:300]
                figures["error"] = (f"no answer within {INVOCATION_TIMEOUT} s (batch {batch}; it used {cpu:.0f} s of CPU meanwhile; "
                                    f"alive: {process.poll() is None}; its last log line: {last})")
                break
            seconds = time.monotonic() - started
            status = benchlib.proc_status(process.pid)
            figures["hwmMiB"], figures["rssAfterMiB"] = status["VmHWM"] / 1024, status["VmRSS"] / 1024
            if not path.endswith("/response") or body.get("batchItemFailures"):
                figures["error"] = body.get("errorMessage") or json.dumps(body)[:300]
                break
            if batch == 0:
                figures["firstBatchHwmMiB"], figures["firstBatchSeconds"] = status["VmHWM"] / 1024, seconds
            figures["lastBatchSeconds"] = seconds
        written, requests = fake.counts()
        if figures["error"] is None and written != keys * batches:
            sys.exit(f"{bootstrap}: {written} items reached the target, expected {keys * batches} ({keys} keys x {batches} batches)")
        figures["requests"] = requests
    finally:
        figures["sampledPeakMiB"] = sampler.stop() / 1024
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        runtime.close()
        fake.close()
        host_log.close()
    return {name: round(value, 1) if isinstance(value, float) else value for name, value in figures.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=3, help="batches handed to the same process, as a warm Lambda gets them (default 3)")
    benchlib.add_baseline_options(parser)
    parser.add_argument("--smoke", action="store_true", help="1,000-record events, one batch, no baseline, no judging")
    parser.add_argument("--markdown", help="write the results section here")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args()
    records, batches = (1_000, 1) if args.smoke else (10_000, args.batches)

    aot, jit = benchlib.ensure_aot(), benchlib.ensure_jit()
    baseline = benchlib.ensure_baseline(args)
    baseline_name = benchlib.baseline_label(baseline) if baseline else None
    events = {}
    realistic, realistic_keys = benchlib.stream_event(records, seed=5)
    events["realistic"] = (realistic, realistic_keys)
    per_record = len(json.dumps(realistic).encode()) / records
    events["capped"] = benchlib.stream_event(min(records, int(LAMBDA_PAYLOAD_LIMIT / per_record * 0.98)), seed=6)
    events["small"] = benchlib.stream_event(records, seed=7, small=True)
    # What leaving the old images out would give at best: the same records without them.
    new_only = json.loads(json.dumps(realistic))
    for record in new_only["Records"]:
        record["dynamodb"].pop("OldImage", None)
    events["newOnly"] = (new_only, realistic_keys)
    sizes = {name: len(json.dumps(event).encode()) for name, (event, _) in events.items()}

    results = {}
    for name, (event, keys) in events.items():
        for host, bootstrap in (("aot", aot), ("jit", jit)):
            for limit, env in (("free", {}), ("limited", LAMBDA_LIKE_GC)):
                if name == "newOnly" and (host, limit) != ("aot", "limited"):
                    continue
                label = f"{name}/{host}/{limit}"
                results[label] = measure(bootstrap, event, keys, batches, env)
                print(f"{label:24} {json.dumps(results[label])}", flush=True)
        if baseline and name != "newOnly":
            label = f"{name}/baseline/limited"
            results[label] = measure(baseline, event, keys, batches, LAMBDA_LIKE_GC)
            print(f"{label:24} {json.dumps(results[label])}", flush=True)

    smoke = args.smoke

    def peak(label):
        figures = results[label]
        text = f"{figures['hwmMiB']:.1f} MiB"
        if not figures["error"]:
            return text
        if "OutOfMemory" in figures["error"]:
            return f"{text}, then out of memory"
        return f"{text}, then failed: {figures['error'][:120]}"

    def judged(label, target, strict):
        figures = results[label]
        ok = figures["error"] is None and (figures["hwmMiB"] < target if strict else figures["hwmMiB"] <= target)
        over = f"{figures['hwmMiB'] - target:.1f} MiB over" if figures["error"] is None else "runs out of memory"
        return benchlib.verdict(ok, smoke, over)

    def old(name):
        return peak(f"{name}/baseline/limited") if baseline else "(not run)"

    targets = {"realistic": (TARGET_MB, f"< {TARGET_MB} MiB"), "capped": (TARGET_6MB_MIB, f"≤ {TARGET_6MB_MIB} MiB"),
               "small": (TARGET_6MB_MIB, f"≤ {TARGET_6MB_MIB} MiB")}

    descriptions = {
        "realistic": f"{records:,} realistic records (20 attributes, both images), a {sizes['realistic'] / 1e6:.1f} MB event",
        "capped": f"{len(events['capped'][0]['Records']):,} realistic records, a {sizes['capped'] / 1e6:.1f} MB event (as many as fit in the 6 MB Lambda delivers at most)",
        "small": f"{records:,} small records (7 attributes, new image), a {sizes['small'] / 1e6:.1f} MB event",
    }
    rows = []
    for name, description in descriptions.items():
        target, shown = targets[name]
        rows.append([f"{description}, GC limited as in 128 MB", f"**{peak(f'{name}/aot/limited')}**", shown, old(name),
                     f"JIT: {peak(f'{name}/jit/limited')}", judged(f"{name}/aot/limited", target, strict=name == "realistic")])
        rows.append([f"{description}, GC unconstrained (24 GB machine)", peak(f"{name}/aot/free"), "", "",
                     f"JIT: {peak(f'{name}/jit/free')}", ""])
    only = results["newOnly/aot/limited"]
    rows.append([f"the {records:,} realistic records without their old images, a {sizes['newOnly'] / 1e6:.1f} MB event, GC limited as in 128 MB",
                 peak("newOnly/aot/limited"), "", "", "", ""])
    free = results["realistic/aot/free"]
    rows.append(["AOT after start-up (an empty event)", f"{free['startHwmMiB']:.1f} MiB", "",
                 f"{results['realistic/baseline/limited']['startHwmMiB']:.1f} MiB (GC limited)" if baseline else "",
                 f"JIT: {results['realistic/jit/free']['startHwmMiB']:.1f} MiB", ""])
    if "firstBatchSeconds" in free:
        rows.append([f"AOT time to handle the {records:,} realistic records (first / last batch)",
                     f"{free['firstBatchSeconds']:.2f} s / {free['lastBatchSeconds']:.2f} s", "", "", "", ""])

    notes = []
    realistic_limited = results["realistic/aot/limited"]
    if realistic_limited["error"] or realistic_limited["hwmMiB"] >= TARGET_MB:
        how = "they run out of memory with the GC limited as in 128 MB" if realistic_limited["error"] else f"{realistic_limited['hwmMiB']:.1f} MiB"
        without_old = "still run out of memory" if only["error"] else f"peak at {only['hwmMiB']:.1f} MiB"
        notes.append(
            f"**The {records:,} realistic records miss the target** "
            f"({how}; unconstrained, the peak is {free['hwmMiB']:.1f} MiB; with the old images left out of the event altogether, "
            f"the same records {without_old}). Lambda never delivers such an event (an invocation carries at most 6 MB, so at most "
            f"{len(events['capped'][0]['Records']):,} of these records, or 10,000 records of about 600 bytes: the rows above), and "
            "the poller reads pages of at most 1,000 records.")
    markdown = "\n".join([
        "### 5. Memory",
        "",
        f"`{benchlib.quoted_command(sys.argv)}`: peak RSS (VmHWM from `/proc/PID/status`, read after the last answer while the "
        f"process still runs) of the Lambda host handling each event {batches} time(s) in one process, as a warm Lambda gets "
        "them, through the runtime API stand-in, writing to a fake DynamoDB endpoint (`bench/fake_dynamodb.py`) that answers "
        "at once. Realistic records: 30 % INSERT, 60 % MODIFY, 10 % REMOVE, items with nested maps, lists and all three set types. "
        f"\"GC limited as in 128 MB\": `DOTNET_GCHeapHardLimit={LAMBDA_LIKE_GC['DOTNET_GCHeapHardLimit']}` (96 MiB, the 75 % "
        ".NET takes in a 128 MB container); unconstrained, the GC on this 24 GB machine collects lazily, so RSS there is "
        "mostly uncollected garbage. "
        + (f"Baseline: the old path's `bootstrap` ({baseline_name}, `bench/baseline.sh`), GC limited, the same events in the same run; the "
           "JIT column is the current host under the JIT." if baseline else "No old-path baseline in this run; the JIT column is the current host under the JIT."),
        "",
        benchlib.table(["measure (AOT `bootstrap`)", "peak RSS", "target", f"baseline ({baseline_name})" if baseline else "baseline", "JIT", "verdict"], rows),
        *(["", *notes] if notes else []),
    ])
    benchlib.write_outputs(args.markdown, args.json, markdown, {"records": records, "batches": batches, "eventBytes": sizes,
                                                                "baseline": str(baseline) if baseline else None, "results": results})


if __name__ == "__main__":
    main()
