#!/usr/bin/env python3
"""The scale model of docs/scale.md: every number in its tables, computed from the inputs below.

    python3 scripts/scale-model.py                      # print every table (markdown)
    python3 scripts/scale-model.py --check docs/scale.md  # exit 1 if a table there differs, or the
                                                          # module's defaults (and docs/deploy.md's) are not NEW
    python3 scripts/scale-model.py --write docs/scale.md  # rewrite the tables there in place

The tables sit in docs/scale.md between <!-- scale-model:NAME --> and <!-- /scale-model:NAME -->.
Python 3 standard library only. Change an input, run --write, read the diff.
"""

import argparse
import math
import os
import re
import sys

# ==== Inputs: AWS limits, each with the page that states it ========================================

PARTITION_WCU = 1000  # write units a second per partition: developerguide/warm-throughput-scenarios.html
PARTITION_RCU = 3000  # read units a second per partition: the same page
GETRECORDS_MAX_RECORDS = 1000  # records per GetRecords call: APIReference/API_streams_GetRecords.html
GETRECORDS_MAX_BYTES = 1024 * 1024  # bytes per GetRecords call ("1 MB"): the same page
LAMBDA_POLLS_PER_SECOND = 4  # Lambda polls each shard 4 times a second: lambda/latest/dg/with-ddb.html
GETRECORDS_CALLS_PER_SECOND = 5  # per shard: shared with Kinesis; not on a DynamoDB page (an estimate)
READERS_PER_SHARD = 2  # at most 2 processes per shard: developerguide/Limits.html (DynamoDB Streams)
LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024  # synchronous invocation payload: lambda/latest/api/API_Invoke.html
LAMBDA_MAX_BATCH = 10000  # BatchSize, DynamoDB streams: lambda/latest/dg/services-ddb-params.html
LAMBDA_MAX_WINDOW_S = 300  # MaximumBatchingWindowInSeconds: the same page (and with-ddb.html: 5 minutes)
LAMBDA_MAX_PARALLELIZATION = 10  # ParallelizationFactor: the same page
LAMBDA_MB_PER_VCPU = 1769  # one vCPU at 1,769 MB: lambda/latest/dg/configuration-memory.html
LAMBDA_MAX_TIMEOUT_S = 900  # 15 minutes: lambda/latest/dg/gettingstarted-limits.html
LAMBDA_ACCOUNT_CONCURRENCY = 1000  # concurrent executions, default quota: the same page
TABLE_MAX_UNITS = 40000  # read and write units per table, default quota: developerguide/ServiceQuotas.html
STREAM_RETENTION_H = 24  # a stream keeps a record 24 hours: developerguide/Streams.html
RCU_BYTES_STRONG = 4096  # one RCU reads 4 KB strongly consistent: dynamodb/pricing/on-demand
WCU_BYTES = 1024  # one WCU writes 1 KB: the same page

# ==== Inputs: prices, us-east-1, USD (check the pricing pages before relying on them) ===============

LAMBDA_GB_SECOND = 0.0000166667  # x86_64, first tier: aws.amazon.com/lambda/pricing
LAMBDA_PER_MILLION_REQUESTS = 0.20  # the same page
WRITE_UNITS_PER_MILLION = 0.625  # on-demand write request units: aws.amazon.com/dynamodb/pricing/on-demand
STREAM_READS_FROM_LAMBDA = 0.0  # GetRecords by Lambda triggers are free: developerguide/CostOptimization_StreamsUsage.html
TRANSFER_PER_GB = 0.02  # inter-region data transfer out, most regions: aws.amazon.com/ec2/pricing/on-demand (an estimate)

# ==== Inputs: measured costs of this replicator (bench/README.md and README.md "Performance") =======

CPU_MS_PER_1000_ONE_WAY = 25.0  # host CPU, 1,000 1.5 KB changes, one-way: bench/README.md §6 (full run; 21.7 rerun)
CPU_MS_PER_1000_ONE_WAY_3_5KB = 41.7  # the same, 3.5 KB records: bench/README.md §6
CPU_MS_PER_1000_MULTI_ACTIVE = 893.0  # the same, multi-active, three regions: bench/README.md §6
RECORD_BYTES = 1505  # the 1.5 KB record of §6, as the event carries it (both images)
RECORD_BYTES_3_5KB = 3547  # the 3.5 KB record of §6
FIXED_MS_PER_INVOCATION = 8.8  # AOT cold start, empty event, to the first response: bench/README.md §4
# (process start included, so an upper bound on a warm invocation's fixed cost; counted as CPU below)
COLD_START_FIRST_BATCH_MS = 18.2  # AOT, first batch of 100 records: bench/README.md §4
ROUND_TRIP_MS = 60.0  # a cross-region round trip, as benchmarks 2 and 7 set it: bench/README.md §2, §7
MEASURED_1000_KEYS_MS = 106.7  # Lambda host, 1,000 distinct keys at 60 ms: bench/README.md §7
MEASURED_ENGINE_1000_MS = 85.9  # the engine in process, 1,000 changes: bench/README.md §2
MEASURED_ENGINE_10000_MS = 573.4  # the same, 10,000 changes: bench/README.md §2
MULTI_ACTIVE_ROUND_TRIPS = 5.3  # 1,000 deletes, the slowest multi-active batch: bench/README.md §2
PEAK_RSS_6MB_REALISTIC_MIB = 52.1  # 2,189 realistic records in 6.2 MB, GC as in 128 MB: bench/README.md §5
PEAK_RSS_6MB_SMALL_MIB = 89.1  # 10,000 small records in 6.2 MB: bench/README.md §5
PEAK_RSS_28MB_MIB = 109.6  # 10,000 realistic records, 28 MB (more than Lambda delivers): bench/README.md §5
BATCH_WRITE_ITEMS = 25  # items per BatchWriteItem: src/Replicator.Core/ReplicationOptions.cs
REQUESTS_IN_FLIGHT = 64  # write requests in flight per target: ReplicationOptions.DefaultMaxConcurrentRequests
MULTI_ACTIVE_KEYS_AT_ONCE = 1000  # keys applied at once, multi-active: bench/README.md, "Multi-active"
DEADLINE_RESERVE_S = 3  # the engine stops retrying 3 s before the deadline: ReplicationOptions.DefaultDeadlineReserve

# ==== Inputs measured by the scale benchmarks (issue 15, items 2 and 4) ================================

# Backfill items/s per core: bench/README.md section 8 (bench/scale.py, bench/results/scale.md):
# 1,000,000 1 KB items at 74,061 items/s (median of 3; runs 71,449-74,895; an earlier run that
# hour 82,744) on 2 cores shared with the stand-in, --segments 8. Per core of the machine, as the
# rate over both cores (the replicator's own CPU alone would allow 51,199 per core).
BACKFILL_ITEMS_PER_SECOND_PER_CORE = 74061 / 2
BACKFILL_CORES = 2
# Poller CPU per record at N shards (ms of CPU, user + system, while a backlog drains):
# bench/scale-poller.py against the stand-in's streams (docs/poller.md, "At many shards").
POLLER_CPU_MS_PER_RECORD = {1: 0.078, 16: 0.057, 64: 0.056, 256: 0.061}
ITEM_BYTES_BACKFILL = 1024  # the 1 KB items of the backfill figure
BACKFILL_TARGET_ITEMS_PER_SECOND = 80000  # issue 15's target on 2 cores (a target, not a measurement)

# ==== Inputs: the choices compared (old defaults: variables.tf before issue 15) =====================

OLD = dict(batch_size=500, window_s=1, parallelization=2, memory_mb=256, timeout_s=60, retries=100)
NEW = dict(batch_size=1000, window_s=0, parallelization=1, memory_mb=256, timeout_s=60, retries=100)
MEMORY_SIZES = [128, 256, 512, 1024, 1769]
SPARSE_RATE = 10  # records a second on one shard: a quiet table
BUSY_RATE = 500  # records a second on one shard: half a partition's write limit
CATCH_UP_TARGET = 2  # apply at least twice a shard's top write rate (docs/deploy.md, "Catching up")


# ==== The model =====================================================================================

def cpu_share(memory_mb):
    """The function's share of a vCPU. Above 1,769 MB Lambda gives more than one vCPU; the model
    counts one, as the parser is one thread (so it understates large functions)."""
    return min(memory_mb / LAMBDA_MB_PER_VCPU, 1.0)


def page_records(record_bytes):
    """Records one GetRecords call returns when the shard holds enough."""
    return min(GETRECORDS_MAX_RECORDS, GETRECORDS_MAX_BYTES // record_bytes)


def payload_records(record_bytes):
    return LAMBDA_PAYLOAD_BYTES // record_bytes


def backlog_batch(batch_size, window_s, record_bytes=RECORD_BYTES):
    """The batch Lambda hands over when the shard holds a backlog. With no window it invokes on
    each read, so a batch is one GetRecords page; with a window it reads on to batch_size."""
    cap = min(batch_size, payload_records(record_bytes))
    return min(cap, page_records(record_bytes)) if window_s == 0 else cap


def write_waves(records):
    """Round trips to write distinct keys one-way: BatchWriteItem of 25, 64 requests in flight."""
    requests = math.ceil(records / BATCH_WRITE_ITEMS)
    return math.ceil(requests / REQUESTS_IN_FLIGHT)


def invocation_ms(records, memory_mb, mode="one-way", cpu_per_1000=None):
    """Time of one invocation: CPU (fixed + per record) slowed by the share, plus the round trips."""
    share = cpu_share(memory_mb)
    if mode == "one-way":
        per_1000 = CPU_MS_PER_1000_ONE_WAY if cpu_per_1000 is None else cpu_per_1000
        trips = write_waves(records)
    else:
        per_1000 = CPU_MS_PER_1000_MULTI_ACTIVE
        trips = math.ceil(records / MULTI_ACTIVE_KEYS_AT_ONCE) * MULTI_ACTIVE_ROUND_TRIPS
    cpu = FIXED_MS_PER_INVOCATION + records * per_1000 / 1000
    return cpu / share + trips * ROUND_TRIP_MS


def stream_rate(records, memory_mb, mode="one-way", cpu_per_1000=None):
    """Records a second one sequence of invocations applies (one of parallelization_factor per shard)."""
    return records / invocation_ms(records, memory_mb, mode, cpu_per_1000) * 1000


def shard_top_rate():
    """A shard carries one partition's writes: at most 1,000 a second (1 WCU is the least a write costs)."""
    return PARTITION_WCU


def catch_up(records, memory_mb, parallelization, mode="one-way"):
    return stream_rate(records, memory_mb, mode) * parallelization / shard_top_rate()


def parallelization_needed(records, memory_mb, mode="one-way"):
    for p in range(1, LAMBDA_MAX_PARALLELIZATION + 1):
        if catch_up(records, memory_mb, p, mode) >= CATCH_UP_TARGET:
            return str(p)
    return "over 10"


def window_wait_s(rate, window_s, batch_size, parallelization):
    """How long a batch gathers: the window, or less when batch_size records arrive sooner."""
    return min(window_s, batch_size * parallelization / rate)


def steady_batch(rate, window_s, batch_size, parallelization):
    """Records in one invocation at a steady rate: what one sequence gets in a window, or in a poll."""
    gather = max(window_wait_s(rate, window_s, batch_size, parallelization), 1 / LAMBDA_POLLS_PER_SECOND)
    return max(1.0, min(batch_size, rate * gather / parallelization))


def lag_ms(rate, window_s, batch_size, parallelization, memory_mb):
    """Mean and worst lag, write to target, at a steady rate: half a poll and half the gathering
    waited on average (all of both at worst), then the invocation. Stream propagation is not counted."""
    b = steady_batch(rate, window_s, batch_size, parallelization)
    t = invocation_ms(b, memory_mb)
    poll = 1000 / LAMBDA_POLLS_PER_SECOND
    wait = window_wait_s(rate, window_s, batch_size, parallelization) * 1000
    busy = rate / parallelization / stream_rate(b, memory_mb)
    return poll / 2 + wait / 2 + t, poll + wait + t, busy


def lambda_cost_per_million(records_per_invocation, memory_mb, mode="one-way"):
    """Lambda's bill per million records: GB-seconds of the invocations (round trips waited on are
    billed too) and the requests. GetRecords by the mapping is free."""
    invocations = 1e6 / records_per_invocation
    seconds = invocation_ms(records_per_invocation, memory_mb, mode) / 1000
    gb_seconds = invocations * seconds * memory_mb / 1024
    return invocations, gb_seconds, gb_seconds * LAMBDA_GB_SECOND, invocations * LAMBDA_PER_MILLION_REQUESTS / 1e6


def backfill_rate(read_units, write_units, item_bytes=ITEM_BYTES_BACKFILL):
    """Items a second a backfill can copy: the least of the scan's read units (strongly consistent,
    4 KB each), the slowest target's write units (1 KB each) and the replicator's CPU."""
    reads = read_units * RCU_BYTES_STRONG / item_bytes
    writes = write_units / math.ceil(item_bytes / WCU_BYTES)
    cpu = BACKFILL_ITEMS_PER_SECOND_PER_CORE * BACKFILL_CORES
    return min(reads, writes, cpu), reads, writes, cpu


# ==== Formatting ======================================================================================

def n(value, digits=0):
    return f"{value:,.{digits}f}"


def money(value):
    if value >= 1:
        return f"${value:,.2f}"
    if value >= 0.01:
        return f"${value:.3f}"
    return f"${value:.4f}"


def duration_h(hours):
    if hours < 1 / 60:
        return f"{hours * 3600:.0f} s"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.1f} h"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ==== The tables of docs/scale.md =====================================================================

def t_limits():
    rows = [
        ("write units per partition, a second", n(PARTITION_WCU), "warm-throughput-scenarios"),
        ("read units per partition, a second", n(PARTITION_RCU), "warm-throughput-scenarios"),
        ("GetRecords: records / bytes per call", f"{n(GETRECORDS_MAX_RECORDS)} / 1 MB", "API_streams_GetRecords"),
        ("Lambda's polls of a shard, a second", n(LAMBDA_POLLS_PER_SECOND), "with-ddb"),
        ("GetRecords calls per shard, a second (estimate)", f"about {GETRECORDS_CALLS_PER_SECOND}", "not on a DynamoDB page"),
        ("readers per shard, at most", n(READERS_PER_SHARD), "Limits (DynamoDB Streams)"),
        ("Lambda payload, synchronous", "6 MB", "API_Invoke; with-ddb"),
        ("batch size, streams", f"1 to {n(LAMBDA_MAX_BATCH)}", "services-ddb-params"),
        ("batching window", f"0 to {LAMBDA_MAX_WINDOW_S} s", "services-ddb-params"),
        ("parallelization factor (order per key kept)", f"1 to {LAMBDA_MAX_PARALLELIZATION}", "services-ddb-params"),
        ("memory for one vCPU", f"{n(LAMBDA_MB_PER_VCPU)} MB", "configuration-memory"),
        ("function timeout, at most", f"{LAMBDA_MAX_TIMEOUT_S} s", "gettingstarted-limits"),
        ("concurrent executions, default quota", n(LAMBDA_ACCOUNT_CONCURRENCY), "gettingstarted-limits"),
        ("read / write units per table, default quota", f"{n(TABLE_MAX_UNITS)} / {n(TABLE_MAX_UNITS)}", "ServiceQuotas"),
        ("stream retention", f"{STREAM_RETENTION_H} h", "Streams"),
        ("read unit (strongly consistent) / write unit", "4 KB / 1 KB", "pricing/on-demand"),
        ("Lambda compute, x86_64, a GB-second", f"${LAMBDA_GB_SECOND:.10f}", "lambda/pricing"),
        ("Lambda requests, a million", money(LAMBDA_PER_MILLION_REQUESTS), "lambda/pricing"),
        ("on-demand write request units, a million", money(WRITE_UNITS_PER_MILLION), "dynamodb/pricing/on-demand"),
        ("GetRecords made by a Lambda mapping", "free", "CostOptimization_StreamsUsage"),
        ("inter-region transfer, a GB (estimate)", money(TRANSFER_PER_GB), "ec2/pricing/on-demand"),
    ]
    return table(["limit or price", "value", "source page"], rows)


def t_measured():
    rows = [
        ("host CPU per 1,000 one-way changes of 1.5 KB", f"{CPU_MS_PER_1000_ONE_WAY} ms", "bench/README.md §6 (full run; rerun 21.7 ms)"),
        ("the same, 3.5 KB", f"{CPU_MS_PER_1000_ONE_WAY_3_5KB} ms", "bench/README.md §6"),
        ("the same, multi-active, three regions, 1.5 KB", f"{n(CPU_MS_PER_1000_MULTI_ACTIVE)} ms", "bench/README.md §6"),
        ("fixed cost per invocation (upper bound: cold start, empty event)", f"{FIXED_MS_PER_INVOCATION} ms", "bench/README.md §4"),
        ("cold start to a first batch of 100", f"{COLD_START_FIRST_BATCH_MS} ms", "bench/README.md §4"),
        ("1,000 distinct keys, 60 ms round trip, Lambda host", f"{MEASURED_1000_KEYS_MS} ms", "bench/README.md §7"),
        ("the engine in process: 1,000 / 10,000 changes", f"{MEASURED_ENGINE_1000_MS} / {MEASURED_ENGINE_10000_MS} ms", "bench/README.md §2"),
        ("multi-active round trips, 1,000 deletes", f"{MULTI_ACTIVE_ROUND_TRIPS}", "bench/README.md §2"),
        ("peak RSS, 6 MB event: realistic / 10,000 small records", f"{PEAK_RSS_6MB_REALISTIC_MIB} / {PEAK_RSS_6MB_SMALL_MIB} MiB", "bench/README.md §5"),
        ("peak RSS, 28 MB event", f"{PEAK_RSS_28MB_MIB} MiB", "bench/README.md §5"),
        ("backfill, items/s per core", n(BACKFILL_ITEMS_PER_SECOND_PER_CORE), "bench/README.md §8 (bench/scale.py)"),
        ("poller CPU per record, 1 shard", f"{POLLER_CPU_MS_PER_RECORD[1]:.3f} ms", "docs/poller.md, At many shards (bench/scale-poller.py)"),
    ]
    return table(["measured", "value", "source"], rows)


def t_calibration():
    rows = [
        ("Lambda host, 1,000 distinct keys (§7)", n(invocation_ms(1000, LAMBDA_MB_PER_VCPU), 1), n(MEASURED_1000_KEYS_MS, 1)),
        ("engine in process, 1,000 changes (§2)", n(invocation_ms(1000, LAMBDA_MB_PER_VCPU), 1), n(MEASURED_ENGINE_1000_MS, 1)),
        ("engine in process, 10,000 changes (§2)", n(invocation_ms(10000, LAMBDA_MB_PER_VCPU), 1), n(MEASURED_ENGINE_10000_MS, 1)),
    ]
    return table(["case, one vCPU, 60 ms round trip", "model (ms)", "measured (ms)"], rows)


def t_throughput(mode):
    rows = []
    for memory in MEMORY_SIZES:
        for window, batch in ((0, 1000), (1, 100), (1, 500), (1, 1000), (1, 4000)):
            if mode == "multi-active" and batch == 100:
                continue
            b = backlog_batch(batch, window)
            t = invocation_ms(b, memory, mode)
            rows.append((
                n(memory), n(batch), window, n(b), n(t), n(stream_rate(b, memory, mode)),
                f"{catch_up(b, memory, 1, mode):.1f}", f"{catch_up(b, memory, 2, mode):.1f}",
                parallelization_needed(b, memory, mode)))
    return table(["memory (MB)", "batch_size", "window (s)", "records an invocation", "invocation (ms)",
                  "records/s, one sequence", "catch-up, PF 1", "PF 2", f"PF for catch-up ≥ {CATCH_UP_TARGET}"], rows)


def t_lag():
    rows = []
    for window in (0, 1, 5):
        for memory in (128, 256, 1024):
            for rate in (SPARSE_RATE, BUSY_RATE):
                mean, worst, busy = lag_ms(rate, window, 1000, 1, memory)
                rows.append((window, n(memory), n(rate), n(steady_batch(rate, window, 1000, 1)),
                             n(mean), n(worst), f"{busy * 100:.0f} %"))
    return table(["window (s)", "memory (MB)", "records/s on the shard", "records an invocation",
                  "lag, mean (ms)", "lag, worst (ms)", "time the shard's invocations run"], rows)


def t_cost():
    rows = []
    for memory in MEMORY_SIZES:
        for label, records in (("backlog, batches of 696", backlog_batch(1000, 0)),
                               (f"{SPARSE_RATE}/s, window 0", steady_batch(SPARSE_RATE, 0, 1000, 1)),
                               (f"{SPARSE_RATE}/s, window 1 s", steady_batch(SPARSE_RATE, 1, 1000, 1))):
            invocations, gbs, compute, requests = lambda_cost_per_million(records, memory)
            rows.append((n(memory), label, n(invocations), n(gbs), money(compute), money(requests),
                         money(compute + requests)))
    return table(["memory (MB)", "load", "invocations", "GB-seconds", "compute", "requests",
                  "Lambda, per million records"], rows)


def t_target_cost():
    per_gb = 1e6 * ITEM_BYTES_BACKFILL / 1024 ** 3
    rows = [
        ("write units, 1 KB items, on-demand", money(WRITE_UNITS_PER_MILLION * math.ceil(ITEM_BYTES_BACKFILL / WCU_BYTES))),
        ("write units, 1.5 KB items (2 units each)", money(WRITE_UNITS_PER_MILLION * 2)),
        ("inter-region transfer of 1 KB items (estimate)", money(TRANSFER_PER_GB * per_gb)),
        ("stream reads by the Lambda mapping", money(STREAM_READS_FROM_LAMBDA)),
    ]
    return table(["per million records, per target", "cost"], rows)


def t_concurrency():
    rows = []
    for shards in (1, 16, 64, 256, 1000):
        cells = [n(shards)]
        for p in (1, 2, 10):
            c = shards * p
            cells.append(n(c) + (" (over the quota)" if c > LAMBDA_ACCOUNT_CONCURRENCY else ""))
        rows.append(cells)
    return table(["open shards", "PF 1", "PF 2", "PF 10"], rows)


def defaults_implied(c, mode="one-way"):
    b = backlog_batch(c["batch_size"], c["window_s"])
    k = catch_up(b, c["memory_mb"], c["parallelization"], mode)
    sparse = lag_ms(SPARSE_RATE, c["window_s"], c["batch_size"], c["parallelization"], c["memory_mb"])
    busy = lag_ms(BUSY_RATE, c["window_s"], c["batch_size"], c["parallelization"], c["memory_mb"])
    cost_backlog = sum(lambda_cost_per_million(b, c["memory_mb"], mode)[2:])
    cost_sparse = sum(lambda_cost_per_million(
        steady_batch(SPARSE_RATE, c["window_s"], c["batch_size"], c["parallelization"]), c["memory_mb"], mode)[2:])
    slowest = invocation_ms(min(c["batch_size"], payload_records(RECORD_BYTES)), c["memory_mb"], "multi-active")
    return dict(b=b, k=k, sparse=sparse, busy=busy, cost_backlog=cost_backlog, cost_sparse=cost_sparse,
                slowest=slowest, give_up_min=(c["retries"] + 1) * c["timeout_s"] / 60)


def t_defaults():
    o, w = defaults_implied(OLD), defaults_implied(NEW)
    rows = [
        ("batch_size", OLD["batch_size"], NEW["batch_size"]),
        ("maximum_batching_window_in_seconds", OLD["window_s"], NEW["window_s"]),
        ("parallelization_factor", OLD["parallelization"], NEW["parallelization"]),
        ("memory_size (MB)", OLD["memory_mb"], NEW["memory_mb"]),
        ("timeout_seconds", OLD["timeout_s"], NEW["timeout_s"]),
        ("maximum_retry_attempts", OLD["retries"], NEW["retries"]),
        ("records an invocation in a backlog (1.5 KB)", n(o["b"]), n(w["b"])),
        ("catch-up at a shard's top rate, one-way", f"{o['k']:.1f}", f"{w['k']:.1f}"),
        (f"lag at {SPARSE_RATE}/s on a shard: mean / worst (ms)", f"{n(o['sparse'][0])} / {n(o['sparse'][1])}", f"{n(w['sparse'][0])} / {n(w['sparse'][1])}"),
        (f"lag at {BUSY_RATE}/s on a shard: mean / worst (ms)", f"{n(o['busy'][0])} / {n(o['busy'][1])}", f"{n(w['busy'][0])} / {n(w['busy'][1])}"),
        ("peak concurrency per 100 open shards", n(100 * OLD["parallelization"]), n(100 * NEW["parallelization"])),
        ("Lambda per million records: backlog / 10/s", f"{money(o['cost_backlog'])} / {money(o['cost_sparse'])}", f"{money(w['cost_backlog'])} / {money(w['cost_sparse'])}"),
        ("slowest normal invocation: multi-active, a full batch (s)", n(o["slowest"] / 1000, 1), n(w["slowest"] / 1000, 1)),
        ("a failing batch given up after, at most (min)", n(o["give_up_min"]), n(w["give_up_min"])),
    ]
    return table(["", "old default", "new default"], rows)


def t_memory():
    rows = []
    for memory in MEMORY_SIZES[:3]:
        rows.append((n(memory), f"{PEAK_RSS_6MB_SMALL_MIB} MiB", f"{memory / PEAK_RSS_6MB_SMALL_MIB:.1f}×",
                     f"{memory / PEAK_RSS_28MB_MIB:.1f}×"))
    return table(["memory (MB)", "worst measured peak, a 6 MB event", "headroom over it",
                  f"headroom over the 28 MB event ({PEAK_RSS_28MB_MIB} MiB)"], rows)


def t_multi_active():
    rows = []
    for memory in (256, 1024, 1769):
        b = backlog_batch(1000, 0)
        rows.append((n(memory), n(b), n(invocation_ms(b, memory, "multi-active")),
                     n(stream_rate(b, memory, "multi-active")),
                     parallelization_needed(b, memory, "multi-active"),
                     money(sum(lambda_cost_per_million(b, memory, "multi-active")[2:]))))
    return table(["memory (MB)", "records an invocation", "invocation (ms)", "records/s, one sequence",
                  f"PF for catch-up ≥ {CATCH_UP_TARGET}", "Lambda, per million records"], rows)


def t_backfill():
    scenarios = [(1000, 1000), (10000, 10000), (TABLE_MAX_UNITS, TABLE_MAX_UNITS), (None, None)]
    rows = []
    for read_units, write_units in scenarios:
        if read_units is None:
            rate = BACKFILL_TARGET_ITEMS_PER_SECOND
            label, bound = f"issue 15's target on 2 cores, quotas raised to {n(rate)} units", "CPU (target)"
        else:
            rate, reads, writes, cpu = backfill_rate(read_units, write_units)
            label = f"{n(read_units)} read / {n(write_units)} write units"
            bound = "writes" if rate == writes else "reads" if rate == reads else "CPU"
        cells = [label, n(rate), bound]
        for items in (1e6, 1e8, 1e9):
            hours = items / rate / 3600
            cells.append(duration_h(hours) + (" (over 24 h)" if hours > STREAM_RETENTION_H else ""))
        rows.append(cells)
    return table(["capacity given to the copy", "items/s", "bound by", "10^6 items", "10^8 items", "10^9 items"], rows)


def t_poller():
    rows = []
    for rate in (1000, 10000, 100000):
        cells = [n(rate)]
        for shards, ms in sorted(POLLER_CPU_MS_PER_RECORD.items()):
            cells.append(n(rate * ms / 1000, 1))
        cells.append(n(rate * CPU_MS_PER_1000_ONE_WAY / 1e6, 2))
        rows.append(cells)
    header = ["records/s, all shards"] + [f"cores at {ms:.2f} ms a record (measured, {s} shard)"
                                           for s, ms in sorted(POLLER_CPU_MS_PER_RECORD.items())]
    return table(header + ["cores at the Lambda host's 0.025 ms (the engine alone)"], rows)


TABLES = {
    "limits": t_limits,
    "measured": t_measured,
    "calibration": t_calibration,
    "throughput-one-way": lambda: t_throughput("one-way"),
    "throughput-multi-active": t_multi_active,
    "memory": t_memory,
    "concurrency": t_concurrency,
    "lag": t_lag,
    "cost": t_cost,
    "target-cost": t_target_cost,
    "defaults": t_defaults,
    "backfill": t_backfill,
    "poller": t_poller,
}

# The module's variables the model sets, and the key of each in NEW.
MODULE_DEFAULTS = {
    "batch_size": "batch_size", "maximum_batching_window_in_seconds": "window_s",
    "parallelization_factor": "parallelization", "memory_size": "memory_mb",
    "timeout_seconds": "timeout_s", "maximum_retry_attempts": "retries",
}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIABLES_TF = os.path.join(REPO, "deploy", "terraform", "modules", "replicator", "variables.tf")
DEPLOY_MD = os.path.join(REPO, "docs", "deploy.md")


def default_drift():
    """Where the module's defaults, or docs/deploy.md's table of them, are not the model's NEW."""
    problems = []
    with open(VARIABLES_TF, encoding="utf-8") as f:
        terraform = f.read()
    with open(DEPLOY_MD, encoding="utf-8") as f:
        deploy = f.read()
    for variable, key in MODULE_DEFAULTS.items():
        block = re.search(r'variable "%s" \{(.*?)\n\}' % variable, terraform, re.S)
        found = re.search(r"^\s*default\s*=\s*(\S+)", block.group(1), re.M) if block else None
        if not found or found.group(1) != str(NEW[key]):
            problems.append(f"variables.tf: {variable} defaults to {found.group(1) if found else 'nothing'}, the model to {NEW[key]}")
        row = re.search(r"^\| `%s` \| ([^|]+) \|" % variable, deploy, re.M)
        if not row or row.group(1).strip() != str(NEW[key]):
            problems.append(f"docs/deploy.md: {variable} shows {row.group(1).strip() if row else 'no row'}, the model {NEW[key]}")
    return problems


BLOCK = re.compile(r"<!-- scale-model:([a-z-]+) -->\n(.*?)<!-- /scale-model:\1 -->", re.S)


def render(name):
    return TABLES[name]() + "\n"


def main():
    parser = argparse.ArgumentParser(description="The scale model of docs/scale.md.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", metavar="DOC", help="exit 1 if a table in DOC differs from the model's")
    group.add_argument("--write", metavar="DOC", help="rewrite the tables in DOC from the model")
    args = parser.parse_args()
    if not args.check and not args.write:
        for name in TABLES:
            print(f"<!-- scale-model:{name} -->\n{render(name)}<!-- /scale-model:{name} -->\n")
        return 0
    path = args.check or args.write
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = [m.group(1) for m in BLOCK.finditer(text)]
    problems = [f"unknown table {name}" for name in found if name not in TABLES]
    problems += [f"table {name} is missing" for name in TABLES if name not in found]
    if args.write:
        if problems:
            print(f"{path}: " + "; ".join(problems), file=sys.stderr)
            return 1
        text = BLOCK.sub(lambda m: f"<!-- scale-model:{m.group(1)} -->\n{render(m.group(1))}<!-- /scale-model:{m.group(1)} -->", text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    problems += default_drift()
    for m in BLOCK.finditer(text):
        if m.group(1) in TABLES and m.group(2) != render(m.group(1)):
            problems.append(f"table {m.group(1)} differs from the model (run: python3 scripts/scale-model.py --write {path})")
    if problems:
        print(f"{path}: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"{path}: {len(found)} tables match the model; the module's defaults and docs/deploy.md are the model's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
