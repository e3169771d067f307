#!/usr/bin/env bash
# Quick start, step 1: create .venv with the pinned packages, install Marp's CLI from the
# npm lock file (when Node is present) and build the slides. Extra arguments go to build.py.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'

if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "setup.sh: npm not found; the Markdown deck is still built, but rendering it to HTML" \
       "needs Node.js 18+ and npm (Debian: apt-get install nodejs npm)." >&2
fi

.venv/bin/python build.py "$@"
