#!/usr/bin/env python3
"""The stream poller at many shards: `replicator replicate` against the stand-in's Streams API
(bench/Replicator.StandIn) at 1, 16, 64 and 256 open shards, with shard rolls, measuring for each

  - throughput: a backlog of records there from the start, read and written as fast as it goes
    (records/s between the first and the last write the stand-in's target received);
  - CPU per record (user + system of the replicator process, from /proc while the backlog drains,
    and over the steady run) and peak RSS (ru_maxrss from os.wait4);
  - open connections (the stand-in's peak; it serves Streams and the target on one port);
  - checkpoint writes per second (each save renames a temporary file over the checkpoint file:
    counted with inotify's IN_MOVED_TO on its directory, through ctypes, so any build is measured
    the same way, without the replicator's help);
  - lag at a steady rate below saturation: p50 and p99 of (the target write's arrival at the
    stand-in) less (when the stand-in's stream made the record), from the stand-in.

The stand-in throttles GetRecords at 5 calls per second per shard, as DynamoDB does, and rolls
every open shard (closes it, opens a child) every --roll-every seconds.

  python3 bench/scale-poller.py [--smoke] [--shards 1,16,64,256] [--baseline-cli PATH] [--markdown PATH] [--json PATH]

--baseline-cli runs the same measurements with another build of the CLI (e.g. one from before the
checkpoint writes were coalesced) and shows both.
"""
import argparse
import ctypes
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import benchlib

STANDIN_PROJECT = benchlib.ROOT / "bench" / "Replicator.StandIn"
STANDIN = STANDIN_PROJECT / "bin" / "Release" / "net10.0" / "Replicator.StandIn.dll"
SHARD_READS_PER_SECOND = 5  # DynamoDB Streams' GetRecords limit per shard
IN_MOVED_TO = 0x00000080

# The poller before its bounds (82a3a31: a checkpoint write and fsync after every batch of every
# shard, GetRecords back to back after a page of records, no cap on reads or applies in flight),
# measured by this script with --baseline-cli on 2026-12-02, same machine and settings: open shards,
# backlog records/s, backlog CPU µs/record, steady CPU % (µs/record), peak RSS MB, connections peak
# (backlog / steady), checkpoint writes/s (backlog / steady), lag p50 / p99 ms, GetRecords throttled
# (backlog / steady).
RECORDED_BEFORE = [
    (1, 1802, 90, 15, 157, 122, 19, 19, 4.8, 5.0, 438, 1235, 116, 78),
    (16, 10168, 68, 31, 318, 241, 218, 82, 27.0, 56.7, 209, 2365, 0, 894),
    (64, 12407, 58, 63, 642, 345, 1052, 131, 34.7, 248.2, 151, 1122, 0, 2481),
    (256, 9546, 86, 69, 736, 420, 2688, 490, 5.0, 196.2, 762, 2958, 0, 0),
]


def log(message):
    benchlib.log(f"scale-poller: {message}")


def ensure_standin():
    if not benchlib.is_fresh(STANDIN, ("bench/Replicator.StandIn",)):
        log("building the stand-in (Release)...")
        benchlib.run_quiet(["dotnet", "build", str(STANDIN_PROJECT), "-c", "Release", "--nologo", "-v", "q"], "building the stand-in")
        STANDIN.touch()
    return STANDIN


class StandIn:
    """The stand-in as a child process, serving until its standard input closes."""

    def __init__(self, *args):
        self.process = subprocess.Popen(["dotnet", str(STANDIN), *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            sys.exit(f"the stand-in did not start: {line!r}")
        self.endpoint = line.split()[-1]

    def stats(self):
        with urllib.request.urlopen(f"{self.endpoint}/stats", timeout=30) as answer:
            return json.load(answer)

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/reset", method="POST", data=b""), timeout=30).close()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


class RenameCounter:
    """Counts files renamed to NAME in a directory (inotify IN_MOVED_TO), on a thread."""

    def __init__(self, directory, name):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK)
        if self.fd < 0 or self.libc.inotify_add_watch(self.fd, str(directory).encode(), IN_MOVED_TO) < 0:
            sys.exit(f"inotify is not available here (errno {ctypes.get_errno()}): cannot count checkpoint writes")
        self.name, self.count, self.stopped = name.encode(), 0, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            data = os.read(self.fd, 65536)
            at = 0
            while at < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, at)
                name = data[at + 16:at + 16 + length].rstrip(b"\0")
                if mask & IN_MOVED_TO and name == self.name:
                    self.count += 1
                at += 16 + length

    def close(self):
        self.stopped = True
        self.thread.join()
        os.close(self.fd)


class Replicator:
    """`replicator replicate` from the stand-in's stream to its target table; wait4 gives its rusage."""

    def __init__(self, cli, endpoint, directory, stop_after_idle=None):
        self.checkpoint = Path(directory) / "checkpoint.json"
        self.saves = RenameCounter(directory, self.checkpoint.name)
        command = [str(cli), "replicate", "--source", "us-east-1:source", "--target", "us-west-2:target",
                   "--endpoint", endpoint, "--checkpoint", str(self.checkpoint),
                   *(["--stop-after-idle", str(stop_after_idle)] if stop_after_idle else [])]
        self.command = " ".join(["replicator", *command[1:]])
        self.log = open(Path(directory) / "replicate.log", "w+")
        env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", NO_COLOR="1")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.rusage = None

    def cpu(self):
        return benchlib.cpu_seconds(self.process.pid)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.wait(60)

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status, rusage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                self.rusage = rusage
                self.saves.close()
                if self.process.returncode != 0:
                    self.log.seek(0)
                    sys.exit(f"replicator replicate exited {self.process.returncode}:\n" + "".join(self.log.readlines()[-20:]))
                return rusage
            time.sleep(0.05)
        self.process.kill()
        sys.exit(f"replicator replicate did not stop within {timeout} s")


def throughput_run(cli, shards, records, roll_every, directory):
    """A backlog of RECORDS spread over SHARDS, drained with --stop-after-idle."""
    standin = StandIn("--shards", shards, "--records", records, "--roll-every", roll_every, "--shard-reads-per-second", SHARD_READS_PER_SECOND)
    try:
        replicator = Replicator(cli, standin.endpoint, directory, stop_after_idle=2)
        first = last = None
        deadline = time.monotonic() + max(120, records / 200)
        while time.monotonic() < deadline and replicator.process.poll() is None:
            written = standin.stats()["itemsWritten"]
            if first is None and written > 0:
                first = (time.monotonic(), replicator.cpu(), replicator.saves.count)
            if written >= records:
                last = (time.monotonic(), replicator.cpu(), replicator.saves.count)
                break
            time.sleep(0.1)
        if last is None:
            sys.exit(f"{shards} shards: the backlog of {records} records was not written within the time allowed")
        rusage = replicator.wait(120)
        stats = standin.stats()
    finally:
        standin.close()
    lag = stats["lag"]
    seconds = max(1e-6, (lag["lastWriteMicros"] - lag["firstWriteMicros"]) / 1e6)
    window = max(1e-6, last[0] - first[0])
    return {
        "shards": shards, "records": records, "recordsPerSecond": round(records / seconds),
        "cpuMicrosPerRecord": round((last[1] - first[1]) * 1e6 / records, 1),
        "cpuSecondsTotal": round(rusage.ru_utime + rusage.ru_stime, 2),
        "peakRssMb": round(rusage.ru_maxrss / 1024), "connectionsPeak": stats["connectionsPeak"],
        "connectionsOpened": stats["connectionsOpened"], "checkpointWritesPerSecond": round((last[2] - first[2]) / window, 1),
        "getRecordsThrottled": stats["streams"]["throttled"], "rolls": stats["streams"]["rolls"], "shardsInAll": stats["streams"]["shards"],
        "command": replicator.command,
    }


def steady_run(cli, shards, rate, roll_every, warm, seconds, directory):
    """RATE records a second spread over SHARDS for WARM + SECONDS; measured over the last SECONDS."""
    standin = StandIn("--shards", shards, "--records-per-second", rate, "--roll-every", roll_every, "--shard-reads-per-second", SHARD_READS_PER_SECOND)
    try:
        replicator = Replicator(cli, standin.endpoint, directory)
        time.sleep(warm)
        standin.reset()
        start = (time.monotonic(), replicator.cpu(), replicator.saves.count)
        time.sleep(seconds)
        end = (time.monotonic(), replicator.cpu(), replicator.saves.count)
        stats = standin.stats()
        rusage = replicator.stop()
    finally:
        standin.close()
    window = end[0] - start[0]
    cpu = end[1] - start[1]
    lag = stats["lag"]
    return {
        "shards": shards, "rate": rate, "seconds": seconds, "recordsWritten": lag["count"],
        "lagP50Ms": round(lag.get("p50Ms", float("nan"))), "lagP99Ms": round(lag.get("p99Ms", float("nan"))), "lagMaxMs": round(lag.get("maxMs", float("nan"))),
        "cpuPercent": round(cpu * 100 / window, 1), "cpuMicrosPerRecord": round(cpu * 1e6 / max(1, lag["count"]), 1),
        "peakRssMb": round(rusage.ru_maxrss / 1024), "connectionsPeak": stats["connectionsPeak"],
        "checkpointWritesPerSecond": round((end[2] - start[2]) / window, 1),
        "getRecordsPerSecond": round(stats["streams"]["getRecords"] / window), "getRecordsThrottled": stats["streams"]["throttled"],
        "describeStreamPerSecond": round(stats["requests"].get("DescribeStream", 0) / window, 1),
        "rolls": stats["streams"]["rolls"], "command": replicator.command,
    }


def measure(cli, label, shard_counts, args):
    results = []
    for shards in shard_counts:
        with tempfile.TemporaryDirectory(prefix="scale-poller-") as directory:
            log(f"{label}: {shards} shards, a backlog of {args.records:,} records")
            backlog = throughput_run(cli, shards, args.records, args.roll_every, directory)
        with tempfile.TemporaryDirectory(prefix="scale-poller-") as directory:
            log(f"{label}: {shards} shards, {args.rate} records/s for {args.seconds:g} s")
            steady = steady_run(cli, shards, args.rate, args.roll_every, args.warm, args.seconds, directory)
        log(f"{label}: {shards} shards: {backlog['recordsPerSecond']:,} records/s, {steady['checkpointWritesPerSecond']} checkpoint writes/s steady, lag p99 {steady['lagP99Ms']} ms")
        results.append({"shards": shards, "backlog": backlog, "steady": steady})
    return results


def rows_of(results, label):
    return [[f"{label}{r['shards']}", f"{r['backlog']['recordsPerSecond']:,}", f"{r['backlog']['cpuMicrosPerRecord']:.0f} µs",
             f"{r['steady']['cpuPercent']:.0f} % ({r['steady']['cpuMicrosPerRecord']:.0f} µs)",
             f"{max(r['backlog']['peakRssMb'], r['steady']['peakRssMb'])} MB",
             f"{r['backlog']['connectionsPeak']} / {r['steady']['connectionsPeak']}",
             f"{r['backlog']['checkpointWritesPerSecond']:g} / {r['steady']['checkpointWritesPerSecond']:g}",
             f"{r['steady']['lagP50Ms']} ms", f"{r['steady']['lagP99Ms']} ms",
             f"{r['backlog']['getRecordsThrottled']} / {r['steady']['getRecordsThrottled']}"] for r in results]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="seconds-long, 1 and 4 shards, numbers not judged")
    parser.add_argument("--shards", default="1,16,64,256")
    parser.add_argument("--records", type=int, default=60_000, help="the backlog of the throughput run")
    parser.add_argument("--rate", type=int, default=1000, help="records a second in the steady run (below saturation at every shard count)")
    parser.add_argument("--seconds", type=float, default=20.0, help="the steady run's measured window")
    parser.add_argument("--warm", type=float, default=5.0, help="the steady run's warm-up, not measured")
    parser.add_argument("--roll-every", type=float, default=10.0, help="seconds between shard rolls")
    parser.add_argument("--baseline-cli", help="another build of the replicator to measure the same way (e.g. from before a change)")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.smoke:
        args.shards, args.records, args.rate, args.seconds, args.warm, args.roll_every = "1,4", 2_000, 200, 3.0, 2.0, 2.0
    shard_counts = [int(count) for count in args.shards.split(",")]

    ensure_standin()
    cli = Path(os.environ["SCALE_POLLER_CLI"]) if os.environ.get("SCALE_POLLER_CLI") else benchlib.ensure_cli()
    started = time.monotonic()
    results = measure(cli, "this build", shard_counts, args)
    baseline = measure(Path(args.baseline_cli), args.baseline_label, shard_counts, args) if args.baseline_cli else []
    elapsed = time.monotonic() - started

    headers = ["open shards", "throughput (backlog)", "CPU per record (backlog)", f"CPU at {args.rate}/s (per record)", "peak RSS",
               "connections peak (backlog / steady)", "checkpoint writes/s (backlog / steady)", f"lag p50 at {args.rate}/s", "lag p99",
               "GetRecords throttled (backlog / steady)"]
    rows = rows_of(results, "")
    if baseline:
        rows = [row for pair in zip(rows, rows_of(baseline, f"{args.baseline_label}: ")) for row in pair]
    recorded = [] if baseline or args.smoke or args.rate != 1000 else [
        "", "Before the bounds (82a3a31, recorded with `--baseline-cli` on the same machine; one checkpoint write and fsync "
        "after every batch of every shard, GetRecords back to back after a page of records, nothing capped):", "",
        benchlib.table(headers, [[shards, f"{rps:,}", f"{cpu} µs", f"{pct} % ({per} µs)", f"{rss} MB", f"{c1} / {c2}", f"{w1:g} / {w2:g}",
                                  f"{p50} ms", f"{p99} ms", f"{t1} / {t2}"]
                                 for shards, rps, cpu, pct, per, rss, c1, c2, w1, w2, p50, p99, t1, t2 in RECORDED_BEFORE])]
    steady_cmd = results[0]["steady"]["command"].replace(str(Path(tempfile.gettempdir())), "TMP")
    markdown = "\n".join([
        "### 9. The poller at many shards",
        "",
        f"`{benchlib.quoted_command(sys.argv)}` ({elapsed:.0f} s): `{steady_cmd.split(' --checkpoint')[0]} --checkpoint F` against the "
        f"stand-in's Streams API (`bench/Replicator.StandIn`: generated 1 KB items, NEW_AND_OLD_IMAGES records, GetRecords limited to "
        f"{SHARD_READS_PER_SECOND} calls a second per shard as DynamoDB does, 1,000 records or 1 MB a page, every open shard rolled "
        f"every {args.roll_every:g} s), the target's writes counted and dropped by the same stand-in, both on this machine's two cores. "
        f"Backlog: {args.records:,} records there from the start, spread over the shards, drained with `--stop-after-idle 2`; "
        "throughput is the records over the time from the target's first write to its last, CPU per record the replicator's user + "
        f"system CPU (/proc) over that time. Steady: {args.rate:,} records a second spread over the open shards, {args.warm:g} s of "
        f"warm-up, then {args.seconds:g} s measured; lag is each record's write reaching the target less the moment the stream made "
        "it (its new image carries that time), as the stand-in sees it, for the records made in the measured window. Peak RSS: `ru_maxrss` (os.wait4). Connections: the most open "
        "at once at the stand-in (Streams and target together). Checkpoint writes: renames onto the checkpoint file (inotify)."
        + (f" `{args.baseline_label}`: {args.baseline_cli}." if baseline else ""),
        "",
        benchlib.table(headers, rows),
        *recorded,
    ])
    benchlib.write_outputs(args.markdown, args.json, markdown, {"results": results, "baseline": baseline, "smoke": args.smoke,
                                                               "rate": args.rate, "records": args.records, "rollEvery": args.roll_every})
    print(markdown)


if __name__ == "__main__":
    main()
