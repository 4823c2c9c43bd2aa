#!/usr/bin/env python3
"""End-to-end lag of the stream poller: `replicator replicate` from a source table on moto
(us-east-1, stream on) to a target table on the same moto (us-west-2), while writers change the
source at a steady offered rate. For every write, the lag is the time from just before the source
write was sent (PutItem of a new key, or UpdateItem raising an existing key's version) until a
reader, polling the target with strongly consistent BatchGetItem every 20 ms, sees that version.

The rate steps up (default 10, 25, 50, 75, 100, 150, 200, 300 writes/s, 10 s each) until a step is not
sustained: sustained means the writers kept up (achieved >= 95 % of offered), every write reached
the target, and the lag did not grow during the step (no backlog: the median lag of its last third
within 500 ms of its first third's). The targets are judged at the highest sustained rate. The
measured runs use the poller's default idle delay (250 ms after an empty GetRecords) unless
--idle-delay-ms says otherwise. Then, as the baseline, the same poller waiting 1 s after an empty
GetRecords (the usual setting of stream consumers, and this poller's default before the benchmark)
at the lowest rate and at the highest sustained one.

    python3 bench/e2e-lag.py [--rates 10,25,...] [--seconds S] [--idle-delay-ms MS] [--smoke]
                             [--markdown PATH] [--json PATH]
"""
import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

import benchlib
from benchlib import log

SOURCE_REGION, TARGET_REGION, THIRD_REGION = "us-east-1", "us-west-2", "eu-west-1"  # the third: multi-active only
TARGET_P50_MS, TARGET_P99_MS = 250, 1000
DEFAULT_IDLE_MS = 250    # the poller's default idle delay (PollerSettings.IdleDelay)
BASELINE_IDLE_MS = 1000  # the usual idle delay of stream consumers, and the poller's default before this benchmark
KEEP_UP, BACKLOG_MS = 0.95, 500
READ_EVERY = 0.020


class Dynamo:
    """DynamoDB's JSON protocol over one kept-alive connection (moto checks no signatures; the
    region comes from the Authorization header). One per thread."""

    def __init__(self, endpoint, region):
        url = urllib.parse.urlparse(endpoint)
        self.host, self.port, self.region = url.hostname, url.port, region
        self.connection = None

    def call(self, operation, body):
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"DynamoDB_20120810.{operation}",
                   "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20260101/{self.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0"}
        for attempt in range(3):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.connection.request("POST", "/", data, headers)
                response = self.connection.getresponse()
                answer = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{operation}: HTTP {response.status}: {answer[:300]!r}")
                return json.loads(answer)
            except (ConnectionError, http.client.HTTPException):
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def create_tables(endpoint, name):
    spec = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
    Dynamo(endpoint, SOURCE_REGION).call("CreateTable", dict(spec, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}))
    Dynamo(endpoint, TARGET_REGION).call("CreateTable", spec)


class Replicator:
    """`replicator replicate` as a child process; ready once its shard reader has started."""

    def __init__(self, endpoint, table, idle_delay_ms, source=SOURCE_REGION, targets=(TARGET_REGION,), mode=None):
        self.checkpoint = os.path.join(tempfile.mkdtemp(prefix="e2e-lag-"), "checkpoint.json")
        command = [str(benchlib.CLI), "replicate", *(["--mode", mode] if mode else []), "--source", f"{source}:{table}",
                   *[part for target in targets for part in ("--target", f"{target}:{table}")],
                   "--endpoint", endpoint, "--checkpoint", self.checkpoint]
        if idle_delay_ms is not None:
            command += ["--idle-delay-ms", str(idle_delay_ms)]
        self.command = command
        env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", NO_COLOR="1")
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines, self.ready = [], threading.Event()
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._drain, args=(stream,), daemon=True).start()
        if not self.ready.wait(60) or self.process.poll() is not None:
            self.process.kill()
            sys.exit("replicator replicate did not start reading its shard:\n" + "\n".join(self.lines[-20:]))

    def _drain(self, stream):
        for line in stream:
            self.lines.append(line.rstrip())
            if ": reading" in line:
                self.ready.set()

    def stop(self):
        # SIGTERM, which replicate handles as Ctrl-C: a background job of a shell without job
        # control starts with SIGINT ignored, and then a SIGINT would never stop it.
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = "killed"
        if code != 0:
            sys.exit(f"replicator replicate exited {code}:\n" + "\n".join(self.lines[-20:]))


class Step:
    """One offered rate: writers, a reader, and every write's lag."""

    def __init__(self, endpoint, table, rate, seconds, writers, seed, prefix, pids=None):
        self.endpoint, self.table, self.rate, self.seconds, self.writers = endpoint, table, rate, seconds, writers
        self.pids = pids or {}  # name -> pid whose CPU use is reported
        self.rng, self.prefix = random.Random(seed), prefix
        self.lock = threading.Lock()
        self.pending = {}  # key -> [(version, write index)]
        self.sent, self.acked, self.seen = {}, {}, {}  # write index -> monotonic time
        self.lateness = []
        self.writing_done = threading.Event()
        self.stop_reading = threading.Event()

    def write_loop(self, worker):
        client = Dynamo(self.endpoint, SOURCE_REGION)
        rng = random.Random(self.rng.random())
        keys = {}  # this writer's keys -> current version
        total = int(self.rate * self.seconds)
        for index in range(worker, total, self.writers):
            due = self.start + index / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if keys and rng.random() < 0.5:
                key = rng.choice(list(keys))
                version = keys[key] + 1
                request = ("UpdateItem", {"TableName": self.table, "Key": {"pk": {"S": key}},
                                          "UpdateExpression": "SET v = :v, updatedAt = :t, visits = visits + :one",
                                          "ExpressionAttributeValues": {":v": {"N": str(version)}, ":t": {"N": str(time.time())}, ":one": {"N": "1"}}})
            else:
                key, version = f"{self.prefix}-{index}", 1
                request = ("PutItem", {"TableName": self.table, "Item": {
                    "pk": {"S": key}, "v": {"N": "1"}, "visits": {"N": "0"}, "updatedAt": {"N": str(time.time())},
                    "name": {"S": f"Customer {index}"}, "email": {"S": f"c{index}@example.com"}, "active": {"BOOL": True},
                    "tags": {"SS": ["a", f"t{index % 7}"]}, "scores": {"NS": ["1", str(index)]},
                    "address": {"M": {"city": {"S": "Lisbon"}, "geo": {"L": [{"N": "38.7"}, {"N": "-9.1"}]}}}}})
            with self.lock:
                sent = time.monotonic()
                self.sent[index] = sent
                self.lateness.append(sent - due)
                self.pending.setdefault(key, []).append((version, index))
            client.call(*request)
            self.acked[index] = time.monotonic()
            keys[key] = version

    def read_loop(self):
        client = Dynamo(self.endpoint, TARGET_REGION)
        while not self.stop_reading.is_set():
            started = time.monotonic()
            with self.lock:
                keys = list(self.pending)
            for chunk in (keys[i:i + 100] for i in range(0, len(keys), 100)):
                answer = client.call("BatchGetItem", {"RequestItems": {self.table: {
                    "Keys": [{"pk": {"S": key}} for key in chunk], "ConsistentRead": True, "ProjectionExpression": "pk, v"}}})
                now = time.monotonic()
                with self.lock:
                    for item in answer.get("Responses", {}).get(self.table, []):
                        key, version = item["pk"]["S"], int(item["v"]["N"])
                        waiting = self.pending.get(key, [])
                        for entry in [entry for entry in waiting if entry[0] <= version]:
                            self.seen[entry[1]] = now
                            waiting.remove(entry)
                        if not waiting:
                            self.pending.pop(key, None)
            if self.writing_done.is_set() and not self.pending:
                return
            time.sleep(max(0.0, READ_EVERY - (time.monotonic() - started)))

    def run(self, drain_seconds):
        self.start = time.monotonic() + 0.05
        cpu_before = {name: benchlib.cpu_seconds(pid) for name, pid in self.pids.items()}
        writers = [threading.Thread(target=self.write_loop, args=(w,)) for w in range(self.writers)]
        reader = threading.Thread(target=self.read_loop)
        for thread in writers + [reader]:
            thread.start()
        for thread in writers:
            thread.join()
        writing_ended = time.monotonic()
        self.cpu = {name: (benchlib.cpu_seconds(pid) - cpu_before[name]) / (writing_ended - self.start) for name, pid in self.pids.items()}
        self.writing_done.set()
        reader.join(drain_seconds)
        self.stop_reading.set()
        reader.join()
        return self.result(writing_ended)

    def result(self, writing_ended):
        total = len(self.sent)
        lags = {index: (self.seen[index] - self.sent[index]) * 1000 for index in self.seen}
        ordered = [lags[index] for index in sorted(lags)]
        third = max(1, len(ordered) // 3)
        first_p50, last_p50 = benchlib.percentile(ordered[:third], 50), benchlib.percentile(ordered[-third:], 50)
        elapsed = max(self.seconds, max(self.acked.values(), default=self.start) - self.start)
        achieved = total / elapsed
        values = list(lags.values())
        kept_up = achieved >= KEEP_UP * self.rate
        all_seen = len(lags) == total
        no_backlog = all_seen and last_p50 <= first_p50 + BACKLOG_MS
        return {
            "offered": self.rate, "achieved": round(achieved, 1), "writes": total, "visible": len(lags),
            "p50": round(benchlib.percentile(values, 50), 1), "p95": round(benchlib.percentile(values, 95), 1),
            "p99": round(benchlib.percentile(values, 99), 1), "max": round(max(values, default=float("nan")), 1),
            "firstThirdP50": round(first_p50, 1), "lastThirdP50": round(last_p50, 1),
            "writerLateP99Ms": round(benchlib.percentile(self.lateness, 99) * 1000, 1),
            "cpu": {name: round(share * 100) for name, share in self.cpu.items()},
            "keptUp": kept_up, "allVisible": all_seen, "noBacklog": no_backlog, "sustained": kept_up and all_seen and no_backlog,
        }


def run_phase(endpoint, moto_pid, name, rates, seconds, idle_delay_ms, writers, drain, stop_when_unsustained, warm_seconds):
    """Fresh tables, one replicator, the rates in turn (after a short warm-up). Returns step results and the command."""
    table = f"lag-{name}-{uuid.uuid4().hex[:8]}"
    create_tables(endpoint, table)
    replicator = Replicator(endpoint, table, idle_delay_ms)
    results = []
    try:
        warm = Step(endpoint, table, 20, warm_seconds, 1, 0, f"warm-{name}").run(drain)
        if not warm["allVisible"]:
            sys.exit(f"warm-up: {warm['visible']} of {warm['writes']} writes reached the target:\n" + "\n".join(replicator.lines[-20:]))
        for number, rate in enumerate(rates):
            time.sleep(1.0)
            pids = {"moto": moto_pid, "replicator": replicator.process.pid, "bench": os.getpid()}
            result = Step(endpoint, table, rate, seconds, writers, number + 1, f"{name}-{rate}", pids).run(drain)
            results.append(result)
            log(f"  {name}: offered {rate}/s, achieved {result['achieved']}/s, lag p50 {result['p50']} ms, p95 {result['p95']} ms, "
                f"p99 {result['p99']} ms, max {result['max']} ms, {result['visible']}/{result['writes']} visible, CPU {result['cpu']}"
                f"{'' if result['sustained'] else ' (not sustained)'}")
            if stop_when_unsustained and not result["sustained"]:
                break
    finally:
        replicator.stop()
    shown = [os.path.relpath(part, benchlib.ROOT) if part == str(benchlib.CLI) else part for part in replicator.command]
    return results, " ".join(shown).replace(endpoint, "http://127.0.0.1:PORT").replace(replicator.checkpoint, "CHECKPOINT").replace(table, "TABLE")


def run_multi_active_phase(endpoint, moto_pid, rates, seconds, writers, drain, warm_seconds):
    """Three regions of one table on the same moto, `replicator setup --mode multi-active`, one
    `replicator replicate --mode multi-active` per region; the writers write in us-east-1 and the
    reader times each write's arrival in us-west-2 (both peers are written at once)."""
    table = f"lag-multi-{uuid.uuid4().hex[:8]}"
    regions = [SOURCE_REGION, TARGET_REGION, THIRD_REGION]
    spec = {"TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    for region in regions:
        Dynamo(endpoint, region).call("CreateTable", spec)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", NO_COLOR="1")
    setup = [str(benchlib.CLI), "setup", "--mode", "multi-active", "--source", f"{SOURCE_REGION}:{table}",
             "--target", f"{TARGET_REGION}:{table}", "--target", f"{THIRD_REGION}:{table}", "--endpoint", endpoint]
    done = subprocess.run(setup, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"replicator setup --mode multi-active exited {done.returncode}:\n{done.stdout[-3000:]}")
    replicators = [Replicator(endpoint, table, None, source=region, targets=[other for other in regions if other != region], mode="multi-active")
                   for region in regions]
    results = []
    try:
        warm = Step(endpoint, table, 20, warm_seconds, 1, 0, "warm-multi").run(drain)
        if not warm["allVisible"]:
            sys.exit(f"multi-active warm-up: {warm['visible']} of {warm['writes']} writes reached {TARGET_REGION}:\n" + "\n".join(replicators[0].lines[-20:]))
        for number, rate in enumerate(rates):
            time.sleep(1.0)
            pids = {"moto": moto_pid, "replicator": replicators[0].process.pid, "bench": os.getpid()}
            result = Step(endpoint, table, rate, seconds, writers, 100 + number, f"multi-{rate}", pids).run(drain)
            results.append(result)
            log(f"  multi-active: offered {rate}/s, achieved {result['achieved']}/s, lag p50 {result['p50']} ms, p95 {result['p95']} ms, "
                f"p99 {result['p99']} ms, max {result['max']} ms, {result['visible']}/{result['writes']} visible, CPU {result['cpu']}")
    finally:
        for replicator in replicators:
            replicator.stop()
    shown = [os.path.relpath(part, benchlib.ROOT) if part == str(benchlib.CLI) else part for part in replicators[0].command]
    command = " ".join(shown).replace(endpoint, "http://127.0.0.1:PORT").replace(replicators[0].checkpoint, "CHECKPOINT").replace(table, "TABLE")
    return results, command


def multi_section(multi, command, one_way, seconds):
    """The multi-active phase's lines of the results: each rate beside one-way's at the same rate and idle delay (the default)."""
    if not multi:
        return []
    tuned_at = {step["offered"]: step for step in one_way}
    rows = []
    for step in multi:
        same = tuned_at.get(step["offered"])
        rows.append([step["offered"], step["achieved"], f"{step['visible']}/{step['writes']}",
                     f"**{step['p50']:.0f} ms**", f"{step['p95']:.0f} ms", f"**{step['p99']:.0f} ms**", f"{step['max']:.0f} ms",
                     f"{same['p50']:.0f} ms / {same['p99']:.0f} ms" if same else "-",
                     f"{step['cpu']['moto']} % / {step['cpu']['replicator']} % / {step['cpu']['bench']} %"])
    return ["", "#### Multi-active, same run", "",
            f"Three tables of one name on the same moto (us-east-1, us-west-2, eu-west-1, streams on), `replicator setup --mode multi-active`, then one `{command}` per region "
            f"(each region its own source, the other two its targets; default idle delay). The same writers write in us-east-1 only, {seconds:g} s per rate, after the same warm-up; "
            "the lag is from just before the write to the moment the reader sees that version in us-west-2 (the replicator writes both peers at once, so eu-west-1 is no later). "
            "One-way beside it: the default-idle-delay run above at the same rate.",
            "",
            benchlib.table(["offered writes/s", "achieved", "writes visible in us-west-2", "lag p50", "p95", "p99", "max", "one-way, same run: p50 / p99", "CPU: moto / us-east-1's replicator / writers+reader"], rows)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="10,25,50,75,100,150,200,300", help="offered write rates to step through, writes/s (default 10,25,50,75,100,150,200,300)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each step (default 10)")
    parser.add_argument("--idle-delay-ms", type=int, help=f"the replicator's --idle-delay-ms for the measured runs (default: none, the replicator's default of {DEFAULT_IDLE_MS} ms)")
    parser.add_argument("--writers", type=int, default=2, help="writer threads sharing the offered rate (default 2)")
    parser.add_argument("--multi-active-rates", help="rates for the multi-active phase (default: the lowest rate and the highest one-way sustained)")
    parser.add_argument("--no-multi-active", action="store_true", help="leave out the multi-active phase")
    parser.add_argument("--smoke", action="store_true", help="rates 10 and 50 for 2 s each, one baseline step, no judging")
    parser.add_argument("--markdown", help="write the results section here")
    parser.add_argument("--json", help="write the figures here as JSON")
    args = parser.parse_args()
    rates = [10, 50] if args.smoke else [int(rate) for rate in args.rates.split(",")]
    seconds, drain = (2.0, 10.0) if args.smoke else (args.seconds, 15.0)
    warm_seconds = 1.0 if args.smoke else 3.0

    tuned_label = f"{args.idle_delay_ms} ms (--idle-delay-ms {args.idle_delay_ms})" if args.idle_delay_ms is not None else f"{DEFAULT_IDLE_MS} ms (the default)"
    benchlib.ensure_cli()
    moto, endpoint = benchlib.start_moto()
    started = time.monotonic()
    try:
        log(f"e2e-lag: replicate with idle delay {tuned_label}, rates {rates}, {seconds:g} s each")
        tuned, tuned_command = run_phase(endpoint, moto.pid, "tuned", rates, seconds, args.idle_delay_ms, args.writers, drain, True, warm_seconds)
        sustained = [step for step in tuned if step["sustained"]]
        best = max(sustained, key=lambda step: step["offered"]) if sustained else None
        baseline_rates = sorted({rates[0], best["offered"] if best else rates[0]}) if not args.smoke else [rates[0]]
        log(f"e2e-lag: baseline, replicate --idle-delay-ms {BASELINE_IDLE_MS}, rates {baseline_rates}")
        baseline, baseline_command = run_phase(endpoint, moto.pid, "baseline", baseline_rates, seconds, BASELINE_IDLE_MS, args.writers, drain, False, warm_seconds)
        multi_rates = [int(rate) for rate in args.multi_active_rates.split(",")] if args.multi_active_rates else sorted({rates[0], best["offered"] if best else rates[0]})
        multi, multi_command = [], None
        # Not in the smoke run (CI's): three more replicators and a setup take tens of seconds on a loaded machine.
        if not args.no_multi_active and not (args.smoke and not args.multi_active_rates):
            log(f"e2e-lag: multi-active, three regions, rates {multi_rates}")
            multi, multi_command = run_multi_active_phase(endpoint, moto.pid, multi_rates, seconds, args.writers, drain, warm_seconds)
    finally:
        moto.kill()
        moto.wait()
    elapsed = time.monotonic() - started

    smoke = args.smoke
    if best is None and not smoke:
        print("no rate was sustained", file=sys.stderr)
    base_at = {step["offered"]: step for step in baseline}
    judged = best or tuned[0]
    base = base_at.get(judged["offered"], baseline[-1])
    base_label = f"{BASELINE_IDLE_MS:,} ms idle delay" + ("" if base["offered"] == judged["offered"] else f" at {base['offered']} writes/s")

    def steps_table(steps):
        return benchlib.table(
            ["offered writes/s", "achieved", "writes visible", "lag p50", "p95", "p99", "max", "CPU: moto / replicator / writers+reader", "sustained"],
            [[step["offered"], step["achieved"], f"{step['visible']}/{step['writes']}", f"{step['p50']:.0f} ms", f"{step['p95']:.0f} ms",
              f"{step['p99']:.0f} ms", f"{step['max']:.0f} ms", f"{step['cpu']['moto']} % / {step['cpu']['replicator']} % / {step['cpu']['bench']} %",
              "yes" if step["sustained"] else "no: " + ", ".join(reason for reason, ok in (
                  ("writers fell behind", step["keptUp"]), ("writes not visible", step["allVisible"]), ("lag grew", step["noBacklog"] or not step["allVisible"])) if not ok)]
             for step in steps])

    rate_text = f"{judged['offered']} writes/s" if best else "no rate sustained"
    rows = [
        ["highest rate sustained (moto on this machine)", f"**{rate_text}**", "(report)", "", ""],
        [f"lag p50 at {judged['offered']} writes/s", f"**{judged['p50']:.0f} ms**", f"≤ {TARGET_P50_MS} ms",
         f"{base_label}: {base['p50']:.0f} ms", benchlib.verdict(best is not None and judged["p50"] <= TARGET_P50_MS, smoke, f"{judged['p50'] - TARGET_P50_MS:.0f} ms over")],
        [f"lag p95 at {judged['offered']} writes/s", f"{judged['p95']:.0f} ms", "", f"{base_label}: {base['p95']:.0f} ms", ""],
        [f"lag p99 at {judged['offered']} writes/s", f"**{judged['p99']:.0f} ms**", f"≤ {TARGET_P99_MS} ms",
         f"{base_label}: {base['p99']:.0f} ms", benchlib.verdict(best is not None and judged["p99"] <= TARGET_P99_MS, smoke, f"{judged['p99'] - TARGET_P99_MS:.0f} ms over")],
    ]
    notes = []
    low_tuned, low_base = tuned[0], base_at.get(tuned[0]["offered"])
    if low_base:
        notes.append(
            f"The poller's idle delay sets the lag whenever the stream runs dry between writes: at {low_tuned['offered']} writes/s, "
            f"p50 {low_tuned['p50']:.0f} ms and p99 {low_tuned['p99']:.0f} ms with an idle delay of {tuned_label}, against "
            f"{low_base['p50']:.0f} ms and {low_base['p99']:.0f} ms with {BASELINE_IDLE_MS:,} ms (a change waits on average half the delay, at most all "
            "of it, before GetRecords is called again). At higher rates pages are rarely empty and both settings mostly read back "
            f"to back, but {BASELINE_IDLE_MS:,} ms still leaves its gaps in the tail. The default of {DEFAULT_IDLE_MS} ms is Lambda's own "
            "polling rate (four GetRecords a second per shard).")
        over = [f"p50 by {low_base['p50'] - TARGET_P50_MS:.0f} ms" if low_base["p50"] > TARGET_P50_MS else "",
                f"p99 by {low_base['p99'] - TARGET_P99_MS:.0f} ms" if low_base["p99"] > TARGET_P99_MS else ""]
        if any(over):
            notes.append(
                f"With a {BASELINE_IDLE_MS:,} ms idle delay the targets would be missed at {low_base['offered']} writes/s: "
                f"{' and '.join(part for part in over if part)}.")
    ceiling = next((step for step in tuned if not step["sustained"]), None)
    if ceiling and not ceiling["keptUp"]:
        notes.append(
            f"The ceiling is moto's: at {ceiling['offered']} writes/s offered, the writers achieved {ceiling['achieved']}/s while "
            f"moto, one Python process bound by its interpreter lock, used {ceiling['cpu']['moto']} % of a core (the replicator "
            f"{ceiling['cpu']['replicator']} %), and the lag stayed low ({ceiling['p99']:.0f} ms p99): the replicator kept up with "
            "whatever moto accepted.")
    markdown = "\n".join([
        "### 3. End-to-end lag",
        "",
        f"`{benchlib.quoted_command(sys.argv)}` ({elapsed:.0f} s): `{tuned_command}` replicating a source table on moto "
        f"({SOURCE_REGION}, stream on) to a target table on the same moto ({TARGET_REGION}), while {args.writers} writers offer a "
        f"steady rate of PutItem (new keys) and UpdateItem (raising an existing key's version), half each, {seconds:g} s per rate, after a {warm_seconds:g} s warm-up at 20 writes/s that is not counted. "
        "Lag: from just before the source write is sent to the moment a reader polling the target (strongly consistent "
        f"BatchGetItem every {READ_EVERY * 1000:.0f} ms) sees that version. Sustained: the writers kept up (≥ 95 % of the offered "
        f"rate), every write reached the target, and the lag did not grow during the step (median of its last third within "
        f"{BACKLOG_MS} ms of its first third's). The rate steps up until one is not sustained. Baseline: the same poller waiting "
        f"{BASELINE_IDLE_MS:,} ms after an empty GetRecords (the usual setting of stream consumers, and this poller's default before this benchmark), `" + baseline_command + "`.",
        "",
        benchlib.table(["measure", "result", "target", "baseline", "verdict"], rows),
        "",
        f"Every step, idle delay {tuned_label}:",
        "",
        steps_table(tuned),
        "",
        f"Baseline, idle delay {BASELINE_IDLE_MS:,} ms:",
        "",
        steps_table(baseline),
        *(["", *[line for note in notes for line in (note, "")]][:-1] if notes else []),
        *multi_section(multi, multi_command, tuned, seconds),
    ])
    benchlib.write_outputs(args.markdown, args.json, markdown, {
        "idleDelayMs": args.idle_delay_ms if args.idle_delay_ms is not None else DEFAULT_IDLE_MS, "baselineIdleDelayMs": BASELINE_IDLE_MS, "seconds": seconds, "highestSustained": best["offered"] if best else None,
        "steps": tuned, "baseline": baseline, "command": tuned_command, "baselineCommand": baseline_command,
        "multiActive": multi, "multiActiveCommand": multi_command})


if __name__ == "__main__":
    main()
