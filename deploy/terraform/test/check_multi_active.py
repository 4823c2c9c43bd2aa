#!/usr/bin/env python3
"""Checks, against the endpoint Terraform deployed to (moto in CI), what examples/multi-active created.

    check_multi_active.py --endpoint URL --outputs OUTPUTS.json
    check_multi_active.py --endpoint URL --outputs OUTPUTS.json --gone

OUTPUTS.json is `terraform output -json` of examples/multi-active (its `replicas` output: one entry
per region). Per region: the users table with a NEW_AND_OLD_IMAGES stream; its tombstones and
conflicts side tables, on demand, keyed `key` / `id` (S), TTL on `expires`; the function, in
multi-active mode, with the other two regions' tables (and no others) as REPLICATION_TARGETS and
the metadata attribute and tombstone retention set; the event source mapping from that region's
stream to that region's function, reporting partial batch failures; the alarms. --gone checks
after `terraform destroy` that none of it is left in any region.
"""

import argparse
import json
import sys

import boto3
from botocore.exceptions import ClientError

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
SIDE_KEYS = {"tombstones": "key", "conflicts": "id"}


def client(endpoint, service, region):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def name_of(arn):
    return arn.split(":table/")[1]


def table(endpoint, region, name):
    try:
        return client(endpoint, "dynamodb", region).describe_table(TableName=name)["Table"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def check_deployed(endpoint, replicas):
    failed, passed = [], 0

    def expect(what, condition, detail=""):
        nonlocal passed
        if condition:
            passed += 1
        else:
            failed.append(f"{what}{': ' + detail if detail else ''}")

    expect("one replica per region", sorted(replicas) == sorted(REGIONS), f"got {sorted(replicas)}")
    for region, r in replicas.items():
        users = table(endpoint, region, name_of(r["table_arn"]))
        expect(f"{region}: users table exists", users is not None)
        if users:
            stream = users.get("StreamSpecification", {})
            expect(f"{region}: stream NEW_AND_OLD_IMAGES", stream.get("StreamEnabled") and stream.get("StreamViewType") == "NEW_AND_OLD_IMAGES", json.dumps(stream))
            expect(f"{region}: stream is the output's", users.get("LatestStreamArn") == r["source_stream_arn"], f"{users.get('LatestStreamArn')} != {r['source_stream_arn']}")
        expect(f"{region}: two side tables", sorted(r["side_table_arns"]) == sorted(SIDE_KEYS), f"got {sorted(r['side_table_arns'])}")
        ddb = client(endpoint, "dynamodb", region)
        for kind, key in SIDE_KEYS.items():
            arn = r["side_table_arns"].get(kind, "")
            expect(f"{region}: {kind} table named after the users table", arn == f"{r['table_arn']}-replicator-{kind}", arn)
            side = table(endpoint, region, name_of(arn)) if arn else None
            expect(f"{region}: {kind} table exists", side is not None)
            if not side:
                continue
            expect(f"{region}: {kind} keyed by {key} (S)", side["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
                   and side["AttributeDefinitions"] == [{"AttributeName": key, "AttributeType": "S"}], json.dumps(side["KeySchema"]))
            expect(f"{region}: {kind} on demand", side.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", json.dumps(side.get("BillingModeSummary")))
            ttl = ddb.describe_time_to_live(TableName=side["TableName"])["TimeToLiveDescription"]
            expect(f"{region}: {kind} TTL on expires", ttl.get("TimeToLiveStatus") == "ENABLED" and ttl.get("AttributeName") == "expires", json.dumps(ttl))

        lam = client(endpoint, "lambda", region)
        function = lam.get_function_configuration(FunctionName=r["function_name"])
        env = function.get("Environment", {}).get("Variables", {})
        peers = sorted(o["table_arn"] for other, o in replicas.items() if other != region)
        expect(f"{region}: function in multi-active mode", env.get("REPLICATION_MODE") == "multi-active", json.dumps(env))
        expect(f"{region}: function's targets are the other two replicas", sorted(env.get("REPLICATION_TARGETS", "").split(",")) == peers, env.get("REPLICATION_TARGETS"))
        expect(f"{region}: metadata attribute and tombstone retention set", env.get("METADATA_ATTRIBUTE") == "_replication" and env.get("TOMBSTONE_RETENTION") == "7d", json.dumps(env))
        expect(f"{region}: function in its region", function["FunctionArn"].split(":")[3] == region, function["FunctionArn"])
        m = lam.get_event_source_mapping(UUID=r["event_source_mapping_uuid"])
        expect(f"{region}: mapping reads this region's stream", m["EventSourceArn"] == r["source_stream_arn"], m["EventSourceArn"])
        expect(f"{region}: mapping feeds this region's function", m["FunctionArn"] == function["FunctionArn"], m["FunctionArn"])
        expect(f"{region}: mapping reports partial failures", m.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], json.dumps(m.get("FunctionResponseTypes")))
        alarms = client(endpoint, "cloudwatch", region).describe_alarms(AlarmNames=r["alarm_names"])["MetricAlarms"]
        expect(f"{region}: alarms exist", sorted(a["AlarmName"] for a in alarms) == sorted(r["alarm_names"]), f"{sorted(a['AlarmName'] for a in alarms)}")
    return passed, failed


def check_gone(endpoint, replicas):
    left = []
    for region, r in replicas.items():
        for arn in [r["table_arn"], *r["side_table_arns"].values()]:
            if table(endpoint, region, name_of(arn)) is not None:
                left.append(f"{region}: table {name_of(arn)}")
        lam = client(endpoint, "lambda", region)
        if any(f["FunctionName"] == r["function_name"] for f in lam.list_functions()["Functions"]):
            left.append(f"{region}: function {r['function_name']}")
        try:
            lam.get_event_source_mapping(UUID=r["event_source_mapping_uuid"])
            left.append(f"{region}: event source mapping {r['event_source_mapping_uuid']}")
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
        alarms = client(endpoint, "cloudwatch", region).describe_alarms(AlarmNames=r["alarm_names"])["MetricAlarms"]
        left += [f"{region}: alarm {a['AlarmName']}" for a in alarms]
    return left


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--gone", action="store_true")
    args = parser.parse_args()
    with open(args.outputs) as f:
        replicas = json.load(f)["replicas"]["value"]
    if args.gone:
        left = check_gone(args.endpoint, replicas)
        if left:
            print("check_multi_active --gone FAILED, left after destroy:\n  " + "\n  ".join(left), file=sys.stderr)
            return 1
        print(f"check_multi_active: nothing left in {', '.join(sorted(replicas))}")
        return 0
    passed, failed = check_deployed(args.endpoint, replicas)
    if failed:
        print(f"check_multi_active FAILED ({len(failed)} of {passed + len(failed)}):\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    print(f"check_multi_active: {passed} checks passed in {', '.join(sorted(replicas))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
