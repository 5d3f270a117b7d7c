"""Row filter / column mask arguments and write responses, through the official SDK.

Arguments: `TableRowFilter.input_arguments` and `ColumnMask.using_arguments` (each a
`PolicyFunctionArgument`, a column or a constant) supersede the deprecated
`input_column_names` / `using_column_names`, which keep the column arguments only
(py-sdk service/catalog.py). SQL: `ROW FILTER f ON (column_name | constant_literal, ...)`,
`MASK f USING COLUMNS (...)` (SQL reference "ROW FILTER clause" / "Column mask clause").
information_schema `target_columns` / `using_columns`: comma lists, CSV-quoted items
(project API reference sections 10.2 and 16.5).

Writes: every `create`/`update` of the SDK parses the object back (`CatalogInfo`,
`SchemaInfo`, `VolumeInfo`, `FunctionInfo`, `StorageCredentialInfo`, `ExternalLocationInfo`,
`ConnectionInfo`, `EntityTagAssignment`, `UpdatePermissionsResponse`) except
`TablesAPI.update`, which returns None (the body is empty), and every `delete` (None).
"""

from databricks.sdk.errors import DatabricksError, NotFound
from databricks.sdk.service.catalog import (
    EntityTagAssignment,
    PermissionsChange,
    PolicyFunctionArgument,
    Privilege,
    VolumeType,
)

SCHEMA = "main.args_suite"


def run(w, h):
    # --- writes of the object kinds, each parsed back into its dataclass -----------------
    s = w.schemas.create(name="args_suite", catalog_name="main", comment="suite")
    h.check(s.full_name == SCHEMA and s.comment == "suite", "schemas.create -> SchemaInfo")
    s = w.schemas.update(SCHEMA, comment="suite 2")
    h.check(s.comment == "suite 2", "schemas.update -> SchemaInfo with the new comment")

    c = w.catalogs.create(name="args_suite_cat", comment="c")
    h.check(c.name == "args_suite_cat", "catalogs.create -> CatalogInfo")
    c = w.catalogs.update("args_suite_cat", comment="c2")
    h.check(c.comment == "c2", "catalogs.update -> CatalogInfo with the new comment")
    try:
        w.catalogs.update("args_suite_nope", comment="x")
        h.check(False, "update of an unknown catalog fails")
    except NotFound:
        h.check(True, "catalogs.update of an unknown catalog is NotFound")
    try:
        w.catalogs.create(name="args_suite_cat")
        h.check(False, "a duplicate catalog is refused")
    except DatabricksError as e:
        h.check(e.error_code in ("CATALOG_ALREADY_EXISTS", "RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"),
                f"catalogs.create of an existing name is refused: {e.error_code}")

    v = w.volumes.create(catalog_name="main", schema_name="args_suite", name="vol",
                         volume_type=VolumeType.MANAGED)
    h.check(v.full_name == f"{SCHEMA}.vol", "volumes.create -> VolumeInfo")
    v = w.volumes.update(f"{SCHEMA}.vol", comment="v")
    h.check(v.comment == "v", "volumes.update -> VolumeInfo with the new comment")

    f = w.functions.update("main.sales.region_filter", owner="data-eng")
    h.check(f.full_name == "main.sales.region_filter" and f.owner == "data-eng",
            "functions.update -> FunctionInfo")
    sc = w.storage_credentials.update("cred_main", comment="cred")
    h.check(sc.name == "cred_main" and sc.comment == "cred", "storage_credentials.update -> StorageCredentialInfo")
    el = w.external_locations.update("landing", comment="loc")
    h.check(el.name == "landing" and el.comment == "loc", "external_locations.update -> ExternalLocationInfo")
    cn = w.connections.update("pg", options={"host": "db2.example.com", "port": "5432", "user": "svc",
                                             "password": "s3cret"})
    h.check(cn.name == "pg", "connections.update -> ConnectionInfo")

    # Tables: `TablesAPI.update` returns None -- the response body is empty; read back.
    h.sql(w, f"CREATE TABLE {SCHEMA}.t (id BIGINT, region STRING, email STRING)")
    out = w.tables.update(f"{SCHEMA}.t", owner="analysts")
    h.check(out is None, "tables.update returns None")
    raw = w.api_client.do("PATCH", f"/api/2.1/unity-catalog/tables/{SCHEMA}.t", body={"owner": "data-eng"})
    h.check(not raw, f"tables PATCH answers an empty body: {raw!r}")
    h.check(w.tables.get(f"{SCHEMA}.t").owner == "data-eng", "the table PATCH took effect")
    try:
        w.tables.update(f"{SCHEMA}.nope", owner="analysts")
        h.check(False, "update of an unknown table fails")
    except NotFound:
        h.check(True, "tables.update of an unknown table is NotFound")

    # Permissions PATCH -> UpdatePermissionsResponse with the securable's assignments.
    p = w.grants.update("table", f"{SCHEMA}.t",
                        changes=[PermissionsChange(principal="analysts", add=[Privilege.SELECT])])
    got = {(a.principal, pr) for a in p.privilege_assignments or [] for pr in a.privileges or []}
    h.check(("analysts", Privilege.SELECT) in got, "grants.update -> UpdatePermissionsResponse")

    # Tag assignments: create/update -> EntityTagAssignment, delete -> None.
    t = w.entity_tag_assignments.create(EntityTagAssignment(
        entity_type="tables", entity_name=f"{SCHEMA}.t", tag_key="k", tag_value="1"))
    h.check(t.tag_key == "k" and t.tag_value == "1", "entity_tag_assignments.create -> EntityTagAssignment")
    t = w.entity_tag_assignments.update("tables", f"{SCHEMA}.t", "k", EntityTagAssignment(
        entity_type="tables", entity_name=f"{SCHEMA}.t", tag_key="k", tag_value="2"), update_mask="tag_value")
    h.check(t.tag_value == "2", "entity_tag_assignments.update -> EntityTagAssignment")
    h.check(w.entity_tag_assignments.delete("tables", f"{SCHEMA}.t", "k") is None,
            "entity_tag_assignments.delete returns None")
    try:
        w.entity_tag_assignments.delete("tables", f"{SCHEMA}.t", "k")
        h.check(False, "deleting an absent tag fails")
    except NotFound:
        h.check(True, "entity_tag_assignments.delete of an absent key is NotFound")

    # --- row filter and mask arguments -------------------------------------------------
    h.sql(w, f"ALTER TABLE {SCHEMA}.t SET ROW FILTER main.sales.region_filter ON (region, 'US')")
    h.sql(w, f"ALTER TABLE {SCHEMA}.t ALTER COLUMN email SET MASK main.sales.mask_email "
             "USING COLUMNS (region, 'a,b', 42)")
    ti = w.tables.get(f"{SCHEMA}.t")
    rf = ti.row_filter
    h.check(rf.input_arguments == [PolicyFunctionArgument(column="region"),
                                   PolicyFunctionArgument(constant="'US'")],
            f"row_filter.input_arguments: a column and a constant: {rf.input_arguments}")
    h.check(rf.input_column_names == ["region"],
            f"the deprecated input_column_names keeps the columns: {rf.input_column_names}")
    mask = next(c.mask for c in ti.columns if c.name == "email")
    h.check(mask.using_arguments == [PolicyFunctionArgument(column="region"),
                                     PolicyFunctionArgument(constant="'a,b'"),
                                     PolicyFunctionArgument(constant="42")],
            f"mask.using_arguments: {mask.using_arguments}")
    h.check(mask.using_column_names == ["region"], "the deprecated using_column_names keeps the columns")
    _, rows = h.sql(w, "SELECT target_columns FROM main.information_schema.row_filters "
                       "WHERE table_schema = 'args_suite'")
    h.check(rows == [["region,'US'"]], f"row_filters.target_columns lists constants: {rows}")
    _, rows = h.sql(w, "SELECT using_columns FROM main.information_schema.column_masks "
                       "WHERE table_schema = 'args_suite'")
    h.check(rows == [["region,\"'a,b'\",42"]], f"column_masks.using_columns CSV-quotes an item with a comma: {rows}")
    _, rows = h.sql(w, f"DESCRIBE TABLE EXTENDED {SCHEMA}.t")
    h.check(["Row Filter", "`main`.`sales`.`region_filter` ON (`region`, 'US')", ""] in rows,
            "DESCRIBE TABLE EXTENDED shows the constant")
    # A column argument must be a column of the table.
    r = w.statement_execution.execute_statement(
        statement=f"ALTER TABLE {SCHEMA}.t SET ROW FILTER main.sales.region_filter ON (nope, 'US')",
        warehouse_id=h.WAREHOUSE, wait_timeout="30s")
    h.check(r.status.sql_state == "42703", f"an unknown column argument is UNRESOLVED_COLUMN: {r.status.sql_state}")

    # Clean up what the suite created.
    h.sql(w, f"DROP TABLE {SCHEMA}.t")
    h.check(w.volumes.delete(f"{SCHEMA}.vol") is None, "volumes.delete returns None")
    h.check(w.schemas.delete(SCHEMA) is None, "schemas.delete returns None")
    h.check(w.catalogs.delete("args_suite_cat") is None, "catalogs.delete returns None")
