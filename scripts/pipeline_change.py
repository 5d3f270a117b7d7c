#!/usr/bin/env python3
"""Change a fraction of the tables of a running workspace through its public API
(scripts/pipeline_1m.sh, issue 16 item 3). Standard library only.

    python3 pipeline_change.py URL TOKEN WAREHOUSE CATALOGS SCHEMAS PER_SCHEMA FRACTION

The workspace is `ucsim generate`'s layout: catalogs `cat000..`, schemas `s000..`, tables
`t00000..`. round(total * FRACTION) tables, evenly spread, are changed in turn in one of three
ways a user or a job would change them, each a real change of a declared attribute:

- owner: `GET /api/2.1/unity-catalog/tables/{name}`, then `PATCH` it with another owner of the
  generated directory (TablesAPI.update: `owner` is the field it changes);
- grant: `PATCH /api/2.1/unity-catalog/permissions/table/{name}` adding MODIFY to `analysts`
  (GrantsAPI.update, `changes: [{principal, add}]`; the generator grants tables SELECT only);
- tag: `ALTER TABLE ... SET TAGS ('pipeline_bench' = 'changed')` over the Statement Execution
  API (a key the generator never sets).

Prints one JSON line: {"changed": N, "owner": .., "grant": .., "tag": .., "requests": ..}.
Exits 1 (with the failing request) when the API refuses a change.
"""

import http.client
import json
import sys
import threading
import urllib.parse

OWNERS = [
    "data-eng",
    "analysts",
    "alice@example.com",
    "bob@example.com",
    "6a1b2c3d-0000-4e5f-9a8b-123456789abc",
]
THREADS = 4


class Client:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(u.hostname, u.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.requests = 0

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=data, headers=self.headers)
        resp = self.conn.getresponse()
        text = resp.read().decode()
        self.requests += 1
        if resp.status != 200:
            raise RuntimeError(f"{method} {path} {data or ''} -> HTTP {resp.status}: {text}")
        return json.loads(text) if text else {}


def quote(part):
    return "`" + part.replace("`", "``") + "`"


def change(client, warehouse, full, how):
    path_name = urllib.parse.quote(full, safe="")
    if how == "owner":
        path = f"/api/2.1/unity-catalog/tables/{path_name}"
        owner = client.call("GET", path).get("owner")
        new = OWNERS[(OWNERS.index(owner) + 1) % len(OWNERS)] if owner in OWNERS else OWNERS[0]
        client.call("PATCH", path, {"owner": new})
    elif how == "grant":
        client.call(
            "PATCH",
            f"/api/2.1/unity-catalog/permissions/table/{path_name}",
            {"changes": [{"principal": "analysts", "add": ["MODIFY"]}]},
        )
    else:
        name = ".".join(quote(p) for p in full.split("."))
        r = client.call(
            "POST",
            "/api/2.0/sql/statements",
            {
                "statement": f"ALTER TABLE {name} SET TAGS ('pipeline_bench' = 'changed')",
                "warehouse_id": warehouse,
                "wait_timeout": "30s",
            },
        )
        while r.get("status", {}).get("state") in ("PENDING", "RUNNING"):
            r = client.call("GET", f"/api/2.0/sql/statements/{r['statement_id']}")
        state = r.get("status", {}).get("state")
        if state != "SUCCEEDED":
            raise RuntimeError(f"ALTER TABLE {name} SET TAGS: {state}: {r.get('status')}")


def main(argv):
    if len(argv) != 7:
        sys.exit(__doc__)
    url, token, warehouse = argv[0], argv[1], argv[2]
    catalogs, schemas, per_schema = (int(a) for a in argv[3:6])
    fraction = float(argv[6])
    total = catalogs * schemas * per_schema
    k = max(1, round(total * fraction))
    work = []
    for j in range(k):
        i = j * total // k
        c, rest = divmod(i, schemas * per_schema)
        s, t = divmod(rest, per_schema)
        work.append((f"cat{c:03}.s{s:03}.t{t:05}", ("owner", "grant", "tag")[j % 3]))

    errors = []
    clients = [Client(url, token) for _ in range(THREADS)]

    def run(n):
        try:
            for full, how in work[n::THREADS]:
                change(clients[n], warehouse, full, how)
        except Exception as e:  # reported below; the other threads finish their share
            errors.append(str(e))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"pipeline_change: {len(errors)} thread(s) failed; first: {errors[0]}")
    counts = {how: sum(1 for _, h in work if h == how) for how in ("owner", "grant", "tag")}
    print(json.dumps({"changed": k, **counts, "requests": sum(c.requests for c in clients)}))


if __name__ == "__main__":
    main(sys.argv[1:])
