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
    "$PY" -m pip install --disable-pip-version-check -q --upgrade "pip<24.1" wheel -c "$ROOT/constraints.txt"
    "$PY" -m pip install --disable-pip-version-check -q -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt"
    echo "$want" > "$VENV/.installed"
  fi
}

ensure_web_assets() {
  command -v npm >/dev/null 2>&1 ||
    die "npm is missing: the web page's chat widget (rasa-webchat), React, Chart.js and the Korean font are installed from npm. Install Node.js with npm (e.g. 'apt-get install nodejs npm') and retry."
  local web="$ROOT/webpage" want have=""
  want="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
  [ -f "$web/node_modules/.installed" ] && have="$(cat "$web/node_modules/.installed")"
  if [ "$want" != "$have" ]; then
    echo "==> installing the web page's assets with npm ci"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$web/node_modules/.installed"
  fi
}

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser of its own).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    apt-get install -y -q chromium >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; } ||
      die "could not install chromium with apt-get; install Debian's 'chromium' package and retry."
  else
    die "chromium is missing: the browser tests drive Debian's Chromium. Run 'sudo apt-get install chromium' and retry."
  fi
}

check_java
ensure_venv
ensure_web_assets
[ "${NEED_BROWSER:-0}" = 1 ] && ensure_chromium
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
umask 077  # var/ holds customer data and secrets: what every process started from here writes is its own
mkdir -p -m 700 "$ROOT/var" && chmod 700 "$ROOT/var"
mkdir -p "$ROOT/models"
