#!/usr/bin/env bash
# Trains the Rasa model when its inputs changed (config, domain, NLU data,
# knowledge base, our NLP components); otherwise does nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
python -m bot.kb.faq
if python -m scripts.model_fingerprint --check; then
  echo "==> Rasa model is up to date (models/current.tar.gz)"
else
  echo "==> training the Rasa model (a few minutes on 2 cores)"
  start=$(date +%s)
  inputs=$(python -m scripts.model_fingerprint --print)
  rm -f models/current.fingerprint
  rasa train --config config.yml --domain domain.yml --data nlu_data \
    --out models --fixed-model-name current --augmentation 20 --quiet
  python -m scripts.model_fingerprint --write "$inputs"
  echo "==> trained in $(( $(date +%s) - start ))s"
fi
