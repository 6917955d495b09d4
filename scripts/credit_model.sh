#!/usr/bin/env bash
# Trains the production credit model when models/credit/ is missing or was
# written by another model or library version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if python -c "from bot.credit.artifact import load_artifact; load_artifact('models/credit')" 2>/dev/null; then
  echo "==> credit model is up to date (models/credit)"
else
  echo "==> training the credit model (about a minute)"
  python -m bot.credit train --out models/credit
fi
