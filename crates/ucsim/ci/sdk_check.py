"""Drive a live `ucsim serve` with the official Databricks SDK for Python.

Usage: sdk_check.py BASE_URL TOKEN

Checks that a real client nobody here wrote accepts the simulator: lists across pages, a table
with a row filter and masks, grants read and PATCH, effective grants, entity tag assignments,
DESCRIBE TABLE EXTENDED and an information_schema SELECT through the Statement Execution API,
quoting round trips, a wrong token refused, and a 429 retried. Exits non-zero on any failure.
"""

import importlib.util
import json
import pathlib
import sys
import types
import urllib.request

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, PermissionDenied, Unauthenticated
from databricks.sdk.service.catalog import EntityTagAssignment, PermissionsChange, Privilege
from databricks.sdk.service.sql import StatementState

BASE, TOKEN = sys.argv[1], sys.argv[2]
WAREHOUSE = "wh-ucsim"
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)
    print(f"ok   {what}")


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def requests_log():
    return admin("GET", "/ucsim/requests")["requests"]


def sql(w, statement):
    r = w.statement_execution.execute_statement(
        statement=statement, warehouse_id=WAREHOUSE, wait_timeout="30s"
    )
    if r.status.state != StatementState.SUCCEEDED:
        msg = r.status.error.message if r.status.error else ""
        raise AssertionError(f"statement failed: {statement}: {r.status.state} {msg}")
    rows = list(r.result.data_array or []) if r.result else []
    # Follow further chunks, if any.
    chunk = r.result
    while chunk is not None and chunk.next_chunk_index is not None:
        chunk = w.statement_execution.get_statement_result_chunk_n(r.statement_id, chunk.next_chunk_index)
        rows.extend(chunk.data_array or [])
    return r, rows


def main():
    w = WorkspaceClient(host=BASE, token=TOKEN, auth_type="pat")

    # Lists across pages (server page size is 2).
    admin("DELETE", "/ucsim/requests")
    cats = sorted(c.name for c in w.catalogs.list())
    check(cats == ["dev", "main", "sandbox"], f"catalogs listed across pages: {cats}")
    pages = [r for r in requests_log() if r["path"] == "/api/2.1/unity-catalog/catalogs"]
    check(len(pages) >= 2, f"catalog list took {len(pages)} page requests")
    schemas = sorted(s.name for s in w.schemas.list(catalog_name="main"))
    check(schemas == ["finance", "hr", "information_schema", "sales"], f"schemas: {schemas}")
    tables = sorted(t.name for t in w.tables.list(catalog_name="main", schema_name="sales"))
    check(tables == ["customers", "invoices", "orders", "payments", "returns"], f"tables: {tables}")
    conns = [c for c in w.connections.list()]
    check(len(conns) == 1 and "password" not in (conns[0].options or {}), "connection secrets not returned")
    check([e.name for e in w.external_locations.list()] == ["landing"], "external locations listed")
    check([s.name for s in w.storage_credentials.list()] == ["cred_main"], "storage credentials listed")
    check([v.name for v in w.volumes.list(catalog_name="main", schema_name="sales")] == ["raw"], "volumes listed")
    fns = sorted(f.name for f in w.functions.list(catalog_name="main", schema_name="sales"))
    check(fns == ["mask_email", "region_filter"], f"functions listed: {fns}")

    # A table with a row filter and masks.
    t = w.tables.get("main.sales.orders")
    check(t.row_filter is not None and t.row_filter.function_name == "main.sales.region_filter",
          "table row_filter.function_name")
    check(t.row_filter.input_column_names == ["region"], "row_filter.input_column_names")
    email = [c for c in t.columns if c.name == "email"][0]
    check(email.mask is not None and email.mask.function_name == "main.sales.mask_email", "column mask")
    check(t.owner == "data-eng" and t.comment == "Order facts", "owner and comment")
    try:
        w.tables.get("main.sales.nope")
        check(False, "missing table raises NotFound")
    except NotFound:
        check(True, "missing table raises NotFound")

    # Grants: read, PATCH, read again, effective.
    g = w.grants.get(securable_type="table", full_name="main.sales.orders")
    direct = {a.principal: sorted(p.value for p in a.privileges) for a in g.privilege_assignments}
    check(direct == {"bob@example.com": ["MODIFY", "SELECT"]}, f"direct grants: {direct}")
    w.grants.update(securable_type="table", full_name="main.sales.orders", changes=[
        PermissionsChange(principal="analysts", add=[Privilege.SELECT]),
        PermissionsChange(principal="bob@example.com", remove=[Privilege.MODIFY]),
    ])
    g = w.grants.get(securable_type="TABLE", full_name="main.sales.orders")
    direct = {a.principal: sorted(p.value for p in a.privileges) for a in g.privilege_assignments}
    check(direct == {"analysts": ["SELECT"], "bob@example.com": ["SELECT"]}, f"grants after PATCH: {direct}")
    patches = [r for r in requests_log() if r["method"] == "PATCH"]
    check(patches[-1]["body"]["changes"][0]["add"] == ["SELECT"], "request log holds the PATCH body")
    eff = w.grants.get_effective(securable_type="table", full_name="main.sales.orders")
    inherited = {(a.principal, p.privilege.value, p.inherited_from_type.value if p.inherited_from_type else None)
                 for a in eff.privilege_assignments for p in a.privileges}
    check(("analysts", "USE_CATALOG", "CATALOG") in inherited, "effective grants inherit from the catalog")
    check(("analysts", "USE_SCHEMA", "SCHEMA") in inherited, "effective grants inherit from the schema")
    try:
        w.grants.update(securable_type="table", full_name="main.sales.orders",
                        changes=[PermissionsChange(principal="x", add=[Privilege.USE_CATALOG])])
        check(False, "inapplicable privilege refused")
    except Exception as e:  # BadRequest / InvalidParameterValue
        check("not applicable" in str(e), "inapplicable privilege refused")

    # Entity tag assignments.
    w.entity_tag_assignments.create(EntityTagAssignment(
        entity_type="columns", entity_name="main.sales.orders.region", tag_key="class", tag_value="geo"))
    got = w.entity_tag_assignments.get(entity_type="columns", entity_name="main.sales.orders.region",
                                       tag_key="class")
    check(got.tag_value == "geo", "tag assignment created and read")
    w.entity_tag_assignments.update(entity_type="tables", entity_name="main.sales.orders", tag_key="tier",
                                    tag_assignment=EntityTagAssignment(entity_type="tables",
                                                                       entity_name="main.sales.orders",
                                                                       tag_key="tier", tag_value="silver"),
                                    update_mask="tag_value")
    tags = {a.tag_key: a.tag_value for a in
            w.entity_tag_assignments.list(entity_type="tables", entity_name="main.sales.orders")}
    check(tags == {"tier": "silver"}, f"table tags after update: {tags}")

    # SQL: DESCRIBE TABLE EXTENDED and information_schema.
    _, rows = sql(w, "DESCRIBE TABLE EXTENDED main.sales.orders")
    rf = [r for r in rows if r[0] == "Row Filter"]
    check(rf and rf[0][1] == "`main`.`sales`.`region_filter` ON (`region`)", f"Row Filter row: {rf}")
    i = [r[0] for r in rows].index("# Column Masks")
    check(rows[i + 1][:2] == ["email", "`main`.`sales`.`mask_email`"], "# Column Masks rows")
    _, rows = sql(w, "SELECT catalog_name, schema_name, table_name, tag_name, tag_value "
                     "FROM main.information_schema.table_tags WHERE schema_name = 'sales'")
    check(rows == [["main", "sales", "orders", "tier", "silver"]], f"table_tags: {rows}")
    _, rows = sql(w, "SELECT column_name, tag_name, tag_value FROM system.information_schema.column_tags "
                     "WHERE catalog_name = 'main' ORDER BY column_name")
    check(rows == [["email", "pii", "email"], ["region", "class", "geo"]], f"column_tags: {rows}")
    _, rows = sql(w, "SELECT grantee, privilege_type, inherited_from FROM main.information_schema.table_privileges "
                     "WHERE table_name = 'orders' AND inherited_from = 'NONE' ORDER BY grantee")
    check(rows == [["analysts", "SELECT", "NONE"], ["bob@example.com", "SELECT", "NONE"]], f"table_privileges: {rows}")

    # Quoting round trip: a table name with a backtick and a quote, a tag value with both.
    sql(w, "CREATE TABLE main.sales.`we``ird'na-mé` (`col with space.and'q` STRING COMMENT 'it\\'s `c`')")
    sql(w, "ALTER TABLE main.sales.`we``ird'na-mé` SET TAGS ('k\\'ey`x' = 'va\\'l`ue')")
    _, rows = sql(w, "DESCRIBE TABLE EXTENDED main.sales.`we``ird'na-mé`")
    check(rows[0] == ["col with space.and'q", "string", "it's `c`"], f"describe round trip: {rows[0]}")
    check(["Table", "we`ird'na-mé", ""] in rows, "describe shows the exact table name")
    _, rows = sql(w, "SELECT table_name, tag_name, tag_value FROM main.information_schema.table_tags "
                     "WHERE table_name = 'we`ird''na-mé'")
    check(rows == [["we`ird'na-mé", "k'ey`x", "va'l`ue"]], f"information_schema round trip: {rows}")
    t2 = w.tables.get("main.sales.we`ird'na-mé")
    check(t2.name == "we`ird'na-mé", "REST get of the odd name")

    # A wrong token is refused.
    bad = WorkspaceClient(host=BASE, token="wrong-token", auth_type="pat")
    try:
        bad.catalogs.get("main")
        check(False, "wrong token refused")
    except (Unauthenticated, PermissionDenied):
        check(True, "wrong token refused with 401")

    # A 429 is retried by the SDK.
    admin("PUT", "/ucsim/faults", {"rules": [{"path": "/api/2.1/unity-catalog/catalogs/dev", "status": 429,
                                               "times": 1, "retry_after": 1}]})
    admin("DELETE", "/ucsim/requests")
    c = w.catalogs.get("dev")
    check(c.name == "dev", "catalog read after a 429")
    statuses = [r["status"] for r in requests_log() if r["path"] == "/api/2.1/unity-catalog/catalogs/dev"]
    check(statuses == [429, 200], f"429 then 200: {statuses}")
    admin("POST", "/ucsim/reset")

    # Further suites, one file per topic in sdk_checks/ (each defines run(w, h)); between
    # suites the fault rules and the request log are reset (the workspace is not). They check the simulator's strictness through a client nobody
    # here wrote: what Databricks refuses, ucsim must refuse the same way.
    h = types.SimpleNamespace(check=check, admin=admin, sql=sql, requests_log=requests_log,
                              BASE=BASE, TOKEN=TOKEN, WAREHOUSE=WAREHOUSE)
    for path in sorted((pathlib.Path(__file__).parent / "sdk_checks").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"sdk_checks.{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print(f"--   {path.name}")
        mod.run(w, h)
        admin("POST", "/ucsim/reset")

    print(f"sdk_check: {checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report and fail
        print(f"FAIL {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
