"""Principals: the SCIM directory through the SDK's users/groups/service_principals APIs, grants
to unknown principals refused, the case rules, and a deleted user's grants removed by
principal_id (issue 12, item 1). Sources are cited next to each check."""

from databricks.sdk.errors import NotFound, ResourceConflict
from databricks.sdk.service.catalog import PermissionsChange, Privilege

TABLE = "main.sales.orders"


def direct(w, full=TABLE, **kw):
    g = w.grants.get(securable_type="table", full_name=full, **kw)
    return g.privilege_assignments or []


# `principal_id` (PrivilegeAssignment, PermissionsChange) and `include_deleted_principals` came
# with newer SDK releases; with an older one installed, the same calls go through the SDK's own
# API client with the body and query the newer typed calls send.
TYPED_IDS = "principal_id" in getattr(PermissionsChange, "__dataclass_fields__", {})


def raw_assignments(w, **query):
    res = w.api_client.do("GET", f"/api/2.1/unity-catalog/permissions/table/{TABLE}", query=query)
    return res.get("privilege_assignments", [])


def remove_by_id(w, pid, privileges):
    if TYPED_IDS:
        w.grants.update(securable_type="table", full_name=TABLE,
                        changes=[PermissionsChange(principal_id=pid, remove=privileges)])
    else:
        w.api_client.do("PATCH", f"/api/2.1/unity-catalog/permissions/table/{TABLE}",
                        body={"changes": [{"principal_id": pid, "remove": [p.value for p in privileges]}]})


def run(w, h):
    check = h.check

    # SCIM create as `w.users.create`, `w.groups.create`, `w.service_principals.create` send it
    # (databricks-sdk-py service/iam.py: POST /api/2.0/preview/scim/v2/{Users,Groups,ServicePrincipals}).
    u = w.users.create(user_name="Carol.Case@Example.com", display_name="Carol Case")
    check(u.id and u.id.isdigit(), f"user created with a numeric id: {u.id}")
    check(u.user_name == "carol.case@example.com", f"userName stored lower-cased: {u.user_name}")
    check(w.users.get(u.id).display_name == "Carol Case", "user read back by id")
    found = list(w.users.list(filter='userName eq "CAROL.CASE@example.com"'))
    check([x.id for x in found] == [u.id], f"users.list with a userName filter: {[x.id for x in found]}")
    try:
        w.users.create(user_name="carol.case@EXAMPLE.com")
        check(False, "duplicate user refused")
    except ResourceConflict:
        check(True, "duplicate user refused with 409")

    g = w.groups.create(display_name="Stewards")
    check(g.display_name == "Stewards", "group keeps its case")
    names = {x.display_name for x in w.groups.list()}
    check({"account users", "users", "admins", "Stewards"} <= names, f"built-in groups listed: {names}")

    sp = w.service_principals.create(application_id="0A1B2C3D-0000-4000-8000-0000000000AA", display_name="etl")
    check(sp.application_id == "0a1b2c3d-0000-4000-8000-0000000000aa", f"SP by application id: {sp.application_id}")
    sps = list(w.service_principals.list(filter='displayName eq "etl"'))
    check([x.id for x in sps] == [sp.id], "service_principals.list with a filter")

    # A grant to an unknown principal: PRINCIPAL_DOES_NOT_EXIST, "Could not find principal with
    # name …" (terraform-provider-databricks issues #1773, #2237, #4680, #5413).
    try:
        w.grants.update(securable_type="table", full_name=TABLE,
                        changes=[PermissionsChange(principal="ghost@example.com", add=[Privilege.SELECT])])
        check(False, "grant to an unknown principal refused")
    except NotFound as e:
        check(e.error_code == "PRINCIPAL_DOES_NOT_EXIST", f"error_code: {e.error_code}")
        check("Could not find principal with name ghost@example.com" in str(e), f"message: {e}")
    # `admins` is a workspace-local group, not a Unity Catalog principal (SQL reference,
    # "Principal"; terraform-provider-databricks issue #5413).
    try:
        w.grants.update(securable_type="table", full_name=TABLE,
                        changes=[PermissionsChange(principal="admins", add=[Privilege.SELECT])])
        check(False, "grant to admins refused")
    except NotFound as e:
        check(e.error_code == "PRINCIPAL_DOES_NOT_EXIST", "grant to admins refused")
    r = w.statement_execution.execute_statement(
        statement="GRANT SELECT ON TABLE main.sales.orders TO `ghost@example.com`",
        warehouse_id=h.WAREHOUSE, wait_timeout="30s")
    msg = r.status.error.message if r.status.error else ""
    check(msg.startswith("[PRINCIPAL_DOES_NOT_EXIST] Could not find principal with name ghost@example.com."),
          f"SQL GRANT error: {msg}")

    # Case rules: a user matches in any case and reads back lower-cased; a group matches exactly.
    w.grants.update(securable_type="table", full_name=TABLE, changes=[
        PermissionsChange(principal="CAROL.CASE@example.com", add=[Privilege.SELECT]),
        PermissionsChange(principal="Stewards", add=[Privilege.SELECT]),
    ])
    got = {a.principal for a in direct(w)}
    check({"carol.case@example.com", "Stewards"} <= got, f"stored names: {got}")
    try:
        w.grants.update(securable_type="table", full_name=TABLE,
                        changes=[PermissionsChange(principal="stewards", add=[Privilege.SELECT])])
        check(False, "group names are case-sensitive")
    except NotFound:
        check(True, "group names are case-sensitive")
    ids = {a.get("principal"): a.get("principal_id") for a in raw_assignments(w)}
    check(ids.get("carol.case@example.com") == int(u.id), f"principal_id of the user: {ids}")

    # Delete the user: its grant is hidden unless include_deleted_principals, then shown with
    # principal_id only (service/catalog.py PrivilegeAssignment and GrantsAPI.get), and removed
    # by principal_id (PermissionsChange.principal_id).
    w.users.delete(u.id)
    try:
        w.users.get(u.id)
        check(False, "deleted user is gone")
    except NotFound:
        check(True, "deleted user is gone")
    check("carol.case@example.com" not in {a.principal for a in direct(w)}, "deleted user's grant hidden")
    gone = [a for a in raw_assignments(w, include_deleted_principals="true") if "principal" not in a]
    check(len(gone) == 1 and gone[0].get("principal_id") == int(u.id), f"deleted principal by id: {gone}")
    remove_by_id(w, int(u.id), [Privilege.SELECT])
    gone = [a for a in raw_assignments(w, include_deleted_principals="true") if "principal" not in a]
    check(gone == [], "grant removed by principal_id")

    # Paged reads as brickkit makes them: max_results=0 pages through an empty first page
    # (GrantsAPI.get: "a page may contain zero results while still providing a next_page_token").
    h.admin("PATCH", "/ucsim/faults", {"empty_pages": True})
    first = w.grants.get(securable_type="table", full_name=TABLE, max_results=0)
    check(not first.privilege_assignments and first.next_page_token, "empty first permissions page")
    rest = w.grants.get(securable_type="table", full_name=TABLE, max_results=0, page_token=first.next_page_token)
    check({"Stewards", "bob@example.com"} <= {a.principal for a in rest.privilege_assignments or []},
          "the next page holds the assignments")
    h.admin("PATCH", "/ucsim/faults", {"empty_pages": False})
