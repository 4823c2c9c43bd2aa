#!/usr/bin/env python3
"""Checks each deployment's CloudWatch dashboard, as the endpoint (moto in CI) serves it.

    check_dashboard.py --source ReportLines.cs --state STATE.json --endpoint URL
    check_dashboard.py --source ReportLines.cs --state STATE.json --endpoint URL --real
    check_dashboard.py --state STATE.json --endpoint URL --gone

STATE.json is `terraform show -json` after apply. Each module instance in it with a replicator
function must have one dashboard, whose body (GetDashboard, not the state's copy) shows, in the
function's region:
  - every metric the function emits, as src/Replicator.Core/Observability/ReportLines.cs writes it:
    namespace, name and dimension names read from that source, the FunctionName dimension the
    deployed function's; a latency metric (unit Milliseconds) with a TargetRegion dimension at p50
    and at p99 for each target region of the function (REPLICATION_TARGETS). The metrics only
    multi-active emits are required in that mode (REPLICATION_MODE) and refused in one-way mode,
    where they would stay empty. A metric of that namespace the function does not emit fails too
    (a name left behind by a rename);
  - the metric of each of the deployment's alarms (namespace, name, dimensions exactly), Lambda's
    IteratorAge, Errors and Duration for the function, and both queues' depth;
  - every alarm of the deployment (its ARN from the state) in an alarm widget or annotation, and
    no alarm it does not have.
The source is parsed with regular expressions that fail loudly when they find nothing, or find a
metric they cannot place: a change to how ReportLines.cs writes metrics breaks this check rather
than passing it unread.

--real runs the check on the deployed bodies (they must pass), then on mutations of them, each of
which must fail: malformed JSON, no widgets, each emitted metric and each alarm removed in turn,
an alarm the deployment does not have, the wrong namespace, the wrong function, the wrong region,
a missing p99, a metric the function does not emit, metrics flattened into one array, in one-way
mode a conflicts widget; and on broken sources (no metrics, an unplaced metric), which must be refused.
--gone checks after `terraform destroy` that the dashboards in STATE.json no longer exist.
"""

import argparse
import copy
import json
import re
import sys

import boto3
from botocore.exceptions import ClientError

sys.dont_write_bytecode = True
import tfplan  # noqa: E402

MODES = ("one-way", "multi-active")
# Written outside the one-way / multi-active ternary of MetricLines, yet only ever non-zero in
# multi-active mode: the conflicts a batch found (one-way has none). Checked against the source.
MULTI_ACTIVE_ONLY_OUTSIDE_THE_TERNARY = {"ConflictsResolved"}
# AWS's own metrics of a deployment the dashboard must show besides its alarms' (namespace, name, dimension).
AWS_FUNCTION_METRICS = [("AWS/Lambda", "IteratorAge"), ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Duration")]
QUEUE_METRIC = ("AWS/SQS", "ApproximateNumberOfMessagesVisible")

_TUPLE = re.compile(r'(?<!\w)\(\s*"(\w+)"\s*,\s*"(\w+)"\s*\)')


class SourceError(Exception):
    pass


# ---- what the function emits, from ReportLines.cs -------------------------------------------------

def emitted_metrics(text, path="ReportLines.cs"):
    """(namespace, {metric: {"unit", "dimensions" (frozenset), "modes" (frozenset)}}) from the C# source."""
    def fail(what):
        raise SourceError(f"{path}: {what}; check_dashboard.py reads the metrics from there and must be updated with it")

    ns = re.search(r'MetricNamespace\s*=\s*"([^"]+)"', text)
    if not ns:
        fail("no MetricNamespace = \"...\" constant")
    # `string[] latency = functionName is null ? [...] : ["FunctionName", "TargetRegion"];`: the
    # dimensions as the Lambda host writes them (it always passes the function name).
    dimension_sets = {m.group(1): frozenset(re.findall(r'"(\w+)"', m.group(2))) for m in re.finditer(
        r'string\[\]\s+(\w+)\s*=\s*functionName is null\s*\?\s*\[[^\]]*\]\s*:\s*\[([^\]]*)\]\s*;', text)}
    if not dimension_sets:
        fail("no `string[] NAME = functionName is null ? [...] : [...];` dimension sets")
    ternary = re.search(r'report\.MultiActive is null\s*\?\s*\[(.*?)\]\s*:\s*\[(.*?)\]\s*;', text, re.S)
    if not ternary:
        fail("no `report.MultiActive is null ? [...] : [...];` list of the count metrics")
    one_way = dict(_TUPLE.findall(ternary.group(1)))
    both = dict(_TUPLE.findall(ternary.group(2)))
    if not one_way or not set(one_way) <= set(both):
        fail(f"the count metrics' ternary lists {sorted(one_way)} (one-way) and {sorted(both)} (multi-active) are not one within the other")

    metrics = {}
    calls = list(re.finditer(r'WriteMetadata\(\s*writer\s*,\s*timestamp\s*,\s*(\w+)\s*,\s*(.*?)\)\s*;', text))
    if not calls:
        fail("no WriteMetadata(writer, timestamp, DIMENSIONS, METRICS) call")
    for call in calls:
        dims_name, args = call.group(1), call.group(2).strip()
        if dims_name not in dimension_sets:
            fail(f"WriteMetadata with dimensions {dims_name!r}, which is not one of {sorted(dimension_sets)}")
        if re.fullmatch(r'\w+', args):
            written = {name: (unit, MODES if name in one_way else ("multi-active",)) for name, unit in both.items()}
        else:
            tuples = _TUPLE.findall(args)
            if not tuples:
                fail(f"WriteMetadata(..., {dims_name}, {args}) names no (\"Metric\", \"Unit\") pair")
            written = {name: (unit, ("multi-active",) if name in MULTI_ACTIVE_ONLY_OUTSIDE_THE_TERNARY else MODES) for name, unit in tuples}
        for name, (unit, modes) in written.items():
            metrics[name] = {"unit": unit, "dimensions": dimension_sets[dims_name], "modes": frozenset(modes)}

    placed = set(metrics)
    every_pair = {name for name, _ in _TUPLE.findall(text)}
    if every_pair - placed:
        fail(f"metrics {sorted(every_pair - placed)} are named but not written through a WriteMetadata call this check understands")
    if MULTI_ACTIVE_ONLY_OUTSIDE_THE_TERNARY - placed:
        fail(f"{sorted(MULTI_ACTIVE_ONLY_OUTSIDE_THE_TERNARY - placed)} (held to multi-active mode by this check) is no longer emitted")
    return ns.group(1), metrics


# ---- the deployments, from terraform state -------------------------------------------------------

def deployments(state):
    """One entry per module instance with a replicator function: what its dashboard must show."""
    by_module = {}
    for module, r in tfplan.walk(state.get("values", {}).get("root_module", {}), ""):
        if r.get("mode") == "managed":
            by_module.setdefault(module, []).append(r)
    found = []
    for module, resources in sorted(by_module.items()):
        def of(t):
            return [r["values"] for r in resources if r["type"] == t]
        functions = of("aws_lambda_function")
        if not functions:
            continue
        fn = functions[0]
        env = ((fn.get("environment") or [{}])[0].get("variables")) or {}
        found.append({
            "module": module or "(root)",
            "function": fn["function_name"],
            "region": fn["arn"].split(":")[3],
            "mode": env.get("REPLICATION_MODE", "one-way"),
            "target_regions": sorted({arn.split(":")[3] for arn in env.get("REPLICATION_TARGETS", "").split(",") if arn}),
            "queues": sorted(q["name"] for q in of("aws_sqs_queue")),
            "alarms": sorted(({"name": a["alarm_name"], "arn": a["arn"], "namespace": a["namespace"], "metric": a["metric_name"],
                               "dimensions": a.get("dimensions") or {}} for a in of("aws_cloudwatch_metric_alarm")), key=lambda a: a["name"]),
            "dashboards": [d["dashboard_name"] for d in of("aws_cloudwatch_dashboard")],
        })
    return found


# ---- what a dashboard body shows -------------------------------------------------------------------

def _search_metrics(expression):
    """SEARCH('{Namespace,Dim1,Dim2} MetricName="X" Dim1="v"', 'Sum', 60) -> metrics (dimensions fixed or None)."""
    found = []
    for m in re.finditer(r"SEARCH\(\s*'([^']*)'\s*(?:,\s*'(\w+)')?", expression):
        schema = re.match(r'\s*\{([^}]*)\}(.*)', m.group(1))
        if not schema:
            continue
        parts = [p.strip().strip('"') for p in schema.group(1).split(",")]
        terms = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', schema.group(2)))
        if "MetricName" in terms and parts:
            found.append({"namespace": parts[0], "name": terms["MetricName"], "dimensions": {d: terms.get(d) for d in parts[1:]},
                          "stat": m.group(2)})
    return found


def read_body(text):
    """(errors, metrics, alarm ARNs). A metric: widget title, region, namespace, name, dimensions, stat."""
    errors, metrics, alarms = [], [], []
    try:
        body = json.loads(text)
    except ValueError as e:
        return [f"the dashboard body is not valid JSON: {e}"], [], []
    widgets = body.get("widgets") if isinstance(body, dict) else None
    if not isinstance(widgets, list):
        return ["the dashboard body has no \"widgets\" array"], [], []
    for i, w in enumerate(widgets):
        props = w.get("properties") if isinstance(w, dict) else None
        if not isinstance(props, dict):
            errors.append(f"widget {i} has no properties object")
            continue
        title = props.get("title") or f"widget {i}"
        if w.get("type") == "alarm":
            alarms += props.get("alarms") or []
            continue
        if w.get("type") != "metric":
            continue
        alarms += (props.get("annotations") or {}).get("alarms") or []
        for entry in props.get("metrics") or []:
            if not isinstance(entry, list) or not entry:
                errors.append(f"widget {title!r}: metrics entry {entry!r} is not an array [namespace, name, dimension, value, ..., {{options}}]")
                continue
            options = entry[-1] if isinstance(entry[-1], dict) else {}
            parts = entry[:-1] if isinstance(entry[-1], dict) else entry
            base = {"widget": title, "region": options.get("region", props.get("region")), "stat": options.get("stat", props.get("stat", "Average"))}
            if not parts:
                if "expression" not in options:
                    errors.append(f"widget {title!r}: metrics entry {entry!r} is neither a metric nor an expression")
                for found in _search_metrics(options.get("expression", "")):
                    metrics.append({**base, **found, "stat": found["stat"] or base["stat"]})
                continue
            if len(parts) < 2 or len(parts) % 2 or not all(isinstance(p, str) for p in parts):
                errors.append(f"widget {title!r}: metric {entry!r} is not [namespace, name, dimension, value, ..., {{options}}]")
                continue
            metrics.append({**base, "namespace": parts[0], "name": parts[1], "dimensions": dict(zip(parts[2::2], parts[3::2]))})
    return errors, metrics, alarms


# ---- the check ------------------------------------------------------------------------------------

def _describe(namespace, name, dimensions):
    return f"{namespace}/{name} {{{', '.join(f'{k}={v or chr(42)}' for k, v in sorted(dimensions.items()))}}}"


def check(text, deployment, namespace, emitted):
    """Errors of one dashboard body for one deployment (empty: it shows what it must)."""
    errors, shown, alarms = read_body(text)
    if errors and not shown:
        return errors
    region, fn, mode = deployment["region"], deployment["function"], deployment["mode"]
    where = f"dashboard of {deployment['module']} ({fn}, {region}, {mode})"

    for m in shown:
        if m["region"] != region:
            errors.append(f"{where}: widget {m['widget']!r} shows region {m['region']!r}, but the deployment is in {region}")
        if m["namespace"] == namespace:
            if m["name"] not in emitted:
                errors.append(f"{where}: widget {m['widget']!r} shows {namespace}/{m['name']}, which the function does not emit (ReportLines.cs emits {', '.join(sorted(emitted))})")
            if m["dimensions"].get("FunctionName") != fn:
                errors.append(f"{where}: widget {m['widget']!r} shows {namespace}/{m['name']} for FunctionName={m['dimensions'].get('FunctionName')!r}, not {fn}")
            elif m["name"] in emitted and mode not in emitted[m["name"]]["modes"]:
                errors.append(f"{where}: widget {m['widget']!r} shows {m['name']}, which only multi-active emits: always empty in {mode} mode")
    here = [m for m in shown if m["region"] == region]

    def matching(ns, name, dimensions, stat=None):
        """Shown metrics of exactly these dimension names whose fixed values agree (a SEARCH's free dimensions match any value)."""
        return [m for m in here if m["namespace"] == ns and m["name"] == name and set(m["dimensions"]) == set(dimensions)
                and all(m["dimensions"][k] in (v, None) for k, v in dimensions.items() if v is not None)
                and (stat is None or m["stat"] == stat)]

    for name, spec in sorted(emitted.items()):
        if mode not in spec["modes"]:
            continue
        dimensions = {d: (fn if d == "FunctionName" else None) for d in spec["dimensions"]}
        if not any(m["namespace"] == namespace and m["name"] == name and set(m["dimensions"]) == spec["dimensions"]
                   and m["dimensions"].get("FunctionName") == fn for m in here):
            errors.append(f"{where}: missing metric {_describe(namespace, name, dimensions)} (ReportLines.cs emits it)")
            continue
        if spec["unit"] == "Milliseconds" and "TargetRegion" in spec["dimensions"]:
            for target in deployment["target_regions"]:
                for stat in ("p50", "p99"):
                    if not matching(namespace, name, {**dimensions, "TargetRegion": target}, stat):
                        errors.append(f"{where}: missing {stat} of {name} for TargetRegion={target}")

    required = [(ns, name, {"FunctionName": fn}) for ns, name in AWS_FUNCTION_METRICS]
    required += [(*QUEUE_METRIC, {"QueueName": q}) for q in deployment["queues"]]
    required += [(a["namespace"], a["metric"], a["dimensions"]) for a in deployment["alarms"]]
    for ns, name, dimensions in required:
        if not any(m["namespace"] == ns and m["name"] == name and m["dimensions"] == dimensions for m in here):
            errors.append(f"{where}: missing metric {_describe(ns, name, dimensions)}")

    listed = set(alarms)
    for a in deployment["alarms"]:
        if a["arn"] not in listed:
            errors.append(f"{where}: alarm {a['name']} ({a['arn']}) is not on the dashboard")
    for arn in sorted(listed - {a["arn"] for a in deployment["alarms"]}):
        errors.append(f"{where}: the dashboard shows alarm {arn}, which this deployment does not have")
    if not deployment["alarms"]:
        errors.append(f"{where}: the state holds no alarms for it: nothing to check them against")
    return errors


# ---- the endpoint --------------------------------------------------------------------------------

def cloudwatch(endpoint, region):
    return boto3.client("cloudwatch", endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def fetch_bodies(endpoint, found):
    """(errors, [(deployment, dashboard name, body)])."""
    errors, bodies = [], []
    for d in found:
        if len(d["dashboards"]) != 1:
            errors.append(f"{d['module']}: expected one dashboard in the state, found {d['dashboards']}")
            continue
        name = d["dashboards"][0]
        try:
            body = cloudwatch(endpoint, d["region"]).get_dashboard(DashboardName=name)["DashboardBody"]
        except ClientError as e:
            errors.append(f"{d['module']}: dashboard {name} not found in {d['region']}: {e}")
            continue
        bodies.append((d, name, body))
    return errors, bodies


# ---- self-test -----------------------------------------------------------------------------------

def _edit(text, edit):
    body = json.loads(text)
    edit(body)
    return json.dumps(body)


def _metric_entries(body):
    """(widget properties, entry) for every metrics entry of every metric widget."""
    for w in body["widgets"]:
        if w.get("type") == "metric":
            for entry in w["properties"].get("metrics", []):
                yield w["properties"], entry


def _remove_metric(name):
    def edit(body):
        for w in body["widgets"]:
            if w.get("type") == "metric":
                w["properties"]["metrics"] = [e for e in w["properties"]["metrics"] if not (len(e) > 1 and e[1] == name) and not (
                    isinstance(e[0], dict) and f'MetricName="{name}"' in e[0].get("expression", ""))]
    return edit


def _remove_dimension_value(namespace, name, value):
    def edit(body):
        for w in body["widgets"]:
            if w.get("type") == "metric":
                w["properties"]["metrics"] = [e for e in w["properties"]["metrics"] if not (len(e) > 2 and e[0] == namespace and e[1] == name and value in e)]
    return edit


def _remove_alarm(arn):
    def edit(body):
        for w in body["widgets"]:
            props = w["properties"]
            if w.get("type") == "alarm":
                props["alarms"] = [a for a in props["alarms"] if a != arn]
            if "annotations" in props and "alarms" in props["annotations"]:
                props["annotations"]["alarms"] = [a for a in props["annotations"]["alarms"] if a != arn]
    return edit


def _add_alarm(arn):
    def edit(body):
        next(w for w in body["widgets"] if w.get("type") == "alarm")["properties"]["alarms"].append(arn)
    return edit


def _rename_namespace(old, new):
    def edit(body):
        for _, e in _metric_entries(body):
            if e and e[0] == old:
                e[0] = new
            elif e and isinstance(e[0], dict) and "expression" in e[0]:
                e[0]["expression"] = e[0]["expression"].replace("{" + old + ",", "{" + new + ",")
    return edit


def _other_function(namespace, fn):
    def edit(body):
        for _, e in _metric_entries(body):
            if e and e[0] == namespace:
                e[e.index(fn)] = fn + "-other"
            elif e and isinstance(e[0], dict):
                e[0]["expression"] = e[0].get("expression", "").replace(f'FunctionName="{fn}"', f'FunctionName="{fn}-other"')
    return edit


def _first_metric_widget_region(region):
    def edit(body):
        next(w for w in body["widgets"] if w.get("type") == "metric")["properties"]["region"] = region
    return edit


def _drop_stat(name, target, stat):
    def edit(body):
        for w in body["widgets"]:
            if w.get("type") == "metric":
                w["properties"]["metrics"] = [e for e in w["properties"]["metrics"] if not (
                    len(e) > 1 and e[1] == name and target in e and isinstance(e[-1], dict) and e[-1].get("stat") == stat)]
    return edit


def _rename_metric(namespace, old, new):
    def edit(body):
        for _, e in _metric_entries(body):
            if len(e) > 1 and e[0] == namespace and e[1] == old:
                e[1] = new
    return edit


def _flatten_widget_of(name):
    def edit(body):
        for w in body["widgets"]:
            if w.get("type") == "metric" and any(len(e) > 1 and e[1] == name for e in w["properties"]["metrics"]):
                w["properties"]["metrics"] = [x for e in w["properties"]["metrics"] for x in e]
                return
    return edit


def _add_conflicts_widget(namespace, fn, region):
    def edit(body):
        expression = f"SEARCH('{{{namespace},FunctionName,SourceRegion,TargetRegion}} MetricName=\"ConflictsResolved\" FunctionName=\"{fn}\"', 'Sum', 60)"
        body["widgets"].append({"type": "metric", "properties": {"title": "conflicts", "region": region, "metrics": [[{"expression": expression, "id": "c"}]]}})
    return edit


def self_test(bodies, namespace, emitted, source_text):
    failures, passed = [], 0

    def expect(description, text, deployment, *expected):
        nonlocal passed
        errors = check(text, deployment, namespace, emitted)
        hit = [e for e in errors if all(x in e for x in expected)]
        if hit:
            passed += 1
            print(f"  ok: fails on {description}: {hit[0]}")
        else:
            failures.append(f"{description}: expected an error containing {list(expected)}, got {errors or 'none (it passed)'}")

    for d, name, body in bodies:
        errors = check(body, d, namespace, emitted)
        if errors:
            failures.append(f"the deployed dashboard {name} itself fails: {errors}")
    modes_seen = set()
    for d, name, body in bodies:
        if d["mode"] in modes_seen:
            continue  # one deployment per mode is enough: the others are the same module
        modes_seen.add(d["mode"])
        fn, region = d["function"], d["region"]
        print(f"  mutations of {name} ({d['mode']}):")
        expect("malformed JSON (the body cut short)", body[:-1], d, "not valid JSON")
        expect("a body without widgets", json.dumps({"widgets": []}), d, "missing metric")
        for metric, spec in sorted(emitted.items()):
            if d["mode"] in spec["modes"]:
                expect(f"the body without {metric}", _edit(body, _remove_metric(metric)), d, "missing metric", metric)
        for ns, metric in AWS_FUNCTION_METRICS:
            expect(f"the body without {ns}/{metric}", _edit(body, _remove_dimension_value(ns, metric, fn)), d, "missing metric", f"{ns}/{metric}")
        for queue in d["queues"]:
            expect(f"the body without the depth of {queue}", _edit(body, _remove_dimension_value(*QUEUE_METRIC, queue)), d, "missing metric", f"QueueName={queue}")
        for a in d["alarms"]:
            expect(f"the body without alarm {a['name']}", _edit(body, _remove_alarm(a["arn"])), d, a["name"], "not on the dashboard")
        stranger = d["alarms"][0]["arn"].rsplit(":", 1)[0] + ":someone-elses-alarm"
        expect("an alarm the deployment does not have", _edit(body, _add_alarm(stranger)), d, "someone-elses-alarm", "does not have")
        expect(f"the namespace {namespace} misspelt", _edit(body, _rename_namespace(namespace, namespace.replace("Db", "DB"))), d, "missing metric", namespace)
        expect("another function's metrics", _edit(body, _other_function(namespace, fn)), d, f"FunctionName='{fn}-other'")
        expect("a widget of another region", _edit(body, _first_metric_widget_region("eu-central-1")), d, "region 'eu-central-1'")
        latency = sorted(m for m, s in emitted.items() if s["unit"] == "Milliseconds" and "TargetRegion" in s["dimensions"])
        if latency and d["target_regions"]:
            expect(f"{latency[0]} without p99 for {d['target_regions'][0]}", _edit(body, _drop_stat(latency[0], d["target_regions"][0], "p99")), d,
                   "missing p99", d["target_regions"][0])
            expect(f"{latency[0]}'s widget flattened into one array", _edit(body, _flatten_widget_of(latency[0])), d, "is not an array")
        counts = sorted(m for m, s in emitted.items() if s["unit"] == "Count" and set(MODES) <= s["modes"])
        expect(f"{counts[0]} renamed (a metric the function does not emit)", _edit(body, _rename_metric(namespace, counts[0], counts[0] + "Total")), d,
               "does not emit", counts[0] + "Total")
        if d["mode"] == "one-way":
            expect("a conflicts widget on a one-way dashboard", _edit(body, _add_conflicts_widget(namespace, fn, region)), d,
                   "only multi-active emits", "ConflictsResolved")

    print("  broken sources:")
    for description, text in [
        ("an empty source", ""),
        ("a source whose metric pairs are gone", _TUPLE.sub("(x)", source_text)),
        ("a source with a metric written another way", source_text + '\nstatic readonly (string, string) Extra = ("QueueLag", "Milliseconds");\n'),
        ("a source that no longer emits ConflictsResolved", source_text.replace('("ConflictsResolved", "Count")', '("Conflicts", "Count")')),
    ]:
        try:
            emitted_metrics(text, "mutated ReportLines.cs")
            failures.append(f"{description}: the source was accepted")
        except SourceError as e:
            passed += 1
            print(f"  ok: refuses {description}: {e}")
    if not bodies:
        failures.append("no deployed dashboard to mutate")
    if failures:
        print("check_dashboard self-test FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"check_dashboard self-test passed ({passed} mutations refused)")
    return 0


# ---- main ----------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", help="src/Replicator.Core/Observability/ReportLines.cs")
    parser.add_argument("--state", required=True, help="terraform show -json after apply")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--real", action="store_true", help="self-test: mutations of the deployed bodies must fail")
    parser.add_argument("--gone", action="store_true", help="check that the state's dashboards were destroyed")
    args = parser.parse_args()
    found = deployments(tfplan.load(args.state))
    if not found:
        print(f"check_dashboard FAILED: no replicator function in {args.state}", file=sys.stderr)
        return 1

    if args.gone:
        left = []
        for d in found:
            for name in d["dashboards"]:
                try:
                    cloudwatch(args.endpoint, d["region"]).get_dashboard(DashboardName=name)
                    left.append(f"{d['region']}: dashboard {name}")
                except ClientError as e:
                    if e.response.get("Error", {}).get("Code") not in ("ResourceNotFound", "ResourceNotFoundException"):
                        raise
        if left:
            print("check_dashboard --gone FAILED, left after destroy:\n  " + "\n  ".join(left), file=sys.stderr)
            return 1
        print(f"check_dashboard: dashboards gone: {', '.join(n for d in found for n in d['dashboards'])}")
        return 0

    if not args.source:
        parser.error("--source is needed unless --gone")
    with open(args.source, encoding="utf-8") as f:
        source_text = f.read()
    try:
        namespace, emitted = emitted_metrics(source_text, args.source)
    except SourceError as e:
        print(f"check_dashboard FAILED: {e}", file=sys.stderr)
        return 1
    errors, bodies = fetch_bodies(args.endpoint, found)
    if args.real:
        if errors:
            print("check_dashboard self-test FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
            return 1
        return self_test(bodies, namespace, emitted, source_text)

    print(f"check_dashboard: {args.source}: namespace {namespace}; " + "; ".join(
        f"{m} ({s['unit']}, by {', '.join(sorted(s['dimensions']))}{'' if set(MODES) <= s['modes'] else ', multi-active only'})" for m, s in sorted(emitted.items())))
    for d, name, body in bodies:
        problems = check(body, d, namespace, emitted)
        errors += problems
        _, shown, alarms = read_body(body)
        if not problems:
            print(f"  {name} ({d['region']}, {d['mode']}): {len(shown)} metrics, {len(set(alarms))} alarms; "
                  f"latency for {', '.join(d['target_regions'])}; alarms {', '.join(a['name'] for a in d['alarms'])}")
    if errors:
        print("check_dashboard FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print(f"check_dashboard: {len(bodies)} dashboard(s) show every metric the function emits and every alarm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
