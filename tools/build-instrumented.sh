#!/usr/bin/env bash
# Build the extension with extra compiler flags into its own folder and
# install zfpcodec + zfpy there (BUILD/site), away from the Python
# environment.  Used by tools/asan-tests.sh and tools/fuzz.sh.
#
#   tools/build-instrumented.sh BUILD_DIR [meson setup options...]
#
# PYTHON names the interpreter (meson, ninja and cython are pip-installed
# into it when missing); CC the compiler.  The options only apply when
# BUILD_DIR is set up, so delete it to change them.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$1
shift
PYTHON=${PYTHON:-python3}
SITE=$BUILD/site

cd "$ROOT"
PATH=$(dirname "$("$PYTHON" -c 'import sys; print(sys.executable)')"):$PATH
export PATH
if ! "$PYTHON" -c "import mesonbuild, Cython" 2>/dev/null || ! command -v ninja >/dev/null; then
  "$PYTHON" -m pip install -q meson ninja cython
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  "$PYTHON" -m mesonbuild.mesonmain setup "$BUILD" \
    -Dbuildtype=debugoptimized -Db_lundef=false \
    -Dpython.purelibdir="$SITE" -Dpython.platlibdir="$SITE" "$@" >/dev/null
fi
"$PYTHON" -m mesonbuild.mesonmain compile -C "$BUILD" >/dev/null
rm -rf "$SITE"
"$PYTHON" -m mesonbuild.mesonmain install -C "$BUILD" --no-rebuild --quiet
