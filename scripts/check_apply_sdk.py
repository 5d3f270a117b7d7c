"""Reads back, through the official Databricks SDK for Python, every attribute a brickkit
plan set, and checks it holds the plan's target (scripts/check_apply.sh, issue #14).

Usage: check_apply_sdk.py URL TOKEN PLAN.json   (PLAN.json: `drift show-plan --format json`)
"""
import json
import sys

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.catalog import SecurableType

url, token, plan_path = sys.argv[1:4]
w = WorkspaceClient(host=url, token=token)
plan = json.load(open(plan_path))

GETTERS = {
    "catalog": lambda n: w.catalogs.get(n),
    "schema": lambda n: w.schemas.get(n),
    "table": lambda n: w.tables.get(n),
    "volume": lambda n: w.volumes.read(n),
    "function": lambda n: w.functions.get(n),
    "storage_credential": lambda n: w.storage_credentials.get(n),
    "external_location": lambda n: w.external_locations.get(n),
    "connection": lambda n: w.connections.get(n),
}
SECURABLE = {
    "catalog": "catalog", "schema": "schema", "table": "table", "volume": "volume",
    "function": "function", "storage_credential": "storage_credential",
    "external_location": "external_location", "connection": "connection",
}
TAG_ENTITY = {"catalog": "catalogs", "schema": "schemas", "table": "tables", "volume": "volumes"}


def canon(p):
    return p.upper().replace(" ", "_").replace("-", "_")


def policy_text(fn, cols):
    fn = fn.replace("`", "").lower()
    return f"{fn} ON ({', '.join(c.lower() for c in cols)})" if cols is not None else fn


checked = 0
failures = []
for op in plan["operations"]:
    kind, name, col = op["kind"], op["full_name"], op.get("column")
    obj = GETTERS[kind](name)
    for ch in op["changes"]:
        attr, want = ch["attribute"], ch["after"]
        if attr == "exists":
            have = obj is not None
        elif attr == "owner":
            have = obj.owner
        elif attr == "comment":
            have = obj.comment or None
        elif attr.startswith("grants."):
            principal = attr[len("grants."):]
            perms = w.grants.get(SecurableType(SECURABLE[kind]).value if False else SECURABLE[kind], name)
            have = sorted({canon(p.value if hasattr(p, "value") else p)
                           for a in (perms.privilege_assignments or []) if a.principal == principal
                           for p in (a.privileges or [])})
            want = sorted(canon(p) for p in (want or []))
        elif attr.startswith("tags."):
            key = attr[len("tags."):]
            tags = {t.tag_key: (t.tag_value or "") for t in w.entity_tag_assignments.list(TAG_ENTITY[kind], name)}
            have = tags.get(key)
        elif attr.startswith("columns.") and ".tags." in attr:
            key = attr.split(".tags.", 1)[1]
            tags = {t.tag_key: (t.tag_value or "") for t in w.entity_tag_assignments.list("columns", f"{name}.{col}")}
            have = tags.get(key)
        elif attr == "row_filter":
            rf = obj.row_filter
            have = policy_text(rf.function_name, rf.input_column_names) if rf else None
        elif attr.endswith(".mask"):
            c = next(c for c in obj.columns if c.name.lower() == col.lower())
            have = policy_text(c.mask.function_name, None) + (
                f" USING COLUMNS ({', '.join(x.lower() for x in c.mask.using_column_names)})"
                if c.mask and c.mask.using_column_names else "") if c.mask else None
        else:
            failures.append(f"{kind} {name} {attr}: no SDK read-back for this attribute")
            continue
        checked += 1
        if have != want:
            failures.append(f"{kind} {name} {attr}: SDK reads {have!r}, the plan's target is {want!r}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"check_apply_sdk: {checked} planned attribute(s) read back through the SDK hold their target")
