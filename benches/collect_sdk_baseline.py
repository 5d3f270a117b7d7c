"""Baseline for benches/collect.rs: crawl a workspace the obvious way with the official
Databricks SDK for Python — list catalogs, schemas, tables, then get the grants of every
securable, one call after another. Prints one JSON line: securables, requests, seconds.

Usage: python benches/collect_sdk_baseline.py HOST TOKEN
"""

import json
import sys
import time

from databricks.sdk import WorkspaceClient


def main() -> None:
    host, token = sys.argv[1], sys.argv[2]
    w = WorkspaceClient(host=host, token=token, auth_type="pat")
    requests = 0
    securables = 0
    start = time.monotonic()

    def grants(kind, name):
        nonlocal requests
        w.grants.get(kind, name)
        requests += 1

    for c in w.catalogs.list():
        securables += 1
        grants("catalog", c.name)
        for s in w.schemas.list(catalog_name=c.name):
            if s.name == "information_schema":
                continue
            securables += 1
            grants("schema", s.full_name)
            for t in w.tables.list(catalog_name=c.name, schema_name=s.name):
                securables += 1
                grants("table", t.full_name)
    print(json.dumps({"securables": securables, "grant_requests": requests,
                      "seconds": round(time.monotonic() - start, 2)}))


if __name__ == "__main__":
    main()
