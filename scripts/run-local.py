#!/usr/bin/env python3
"""Runs the replicator's Lambda function locally, end to end, with no AWS account.

Starts moto (DynamoDB, DynamoDB Streams) on a free loopback port, creates a source table with a
stream in us-east-1 and a target table in us-west-2, writes a mixed workload to the source
(inserts, updates, deletes, every attribute type), then plays Lambda's part: reads the stream,
hands it in batches to the published Native AOT `bootstrap` through a stand-in for the Lambda
runtime API, and redelivers from any sequence number the function reports as failed. Ends by
comparing the two tables. Exit code 0 only when they are identical.

    python3 scripts/run-local.py [--items N] [--batch-size N]

Needs moto (pip install "moto[server]", which brings boto3) and the .NET SDK (the bootstrap is
published on first use with build/publish-lambda.sh).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from lambda_runtime import RuntimeApi
from local_moto import start_moto

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "artifacts" / "lambda" / "bootstrap"
SOURCE_REGION, TARGET_REGION, TABLE = "us-east-1", "us-west-2", "users"


def clients(endpoint):
    import boto3
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local")
    make = lambda service, region: session.client(service, region_name=region, endpoint_url=endpoint)
    return make("dynamodb", SOURCE_REGION), make("dynamodb", TARGET_REGION)


def create_tables(source, target):
    spec = dict(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}])
    stream = source.create_table(**spec, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    target.create_table(**spec)
    return stream["TableDescription"]["LatestStreamArn"]


def workload(source, items, seed=7):
    """Inserts, updates and deletes on a pool of keys, with every attribute type."""
    rng = random.Random(seed)
    keys = [f"user{i}@example.com" for i in range(max(1, items // 3))]
    for i in range(items):
        email = rng.choice(keys)
        if rng.random() < 0.2:
            source.delete_item(TableName=TABLE, Key={"email": {"S": email}})
            continue
        source.put_item(TableName=TABLE, Item={
            "email": {"S": email},
            "name": {"S": f"User {i}"},
            "visits": {"N": str(rng.randint(0, 10**6))},
            "balance": {"N": "12345678901234567890.123456789012345678"},
            "avatar": {"B": bytes([i % 256, 0, 255])},
            "active": {"BOOL": rng.random() < 0.5},
            "nickname": {"NULL": True},
            "address": {"M": {"city": {"S": "Lisbon"}, "geo": {"L": [{"N": "38.7"}, {"N": "-9.1"}]}}},
            "tags": {"SS": ["a", "b", f"t{i % 5}"]},
            "scores": {"NS": ["1", "2.5", str(i)]},
            "keys": {"BS": [b"\x01", bytes([i % 256])]},
        })


def stream_records(endpoint, stream_arn):
    """All records on the stream, as raw JSON: exactly what GetRecords (and so Lambda) sends."""
    def call(operation, body):
        request = urllib.request.Request(endpoint + "/", data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDBStreams_20120810.{operation}",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20260101/{SOURCE_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        })
        return json.load(urllib.request.urlopen(request, timeout=30))

    records = []
    for shard in call("DescribeStream", {"StreamArn": stream_arn})["StreamDescription"]["Shards"]:
        iterator = call("GetShardIterator", {"StreamArn": stream_arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
        while iterator:
            page = call("GetRecords", {"ShardIterator": iterator, "Limit": 1000})
            if not page["Records"]:
                break
            records.extend(dict(r, eventSourceARN=stream_arn) for r in page["Records"])
            iterator = page.get("NextShardIterator")
    return records


def deliver(runtime, records, batch_size):
    """Lambda's event source mapping, in small: batches in order, redelivered from a reported failure."""
    position, invocations = 0, 0
    while position < len(records):
        batch = records[position:position + batch_size]
        invocations += 1
        path, answer = runtime.invoke({"Records": batch}, f"request-{invocations}")
        if path.endswith("/error"):
            sys.exit(f"invocation failed: {answer}")
        failures = answer["batchItemFailures"]
        if not failures:
            position += len(batch)
            continue
        failed = failures[0]["itemIdentifier"]
        print(f"  batch {invocations}: failure reported at {failed}; redelivering from there")
        position += next(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == failed)
        if invocations > 10 * len(records):
            sys.exit("gave up: the same records keep failing")
    return invocations


def scan(client):
    from boto3.dynamodb.types import TypeDeserializer
    d = TypeDeserializer()
    items, start = {}, {}
    while True:
        page = client.scan(TableName=TABLE, ConsistentRead=True, **start)
        for item in page["Items"]:
            items[item["email"]["S"]] = {k: d.deserialize(v) for k, v in item.items()}
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300, help="writes to make to the source table (default 300)")
    parser.add_argument("--batch-size", type=int, default=100, help="records per invocation, as the event source mapping's BatchSize (default 100)")
    args = parser.parse_args()

    if not BOOTSTRAP.exists():
        print("Publishing the Lambda function (Native AOT, first run only)...")
        subprocess.run([str(ROOT / "build" / "publish-lambda.sh")], check=True, stdout=subprocess.DEVNULL)

    moto, endpoint = start_moto()
    runtime = RuntimeApi()
    function = None
    try:
        source, target = clients(endpoint)
        stream_arn = create_tables(source, target)
        print(f"moto at {endpoint}: {SOURCE_REGION}:{TABLE} (stream on) -> {TARGET_REGION}:{TABLE}")

        started = time.time()
        workload(source, args.items)
        records = stream_records(endpoint, stream_arn)
        print(f"Wrote {args.items} changes to the source; the stream holds {len(records)} records.")

        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=runtime.address,
                   REPLICATION_TARGETS=f"{TARGET_REGION}:{TABLE}", AWS_ENDPOINT_URL=endpoint,
                   AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION=SOURCE_REGION)
        log = open(ROOT / "artifacts" / "run-local.log", "w")
        function = subprocess.Popen([str(BOOTSTRAP)], env=env, stdout=log, stderr=subprocess.STDOUT)
        invocations = deliver(runtime, records, args.batch_size)
        elapsed = time.time() - started
        print(f"Delivered {len(records)} records in {invocations} invocation(s) of bootstrap; its log: artifacts/run-local.log")

        source_items, target_items = scan(source), scan(target)
        differences = sorted(k for k in source_items.keys() | target_items.keys() if source_items.get(k) != target_items.get(k))
        matched = len(source_items) - len([k for k in differences if k in source_items])
        print(f"Compared: {len(source_items)} source items, {len(target_items)} target items, {matched} matched, {len(differences)} differences ({elapsed:.1f} s).")
        for key in differences[:5]:
            print(f"  {key}: source {source_items.get(key)} / target {target_items.get(key)}")
        return 0 if not differences else 1
    finally:
        if function:
            function.terminate()
            function.wait(10)
        runtime.close()
        moto.kill()


if __name__ == "__main__":
    sys.exit(main())
