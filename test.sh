#!/usr/bin/env bash
# The test command: installs what is missing, lints and type-checks (scripts/lint.sh), trains the Rasa
# model if its inputs changed and the credit model if missing, then runs the whole suite (unit, HTTP
# conversation tests against real servers, PostgreSQL tests). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
NEED_BROWSER=1 source scripts/bootstrap.sh
bash scripts/lint.sh
bash scripts/train.sh
bash scripts/credit_model.sh
exec python -m pytest "$@"
