"""A warm Lambda host for the benchmarks: one `bootstrap` process started once, with its own
runtime API stand-in (scripts/lambda_runtime.py) and its own fake DynamoDB endpoint
(bench/fake_dynamodb.py), handed events one at a time as Lambda hands them to a warm function.
Each invocation is timed from the moment the stand-in's /next answer was written (the event handed
over) to the moment the response was posted, and the process's CPU time (user + system, from
/proc/PID/stat) is read after each answer, while the host waits for its next event."""
import json
import os
import subprocess
import tempfile
import time

import benchlib
from fake_dynamodb import FakeDynamoDb
from lambda_runtime import RuntimeApi  # noqa: E402 (benchlib puts scripts/ on the path)

LOCAL_TABLE = "customers"  # the table of benchlib's events (their eventSourceARN)
KEY_NAMES = ("pk", "sk")
PEERS = "us-west-2:customers,eu-west-1:customers"  # multi-active: three regions, as the apply benchmark's
INVOCATION_TIMEOUT = 120


class _TimedRuntime(RuntimeApi):
    """The runtime API stand-in, noting when each /next answer has been written, and taking events already encoded."""

    def __init__(self):
        super().__init__()
        self.handed = []
        api, base = self, self.server.RequestHandlerClass

        class Timed(base):
            def do_GET(self):
                super().do_GET()
                handed = time.monotonic()
                with api.lock:
                    api.handed.append(handed)
                    api.lock.notify_all()

        self.server.RequestHandlerClass = Timed

    def enqueue_bytes(self, body, request_id):
        with self.lock:
            self.events.append((request_id, body))
            self.lock.notify_all()


class Invocation:
    def __init__(self, seconds, cpu_ticks, path, body):
        self.seconds, self.cpu_ticks, self.path, self.body = seconds, cpu_ticks, path, body


class WarmHost:
    """One bootstrap, started (one-way: on an empty event; multi-active refuses one, as no record names
    its local table, so its first event starts it); `invoke` hands it the next event."""

    def __init__(self, bootstrap, multi_active=False, delay_ms=0, extra_env=None):
        self.bootstrap, self.multi_active = bootstrap, multi_active
        self.fake, self.runtime = FakeDynamoDb(delay_ms=delay_ms), _TimedRuntime()
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=self.runtime.address, REPLICATION_TARGETS=PEERS if multi_active else "us-west-2:customers",
                   AWS_ENDPOINT_URL=self.fake.endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", **(extra_env or {}))
        env.pop("REPLICATION_MODE", None)
        if multi_active:
            env["REPLICATION_MODE"] = "multi-active"
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([str(bootstrap)], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.answers = 0
        if not multi_active:
            self.invoke(json.dumps({"Records": []}).encode(), expect_items=0)

    def cpu_ticks(self):
        """utime + stime of the process so far, in clock ticks (os.sysconf('SC_CLK_TCK') a second)."""
        with open(f"/proc/{self.process.pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])

    def invoke(self, body, expect_items=None, seed_items=()):
        """Hands over one encoded event; returns its Invocation once the host has answered. Fails
        (SystemExit) on an error, a partial failure, or, given `expect_items`, a wrong item count."""
        if seed_items:
            self.fake.seed(LOCAL_TABLE, seed_items, KEY_NAMES)
        before_items, _ = self.fake.counts()
        cpu_before = self.cpu_ticks()
        self.runtime.enqueue_bytes(body, f"invocation-{self.answers}")
        try:
            answered, path, answer = self.runtime.wait_for_answer(self.answers + 1, timeout=INVOCATION_TIMEOUT)
        except TimeoutError:
            raise SystemExit(f"{self.bootstrap}: no answer within {INVOCATION_TIMEOUT} s; its last log lines:\n{self.last_log()}")
        cpu = self.cpu_ticks() - cpu_before
        with self.runtime.lock:
            self.runtime.lock.wait_for(lambda: len(self.runtime.handed) > self.answers, timeout=10)
            handed = self.runtime.handed[self.answers]
        self.answers += 1
        if seed_items:
            self.fake.clear_seeds()
        if not path.endswith("/response") or answer.get("batchItemFailures"):
            raise SystemExit(f"{self.bootstrap}: the function answered {path} {json.dumps(answer)[:300]}, not a clean response; "
                             f"its last log lines:\n{self.last_log()}")
        written = self.fake.counts()[0] - before_items
        if expect_items is not None and written != expect_items:
            raise SystemExit(f"{self.bootstrap}: {written} items reached the fake endpoint, expected {expect_items}")
        return Invocation(answered - handed, cpu, path, answer)

    def last_log(self, lines=5):
        self.log.seek(0)
        # The metric (EMF) lines say nothing about a failure: the batch's log line and errors do.
        return "\n".join([line for line in self.log.read().decode(errors="replace").strip().splitlines() if "CloudWatchMetrics" not in line][-lines:])

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.runtime.close()
        self.fake.close()
        self.log.close()


class Workload:
    """Events of `records` distinct keys each, `pool` of them in turn (keys distinct across them
    too), of `record_bytes` bytes a record; encoded once, with what each must write."""

    def __init__(self, records, record_bytes, pool, seed=11):
        self.events = []
        for n in range(pool):
            event, keys = benchlib.sized_stream_event(records, record_bytes, seed=seed + n, first_key=n * records)
            news = [record["dynamodb"]["NewImage"] for record in event["Records"] if "NewImage" in record["dynamodb"]]
            self.events.append((json.dumps(event).encode(), keys, news))
        self.records = records
        self.bytes_per_record = sum(len(body) for body, _, _ in self.events) / (pool * records)
        self.kinds = {}
        for record in event["Records"]:
            self.kinds[record["eventName"]] = self.kinds.get(record["eventName"], 0) + 1

    def invoke(self, host, n):
        """The n-th invocation of this workload on `host`: one-way writes one item per key; multi-active
        answers its stamps over the records' new images (what the application wrote)."""
        body, keys, news = self.events[n % len(self.events)]
        if host.multi_active:
            return host.invoke(body, seed_items=news)
        return host.invoke(body, expect_items=keys)
