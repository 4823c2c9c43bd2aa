#!/usr/bin/env python3
"""Least-privilege check of every IAM policy in a Terraform plan (`terraform show -json plan`).

    check_iam.py PLAN.json
    check_iam.py [--self-test FIXTURE.json] [--real PLAN.json]

It collects every policy document in the plan's planned values (aws_iam_role_policy.policy,
aws_iam_policy.policy, aws_iam_role.assume_role_policy and inline_policy, aws_iam_user_policy and
aws_iam_group_policy; child modules included) and fails when:
  - a policy is unknown at plan time (so it could not be checked before apply);
  - a statement uses NotAction, NotResource or NotPrincipal;
  - an action is a wildcard, or not on the allowed list; sts:AssumeRole outside a trust policy;
  - a statement has Resource "*", except one whose only action is dynamodb:ListStreams;
  - stream reads are not under the source table's ARN (<table>/stream/...);
  - the write statement's resources are not exactly the target tables' ARNs;
  - sqs:SendMessage is not on exactly the module's own queues; logs on anything but its own log group;
  - kms actions on anything but the customer keys the plan's tables and queues use;
  - a trust policy trusts anything but lambda.amazonaws.com;
  - a role gets a managed policy attached that is not a policy of this plan (it could not be checked).
A replicator in multi-active mode (its function's REPLICATION_MODE is multi-active, or it has a
tombstones side table) is held to
the grants that mode needs and no more, table by table: on its own table GetItem, BatchGetItem,
UpdateItem, PutItem, DeleteItem; on its own tombstones and conflicts tables GetItem, BatchGetItem,
PutItem, ConditionCheckItem; on each peer's table PutItem, UpdateItem, DeleteItem (all its writes
there are conditional: no BatchWriteItem); on each peer's tombstones ConditionCheckItem and PutItem;
nothing on any other table. Its peers are the stream tables of the module instances its `targets`
name.
The "module's own" resources are those in the same module instance as the policy; the targets are
the tables of the target-table module instances passed as the module call's `targets` (or, with a
single replicator in the plan, every table that is not its source).

--self-test runs the checker on FIXTURE (a small hand-written plan whose write statement has
Resource "*": it must fail for that reason and pass once that statement is fixed) and, with --real,
on mutations of a real plan, each of which must fail with the expected error.
"""

import argparse
import copy
import json
import re
import sys

sys.dont_write_bytecode = True
import tfplan  # noqa: E402

STREAM_READ = {"dynamodb:describestream", "dynamodb:getrecords", "dynamodb:getsharditerator"}
LIST_STREAMS = {"dynamodb:liststreams"}
WRITE = {"dynamodb:batchwriteitem", "dynamodb:putitem", "dynamodb:deleteitem"}
SQS = {"sqs:sendmessage"}
LOGS = {"logs:createlogstream", "logs:putlogevents"}
KMS = {"kms:decrypt", "kms:encrypt", "kms:generatedatakey", "kms:describekey"}
TRUST = {"sts:assumerole"}
# Multi-active's item actions, and which of them each kind of table gets.
ITEM = WRITE | {"dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:updateitem", "dynamodb:conditioncheckitem"}
MULTI_ACTIVE_GRANTS = {
    "local": {"dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:updateitem", "dynamodb:putitem", "dynamodb:deleteitem"},
    "local side": {"dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:putitem", "dynamodb:conditioncheckitem"},
    "peer": {"dynamodb:putitem", "dynamodb:updateitem", "dynamodb:deleteitem"},
    "peer tombstones": {"dynamodb:conditioncheckitem", "dynamodb:putitem"},
}
SIDE_SUFFIXES = ("-replicator-tombstones", "-replicator-conflicts")
ALLOWED = STREAM_READ | LIST_STREAMS | ITEM | SQS | LOGS | KMS  # plus TRUST, in trust policies only

# type -> attributes holding a policy document, and whether it is a trust policy
DOCUMENT_ATTRIBUTES = {
    "aws_iam_role_policy": [("policy", "permissions")],
    "aws_iam_policy": [("policy", "permissions")],
    "aws_iam_user_policy": [("policy", "permissions")],
    "aws_iam_group_policy": [("policy", "permissions")],
    "aws_iam_role": [("assume_role_policy", "trust")],
}


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Table:
    def __init__(self, module, address, name, arn, stream, kms_key):
        self.module, self.address, self.name, self.arn, self.stream, self.kms_key = module, address, name, arn, stream, kms_key


def collect_tables(plan):
    """Every DynamoDB table the plan creates or reads, with its ARN built the way AWS forms it."""
    tables = []
    seen = set()
    entries = [(m, r) for m, r in tfplan.planned_resources(plan) if r.get("mode") == "managed"]
    entries += [(m, r) for m, r in tfplan.prior_resources(plan) if r.get("mode") == "data"]
    for module, r in entries:
        if r.get("type") != "aws_dynamodb_table" or r["address"] in seen:
            continue
        seen.add(r["address"])
        v = r.get("values", {})
        arn = v.get("arn") if isinstance(v.get("arn"), str) and v.get("arn") else None
        if arn is None:
            region = tfplan.region_of(plan, module, r)
            account = tfplan.account_of(plan, module)
            if region and account and v.get("name"):
                arn = f"arn:{tfplan.partition_of(plan, module)}:dynamodb:{region}:{account}:table/{v['name']}"
        stream = bool(v.get("stream_enabled"))
        sse = as_list(v.get("server_side_encryption"))
        kms = sse[0].get("kms_key_arn") if sse and isinstance(sse[0], dict) else None
        tables.append(Table(module, r["address"], v.get("name"), arn, stream, kms))
    return tables


class Context:
    """What a policy in one module instance may name: that module's own resources and its targets."""

    def __init__(self, plan, module, tables, contexts_count):
        self.module = module
        self.errors = []
        own = [(m, r) for m, r in tfplan.planned_resources(plan) if m == module and r.get("mode") == "managed"]
        self.queue_arns, self.log_group_arns, self.kms_keys = set(), set(), set()
        self.multi_active = False
        account = tfplan.account_of(plan, module)
        partition = tfplan.partition_of(plan, module)
        for _, r in own:
            v = r.get("values", {})
            region = tfplan.region_of(plan, module, r)
            if r["type"] == "aws_sqs_queue":
                if v.get("name") and region and account:
                    self.queue_arns.add(f"arn:{partition}:sqs:{region}:{account}:{v['name']}")
                if isinstance(v.get("kms_master_key_id"), str):
                    self.kms_keys.add(v["kms_master_key_id"])
            elif r["type"] == "aws_cloudwatch_log_group":
                if v.get("name") and region and account:
                    self.log_group_arns.add(f"arn:{partition}:logs:{region}:{account}:log-group:{v['name']}")
            elif r["type"] == "aws_lambda_function":
                env = as_list(v.get("environment"))
                variables = (env[0] or {}).get("variables") if env and isinstance(env[0], dict) else None
                self.multi_active |= isinstance(variables, dict) and variables.get("REPLICATION_MODE") == "multi-active"
        # The function's environment is unknown at plan time (it holds the queue's URL); a
        # multi-active replica is also known by its side tables, named after its table.
        self.multi_active |= any(t.module == module and (t.name or "").endswith(SIDE_SUFFIXES[0]) for t in tables)
        # The source: the table beside the policy (created, or read as a data source); if there are
        # several, the one with a stream.
        sources = [t for t in tables if t.module == module]
        if len(sources) > 1:
            sources = [t for t in sources if t.stream]
        self.source_arn = sources[0].arn if len(sources) == 1 else None
        if len(sources) != 1:
            self.errors.append(f"{module or 'root module'}: expected exactly one source table (with a stream) beside the policy, found {len(sources)}")
        self.targets, self.targets_from = self._targets(plan, tables, contexts_count)
        self.expected_grants = self._multi_active_grants(tables, module) if self.multi_active else None
        for t in tables:
            if t.kms_key and (t.module == module or t.arn in (self.targets or [])):
                self.kms_keys.add(t.kms_key)

    def _multi_active_grants(self, tables, module):
        """{(table ARN, action)} a multi-active replicator needs, or None if its tables are not known."""
        if self.source_arn is None or self.targets is None:
            return None
        sides = sorted(t.arn for t in tables if t.module == module and t.arn != self.source_arn)
        expected_sides = sorted(self.source_arn + suffix for suffix in SIDE_SUFFIXES)
        if sides != expected_sides:
            self.errors.append(f"{module}: multi-active side tables {sides} are not {expected_sides}")
        grants = {(self.source_arn, a) for a in MULTI_ACTIVE_GRANTS["local"]}
        grants |= {(arn, a) for arn in expected_sides for a in MULTI_ACTIVE_GRANTS["local side"]}
        grants |= {(arn, a) for arn in self.targets for a in MULTI_ACTIVE_GRANTS["peer"]}
        grants |= {(arn + SIDE_SUFFIXES[0], a) for arn in self.targets for a in MULTI_ACTIVE_GRANTS["peer tombstones"]}
        return grants

    def _targets(self, plan, tables, contexts_count):
        names = tfplan.module_names(self.module)
        if names:
            parent = tfplan.parent_module_address(self.module)
            call = (tfplan.config_module(plan, parent) or {}).get("module_calls", {}).get(names[-1], {})
            expr = call.get("expressions", {}).get("targets")
            if expr is not None and "constant_value" in expr:
                return [t.get("table_arn") for t in as_list(expr["constant_value"])], "the module call's constant targets"
            if expr is not None:
                calls, indexed, others = set(), {}, []
                for ref in expr.get("references", []):
                    m = re.match(r'module\.([A-Za-z0-9_-]+)(\[[^\]]*\])?', ref)
                    if m:
                        calls.add(m.group(1))
                        if m.group(2):
                            indexed.setdefault(m.group(1), set()).add(m.group(2))
                    else:
                        others.append(ref)
                if calls and not others:
                    arns = []
                    for c in sorted(calls):
                        for instance in tfplan.module_instances_of_call(plan, parent, c):
                            key = instance[instance.rfind("module." + c) + len("module." + c):]
                            if c in indexed and key not in indexed[c]:
                                continue
                            # A multi-active peer is the replica with the stream, not its side tables.
                            arns += [t.arn for t in tables if t.module == instance and (t.stream or not self.multi_active)]
                    return arns, "the tables of " + ", ".join(f"module.{c}" for c in sorted(calls))
        if contexts_count == 1:
            return [t.arn for t in tables if t.arn != self.source_arn], "every table in the plan but the source"
        self.errors.append(f"{self.module or 'root module'}: cannot tell which tables are this replicator's targets")
        return None, None


def collect_documents(plan):
    """(address, module, kind, text or None, problem) for every policy document in the planned values."""
    docs, errors = [], []
    plan_policy_arns_unknown = False
    for module, r in tfplan.planned_resources(plan):
        if r.get("mode") != "managed":
            continue
        t, v, address = r["type"], r.get("values", {}), r["address"]
        unknown = tfplan.after_unknown(plan, address)
        for attribute, kind in DOCUMENT_ATTRIBUTES.get(t, []):
            text = v.get(attribute)
            if unknown.get(attribute) is True or not isinstance(text, str) or not text:
                errors.append(f"{address}.{attribute}: policy unknown at plan time (or empty): it cannot be checked before apply")
                continue
            docs.append((f"{address}.{attribute}", module, kind, text))
        if t == "aws_iam_role":
            inline = v.get("inline_policy")
            if isinstance(inline, list):
                for i, block in enumerate(inline):
                    text = block.get("policy") if isinstance(block, dict) else None
                    block_unknown = unknown.get("inline_policy")
                    block_unknown = block_unknown[i] if isinstance(block_unknown, list) and i < len(block_unknown) else {}
                    if (isinstance(block_unknown, dict) and block_unknown.get("policy") is True) or not text:
                        errors.append(f"{address}.inline_policy[{i}]: policy unknown at plan time (or empty)")
                    else:
                        docs.append((f"{address}.inline_policy[{i}]", module, "permissions", text))
            elif unknown.get("inline_policy") is True:
                config = tfplan.config_resource(plan, module, r) or {}
                if "inline_policy" in config.get("expressions", {}):
                    errors.append(f"{address}.inline_policy: policy unknown at plan time")
            managed = v.get("managed_policy_arns")
            if isinstance(managed, list) and managed:
                errors.append(f"{address}: managed policies attached ({', '.join(managed)}): not policies of this plan, cannot be checked")
        if t in ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_role_policies_exclusive"):
            arn = v.get("policy_arn")
            if isinstance(arn, str):
                errors.append(f"{address}: attaches {arn}, which is not a policy of this plan and cannot be checked")
            else:
                plan_policy_arns_unknown = True
    if plan_policy_arns_unknown and not any(r["type"] == "aws_iam_policy" for _, r in tfplan.planned_resources(plan)):
        errors.append("a policy attachment names a policy unknown at plan time that is not an aws_iam_policy of this plan")
    return docs, errors


def check_statement(address, kind, index, st, ctx, report):
    errors = []
    sid = st.get("Sid") or f"#{index}"
    where = f"{address} statement {sid}"
    for bad in ("NotAction", "NotResource", "NotPrincipal"):
        if bad in st:
            errors.append(f"{where}: uses {bad}, which grants by exclusion")
    effect = st.get("Effect")
    actions = as_list(st.get("Action"))
    resources = as_list(st.get("Resource"))
    if effect == "Deny":
        report.append(f"  {sid}: Deny {actions} (takes permissions away; not restricted)")
        return errors
    if effect != "Allow":
        errors.append(f"{where}: Effect {effect!r} is neither Allow nor Deny")
    if not actions:
        errors.append(f"{where}: no Action")
    lowered = set()
    for action in actions:
        if not isinstance(action, str):
            errors.append(f"{where}: action {action!r} is not a string")
            continue
        a = action.lower()
        lowered.add(a)
        if "*" in a or "?" in a:
            errors.append(f"{where}: wildcard action {action}")
        elif kind == "trust":
            if a not in TRUST:
                errors.append(f"{where}: action {action} in a trust policy (only sts:AssumeRole belongs there)")
        elif a in TRUST:
            errors.append(f"{where}: sts:AssumeRole is for the trust policy only")
        elif a not in ALLOWED:
            errors.append(f"{where}: action {action} is not on the allowed list")

    if kind == "trust":
        principal = st.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) else None
        if not isinstance(principal, dict) or set(principal) != {"Service"} or set(as_list(services)) != {"lambda.amazonaws.com"}:
            errors.append(f"{where}: trusts {json.dumps(principal)}; only the Lambda service (lambda.amazonaws.com) may assume the role")
        if resources:
            errors.append(f"{where}: a trust policy statement takes no Resource")
        report.append(f"  {sid}: {sorted(actions)} by {json.dumps(principal)}")
        return errors

    if not resources:
        errors.append(f"{where}: no Resource")
    if "*" in resources:
        if lowered != LIST_STREAMS:
            errors.append(f'{where}: Resource "*" on {sorted(actions)} (only a statement whose single action is dynamodb:ListStreams may use "*")')
        elif resources != ["*"]:
            errors.append(f'{where}: ListStreams mixes "*" with other resources')
    for r in resources:
        if not isinstance(r, str):
            errors.append(f"{where}: resource {r!r} is not a string")
            continue
        # Wildcards only where they stand for the parts below an exact resource: a table's
        # streams (<table>/stream/*) and a log group's streams (<group>:* or <group>:log-stream:*).
        stem = r.split("/stream/")[0] if "/stream/" in r else r.removesuffix(":log-stream:*").removesuffix(":*")
        if r != "*" and re.search(r"[*?]", stem):
            errors.append(f"{where}: wildcard resource {r}")

    if lowered & STREAM_READ:
        if ctx.source_arn is None:
            errors.append(f"{where}: stream reads, but no source table is known")
        for r in resources:
            if not (isinstance(r, str) and ctx.source_arn and r.startswith(ctx.source_arn + "/stream/")):
                errors.append(f"{where}: stream read on {r}, which is not under the source table's ARN {ctx.source_arn}/stream/")
    if lowered & LIST_STREAMS and resources != ["*"]:
        for r in resources:
            if not (ctx.source_arn and isinstance(r, str) and (r == ctx.source_arn or r.startswith(ctx.source_arn + "/"))):
                errors.append(f"{where}: ListStreams on {r}, neither \"*\" nor the source table")
    if ctx is not None and ctx.multi_active:
        pass  # item actions are compared table by table with what multi-active needs, in check()
    elif lowered & (ITEM - WRITE):
        errors.append(f"{where}: {sorted(lowered & (ITEM - WRITE))}: a one-way replicator only writes its targets")
    elif lowered & WRITE:
        if ctx.targets is None:
            errors.append(f"{where}: writes, but the targets are unknown")
        elif set(resources) != set(ctx.targets) or len(resources) != len(set(resources)):
            errors.append(f"{where}: write resources {sorted(map(str, resources))} are not exactly the target tables {sorted(map(str, ctx.targets))}")
    if lowered & SQS:
        if set(resources) != ctx.queue_arns:
            errors.append(f"{where}: sqs:SendMessage on {sorted(map(str, resources))}, not exactly the module's own queues {sorted(ctx.queue_arns)}")
    if lowered & LOGS:
        allowed = set()
        for arn in ctx.log_group_arns:
            allowed |= {arn, arn + ":*", arn + ":log-stream:*"}
        for r in resources:
            if r not in allowed:
                errors.append(f"{where}: logs on {r}, not the module's own log group {sorted(ctx.log_group_arns)}")
    if lowered & KMS:
        for r in resources:
            if r not in ctx.kms_keys:
                errors.append(f"{where}: kms on {r}, not a customer key of the module's tables or queues {sorted(ctx.kms_keys)}")
    report.append(f"  {sid}: {sorted(actions)} on {resources}")
    return errors


def check(plan):
    """Returns (errors, report lines)."""
    docs, errors = collect_documents(plan)
    report = []
    tables = collect_tables(plan)
    permission_modules = sorted({m for _, m, kind, _ in docs if kind == "permissions"})
    contexts = {m: Context(plan, m, tables, len(permission_modules)) for m in permission_modules}
    for ctx in contexts.values():
        errors += ctx.errors
        report.append(f"{ctx.module or 'root module'}: source {ctx.source_arn}; targets ({ctx.targets_from}) {ctx.targets}; "
                      f"queues {sorted(ctx.queue_arns)}; log groups {sorted(ctx.log_group_arns)}; kms keys {sorted(ctx.kms_keys) or 'none'}")
        table_arns = {t.arn for t in tables}
        for arn in ctx.targets or []:
            if arn not in table_arns:
                errors.append(f"{ctx.module}: target {arn} is not a table of this plan")
    for address, module, kind, text in docs:
        try:
            doc = json.loads(text)
        except ValueError as e:
            errors.append(f"{address}: not JSON ({e})")
            continue
        statements = as_list(doc.get("Statement"))
        if not statements:
            errors.append(f"{address}: no statements")
        report.append(f"{address} ({kind}, {len(statements)} statements)")
        granted, item_grants = set(), set()
        for i, st in enumerate(statements):
            if not isinstance(st, dict):
                errors.append(f"{address}: statement #{i} is not an object")
                continue
            errors += check_statement(address, kind, i, st, contexts.get(module), report)
            if st.get("Effect") == "Allow":
                actions = {a.lower() for a in as_list(st.get("Action")) if isinstance(a, str)}
                granted |= actions
                item_grants |= {(r, a) for a in actions & ITEM for r in as_list(st.get("Resource")) if isinstance(r, str)}
        # A replicator's role needs every one of these; a missing one would also make the checks above vacuous.
        ctx = contexts.get(module)
        if kind == "permissions" and ctx is not None and ctx.source_arn is not None:
            for needed in sorted(STREAM_READ | LIST_STREAMS | SQS | LOGS | (set() if ctx.multi_active else WRITE)):
                if needed not in granted:
                    errors.append(f"{address}: the replicator's policy does not grant {needed}")
        if kind == "permissions" and ctx is not None and ctx.multi_active:
            if ctx.expected_grants is None:
                errors.append(f"{address}: multi-active, but its tables or peers are unknown")
            else:
                for r, a in sorted(item_grants - ctx.expected_grants):
                    errors.append(f"{address}: grants {a} on {r}, beyond what multi-active needs there")
                for r, a in sorted(ctx.expected_grants - item_grants):
                    errors.append(f"{address}: multi-active needs {a} on {r}, which is not granted")
    if not docs:
        errors.append("no IAM policy documents in the plan: nothing was checked")
    return errors, report


# ---- self-test -----------------------------------------------------------------------------------

def _documents(plan, resource_type):
    for _, r in tfplan.planned_resources(plan):
        if r.get("type") == resource_type:
            yield r


def _edit_statement(plan, action, edit, resource_type="aws_iam_role_policy", attribute="policy"):
    """Applies edit(statement) to the first statement granting `action` in the plan's first policy of that type."""
    for r in _documents(plan, resource_type):
        doc = json.loads(r["values"][attribute])
        for st in as_list(doc["Statement"]):
            if action.lower() in {a.lower() for a in as_list(st.get("Action"))}:
                edit(st)
                r["values"][attribute] = json.dumps(doc)
                return plan
    raise AssertionError(f"self-test: no statement grants {action}")


def _make_unknown(plan):
    for r in _documents(plan, "aws_iam_role_policy"):
        del r["values"]["policy"]
        for rc in plan.get("resource_changes", []):
            if rc["address"] == r["address"]:
                rc["change"].setdefault("after_unknown", {})["policy"] = True
        return plan
    raise AssertionError("self-test: no aws_iam_role_policy")


def _remove_statement(plan, action):
    for r in _documents(plan, "aws_iam_role_policy"):
        doc = json.loads(r["values"]["policy"])
        doc["Statement"] = [st for st in as_list(doc["Statement"]) if action not in as_list(st.get("Action"))]
        r["values"]["policy"] = json.dumps(doc)
        return plan
    raise AssertionError("self-test: no aws_iam_role_policy")


def _foreign(arn, name):
    return arn.rsplit(":", 1)[0] + ":" + name


def real_plan_mutations(plan):
    """(description, mutated plan, substring the failure must contain)."""
    def queue_arn(p):
        for r in _documents(p, "aws_iam_role_policy"):
            for st in as_list(json.loads(r["values"]["policy"])["Statement"]):
                if "sqs:SendMessage" in as_list(st.get("Action")):
                    return as_list(st["Resource"])[0]
        raise AssertionError("self-test: no sqs statement")

    cases = [
        ('Resource "*" on the write statement', lambda st: st.update(Resource="*"), "dynamodb:PutItem", 'Resource "*"'),
        ("dynamodb:Scan added to the write statement", lambda st: st.update(Action=as_list(st["Action"]) + ["dynamodb:Scan"]), "dynamodb:PutItem", "not on the allowed list"),
        ("dynamodb:* instead of the write actions", lambda st: st.update(Action="dynamodb:*"), "dynamodb:PutItem", "wildcard action"),
        ("a second table added to the write statement", lambda st: st.update(Resource=as_list(st["Resource"]) + ["arn:aws:dynamodb:us-west-2:123456789012:table/other"]), "dynamodb:PutItem", "not exactly the target tables"),
        ("write statement without its target", lambda st: st.update(Resource=["arn:aws:dynamodb:us-west-2:123456789012:table/other"]), "dynamodb:PutItem", "not exactly the target tables"),
        ("stream reads on another table", lambda st: st.update(Resource="arn:aws:dynamodb:us-east-1:123456789012:table/other/stream/*"), "dynamodb:GetRecords", "not under the source table"),
        ("stream reads on every table's stream", lambda st: st.update(Resource="arn:aws:dynamodb:us-east-1:123456789012:table/*"), "dynamodb:GetRecords", "not under the source table"),
        ("ListStreams together with GetRecords on \"*\"", lambda st: st.update(Action=["dynamodb:ListStreams", "dynamodb:GetRecords"]), "dynamodb:ListStreams", 'Resource "*"'),
        ("sqs:SendMessage to every queue", lambda st: st.update(Resource="*"), "sqs:SendMessage", 'Resource "*"'),
        ("logs on every log group", lambda st: st.update(Resource="arn:aws:logs:us-east-1:123456789012:log-group:*"), "logs:PutLogEvents", "not the module's own log group"),
        ("sts:AssumeRole in the permissions policy", lambda st: st.update(Action=as_list(st["Action"]) + ["sts:AssumeRole"]), "logs:PutLogEvents", "trust policy only"),
        ("NotResource instead of Resource", lambda st: st.update(NotResource=st.pop("Resource")), "logs:PutLogEvents", "NotResource"),
    ]
    out = []
    for description, edit, action, expected in cases:
        out.append((description, _edit_statement(copy.deepcopy(plan), action, edit), expected))
    foreign_queue = copy.deepcopy(plan)
    arn = queue_arn(foreign_queue)
    out.append(("sqs:SendMessage to someone else's queue",
                _edit_statement(foreign_queue, "sqs:SendMessage", lambda st: st.update(Resource=[_foreign(arn, "someone-elses-queue")])),
                "not exactly the module's own queues"))
    out.append(("trust policy open to every principal",
                _edit_statement(copy.deepcopy(plan), "sts:AssumeRole", lambda st: st.update(Principal={"AWS": "*"}), "aws_iam_role", "assume_role_policy"),
                "only the Lambda service"))
    out.append(("policy unknown at plan time", _make_unknown(copy.deepcopy(plan)), "unknown at plan time"))
    out.append(("the write statement removed", _remove_statement(copy.deepcopy(plan), "dynamodb:PutItem"), "does not grant dynamodb:putitem"))
    return out


def multi_active_mutations(plan):
    """(description, mutated plan, substring the failure must contain) for a multi-active plan."""
    cases = [
        ("BatchWriteItem (unconditional) on the peers", "dynamodb:UpdateItem", "PeerReplicasConditionalWrites",
         lambda st: st.update(Action=as_list(st["Action"]) + ["dynamodb:BatchWriteItem"]), "beyond what multi-active needs"),
        ("GetItem on the peers", "dynamodb:UpdateItem", "PeerReplicasConditionalWrites",
         lambda st: st.update(Action=as_list(st["Action"]) + ["dynamodb:GetItem"]), "beyond what multi-active needs"),
        ("UpdateItem on the local side tables", "dynamodb:ConditionCheckItem", "LocalSideTables",
         lambda st: st.update(Action=as_list(st["Action"]) + ["dynamodb:UpdateItem"]), "beyond what multi-active needs"),
        ("the peers' conflicts tables written", "dynamodb:ConditionCheckItem", "PeerTombstones",
         lambda st: st.update(Resource=as_list(st["Resource"]) + [r.replace("-tombstones", "-conflicts") for r in as_list(st["Resource"])]), "beyond what multi-active needs"),
        ("ConditionCheckItem taken from the peers' tombstones", "dynamodb:ConditionCheckItem", "PeerTombstones",
         lambda st: st.update(Action=["dynamodb:PutItem"]), "which is not granted"),
        ("a foreign table beside the local one", "dynamodb:GetItem", "LocalReplica",
         lambda st: st.update(Resource=as_list(st["Resource"]) + ["arn:aws:dynamodb:us-east-1:123456789012:table/other"]), "beyond what multi-active needs"),
        ('Resource "*" on the local table', "dynamodb:GetItem", "LocalReplica", lambda st: st.update(Resource="*"), 'Resource "*"'),
        ("dynamodb:* on the peers", "dynamodb:UpdateItem", "PeerReplicasConditionalWrites", lambda st: st.update(Action="dynamodb:*"), "wildcard action"),
    ]
    out = []
    for description, action, sid, edit, expected in cases:
        def only(st, edit=edit, sid=sid):
            if st.get("Sid") != sid:
                raise AssertionError(f"self-test: the first statement granting the action is {st.get('Sid')}, not {sid}")
            edit(st)
        out.append((f"multi-active: {description}", _edit_statement_sid(copy.deepcopy(plan), sid, only), expected))
    return out


def _edit_statement_sid(plan, sid, edit):
    """Applies edit(statement) to the statement with that Sid in the plan's first replicator policy."""
    for r in _documents(plan, "aws_iam_role_policy"):
        doc = json.loads(r["values"]["policy"])
        for st in as_list(doc["Statement"]):
            if st.get("Sid") == sid:
                edit(st)
                r["values"]["policy"] = json.dumps(doc)
                return plan
    raise AssertionError(f"self-test: no statement {sid}")


def is_multi_active(plan):
    return any(r.get("type") == "aws_dynamodb_table" and (r.get("values", {}).get("name") or "").endswith(SIDE_SUFFIXES[0])
               for _, r in tfplan.planned_resources(plan))


def self_test(fixture_path, real_path):
    failures = []

    def expect_failure(description, plan, expected):
        errors, _ = check(plan)
        if not any(expected in e for e in errors):
            failures.append(f"{description}: expected an error containing {expected!r}, got {errors or 'none (it passed)'}")
        else:
            print(f"  ok: fails on {description}: {next(e for e in errors if expected in e)}")

    if fixture_path:
        fixture = tfplan.load(fixture_path)
        expect_failure(f"{fixture_path} (PutItem on Resource \"*\")", copy.deepcopy(fixture), 'Resource "*"')
        fixed = _edit_statement(copy.deepcopy(fixture), "dynamodb:PutItem",
                                lambda st: st.update(Resource=["arn:aws:dynamodb:us-west-2:123456789012:table/users"]))
        errors, _ = check(fixed)
        if errors:
            failures.append(f"the fixture with its write statement fixed should pass, but: {errors}")
        else:
            print("  ok: the fixture passes once its write statement names the target table only")
    if real_path:
        real = tfplan.load(real_path)
        errors, _ = check(real)
        if errors:
            failures.append(f"the real plan {real_path} itself fails: {errors}")
        for description, plan, expected in (multi_active_mutations(real) if is_multi_active(real) else real_plan_mutations(real)):
            expect_failure(f"the real plan with {description}", plan, expected)
    if failures:
        print("check_iam self-test FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("check_iam self-test passed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("plan", nargs="?", help="terraform show -json of a saved plan")
    parser.add_argument("--self-test", metavar="FIXTURE")
    parser.add_argument("--real", metavar="PLAN", help="self-test on mutations of this real plan (with or without --self-test)")
    args = parser.parse_args()
    if args.self_test or args.real:
        return self_test(args.self_test, args.real)
    if not args.plan:
        parser.error("give a plan JSON, or --self-test FIXTURE")
    errors, report = check(tfplan.load(args.plan))
    print(f"check_iam: {args.plan}")
    for line in report:
        print("  " + line)
    if errors:
        print("check_iam FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print("check_iam: every policy is known at plan time, uses allowed actions only, no wildcard actions, "
          'Resource "*" on ListStreams only, writes exactly the targets, reads only the source stream, '
          "sends only to its own queues, logs only to its own log group")
    return 0


if __name__ == "__main__":
    sys.exit(main())
