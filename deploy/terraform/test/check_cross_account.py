#!/usr/bin/env python3
"""Checks examples/cross-account as applied (to moto): least privilege on both sides of the
account boundary, and that each target is in account B, reached the way the example says.

    check_cross_account.py --state STATE.json --outputs OUTPUTS.json [--endpoint URL] [--self-test]

From the state (`terraform show -json`):
  - the function's policy may assume exactly the writer role (sts:AssumeRole on its ARN, no
    wildcard), grants no action at all on the table reached through that role, and writes
    (BatchWriteItem, PutItem, DeleteItem) exactly the table reached through its resource policy;
  - the writer role trusts exactly the function's role, with the external id as a condition, and
    may only write (those three actions) exactly its target table;
  - the resource-based policy of the other table grants exactly the function's role those three
    actions on exactly that table;
  - the function's REPLICATION_TARGETS names the role target with |role= and |external-id=, the
    other without.
With --endpoint, against moto: the function's configuration says the same; both tables and the
writer role exist in account B and the tables do not in account A; the resource policy is stored;
the writer role, assumed with the external id as the function assumes it, writes its table and
the item is in account B. moto stores policies but enforces none (no IAM or resource-policy
evaluation, external id not checked): a grant missing or too broad is caught by the state checks
above, not by a refused request.
--self-test runs the state checks on mutations of the real state, each of which must fail.
"""

import argparse
import copy
import json
import sys

WRITE = {"dynamodb:batchwriteitem", "dynamodb:putitem", "dynamodb:deleteitem"}


def resources_of(module):
    for resource in module.get("resources", []):
        yield resource
    for child in module.get("child_modules", []):
        yield from resources_of(child)


def resource(state, address):
    for r in resources_of(state["values"]["root_module"]):
        if r["address"] == address:
            return r["values"]
    raise SystemExit(f"check_cross_account.py: {address} is not in the state")


def as_set(value):
    if value is None:
        return set()
    return set(value) if isinstance(value, list) else {value}


def statements(policy_json):
    return json.loads(policy_json)["Statement"]


def actions(statement):
    return {a.lower() for a in as_set(statement.get("Action"))}


def check_state(state, out):
    errors = []
    function_role = out["function_role_arn"]
    writer_role = out["writer_role_arn"]
    role_target = out["role_target_arn"]
    policy_target = out["policy_target_arn"]

    # The function's own policy (account A).
    function_policy = statements(resource(state, "module.replicator.aws_iam_role_policy.replicator")["policy"])
    assumable = set()
    writes = set()
    for s in function_policy:
        res = as_set(s.get("Resource"))
        if "NotAction" in s or "NotResource" in s:
            errors.append(f"the function's statement {s.get('Sid')} uses NotAction/NotResource")
        if "sts:assumerole" in actions(s):
            assumable |= res
        if actions(s) & WRITE:
            writes |= res
        if any(r == role_target or r.startswith(role_target + "/") for r in res):
            errors.append(f"the function's statement {s.get('Sid')} grants {sorted(actions(s))} on {role_target}, which it reaches through the role only")
        if "*" in res and actions(s) != {"dynamodb:liststreams"}:
            errors.append(f"the function's statement {s.get('Sid')} has Resource \"*\" for {sorted(actions(s))}")
    if assumable != {writer_role}:
        errors.append(f"the function may assume {sorted(assumable)}; expected exactly {writer_role}")
    if writes != {policy_target}:
        errors.append(f"the function writes {sorted(writes)}; expected exactly {policy_target} (the table reached through its resource policy)")

    # The writer role (account B): trust and permissions.
    role = resource(state, "aws_iam_role.writer")
    trust = statements(role["assume_role_policy"])
    if len(trust) != 1:
        errors.append(f"the writer role's trust policy has {len(trust)} statements; expected one")
    for s in trust:
        principal = s.get("Principal", {})
        if s.get("Effect") != "Allow" or actions(s) != {"sts:assumerole"}:
            errors.append(f"the writer role's trust statement is {s.get('Effect')} {sorted(actions(s))}; expected Allow sts:AssumeRole")
        if not isinstance(principal, dict) or set(principal) != {"AWS"} or as_set(principal["AWS"]) != {function_role}:
            errors.append(f"the writer role trusts {principal}; expected exactly the function's role {function_role}")
        external = s.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
        if as_set(external) != {out["external_id"]}:
            errors.append(f"the writer role's trust asks for external id {external}; expected {out['external_id']}")
    for s in statements(resource(state, "aws_iam_role_policy.writer")["policy"]):
        if actions(s) - WRITE or as_set(s.get("Resource")) != {role_target}:
            errors.append(f"the writer role may {sorted(actions(s))} on {sorted(as_set(s.get('Resource')))}; expected at most {sorted(WRITE)} on exactly {role_target}")

    # The resource-based policy of the other table (account B).
    table_policy = resource(state, "aws_dynamodb_resource_policy.users_eu_west_1")
    if table_policy["resource_arn"] != policy_target:
        errors.append(f"the resource policy is on {table_policy['resource_arn']}; expected {policy_target}")
    for s in statements(table_policy["policy"]):
        principal = s.get("Principal", {})
        if not isinstance(principal, dict) or as_set(principal.get("AWS")) != {function_role} or set(principal) != {"AWS"}:
            errors.append(f"the table's resource policy grants {principal}; expected exactly the function's role {function_role}")
        if actions(s) != WRITE or as_set(s.get("Resource")) != {policy_target}:
            errors.append(f"the table's resource policy grants {sorted(actions(s))} on {sorted(as_set(s.get('Resource')))}; expected {sorted(WRITE)} on exactly {policy_target}")

    # What the function is told.
    variables = resource(state, "module.replicator.aws_lambda_function.replicator")["environment"][0]["variables"]
    expected = expected_targets(out)
    if variables.get("REPLICATION_TARGETS") != expected:
        errors.append(f"REPLICATION_TARGETS is {variables.get('REPLICATION_TARGETS')!r}; expected {expected!r}")
    return errors


def expected_targets(out):
    return f"{out['role_target_arn']}|role={out['writer_role_arn']}|external-id={out['external_id']},{out['policy_target_arn']}"


def check_live(endpoint, out):
    import boto3
    from botocore.exceptions import ClientError

    errors = []
    caller = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    env = caller.client("lambda", region_name="us-east-1", endpoint_url=endpoint).get_function_configuration(
        FunctionName=out["function_name"])["Environment"]["Variables"]
    if env.get("REPLICATION_TARGETS") != expected_targets(out):
        errors.append(f"the deployed function's REPLICATION_TARGETS is {env.get('REPLICATION_TARGETS')!r}")

    def session_as(role_arn, **extra):
        sts = caller.client("sts", region_name="us-east-1", endpoint_url=endpoint)
        c = sts.assume_role(RoleArn=role_arn, RoleSessionName="check", **extra)["Credentials"]
        return boto3.session.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])

    account_b = session_as(f"arn:aws:iam::{out['target_account_id']}:role/terraform")
    role_name = out["writer_role_arn"].split("/")[-1]
    trust = account_b.client("iam", region_name="us-east-1", endpoint_url=endpoint).get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    if out["function_role_arn"] not in json.dumps(trust):
        errors.append(f"the writer role in account B does not trust {out['function_role_arn']}: {trust}")
    for arn in (out["role_target_arn"], out["policy_target_arn"]):
        region, name = arn.split(":")[3], arn.split("/")[-1]
        try:
            account_b.client("dynamodb", region_name=region, endpoint_url=endpoint).describe_table(TableName=name)
        except ClientError as e:
            errors.append(f"{arn} is not in account B: {e}")
        try:
            caller.client("dynamodb", region_name=region, endpoint_url=endpoint).describe_table(TableName=name)
            errors.append(f"a table {region}:{name} exists in account A too: the target should be in account B only")
        except ClientError:
            pass
    region = out["policy_target_arn"].split(":")[3]
    stored = account_b.client("dynamodb", region_name=region, endpoint_url=endpoint).get_resource_policy(ResourceArn=out["policy_target_arn"])["Policy"]
    if out["function_role_arn"] not in stored:
        errors.append(f"the stored resource policy of {out['policy_target_arn']} does not name the function's role: {stored}")

    # Write as the function does: assume the writer role with the external id, put an item.
    writer = session_as(out["writer_role_arn"], ExternalId=out["external_id"])
    region, name = out["role_target_arn"].split(":")[3], out["role_target_arn"].split("/")[-1]
    writer.client("dynamodb", region_name=region, endpoint_url=endpoint).put_item(
        TableName=name, Item={"email": {"S": "check@example.com"}})
    got = account_b.client("dynamodb", region_name=region, endpoint_url=endpoint).get_item(
        TableName=name, Key={"email": {"S": "check@example.com"}}, ConsistentRead=True)
    if "Item" not in got:
        errors.append(f"an item written with the writer role's credentials is not in account B's {name}")
    return errors


def self_test(state, out):
    def edit(address, key, change):
        def apply(s):
            for r in resources_of(s["values"]["root_module"]):
                if r["address"] == address:
                    r["values"][key] = change(r["values"][key])
        return apply

    def policy(change):
        def go(text):
            doc = json.loads(text)
            change(doc["Statement"])
            return json.dumps(doc)
        return go

    fn = "module.replicator.aws_iam_role_policy.replicator"
    mutations = {
        "the writer role may do anything": edit("aws_iam_role_policy.writer", "policy", policy(lambda st: st[0].update(Action="dynamodb:*"))),
        "the function also writes the role's table": edit(fn, "policy", policy(lambda st: [s.update(Resource=[s["Resource"], out["role_target_arn"]]) for s in st if s.get("Sid") == "WriteTheTargets"])),
        "the function may assume any role": edit(fn, "policy", policy(lambda st: [s.update(Resource="*") for s in st if s.get("Sid") == "AssumeTheTargetRoles"])),
        "the writer role trusts everyone": edit("aws_iam_role.writer", "assume_role_policy", policy(lambda st: st[0].update(Principal={"AWS": "*"}))),
        "the writer role asks no external id": edit("aws_iam_role.writer", "assume_role_policy", policy(lambda st: st[0].pop("Condition"))),
        "the resource policy grants everyone": edit("aws_dynamodb_resource_policy.users_eu_west_1", "policy", policy(lambda st: st[0].update(Principal={"AWS": "*"}))),
        "the resource policy grants reads too": edit("aws_dynamodb_resource_policy.users_eu_west_1", "policy", policy(lambda st: st[0].update(Action=st[0]["Action"] + ["dynamodb:Scan"]))),
        "the function is not told the role": edit("module.replicator.aws_lambda_function.replicator", "environment",
                                                  lambda env: [{"variables": {**env[0]["variables"], "REPLICATION_TARGETS": f"{out['role_target_arn']},{out['policy_target_arn']}"}}]),
    }
    failed = False
    for name, mutate in mutations.items():
        mutated = copy.deepcopy(state)
        mutate(mutated)
        errors = check_state(mutated, out)
        print(f"self-test: {name}: {'caught (' + errors[0] + ')' if errors else 'NOT CAUGHT'}")
        failed |= not errors
    if failed:
        raise SystemExit("check_cross_account.py: the self-test found a mutation the checks pass")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--endpoint")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    with open(args.state) as f:
        state = json.load(f)
    with open(args.outputs) as f:
        out = json.load(f)["replicator"]["value"]
    if args.self_test:
        self_test(state, out)
    errors = check_state(state, out)
    if args.endpoint and not errors:
        errors = check_live(args.endpoint, out)
    for error in errors:
        print(f"check_cross_account.py: {error}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"cross-account: {out['role_target_arn']} through {out['writer_role_arn']}, {out['policy_target_arn']} through its resource policy; least privilege on both sides")


if __name__ == "__main__":
    main()
