#!/usr/bin/env python3
"""Checks, against the AWS endpoint Terraform deployed to (moto in CI), what the example created.

    check_deployment.py --endpoint URL --outputs OUTPUTS.json --plan PLAN.json --state STATE.json --hash-key email
    check_deployment.py --endpoint URL --outputs OUTPUTS.json --state STATE.json --gone

OUTPUTS.json is `terraform output -json` of examples/users (its `replicator` output), PLAN.json
`terraform show -json` of the saved plan (the expected settings: memory, timeout, mapping settings,
queue and log retention are compared with what the plan asked for), STATE.json `terraform show
-json` after apply (used for a field the endpoint does not return, which the summary names, and
for the role's name in --gone).
Fixed expectations: runtime provided.al2023, x86_64, handler bootstrap, NEW_AND_OLD_IMAGES stream,
TRIM_HORIZON, ReportBatchItemFailures, bisect on, bounded retries and record age, TTL_DELETES
replicate, encrypted queues, six alarms (iterator age twice: behind, and data at risk, both below
the stream's 24 h retention, in that order).

--gone checks after `terraform destroy` that none of it is left.
"""

import argparse
import json
import sys

import boto3
from botocore.exceptions import ClientError

sys.dont_write_bytecode = True
import tfplan  # noqa: E402


class Checker:
    def __init__(self):
        self.passed, self.failed, self.from_state, self.summary = [], [], [], []

    def eq(self, what, actual, expected):
        if actual == expected:
            self.passed.append(what)
        else:
            self.failed.append(f"{what}: expected {expected!r}, got {actual!r}")

    def true(self, what, condition, detail=""):
        if condition:
            self.passed.append(what)
        else:
            self.failed.append(f"{what}{': ' + detail if detail else ''}")


def clients(endpoint, region):
    kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    return {name: boto3.client(name, **kw) for name in ("dynamodb", "lambda", "sqs", "logs", "cloudwatch", "iam")}


def region_of_arn(arn):
    return arn.split(":")[3]


def planned(plan, resource_type, name=None):
    """Planned values of the plan's resources of that type (and name), by address."""
    return {r["address"]: r.get("values", {}) for _, r in tfplan.planned_resources(plan)
            if r.get("mode") == "managed" and r["type"] == resource_type and (name is None or r["name"] == name)}


def one(values_by_address, what):
    if len(values_by_address) != 1:
        raise SystemExit(f"check_deployment: expected one {what} in the plan, found {sorted(values_by_address)}")
    return next(iter(values_by_address.values()))


def state_values(state, resource_type):
    root = state.get("values", {}).get("root_module", {})
    return [r.get("values", {}) for _, r in tfplan.walk(root, "") if r.get("type") == resource_type and r.get("mode") == "managed"]


def check_present(c, out, plan, state, endpoint, hash_key):
    source_arn, target_arn = out["source_table_arn"], out["target_table_arn"]
    east = clients(endpoint, region_of_arn(source_arn))
    west = clients(endpoint, region_of_arn(target_arn))

    # ---- tables
    source = east["dynamodb"].describe_table(TableName=source_arn.split("/")[-1])["Table"]
    c.eq("source table ARN", source["TableArn"], source_arn)
    c.eq("source table key schema", source["KeySchema"], [{"AttributeName": hash_key, "KeyType": "HASH"}])
    c.eq("source table stream", source.get("StreamSpecification"), {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    c.eq("source table stream ARN = output source_stream_arn", source.get("LatestStreamArn"), out["source_stream_arn"])
    target = west["dynamodb"].describe_table(TableName=target_arn.split("/")[-1])["Table"]
    c.eq(f"target table ARN (in {region_of_arn(target_arn)})", target["TableArn"], target_arn)
    c.eq("target table key schema", target["KeySchema"], [{"AttributeName": hash_key, "KeyType": "HASH"}])
    c.summary.append(f"tables: {source['TableName']} ({region_of_arn(source_arn)}, key {hash_key}, stream "
                     f"{source.get('StreamSpecification', {}).get('StreamViewType')}) -> {target['TableName']} ({region_of_arn(target_arn)}, key {hash_key})")

    # ---- queues
    queue_plan = planned(plan, "aws_sqs_queue")
    queues = {}
    for key in ("dead_letter_queue_url", "failed_batches_queue_url"):
        attrs = east["sqs"].get_queue_attributes(QueueUrl=out[key], AttributeNames=["All"])["Attributes"]
        name = attrs["QueueArn"].split(":")[-1]
        expected = next(v for v in queue_plan.values() if v.get("name") == name)
        queues[key] = attrs
        c.true(f"queue {name} encrypted (SQS managed SSE or a KMS key)",
               attrs.get("SqsManagedSseEnabled") == "true" or bool(attrs.get("KmsMasterKeyId")), json.dumps(attrs))
        c.eq(f"queue {name} retention", int(attrs["MessageRetentionPeriod"]), expected["message_retention_seconds"])
    c.true("two distinct queues", queues["dead_letter_queue_url"]["QueueArn"] != queues["failed_batches_queue_url"]["QueueArn"])
    dlq_arn = queues["dead_letter_queue_url"]["QueueArn"]
    failed_arn = queues["failed_batches_queue_url"]["QueueArn"]
    c.summary.append("queues: " + ", ".join(
        f"{q['QueueArn'].split(':')[-1]} (SSE {'SQS managed' if q.get('SqsManagedSseEnabled') == 'true' else q.get('KmsMasterKeyId')}, "
        f"{int(q['MessageRetentionPeriod']) // 86400} d)" for q in queues.values()))

    # ---- function
    fn_plan = one(planned(plan, "aws_lambda_function"), "function")
    fn = east["lambda"].get_function_configuration(FunctionName=out["function_name"])
    c.eq("function runtime", fn.get("Runtime"), "provided.al2023")
    c.eq("function architectures", fn.get("Architectures"), ["x86_64"])
    c.eq("function handler", fn.get("Handler"), "bootstrap")
    c.eq("function memory (MB)", fn.get("MemorySize"), fn_plan["memory_size"])
    c.eq("function timeout (s)", fn.get("Timeout"), fn_plan["timeout"])
    env = fn.get("Environment", {}).get("Variables", {})
    c.eq("env REPLICATION_TARGETS = the target table ARN", env.get("REPLICATION_TARGETS"), target_arn)
    c.eq("env DEAD_LETTER_QUEUE_URL = the dead-letter queue's URL", env.get("DEAD_LETTER_QUEUE_URL"), out["dead_letter_queue_url"])
    c.eq("env TTL_DELETES", env.get("TTL_DELETES"), "replicate")
    c.summary.append(f"function: {fn['FunctionName']} ({fn.get('Runtime')}, {','.join(fn.get('Architectures', []))}, handler {fn.get('Handler')}, "
                     f"{fn.get('MemorySize')} MB, {fn.get('Timeout')} s; REPLICATION_TARGETS={env.get('REPLICATION_TARGETS')}, "
                     f"DEAD_LETTER_QUEUE_URL=.../{str(env.get('DEAD_LETTER_QUEUE_URL')).split('/')[-1]}, TTL_DELETES={env.get('TTL_DELETES')})")

    # ---- role and its inline policy: the one check_iam.py read in the plan
    role_name = fn["Role"].split("/")[-1]
    east["iam"].get_role(RoleName=role_name)
    policy_plan = one(planned(plan, "aws_iam_role_policy"), "role policy")
    document = east["iam"].get_role_policy(RoleName=role_name, PolicyName=policy_plan["name"])["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    c.eq(f"role {role_name} has the planned inline policy", document, json.loads(policy_plan["policy"]))

    # ---- event source mapping
    esm_plan = one(planned(plan, "aws_lambda_event_source_mapping"), "event source mapping")
    esm = east["lambda"].get_event_source_mapping(UUID=out["event_source_mapping_uuid"])
    esm_state = (state_values(state, "aws_lambda_event_source_mapping") or [{}])[0]
    state_names = {
        "StartingPosition": "starting_position", "FunctionResponseTypes": "function_response_types",
        "BisectBatchOnFunctionError": "bisect_batch_on_function_error", "MaximumRetryAttempts": "maximum_retry_attempts",
        "MaximumRecordAgeInSeconds": "maximum_record_age_in_seconds", "ParallelizationFactor": "parallelization_factor",
        "BatchSize": "batch_size", "MaximumBatchingWindowInSeconds": "maximum_batching_window_in_seconds",
    }

    def field(name):
        if name in esm:
            return esm[name]
        if name == "DestinationConfig":
            dest = ((esm_state.get("destination_config") or [{}])[0].get("on_failure") or [{}])[0].get("destination_arn")
            value = {"OnFailure": {"Destination": dest}} if dest else None
        else:
            value = esm_state.get(state_names[name])
        c.from_state.append(f"event source mapping {name}")
        return value

    c.eq("mapping source = the table's stream", esm.get("EventSourceArn"), source["LatestStreamArn"])
    c.eq("mapping function", esm.get("FunctionArn"), fn["FunctionArn"])
    c.eq("mapping starting position", field("StartingPosition"), "TRIM_HORIZON")
    c.eq("mapping function response types", field("FunctionResponseTypes"), ["ReportBatchItemFailures"])
    c.eq("mapping bisects failing batches", field("BisectBatchOnFunctionError"), True)
    retries = field("MaximumRetryAttempts")
    c.eq("mapping retries = planned", retries, esm_plan["maximum_retry_attempts"])
    c.true("mapping retries bounded (0..10000, not -1 = forever)", isinstance(retries, int) and 0 <= retries <= 10000, repr(retries))
    age = field("MaximumRecordAgeInSeconds")
    c.eq("mapping record age = planned", age, esm_plan["maximum_record_age_in_seconds"])
    c.true("mapping record age bounded (60..604800, not -1 = forever)", isinstance(age, int) and 60 <= age <= 604800, repr(age))
    c.eq("mapping parallelization factor", field("ParallelizationFactor"), esm_plan["parallelization_factor"])
    c.eq("mapping batch size", field("BatchSize"), esm_plan["batch_size"])
    c.eq("mapping batching window", field("MaximumBatchingWindowInSeconds"), esm_plan["maximum_batching_window_in_seconds"])
    c.eq("mapping on-failure destination = the failed-batches queue", field("DestinationConfig"), {"OnFailure": {"Destination": failed_arn}})
    c.true("on-failure queue is not the dead-letter queue", failed_arn != dlq_arn)
    c.eq("mapping state", esm.get("State"), "Enabled" if esm_plan.get("enabled", True) else "Disabled")
    c.summary.append(f"mapping: {esm.get('State')}, {field('StartingPosition')}, batch {field('BatchSize')}, window {field('MaximumBatchingWindowInSeconds')} s, "
                     f"parallelization {field('ParallelizationFactor')}, retries {retries}, record age {age} s, bisect {field('BisectBatchOnFunctionError')}, "
                     f"{','.join(field('FunctionResponseTypes') or [])}, on failure -> {failed_arn.split(':')[-1]}")

    # ---- log group
    lg_plan = one(planned(plan, "aws_cloudwatch_log_group"), "log group")
    groups = east["logs"].describe_log_groups(logGroupNamePrefix=out["log_group_name"])["logGroups"]
    group = next((g for g in groups if g["logGroupName"] == out["log_group_name"]), None)
    c.true(f"log group {out['log_group_name']} exists", group is not None)
    if group:
        c.eq("log group retention (days)", group.get("retentionInDays"), lg_plan["retention_in_days"])
    c.eq("log group is the function's", out["log_group_name"], f"/aws/lambda/{out['function_name']}")
    c.summary.append(f"log group: {out['log_group_name']} ({(group or {}).get('retentionInDays')} d)")

    # ---- alarms
    alarms = east["cloudwatch"].describe_alarms(AlarmNames=out["alarm_names"])["MetricAlarms"]
    c.eq("alarms found", sorted(a["AlarmName"] for a in alarms), sorted(out["alarm_names"]))
    watched = sorted((a.get("Namespace"), a.get("MetricName"), json.dumps({d["Name"]: d["Value"] for d in a.get("Dimensions", [])}, sort_keys=True)) for a in alarms)
    function_dim = json.dumps({"FunctionName": out["function_name"]})
    expected = sorted([
        ("AWS/Lambda", "IteratorAge", function_dim),
        ("AWS/Lambda", "IteratorAge", function_dim),
        ("DynamoDbReplicator", "RecordsFailed", function_dim),
        ("AWS/Lambda", "Errors", function_dim),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", json.dumps({"QueueName": dlq_arn.split(":")[-1]})),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", json.dumps({"QueueName": failed_arn.split(":")[-1]})),
    ])
    c.eq("alarms watch iterator age (twice), records failed, function errors and both queue depths", watched, expected)
    # The two iterator-age alarms as planned, and both before the stream's retention runs out.
    age_plan = {v["alarm_name"]: v["threshold"] for v in planned(plan, "aws_cloudwatch_metric_alarm").values() if v.get("metric_name") == "IteratorAge"}
    ages = sorted((a["Threshold"], a["AlarmName"]) for a in alarms if a.get("MetricName") == "IteratorAge")
    c.eq("iterator-age alarm thresholds = planned", {name: threshold for threshold, name in ages}, age_plan)
    c.eq("iterator-age alarms: behind first, then data at risk", [name.rsplit("-replication-", 1)[-1] for _, name in ages], ["behind", "data-at-risk"])
    c.true("iterator-age alarms fire before the stream's 24 h retention", all(0 < t < 86_400_000 for t, _ in ages), repr(ages))
    c.summary.append(f"alarms: {len(alarms)}: {', '.join(sorted(a['AlarmName'] for a in alarms))}; iterator age at "
                     + ", ".join(f"{t / 3_600_000:g} h ({n})" for t, n in ages))


def check_gone(c, out, endpoint, state):
    source_arn, target_arn = out["source_table_arn"], out["target_table_arn"]
    east = clients(endpoint, region_of_arn(source_arn))
    west = clients(endpoint, region_of_arn(target_arn))

    def absent(what, call, codes):
        try:
            call()
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            c.true(f"{what} is gone", code in codes, f"unexpected error {code}")
            return
        c.failed.append(f"{what} still exists")

    absent("source table", lambda: east["dynamodb"].describe_table(TableName=source_arn.split("/")[-1]), {"ResourceNotFoundException"})
    absent("target table", lambda: west["dynamodb"].describe_table(TableName=target_arn.split("/")[-1]), {"ResourceNotFoundException"})
    absent("function", lambda: east["lambda"].get_function(FunctionName=out["function_name"]), {"ResourceNotFoundException"})
    absent("event source mapping", lambda: east["lambda"].get_event_source_mapping(UUID=out["event_source_mapping_uuid"]), {"ResourceNotFoundException"})
    for key in ("dead_letter_queue_url", "failed_batches_queue_url"):
        name = out[key].rstrip("/").split("/")[-1]
        absent(f"queue {name}", lambda n=name: east["sqs"].get_queue_url(QueueName=n),
               {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
    groups = east["logs"].describe_log_groups(logGroupNamePrefix=out["log_group_name"])["logGroups"]
    c.true("log group is gone", not any(g["logGroupName"] == out["log_group_name"] for g in groups))
    alarms = east["cloudwatch"].describe_alarms(AlarmNames=out["alarm_names"])["MetricAlarms"]
    c.true("alarms are gone", not alarms, str([a["AlarmName"] for a in alarms]))
    for role in state_values(state, "aws_iam_role"):
        absent(f"role {role['name']}", lambda n=role["name"]: east["iam"].get_role(RoleName=n), {"NoSuchEntity"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--outputs", required=True, help="terraform output -json")
    parser.add_argument("--plan", help="terraform show -json of the saved plan")
    parser.add_argument("--state", required=True, help="terraform show -json after apply")
    parser.add_argument("--hash-key", default="email")
    parser.add_argument("--gone", action="store_true", help="check that everything was destroyed")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every check that passed")
    args = parser.parse_args()
    out = tfplan.load(args.outputs)["replicator"]["value"]
    c = Checker()
    if args.gone:
        check_gone(c, out, args.endpoint, tfplan.load(args.state))
    else:
        if not args.plan:
            parser.error("--plan is needed unless --gone")
        check_present(c, out, tfplan.load(args.plan), tfplan.load(args.state), args.endpoint, args.hash_key)
    label = "check_deployment --gone" if args.gone else "check_deployment"
    for line in c.summary:
        print(f"  {line}")
    if args.verbose:
        for what in c.passed:
            print(f"  ok: {what}")
    if c.from_state:
        print(f"  read from terraform state, not the endpoint (it did not return them): {', '.join(sorted(set(c.from_state)))}")
    elif not args.gone:
        print("  every field above was read from the endpoint (none from terraform state)")
    if c.failed:
        print(f"{label} FAILED ({len(c.failed)} of {len(c.failed) + len(c.passed)}):\n  " + "\n  ".join(c.failed), file=sys.stderr)
        return 1
    print(f"{label}: {len(c.passed)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
