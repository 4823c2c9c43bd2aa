#!/usr/bin/env python3
"""Checks, in the plan of test/two-instances, that a deployment given lambda_prefilter_patterns
has exactly those FilterCriteria on its event source mapping, and that the deployment given none
has no FilterCriteria at all (a stray prefilter would drop records the function must see). The
function's environment cannot be checked here: it merges the dead-letter queue's URL, unknown
until applied, so the whole map is unknown in a plan; the variables' parsing is tested in
FilterVariablesTests.

Usage: check_filtering.py PLAN_JSON FILTERED_MODULE UNFILTERED_MODULE"""
import json
import sys


def resource(plan, module, kind):
    for change in plan.get("resource_changes", []):
        if change.get("module_address") == f"module.{module}" and change["type"] == kind:
            return change["change"]["after"]
    sys.exit(f"check_filtering: no {kind} in module.{module}")


def main():
    plan = json.load(open(sys.argv[1]))
    filtered, unfiltered = sys.argv[2], sys.argv[3]
    failures = []

    def expect(what, ok, got):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(f"{what}: got {got!r}")

    criteria = resource(plan, filtered, "aws_lambda_event_source_mapping").get("filter_criteria") or []
    patterns = [json.loads(f["pattern"]) for c in criteria for f in c.get("filter", [])]
    images = sorted(next(iter(p["dynamodb"])) for p in patterns)
    expect(f"{filtered}: two FilterCriteria patterns, on NewImage and OldImage", images == ["NewImage", "OldImage"], patterns)
    expect(f"{filtered}: the patterns as given", all(next(iter(p["dynamodb"].values())).get("status") == {"S": ["open"]} for p in patterns), patterns)

    criteria = resource(plan, unfiltered, "aws_lambda_event_source_mapping").get("filter_criteria") or []
    expect(f"{unfiltered}: no FilterCriteria", not criteria, criteria)

    if failures:
        sys.exit("check_filtering: " + "; ".join(failures))


if __name__ == "__main__":
    main()
