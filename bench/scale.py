#!/usr/bin/env python3
"""Backfill and verify at scale: the real `replicator backfill` and `replicator verify` processes
against the stand-in for DynamoDB (bench/Replicator.StandIn: generated 1 KB items, scans in 1 MB
pages, writes counted and dropped), for 10^5 and 10^6 items (--smoke: 2*10^4, numbers not judged).

Each run is a fresh process of the command line (Release build): its CPU (user + system) and peak
RSS come from the kernel's accounting of the child (os.wait4), its rate from the items it reports
and its wall time from start to exit (start-up included, about 0.3 s). The stand-in runs beside it
on the same cores; its CPU is measured too, so what the replicator costs per item can be told from
what the machine did. Every run is checked: backfill must have written every item once, verify
must say the tables are identical.

Targets (issue 15, two cores shared with the stand-in): backfill >= 80,000 items/s, verify >=
30,000 items/s, peak RSS under 256 MB and not growing with the table.

    python3 bench/scale.py [--smoke] [--runs 3] [--segments 8] [--items N ...] [--only backfill|verify] [--markdown PATH] [--json PATH]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import benchlib

STAND_IN_PROJECT = benchlib.ROOT / "bench" / "Replicator.StandIn" / "Replicator.StandIn.csproj"
STAND_IN = benchlib.ROOT / "bench" / "Replicator.StandIn" / "bin" / "Release" / "net10.0" / "Replicator.StandIn.dll"
BACKFILL_TARGET = 80_000
VERIFY_TARGET = 30_000
RSS_TARGET_MB = 256
ITEM_BYTES = 1024
HOURS_FOR = 100_000_000  # the table size the hours are given for


def ensure_stand_in():
    if not benchlib.is_fresh(STAND_IN, ("bench/Replicator.StandIn",)):
        benchlib.log("building the stand-in (Release)...")
        benchlib.run_quiet(["dotnet", "build", str(STAND_IN_PROJECT), "-c", "Release", "--nologo", "-v", "q"], "building the stand-in")
        STAND_IN.touch()
    return STAND_IN


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


class StandIn:
    """The stand-in as a child process; closed by closing its standard input."""

    def __init__(self, items, extra=()):
        self.process = subprocess.Popen(["dotnet", str(STAND_IN), "--items", str(items), "--item-bytes", str(ITEM_BYTES), *extra],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            raise SystemExit(f"the stand-in did not start: {line!r}")
        self.url = line.split()[-1]

    def stats(self):
        with urllib.request.urlopen(self.url + "/stats") as answer:
            return json.load(answer)

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/reset", method="POST")).close()

    def cpu_seconds(self):
        return cpu_ticks(self.process.pid) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def run_cli(arguments, cwd):
    """Runs the command line to its end; returns (exit code, wall s, CPU s, peak RSS MB, stdout)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
    started = time.monotonic()
    with open(os.path.join(cwd, "stdout"), "w+") as out, open(os.path.join(cwd, "stderr"), "w+") as err:
        process = subprocess.Popen([str(benchlib.CLI), *arguments], cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"replicator {' '.join(arguments)} exited {process.returncode}:\n{stderr[-3000:]}\n{stdout[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def backfill(stand_in, items, segments, extra=()):
    with tempfile.TemporaryDirectory() as scratch:
        stand_in.reset()
        before = stand_in.cpu_seconds()
        wall, cpu, rss, out = run_cli(["backfill", "--source", "us-east-1:source", "--target", "us-west-2:target", "--endpoint", stand_in.url,
                                       "--segments", str(segments), "--checkpoint", "checkpoint.json", "--output", "json", *extra], scratch)
        served = stand_in.stats()
        report = json.loads(out)
    if served["itemsWritten"] != items or served["itemsRead"] != items:
        raise SystemExit(f"backfill of {items} items: the stand-in read {served['itemsRead']} and was sent {served['itemsWritten']}")
    return dict(items=items, wall=wall, rate=report["itemsPerSecond"], cpu=cpu, rss=rss, stand_in_cpu=stand_in.cpu_seconds() - before,
                requests=served["requests"], connections=served["connectionsPeak"])


def verify(stand_in, items, segments, extra=()):
    with tempfile.TemporaryDirectory() as scratch:
        stand_in.reset()
        before = stand_in.cpu_seconds()
        wall, cpu, rss, out = run_cli(["verify", "--source", "us-east-1:source", "--target", "us-west-2:target", "--endpoint", stand_in.url,
                                       "--segments", str(segments), "--output", "json", *extra], scratch)
        served = stand_in.stats()
        report = json.loads(out)
    if not report["identical"]:
        raise SystemExit(f"verify of {items} items found differences where there are none: {out[:2000]}")
    # Its own itemsPerSecond counts the items of both tables; here, as for backfill, the source's items over the whole run.
    return dict(items=items, wall=wall, rate=report["sourceItems"] / report["seconds"], cpu=cpu, rss=rss, stand_in_cpu=stand_in.cpu_seconds() - before,
                requests=served["requests"], connections=served["connectionsPeak"])


def median_run(runs):
    return sorted(runs, key=lambda run: run["rate"])[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one short run of each, numbers not judged")
    parser.add_argument("--runs", type=int, default=3, help="runs of each size; the median by rate is shown (default 3)")
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--items", type=int, action="append", help="a table size to run (repeatable; default 100000 and 1000000, 20000 with --smoke)")
    parser.add_argument("--only", choices=("backfill", "verify"), help="run one of the two commands")
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    args = parser.parse_args()
    sizes = args.items or ([20_000] if args.smoke else [100_000, 1_000_000])
    runs = 1 if args.smoke else args.runs
    benchlib.ensure_cli()
    ensure_stand_in()

    results = {"backfill": [], "verify": []}
    for size in sizes:
        stand_in = StandIn(size)
        try:
            for name, measure in (("backfill", backfill), ("verify", verify)):
                if args.only not in (None, name):
                    continue
                measured = []
                for run in range(runs):
                    result = measure(stand_in, size, args.segments)
                    benchlib.log(f"{name} {size:,}: {result['rate']:,.0f} items/s, {result['cpu']:.1f} s CPU, {result['rss']:.0f} MB")
                    measured.append(result)
                chosen = median_run(measured)
                chosen["rates"] = [round(run["rate"]) for run in measured]
                results[name].append(chosen)
        finally:
            stand_in.close()

    # Pacing: the same commands with a capacity budget, against what the budget allows for 1 KB items.
    # A copy writes 1 unit an item. A verify's budget is per table, and each of its two passes looks
    # every item up on one table (1 unit an item) while it scans the other (0.25): so 2 units of one
    # table's budget per item over the whole run.
    paced_items = sizes[0]
    stand_in = StandIn(paced_items)
    try:
        # Budgets that make a full run last 20 to 40 s, so the first second's burst (a bucket starts full) adds about 5 %.
        budgets = [("backfill", "--max-write-units", 5_000, 1.0, backfill),
                   ("verify", "--max-read-units", 5_000, 2.0, verify)]
        for name, option, units, per_item, measure in budgets:
            if args.only not in (None, name):
                continue
            result = measure(stand_in, paced_items, args.segments, (option, str(units)))
            result.update(option=option, units=units, allowed=units / per_item)
            benchlib.log(f"{name} {option} {units}: {result['rate']:,.0f} items/s (the budget allows {units / per_item:,.0f})")
            results.setdefault("paced", []).append(result)
    finally:
        stand_in.close()

    markdown = render(results, args)
    print(markdown)
    benchlib.write_outputs(args.markdown, args.json, markdown, results)


def render(results, args):
    lines = ["### 8. Backfill and verify at scale (stand-in for DynamoDB)", ""]
    lines.append(f"`bench/scale.py{' --smoke' if args.smoke else ''}`: the `replicator` process against `bench/Replicator.StandIn` (generated {ITEM_BYTES}-byte items, "
                 f"1 MB scan pages, writes counted and dropped), `--segments {args.segments}`, one target; "
                 f"{'one run' if args.smoke else f'median of {args.runs} runs by rate'}. Rate: what the command reports (items over its copy or comparison, start-up left out); wall: the process, start to exit. "
                 "Per core: items over the replicator's CPU seconds (user + system). The stand-in shares the two cores; its CPU is shown.")
    lines.append("")
    rows = []
    for name, target in (("backfill", BACKFILL_TARGET), ("verify", VERIFY_TARGET)):
        for run in results[name]:
            rate = run["rate"]
            hours = HOURS_FOR / rate / 3600
            rows.append([name, f"{run['items']:,}", f"{run['wall']:.2f} s", f"**{rate:,.0f}** ({', '.join(f'{r:,}' for r in run['rates'])})",
                         f"{run['items'] / run['cpu']:,.0f}", f"{run['cpu']:.1f} s", f"{run['stand_in_cpu']:.1f} s", f"{run['rss']:.0f} MB",
                         run["connections"], f"{hours:.2f} h",
                         f"≥ {target:,}/s: {benchlib.verdict(rate >= target, args.smoke, f'{rate / target:.0%} of it')}; "
                         f"< {RSS_TARGET_MB} MB: {benchlib.verdict(run['rss'] < RSS_TARGET_MB, args.smoke)}"])
    table = benchlib.table(["command", "items", "wall", "items/s (runs)", "items/s per core", "CPU", "stand-in CPU", "peak RSS", "connections",
                                 f"{HOURS_FOR:,} items would take", "targets"], rows)
    lines.append(table)
    if results.get("paced"):
        lines += ["", "With a capacity budget (1 KB items: a copy writes 1 unit an item; a verify's budget is per table, and each of its two passes looks every item up on one table at 1 unit an item while it scans the other at 0.25, so 2 units of one table's budget per item). "
                  "The rate is over the whole run, whose first second may use a full second's budget on top (the bucket starts full): within 10 % counts as kept.", ""]
        lines.append(benchlib.table(["command", "budget", "items", "the budget allows", "measured", "within it"], [
            [run_name(run), f"`{run['option']} {run['units']:,}`", f"{run['items']:,}", f"{run['allowed']:,.0f} items/s", f"{run['rate']:,.0f} items/s",
             benchlib.verdict(run["rate"] <= run["allowed"] * 1.1, args.smoke, f"{run['rate'] / run['allowed']:.0%} of it")]
            for run in results["paced"]]))
    return "\n".join(lines)


def run_name(run):
    return "backfill" if run["option"] == "--max-write-units" else "verify"


if __name__ == "__main__":
    main()
