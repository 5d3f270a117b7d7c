#!/usr/bin/env bash
# The README's apply walkthrough, checked (issue #14): a `ucsim serve` workspace seeded with
# the shipped example's drift (examples/ucsim/example-seed.json); `drift plan --out`, then
# `drift apply --plan --auto-approve` exits 0; the official Databricks Python SDK reads back
# every attribute the plan set (grants, owners, tags, comments, filters, masks) and finds
# the target; `drift detect` finds no drifted field; a second apply sends no mutating
# request (counted in ucsim's request log); the history tells the story; the token appears
# in no output, plan, report or history row.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${UCSIM_VENV:-$ROOT/.venv-ucsim}"
TOKEN="apply-ci-token-5f1c0ffee"
if ! "$VENV/bin/python" -c 'import databricks.sdk' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check databricks-sdk
fi
cargo build --quiet --workspace --bins
B="$ROOT/target/debug/brickkit"
WORK="$(mktemp -d)"
LOG="$WORK/ucsim.log"
"$ROOT/target/debug/ucsim" serve --addr 127.0.0.1:0 --token "$TOKEN" --warehouse W \
  --seed examples/ucsim/example-seed.json >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
URL=""
for _ in $(seq 1 100); do
  if LINE="$(head -n 1 "$LOG" 2>/dev/null)" && [[ "$LINE" == "ucsim listening on "* ]]; then
    URL="${LINE#ucsim listening on }"
    break
  fi
  sleep 0.1
done
[[ -n "$URL" ]] || { cat "$LOG" >&2; echo "check_apply: ucsim did not start" >&2; exit 1; }

export DATABRICKS_HOST="$URL" DATABRICKS_TOKEN="$TOKEN" DATABRICKS_WAREHOUSE_ID=W
COMMON=(--history "$WORK/history.sqlite")
LIVE=(--snapshots-dir "$WORK/snaps" "${COMMON[@]}")
count_mutating() {
  "$VENV/bin/python" - "$URL" <<'PY'
import json, sys, urllib.request
entries = json.load(urllib.request.urlopen(sys.argv[1] + "/ucsim/requests"))["requests"]
def mutating(e):
    if e["method"] == "GET" or e["path"].startswith("/ucsim") or e["path"].endswith("/cancel"):
        return False
    if e["path"].rstrip("/").endswith("/sql/statements"):
        st = (e.get("body") or {}).get("statement", "").lstrip().upper()
        return not st.startswith(("SELECT", "DESCRIBE", "SHOW"))
    return True
print(sum(1 for e in entries if mutating(e)))
PY
}

echo "-- drift plan (live) --out"
set +e
"$B" drift plan examples/governance --env dev "${LIVE[@]}" --out "$WORK/p.bkplan" >"$WORK/plan.txt"
rc=$?
set -e
[[ $rc -eq 1 ]] || { cat "$WORK/plan.txt"; echo "drift plan: expected exit 1, got $rc" >&2; exit 1; }
tail -n 1 "$WORK/plan.txt"
"$B" drift show-plan "$WORK/p.bkplan" --format json >"$WORK/plan.json" || true

echo "-- drift apply --plan --auto-approve"
"$B" drift apply --plan "$WORK/p.bkplan" --auto-approve "${COMMON[@]}" --format json --output "$WORK/apply1.json"
first=$(count_mutating)

echo "-- the official SDK reads back every planned attribute"
"$VENV/bin/python" scripts/check_apply_sdk.py "$URL" "$TOKEN" "$WORK/plan.json"

echo "-- drift detect (live): no drifted field"
set +e
"$B" drift detect examples/governance --env dev "${LIVE[@]}" --format json >"$WORK/detect.json"
set -e
"$VENV/bin/python" - "$WORK/detect.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["summary"]["by_category"]
assert c["drifted"] == 0 and r["drifted"] == [], f"drift detect after apply still reports drifted fields: {c}"
# What the plan left alone stays: the two reference tables it never creates.
assert c["missing"] == 2, c
print("drift detect after apply:", c)
PY

echo "-- a second apply sends no mutating request"
"$B" drift apply --plan "$WORK/p.bkplan" --auto-approve "${COMMON[@]}" --format json --output "$WORK/apply2.json"
second=$(count_mutating)
[[ "$first" -eq "$second" ]] || { echo "second apply sent $((second - first)) mutating request(s)" >&2; exit 1; }
echo "mutating requests: $first after the first apply, none more after the second"

echo "-- the history tells the story"
"$B" history show --history "$WORK/history.sqlite" >"$WORK/show.txt"
grep -E "^.{24}  plan sha256:" "$WORK/show.txt"
grep -E "apply .* finished .*15 applied; residual drift 0; 15 mutating requests" "$WORK/show.txt"
grep -E "apply .* finished .*15 already done; 0 mutating requests" "$WORK/show.txt"
applied_rows=$("$B" query queries/changes_applied.sql --history "$WORK/history.sqlite" --format csv | tail -n +2 | wc -l)
[[ "$applied_rows" -eq 21 ]] || { echo "changes_applied.sql: expected 21 changes, got $applied_rows" >&2; exit 1; }
echo "changes_applied.sql: $applied_rows changes"

outside=$("$B" query queries/grants_outside_brickkit.sql --history "$WORK/history.sqlite" --format csv)
echo "$outside"
if grep -q "fx_rates" <<<"$outside"; then echo "grants_outside_brickkit.sql counts the grant brickkit applied" >&2; exit 1; fi

echo "-- no secret anywhere"
if grep -rl --binary-files=text "$TOKEN" "$WORK" --exclude=ucsim.log; then
  echo "the token appears in the files above" >&2
  exit 1
fi
echo "check_apply: ok"
