#!/usr/bin/env bash
# brickkit's nightly governance job: collect a snapshot of the workspace, detect drift and
# policy violations against the governance tree (offline, against that snapshot), record both
# in the history store, and prune old snapshots. Run it from cron, from a CI schedule
# (nightly.yml beside this file) or as a Databricks job task.
#
# Connection: Databricks unified auth — DATABRICKS_HOST with DATABRICKS_TOKEN, a profile
# (DATABRICKS_CONFIG_PROFILE) or OAuth M2M (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET),
# and DATABRICKS_WAREHOUSE_ID for bulk collection. Settings (environment, with defaults):
#   BRICKKIT           the brickkit binary                       (brickkit)
#   BRICKKIT_TREE      the governance directory                  (governance)
#   BRICKKIT_ENV       the environment to check                  (prd)
#   BRICKKIT_SNAPSHOTS where snapshots and history.sqlite live    (snapshots)
#   BRICKKIT_REPORTS   where the JSON drift reports go           (reports)
#   KEEP_LAST / KEEP_DAILY / KEEP_WEEKLY  retention per lineage  (7 / 30 / 12)
#
# Exit code: 2 if a step failed, else 3 if the snapshot is partial (collection issues:
# something could not be read), else 1 if drift or violations were found, else 0. Every step
# runs whatever the one before found, so a partial night still records what it saw.
set -euo pipefail

BRICKKIT="${BRICKKIT:-brickkit}"
TREE="${BRICKKIT_TREE:-governance}"
ENVIRONMENT="${BRICKKIT_ENV:-prd}"
SNAPSHOTS="${BRICKKIT_SNAPSHOTS:-snapshots}"
REPORTS="${BRICKKIT_REPORTS:-reports}"
HISTORY="$SNAPSHOTS/history.sqlite"

mkdir -p "$SNAPSHOTS" "$REPORTS"

# 1. Collect (bulk: information_schema through the SQL warehouse). Prints the path last.
collect=0
out="$("$BRICKKIT" snapshot collect --mode bulk --out "$SNAPSHOTS" --history "$HISTORY" \
  --fail-on-issues)" || collect=$?
if [[ $collect -ne 0 && $collect -ne 3 ]]; then
  echo "nightly: snapshot collect failed (exit $collect)" >&2
  exit 2
fi
snapshot="$(tail -n 1 <<<"$out")"
echo "nightly: collected $snapshot"

# 2. Detect, offline against that snapshot; the JSON report is kept beside the others.
detect=0
report="$REPORTS/drift-$ENVIRONMENT-$(basename "$snapshot" .sqlite).json"
"$BRICKKIT" drift detect "$TREE" --env "$ENVIRONMENT" --snapshot "$snapshot" \
  --history "$HISTORY" --format json --output "$report" || detect=$?
if [[ $detect -gt 1 ]]; then
  echo "nightly: drift detect failed (exit $detect)" >&2
  exit 2
fi
echo "nightly: report $report (exit $detect)"

# 3. Prune: the newest snapshot of every lineage always stays; the history keeps its events.
"$BRICKKIT" snapshot prune "$SNAPSHOTS" --keep-last "${KEEP_LAST:-7}" \
  --keep-daily "${KEEP_DAILY:-30}" --keep-weekly "${KEEP_WEEKLY:-12}" || {
  echo "nightly: snapshot prune failed" >&2
  exit 2
}

if [[ $collect -eq 3 ]]; then exit 3; fi
exit "$detect"
