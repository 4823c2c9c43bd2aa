"""Reading `terraform show -json` plans: shared by check_iam.py and check_unique_names.py.

Only the standard library. Works on real plans and on the small hand-written ones in fixtures/.
"""

import json
import re

_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(\[[^\]]*\])?')


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def walk(module, parent_address=""):
    address = module.get("address", parent_address)
    for resource in module.get("resources", []):
        yield address, resource
    for child in module.get("child_modules", []):
        yield from walk(child, address)


def planned_resources(plan):
    """(module_address, resource) for every resource in planned_values, child modules included."""
    root = plan.get("planned_values", {}).get("root_module", {})
    yield from walk(root, "")


def prior_resources(plan):
    """(module_address, resource) in prior_state: data sources read while planning, existing resources."""
    root = plan.get("prior_state", {}).get("values", {}).get("root_module", {})
    yield from walk(root, "")


def changes_by_address(plan):
    return {rc["address"]: rc for rc in plan.get("resource_changes", [])}


def after_unknown(plan, address):
    """The after_unknown tree of a resource's planned change ({} when there is none)."""
    rc = changes_by_address(plan).get(address)
    return (rc or {}).get("change", {}).get("after_unknown") or {}


def module_names(module_address):
    """'module.a["x"].module.b' -> ['a', 'b']: the module calls, without instance keys."""
    return [m.group(1) for m in _MODULE_STEP.finditer(module_address or "")]


def config_module(plan, module_address):
    """The configuration block of the module (call chain) a resource lives in, or None."""
    module = plan.get("configuration", {}).get("root_module", {})
    for name in module_names(module_address):
        call = module.get("module_calls", {}).get(name)
        if call is None:
            return None
        module = call.get("module", {})
    return module


def config_resource(plan, module_address, resource):
    module = config_module(plan, module_address)
    if module is None:
        return None
    for r in module.get("resources", []):
        if r.get("type") == resource["type"] and r.get("name") == resource["name"] and r.get("mode", "managed") == resource.get("mode", "managed"):
            return r
    return None


def parent_module_address(module_address):
    """'module.a.module.b[0]' -> 'module.a'; 'module.a' -> ''."""
    steps = [m.group(0) for m in _MODULE_STEP.finditer(module_address or "")]
    return ".".join(steps[:-1])


def _data_value(plan, module_address, data_type, attribute):
    for address, r in prior_resources(plan):
        if address == module_address and r.get("mode") == "data" and r.get("type") == data_type:
            value = r.get("values", {}).get(attribute)
            if isinstance(value, str) and value:
                return value
    return None


def region_of(plan, module_address, resource):
    """The region a resource lives in: its own region attribute (AWS provider 6), else the constant
    region of the provider configuration it uses, else the module's data "aws_region"."""
    region = resource.get("values", {}).get("region")
    if isinstance(region, str) and region:
        return region
    config = config_resource(plan, module_address, resource)
    if config is not None:
        key = config.get("provider_config_key")
        provider = plan.get("configuration", {}).get("provider_config", {}).get(key or "", {})
        region = provider.get("expressions", {}).get("region", {}).get("constant_value")
        if isinstance(region, str) and region:
            return region
    return _data_value(plan, module_address, "aws_region", "name")


def account_of(plan, module_address):
    """The account id the module's data "aws_caller_identity" read; else the only one in the plan."""
    account = _data_value(plan, module_address, "aws_caller_identity", "account_id")
    if account:
        return account
    accounts = {r["values"].get("account_id") for _, r in prior_resources(plan)
                if r.get("mode") == "data" and r.get("type") == "aws_caller_identity"}
    accounts.discard(None)
    return accounts.pop() if len(accounts) == 1 else None


def partition_of(plan, module_address):
    return _data_value(plan, module_address, "aws_partition", "partition") or "aws"


def module_instances_of_call(plan, parent_address, call_name):
    """Addresses of the instances of `module "call_name"` declared in the module at parent_address."""
    prefix = (parent_address + "." if parent_address else "") + "module." + call_name
    found = set()
    for address, _ in list(planned_resources(plan)) + list(prior_resources(plan)):
        if address == prefix or address.startswith(prefix + "[") or address.startswith(prefix + "."):
            rest = address[len(prefix):]
            m = re.match(r'(\[[^\]]*\])?', rest)
            found.add(prefix + (m.group(1) or ""))
    return sorted(found)
