#!/usr/bin/env bash
# Makes .venv (Python 3.10) and installs the pinned requirements when they
# changed since the last install. Sourced by run.sh and test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

die() { echo "error: $*" >&2; exit 1; }

find_python310() {
  local candidate
  for candidate in "$(command -v python3.10 2>/dev/null || true)" \
                   "$( (pyenv prefix 3.10 2>/dev/null || true) | head -n1)/bin/python3.10"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] &&
       "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

check_java() {
  command -v java >/dev/null 2>&1 && java -version >/dev/null 2>&1 ||
    die "Java is missing: KoNLPy's Komoran analyzer runs on the JVM. Install a JDK (e.g. 'apt-get install default-jdk-headless') and retry."
}

ensure_venv() {
  if [ ! -x "$PY" ] || ! "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    local base
    base="$(find_python310)" || die "Python 3.10 is missing (Rasa 3.6 supports 3.8-3.10). Put python3.10 on PATH or install it with 'pyenv install 3.10'."
    echo "==> creating .venv with $base"
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
  fi
  local want have=""
  want="$(cat "$ROOT/requirements.txt" "$ROOT/constraints.txt" | sha256sum | cut -d' ' -f1)"
  [ -f "$VENV/.installed" ] && have="$(cat "$VENV/.installed")"
  if [ "$want" != "$have" ]; then
    echo "==> installing requirements (first time: a few minutes)"
    "$PY" -m pip install --disable-pip-version-check -q --upgrade "pip<24.1" wheel
    "$PY" -m pip install --disable-pip-version-check -q -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt"
    echo "$want" > "$VENV/.installed"
  fi
}

check_java
ensure_venv
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
mkdir -p "$ROOT/var" "$ROOT/models"
