"""Baseline for benches/apply.rs: send the same grant and tag changes the obvious way with
the official Databricks SDK for Python — one `w.grants.update(...)` per table for its grants
and one `w.statement_execution.execute_statement(...)` per `ALTER TABLE ... SET/UNSET TAGS`,
one call after another, as a typical script would. The changes come from the bench (one
JSON line each: {"grants": {securable_type, full_name, changes}} or {"sql": statement}), so
both sides make exactly the same changes. Prints one JSON line: operations, requests,
failures, seconds.

Usage: python benches/apply_sdk_baseline.py HOST TOKEN WAREHOUSE_ID CHANGES.jsonl
"""

import json
import sys
import time

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.catalog import PermissionsChange, Privilege
from databricks.sdk.service.sql import StatementState


def main() -> None:
    host, token, warehouse, path = sys.argv[1:5]
    with open(path, encoding="utf-8") as f:
        changes = [json.loads(line) for line in f if line.strip()]
    w = WorkspaceClient(host=host, token=token, auth_type="pat")
    grant_requests = 0
    statements = 0
    failures = 0
    start = time.monotonic()
    for c in changes:
        if "grants" in c:
            g = c["grants"]
            w.grants.update(
                g["securable_type"],
                g["full_name"],
                changes=[
                    PermissionsChange(
                        principal=ch["principal"],
                        add=[Privilege(p) for p in ch.get("add", [])] or None,
                        remove=[Privilege(p) for p in ch.get("remove", [])] or None,
                    )
                    for ch in g["changes"]
                ],
            )
            grant_requests += 1
        else:
            r = w.statement_execution.execute_statement(
                statement=c["sql"], warehouse_id=warehouse, wait_timeout="30s"
            )
            statements += 1
            if r.status is None or r.status.state != StatementState.SUCCEEDED:
                failures += 1
    print(json.dumps({"operations": len(changes), "grant_requests": grant_requests,
                      "statements": statements, "failures": failures,
                      "seconds": round(time.monotonic() - start, 2)}))


if __name__ == "__main__":
    main()
