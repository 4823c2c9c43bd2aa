#!/usr/bin/env python3
"""Checks that the account-scoped names in a Terraform plan (`terraform show -json plan`) are distinct.

    check_unique_names.py PLAN.json [--expect-instances N]
    check_unique_names.py [--self-test FIXTURE.json] [--real PLAN.json]

Two deployments of the replicator in one account must not fight over a name: a second deployment
would fail to create it, or worse, adopt or overwrite the first one's. Names checked, among every
resource the plan will have (child modules included):
  account-wide:  IAM role, IAM role policy (per role in AWS; kept distinct here too), IAM policy,
                 CloudWatch dashboard;
  per region:    Lambda function, SQS queue, log group, CloudWatch alarm, DynamoDB table, SNS topic.
A name unknown at plan time fails too (it could not be compared). --expect-instances N makes sure
the plan really holds N replicator functions, so that a plan with one deployment cannot pass.

It also fails when alarms of different module instances watch the very same metric (namespace,
name, dimensions): they would fire for each other's problems.

--self-test runs it on FIXTURE (a small hand-written plan where two functions share a name: it must
fail for that; it must pass once one is renamed; the tables of one name in two regions must not be
flagged) and, with --real, on mutations of a real two-instance plan, each of which must fail.
"""

import argparse
import copy
import json
import sys

sys.dont_write_bytecode = True
import tfplan  # noqa: E402

# type -> (name attribute, what it is, scope)
NAMED = {
    "aws_iam_role": ("name", "IAM role", "account"),
    "aws_iam_role_policy": ("name", "IAM role policy", "account"),
    "aws_iam_policy": ("name", "IAM policy", "account"),
    "aws_lambda_function": ("function_name", "Lambda function", "region"),
    "aws_sqs_queue": ("name", "SQS queue", "region"),
    "aws_cloudwatch_log_group": ("name", "log group", "region"),
    "aws_cloudwatch_metric_alarm": ("alarm_name", "alarm", "region"),
    "aws_dynamodb_table": ("name", "DynamoDB table", "region"),
    "aws_sns_topic": ("name", "SNS topic", "region"),
    # Dashboards are account-wide (their ARN has no region).
    "aws_cloudwatch_dashboard": ("dashboard_name", "CloudWatch dashboard", "account"),
}


def check(plan, expect_instances=None):
    """Returns (errors, warnings, report lines)."""
    errors, warnings, report = [], [], []
    names = {}  # (what, scope) -> {name: [addresses]}
    alarms = {}  # (region, namespace, metric, dimensions) -> [(module, address)]
    counts = {}
    for module, r in tfplan.planned_resources(plan):
        if r.get("mode") != "managed" or r.get("type") not in NAMED:
            continue
        attribute, what, scope = NAMED[r["type"]]
        counts[what] = counts.get(what, 0) + 1
        name = r.get("values", {}).get(attribute)
        if tfplan.after_unknown(plan, r["address"]).get(attribute) is True or not isinstance(name, str) or not name:
            errors.append(f"{r['address']}: {what} name unknown at plan time; it cannot be shown to be distinct")
            continue
        if scope == "region":
            region = tfplan.region_of(plan, module, r)
            if not region:
                errors.append(f"{r['address']}: cannot tell the region of {what} {name}")
                continue
            where = region
        else:
            where = f"account {tfplan.account_of(plan, module) or '(this account)'}"
        names.setdefault((what, where), {}).setdefault(name, []).append(r["address"])
        if r["type"] == "aws_cloudwatch_metric_alarm":
            v = r["values"]
            dims = v.get("dimensions") or {}
            key = (where, v.get("namespace"), v.get("metric_name"), json.dumps(dims, sort_keys=True))
            alarms.setdefault(key, []).append((module, r["address"]))

    for (what, where), by_name in sorted(names.items()):
        duplicates = {n: a for n, a in by_name.items() if len(a) > 1}
        for name, addresses in sorted(duplicates.items()):
            errors.append(f"duplicate {what} name {name!r} in {where}: {', '.join(addresses)}")
        report.append(f"{what} names in {where}: {len(by_name)} distinct of {sum(map(len, by_name.values()))}: {', '.join(sorted(by_name))}")

    for (where, namespace, metric, dims), users in sorted(alarms.items()):
        if len({m for m, _ in users}) > 1:
            errors.append(f"alarms of different deployments watch the same metric {namespace}/{metric} {dims} in {where}: "
                            f"{', '.join(a for _, a in users)} (each fires for the other's problems)")

    if expect_instances is not None:
        functions = counts.get("Lambda function", 0)
        if functions != expect_instances:
            errors.append(f"expected {expect_instances} replicator functions in the plan, found {functions}")
    if not names:
        errors.append("no named resources in the plan: nothing was checked")
    return errors, warnings, report


# ---- self-test -----------------------------------------------------------------------------------

def _resources(plan, resource_type):
    return [(m, r) for m, r in tfplan.planned_resources(plan) if r.get("type") == resource_type and r.get("mode") == "managed"]


def _copy_name(plan, resource_type, attribute, source_index=0, target_index=1):
    """Gives the resource_type resource of the second module instance the name of the first one's."""
    plan = copy.deepcopy(plan)
    found = _resources(plan, resource_type)
    modules = sorted({m for m, _ in found})
    if len(modules) < 2:
        raise AssertionError(f"self-test: {resource_type} in fewer than two modules")
    first = next(r for m, r in found if m == modules[source_index])
    second = next(r for m, r in found if m == modules[target_index])
    second["values"][attribute] = first["values"][attribute]
    return plan, first["values"][attribute]


def _make_unknown(plan, resource_type, attribute):
    plan = copy.deepcopy(plan)
    _, r = _resources(plan, resource_type)[0]
    del r["values"][attribute]
    for rc in plan.get("resource_changes", []):
        if rc["address"] == r["address"]:
            rc["change"].setdefault("after_unknown", {})[attribute] = True
    return plan


def _source_tables(plan):
    return [(m, r) for m, r in _resources(plan, "aws_dynamodb_table") if r["values"].get("stream_enabled")]


def self_test(fixture_path, real_path):
    failures = []

    def expect_failure(description, plan, expected, **kwargs):
        errors, _, _ = check(plan, **kwargs)
        hit = [e for e in errors if all(x in e for x in expected)]
        if not hit:
            failures.append(f"{description}: expected an error containing {expected}, got {errors or 'none (it passed)'}")
        else:
            print(f"  ok: fails on {description}: {hit[0]}")

    if fixture_path:
        fixture = tfplan.load(fixture_path)
        expect_failure(f"{fixture_path} (two functions named demo-replicator)", copy.deepcopy(fixture), ["duplicate Lambda function name", "demo-replicator"])
        renamed = copy.deepcopy(fixture)
        _resources(renamed, "aws_lambda_function")[1][1]["values"]["function_name"] = "other-replicator"
        errors, _, report = check(renamed)
        if errors:
            failures.append(f"the fixture with one function renamed should pass, but: {errors}")
        elif not any("DynamoDB table names in us-east-1" in line for line in report) or not any("DynamoDB table names in us-west-2" in line for line in report):
            failures.append(f"the fixture's tables of one name in two regions were not told apart: {report}")
        else:
            print("  ok: the fixture passes once one function is renamed (table 'users' in two regions is not a duplicate)")
        expect_failure("the fixed fixture when 3 instances are expected", renamed, ["expected 3 replicator functions"], expect_instances=3)

    if real_path:
        real = tfplan.load(real_path)
        errors, _, _ = check(real, expect_instances=2)
        if errors:
            failures.append(f"the real plan {real_path} itself fails: {errors}")
        for resource_type, attribute, what in [
            ("aws_lambda_function", "function_name", "Lambda function"),
            ("aws_iam_role", "name", "IAM role"),
            ("aws_iam_role_policy", "name", "IAM role policy"),
            ("aws_sqs_queue", "name", "SQS queue"),
            ("aws_cloudwatch_log_group", "name", "log group"),
            ("aws_cloudwatch_metric_alarm", "alarm_name", "alarm"),
            ("aws_cloudwatch_dashboard", "dashboard_name", "CloudWatch dashboard"),
        ]:
            plan, name = _copy_name(real, resource_type, attribute)
            expect_failure(f"the real plan with a second {what} named {name!r}", plan, [f"duplicate {what} name", name])
        # Two source tables of one name in one region (us-east-1).
        plan = copy.deepcopy(real)
        sources = _source_tables(plan)
        sources[1][1]["values"]["name"] = sources[0][1]["values"]["name"]
        expect_failure("the real plan with both source tables named alike", plan, ["duplicate DynamoDB table name", "us-east-1"])
        expect_failure("the real plan with a function name unknown at plan time",
                       _make_unknown(real, "aws_lambda_function", "function_name"), ["name unknown at plan time"])
    if failures:
        print("check_unique_names self-test FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("check_unique_names self-test passed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("plan", nargs="?", help="terraform show -json of a saved plan")
    parser.add_argument("--expect-instances", type=int, help="how many replicator functions the plan must hold")
    parser.add_argument("--self-test", metavar="FIXTURE")
    parser.add_argument("--real", metavar="PLAN", help="self-test on mutations of this real plan (with or without --self-test)")
    args = parser.parse_args()
    if args.self_test or args.real:
        return self_test(args.self_test, args.real)
    if not args.plan:
        parser.error("give a plan JSON, or --self-test FIXTURE")
    errors, warnings, report = check(tfplan.load(args.plan), args.expect_instances)
    print(f"check_unique_names: {args.plan}")
    for line in report:
        print("  " + line)
    for w in warnings:
        print("  WARNING: " + w)
    if errors:
        print("check_unique_names FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print("check_unique_names: no account-scoped name is used twice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
