#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run it.
#   - Debian's zfp command-line program (interop tests), via apt-get
#   - a virtual environment with zfpcodec and its test extras
#   - the reference zfpy 1.0.1 in its own venv (.oracle/), made by the
#     test setup itself on first use
# Without arguments it runs everything but the exhaustive tests marked slow
# (their seeded samples always run); arguments go to pytest instead, e.g.
#   bash tools/run-tests.sh -m slow        bash tools/run-tests.sh -k header
#
# Environment:
#   PYTHON       the interpreter to test (default python3, into .venv; any
#                other, e.g. PYTHON=python3.13, gets .venv-3.13)
#   VENV         the virtual environment's folder instead
#   CONSTRAINTS  a pip constraints file, e.g. tools/lowest.txt (the lowest
#                releases of numpy, numcodecs and zarr that we support)
#   ZFPCODEC_WHEEL  a built wheel of zfpcodec to test (its Python's)
#   TEST_WORKERS pytest-xdist's processes (default: one per core; 0 runs the
#                tests in pytest's own process, as -s or --pdb need)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v zfp >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zfp >/dev/null
fi

if [ -z "${VENV:-}" ]; then
  if [ -z "${PYTHON:-}" ]; then
    VENV=.venv
  else
    VENV=.venv-$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  fi
fi
"${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# ZFPCODEC_WHEEL: test that built wheel (CI: the one tools/check-wheel.sh
# checked) instead of building the package from this folder.
"$VENV/bin/python" -m pip install -q ${CONSTRAINTS:+-c "$CONSTRAINTS"} "${ZFPCODEC_WHEEL:-.}[test]"
if [ -n "${ZFPCODEC_WHEEL:-}" ]; then  # pip skips a wheel of the installed version
  "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$ZFPCODEC_WHEEL"
fi

# Python as users run it: buffered stdout (a machine's PYTHONUNBUFFERED=1
# once hid a command that failed on a buffered pipe).
unset PYTHONUNBUFFERED

# The package lives under src/, so the tests always import the installed
# build (with its compiled engine), wherever pytest runs from.
[ $# -gt 0 ] || set -- -m "not slow"
# worksteal: a worker that runs out takes queued tests from the other, so a
# few long tests left at the end do not leave a core idle.
exec "$VENV/bin/python" -m pytest -p no:cacheprovider -n "${TEST_WORKERS:-auto}" --dist worksteal "$@"
