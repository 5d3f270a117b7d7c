"""Tags and what each securable type accepts, through the official SDK.

Entity tag assignments: create/list/delete, a refused `functions` entity, a key-only tag read
back as "", and `include_inherited` (py-sdk service/catalog.py EntityTagAssignmentsAPI,
EntityTagAssignment.inherited). Statement errors: one unwrapped error class with its SQLSTATE in
`status.sql_state` (py-sdk service/sql.py StatementStatus.sql_state; Databricks "Error handling":
`[CLASS] message SQLSTATE: xxxxx`). Privileges per table_type (API reference section 8.4),
no row filter or mask on a view, COMMENT ON kinds and ALTER VIEW clauses (SQL reference).
"""

from databricks.sdk.errors import BadRequest, NotFound
from databricks.sdk.service.catalog import EntityTagAssignment, PermissionsChange, Privilege
from databricks.sdk.service.sql import StatementState


def failed(w, h, statement):
    """Runs a statement that must fail; returns (message, sql_state)."""
    r = w.statement_execution.execute_statement(
        statement=statement, warehouse_id=h.WAREHOUSE, wait_timeout="30s")
    h.check(r.status.state == StatementState.FAILED, f"statement fails: {statement}")
    return (r.status.error.message if r.status.error else ""), r.status.sql_state


UC = "/api/2.1/unity-catalog/entity-tag-assignments"


def inherited_list(w, entity_type, entity_name):
    """`list(..., include_inherited=True)` as (key, value, inherited); SDK releases before the
    `include_inherited` parameter go through the SDK's own API client on the same path."""
    try:
        got = w.entity_tag_assignments.list(entity_type=entity_type, entity_name=entity_name,
                                            include_inherited=True)
        return {(t.tag_key, t.tag_value, t.inherited) for t in got}
    except TypeError:
        out, query = set(), {"include_inherited": "true"}
        while True:
            page = w.api_client.do("GET", f"{UC}/{entity_type}/{entity_name}/tags", query=query)
            out |= {(t["tag_key"], t.get("tag_value"), t.get("inherited")) for t in page.get("tag_assignments", [])}
            if not page.get("next_page_token"):
                return out
            query["page_token"] = page["next_page_token"]


def raw_list(w, entity_type, entity_name):
    """The wire rows of a list (the `inherited` field is absent from older SDK dataclasses)."""
    out, query = [], {}
    while True:
        page = w.api_client.do("GET", f"{UC}/{entity_type}/{entity_name}/tags", query=query)
        out += page.get("tag_assignments", [])
        if not page.get("next_page_token"):
            return out
        query["page_token"] = page["next_page_token"]


def run(w, h):
    tags = w.entity_tag_assignments

    # EntityTagAssignmentsAPI: "Entity tagging is supported on catalogs, schemas, tables
    # (including views), columns, and volumes" -- not functions.
    try:
        tags.create(EntityTagAssignment(entity_type="functions", entity_name="main.sales.mask_email",
                                        tag_key="team", tag_value="sec"))
        h.check(False, "a functions entity is refused")
    except BadRequest as e:
        h.check("entity_type" in str(e), "a functions entity is refused (400)")

    # A view is a `tables` entity; a key-only tag reads back with tag_value "".
    got = tags.create(EntityTagAssignment(entity_type="tables", entity_name="sandbox.views.v", tag_key="pii"))
    h.check(got.tag_value == "", f"key-only tag on a view: {got}")
    wire = raw_list(w, "tables", "sandbox.views.v")
    h.check(wire[0]["tag_value"] == "" and wire[0]["inherited"] is False, f"key-only tag on the wire: {wire}")
    listed = list(tags.list(entity_type="tables", entity_name="sandbox.views.v"))
    h.check([(t.tag_key, t.tag_value) for t in listed] == [("pii", "")], f"view tags: {listed}")
    tags.delete(entity_type="tables", entity_name="sandbox.views.v", tag_key="pii")
    try:
        tags.delete(entity_type="tables", entity_name="sandbox.views.v", tag_key="pii")
        h.check(False, "deleting an absent tag fails")
    except NotFound:
        h.check(True, "deleting an absent tag is a 404")

    # include_inherited: the catalog's `env` and the schema's tag show on the table as inherited;
    # without it only the table's own tags are listed.
    # (the seed tags catalog `main` with env=prod and schema `main.sales` with domain=sales)
    own = {(t["tag_key"], t["inherited"]) for t in raw_list(w, "tables", "main.sales.orders")}
    h.check(own == {("tier", False)}, f"own tags only by default: {own}")
    every = inherited_list(w, "tables", "main.sales.orders")
    # (the table's own `tier` value is whatever the main checks left: /ucsim/reset resets faults,
    # not the workspace)
    h.check({(k, v, i) for k, v, i in every if i} == {("env", "prod", True), ("domain", "sales", True)}
            and {k for k, _, i in every if not i} == {"tier"},
            f"include_inherited lists the catalog's and schema's tags: {every}")
    one = w.api_client.do("GET", f"{UC}/columns/main.sales.orders.email/tags/env",
                          query={"include_inherited": "true"})
    h.check(one["inherited"] is True and one["tag_value"] == "prod", f"get of an inherited key: {one}")
    try:
        tags.get(entity_type="columns", entity_name="main.sales.orders.email", tag_key="env")
        h.check(False, "an inherited key is not found without include_inherited")
    except NotFound:
        h.check(True, "an inherited key is not found without include_inherited")
    _, rows = h.sql(w, "SELECT tag_name FROM main.information_schema.table_tags WHERE table_name = 'orders'")
    h.check(rows == [["tier"]], f"information_schema.table_tags holds own tags only: {rows}")

    # SQL tag statements: UNSET TAG ON of an absent key raises (sql-ref-syntax-ddl-unset-tag),
    # SET TAG ON of an existing key raises; ALTER ... UNSET TAGS of an absent key is a no-op.
    msg, state = failed(w, h, "UNSET TAG ON TABLE main.sales.orders nope")
    h.check(msg.startswith("[RESOURCE_DOES_NOT_EXIST] ") and state == "42704", f"UNSET TAG ON absent: {msg}")
    msg, state = failed(w, h, "SET TAG ON TABLE main.sales.orders tier = x")
    h.check(msg.startswith("[TAG_ALREADY_EXISTS] ") and state == "42710", f"SET TAG ON existing: {msg}")
    h.sql(w, "ALTER TABLE main.sales.orders UNSET TAGS ('nope')")

    # Errors carry one class, unwrapped.
    msg, state = failed(w, h, "ALTER TABLE main.sales.orders ALTER COLUMN nope SET MASK main.sales.mask_email")
    h.check(msg.startswith("[UNRESOLVED_COLUMN.WITH_SUGGESTION] ") and "INVALID_PARAMETER_VALUE" not in msg
            and state == "42703", f"unresolved column: {msg} {state}")

    # Views: no row filter or mask (EXPECT_TABLE_NOT_VIEW), no such ALTER VIEW clause.
    msg, state = failed(w, h, "ALTER TABLE sandbox.views.v SET ROW FILTER main.sales.region_filter ON (email)")
    h.check(msg.startswith("[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE] ") and state == "42809",
            f"row filter on a view: {msg}")
    msg, state = failed(w, h, "ALTER TABLE sandbox.views.v ALTER COLUMN email SET MASK main.sales.mask_email")
    h.check(msg.startswith("[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE] "), f"mask on a view: {msg}")
    msg, state = failed(w, h, "ALTER VIEW sandbox.views.v SET ROW FILTER main.sales.region_filter ON (email)")
    h.check(msg.startswith("[PARSE_SYNTAX_ERROR] ") and state == "42601", f"ALTER VIEW ... ROW FILTER: {msg}")
    # ALTER VIEW ... ALTER COLUMN ... SET TAGS (sql-ref-syntax-ddl-alter-view-manage-column).
    h.sql(w, "ALTER VIEW sandbox.views.v ALTER COLUMN email SET TAGS ('pii' = 'email')")
    col = list(tags.list(entity_type="columns", entity_name="sandbox.views.v.email"))
    h.check([(t.tag_key, t.tag_value) for t in col] == [("pii", "email")], f"view column tag: {col}")

    # COMMENT ON only for the kinds the SQL reference lists; functions use their REST PATCH.
    h.sql(w, "COMMENT ON TABLE sandbox.views.v IS 'a view'")
    msg, _ = failed(w, h, "COMMENT ON FUNCTION main.sales.mask_email IS 'x'")
    h.check(msg.startswith("[PARSE_SYNTAX_ERROR] "), f"COMMENT ON FUNCTION: {msg}")

    # Privileges per table_type: a view takes SELECT, not MODIFY; REFRESH only on a
    # materialized view or streaming table.
    w.grants.update(securable_type="table", full_name="sandbox.views.v",
                    changes=[PermissionsChange(principal="analysts", add=[Privilege.SELECT])])
    for full, p in [("sandbox.views.v", Privilege.MODIFY), ("sandbox.views.v", Privilege.REFRESH),
                    ("main.sales.orders", Privilege.REFRESH), ("sandbox.views.mv", Privilege.MODIFY)]:
        try:
            w.grants.update(securable_type="table", full_name=full,
                            changes=[PermissionsChange(principal="analysts", add=[p])])
            h.check(False, f"{p.value} on {full} refused")
        except BadRequest as e:
            h.check("not applicable" in str(e), f"{p.value} on {full} refused")
    w.grants.update(securable_type="table", full_name="sandbox.views.mv",
                    changes=[PermissionsChange(principal="analysts", add=[Privilege.REFRESH])])
    g = w.grants.get(securable_type="table", full_name="sandbox.views.mv")
    got = {a.principal: sorted(p.value for p in a.privileges) for a in g.privilege_assignments}
    h.check(got == {"analysts": ["REFRESH"]}, f"REFRESH on a materialized view: {got}")
