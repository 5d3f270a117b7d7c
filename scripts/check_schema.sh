#!/usr/bin/env bash
# The JSON Schema of the declaration files (docs/schema/brickkit.schema.json, printed by
# `brickkit schema`) against an independent validator (check-jsonschema from PyPI):
#   1. the checked-in file is what `brickkit schema` prints (cargo test checks it too);
#   2. every example YAML file validates against it;
#   3. a file the loader refuses for an unknown key is refused by the schema too (a
#      resource file and brickkit.yaml), and a wrong type likewise.
# Needs ./target/debug/brickkit (built by .ci/run before this step).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${LINT_VENV:-$ROOT/.venv-lint}"
if ! "$VENV/bin/check-jsonschema" --version >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check check-jsonschema
fi
BK=./target/debug/brickkit
SCHEMA=docs/schema/brickkit.schema.json

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$BK" schema all >"$tmp/printed.json"
if ! cmp -s "$tmp/printed.json" "$SCHEMA"; then
  echo "check_schema: $SCHEMA differs from \`brickkit schema all\` (UPDATE_EXPECT=1 cargo test --test it schema)" >&2
  exit 1
fi

mapfile -t examples < <(find examples/governance -name '*.yaml' -o -name '*.yml' | sort)
"$VENV/bin/check-jsonschema" --schemafile "$SCHEMA" "${examples[@]}"
for f in "${examples[@]}"; do
  grep -q '^# yaml-language-server: \$schema=' "$f" || {
    echo "check_schema: $f has no yaml-language-server \$schema line" >&2
    exit 1
  }
done

# refuse NAME SED_EXPR FILE: break FILE in a copy of the example tree; the loader must
# refuse it (exit 2, unknown-key or type) and so must the schema.
refuse() {
  local name="$1" expr="$2" file="$3" code="$4"
  local tree="$tmp/$name"
  cp -r examples/governance "$tree"
  sed -i "$expr" "$tree/$file"
  if cmp -s "$tree/$file" "examples/governance/$file"; then
    echo "check_schema: $name: the edit changed nothing" >&2
    exit 1
  fi
  set +e
  "$BK" validate "$tree" >"$tmp/$name.out" 2>&1
  rc=$?
  set -e
  if [ "$rc" -ne 2 ] || ! grep -q "error\[$code\]" "$tmp/$name.out"; then
    echo "check_schema: $name: the loader did not refuse it with $code (exit $rc)" >&2
    cat "$tmp/$name.out" >&2
    exit 1
  fi
  if "$VENV/bin/check-jsonschema" --schemafile "$SCHEMA" "$tree/$file" >"$tmp/$name.schema" 2>&1; then
    echo "check_schema: $name: the loader refuses it ($code) but the schema accepts it" >&2
    exit 1
  fi
  echo "check_schema: $name: refused by the loader ($code) and by the schema"
}
refuse resource-unknown-key '0,/    comment:/s//    comentt:/' catalogs/sales.yaml unknown-key
refuse project-unknown-key 's/^default_environment:/default_environmnet:/' brickkit.yaml unknown-key
refuse convention-unknown-key '0,/^rules:/s//rulez:/' conventions/acme.yaml unknown-key
refuse resource-wrong-type '0,/create: true/s//create: maybe/' catalogs/sales.yaml type
echo "check_schema: ${#examples[@]} example files valid against $SCHEMA; broken files refused by both"
