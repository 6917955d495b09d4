#!/usr/bin/env bash
# Lint and type check (issue #13), as pyproject.toml configures them: ruff over bot/, actions/, tests/,
# bench/ and scripts/; mypy over bot/ and actions/. test.sh runs it before the tests; it stops at the
# first tool that finds something, with that tool's findings above its message.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
cd "$ROOT"

for tool in ruff mypy; do
  [ -x "$BIN/$tool" ] || { echo "lint: $tool is missing from .venv; run ./test.sh once to install requirements.txt" >&2; exit 1; }
done

start=$SECONDS
"$BIN/ruff" check --quiet --output-format concise . || {
  echo "lint: ruff found the problems above ('.venv/bin/ruff check --fix .' fixes import order and unused imports)" >&2
  exit 1
}
found="$("$BIN/mypy" --no-error-summary 2>&1)" || {
  printf '%s\n' "$found" >&2
  echo "lint: mypy found the type errors above" >&2
  exit 1
}
echo "lint: ruff and mypy clean ($((SECONDS - start))s)"
