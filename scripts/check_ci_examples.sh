#!/usr/bin/env bash
# Check the GitHub Actions workflows of examples/ci/ against the GitHub workflow JSON Schema
# (check-jsonschema's vendored copy, so no network is needed once it is installed), and
# prove the check can fail: a workflow with a misspelt key must be refused. The nightly
# script itself is executed against ucsim by `cargo test` (tests/it/schedule.rs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${LINT_VENV:-$ROOT/.venv-lint}"
if ! "$VENV/bin/check-jsonschema" --version >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check check-jsonschema
fi
"$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows examples/ci/*.yml
bad="$(mktemp --suffix .yml)"
trap 'rm -f "$bad"' EXIT
sed 's/runs-on:/runs_on:/' examples/ci/drift.yml >"$bad"
if "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$bad" >/dev/null 2>&1; then
  echo "check_ci_examples: the schema accepted a workflow with a misspelt key" >&2
  exit 1
fi
bash -n examples/ci/nightly.sh
echo "check_ci_examples: examples/ci workflows valid; a broken one is refused"
