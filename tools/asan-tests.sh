#!/usr/bin/env bash
# Run the test suite against a build of the extension with AddressSanitizer
# and UndefinedBehaviorSanitizer (meson's built-in b_sanitize option).
#
#   tools/asan-tests.sh [pytest arguments]
#       default: -m "not slow and not extras" -n "${TEST_WORKERS:-auto}" --dist worksteal
#
# (the extras tests check the wheel in venvs of its own, not the engine)
#
# The instrumented build lives in build/asan (ASAN_BUILD_DIR to move it) and
# is installed into build/asan/site, never into the Python environment, so
# the normal install is untouched.  Python is started with -S so that no
# .pth file (an editable install's import hook among them) can put another
# build of zfpcodec in front of this one; the packages the tests need come
# from the interpreter's own site-packages through PYTHONPATH.  Child
# Pythons started by the tests inherit the flags (tests/hostile_runner.py
# passes -S on) and the environment.
#
# Any ASan error or UBSan diagnostic aborts the process, so a clean run is
# one where pytest passes and no report was written.  Leak detection is off:
# CPython keeps memory alive until exit by design (tests/test_leaks.py
# covers our leaks).
#
# Environment: PYTHON (default .venv/bin/python if it exists, else python3),
# CC (default gcc, whose libasan is preloaded), ASAN_BUILD_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${ASAN_BUILD_DIR:-$ROOT/build/asan}
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHON
CC=${CC:-gcc}
export CC

# -O1, as the sanitizers' own documentation advises, and without the
# engine's forced inlining (csrc/inline.h): with it, GCC took 8 minutes
# over block_codec.c alone; without, the build takes under a minute and the
# suite runs as fast.
tools/build-instrumented.sh "$BUILD" -Db_sanitize=address,undefined -Doptimization=1 \
  -Dc_args="-fno-omit-frame-pointer -fsanitize=float-cast-overflow -DZFPC_NO_FORCED_INLINE"

RUNTIME=$("$CC" -print-file-name=libasan.so)
if [ ! -e "$RUNTIME" ]; then
  echo "asan-tests: $CC has no libasan.so ($RUNTIME)" >&2
  exit 2
fi
# C++ extensions among the test dependencies (matplotlib's) throw
# exceptions: ASan intercepts __cxa_throw and finds the real one only if
# libstdc++ is loaded when it starts, so it is preloaded too.
CXXRUNTIME=$("$CC" -print-file-name=libstdc++.so.6)
PACKAGES=$("$PYTHON" -c 'import sysconfig; p = sysconfig.get_paths(); print(p["purelib"] + ":" + p["platlib"])')

if [ $# -eq 0 ]; then
  set -- -m "not slow and not extras" -n "${TEST_WORKERS:-auto}" --dist worksteal
fi
# Reports must not be lost in pytest's capture of file descriptor 2 when
# the process aborts: pytest captures only Python's sys.stderr
# (--capture=sys), and ASan also writes its reports to files.
LOGS=$BUILD/reports
rm -rf "$LOGS"
mkdir -p "$LOGS"
export LD_PRELOAD="$RUNTIME${CXXRUNTIME:+:$CXXRUNTIME}"
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:log_path=$LOGS/asan
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$LOGS/ubsan
export PYTHONPATH=$BUILD/site:$PACKAGES
export ZFPCODEC_SANITIZED=1
unset PYTHONUNBUFFERED  # Python as users run it (see tools/run-tests.sh)
# pytest-xdist starts its workers without -S: tests/conftest.py checks in
# each of them that zfpcodec's engine is still the one built here.
export ZFPCODEC_SANITIZED_SITE=$BUILD/site
status=0
(cd "$ROOT" && "$PYTHON" -S -P -m pytest -p no:cacheprovider --capture=sys "$@") || status=$?
unset LD_PRELOAD
# Warnings (an allocation too large for the sanitizer's allocator, which a
# test may ask for on purpose) are shown; errors fail the run.
if compgen -G "$LOGS/*" >/dev/null; then
  echo "asan-tests: sanitizer output:" >&2
  cat "$LOGS"/* >&2
  if grep -q -E "ERROR: |runtime error" "$LOGS"/*; then
    [ "$status" -ne 0 ] || status=1
  fi
fi
exit "$status"
