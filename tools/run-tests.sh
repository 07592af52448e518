#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run it.
#   - Debian's zfp command-line program (interop tests), via apt-get
#   - a virtual environment .venv with zfpcodec and its test extras
#   - the reference zfpy 1.0.1 in its own venv (.oracle/), made by the
#     test setup itself on first use
# Without arguments it runs everything but the exhaustive tests marked slow
# (their seeded samples always run); arguments go to pytest instead, e.g.
#   bash tools/run-tests.sh -m slow        bash tools/run-tests.sh -k header
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v zfp >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zfp >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q ".[test]"

# The package lives under src/, so the tests always import the installed
# build (with its compiled engine), wherever pytest runs from.
[ $# -gt 0 ] || set -- -m "not slow"
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
