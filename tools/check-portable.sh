#!/usr/bin/env bash
# The C engine beyond GCC on Linux: the engine's own test driver
# (tests/c/engine_test.c: zfpy's stream and value hashes, threads, round
# trips, refusals) built and run
#   - with clang -std=c99 -pedantic -Werror -Wvla (Apple clang's dialect;
#     no variable-length arrays, which MSVC lacks)
#   - with GCC and the plain-C fallbacks of csrc/portable.h
#   - for Windows with mingw-w64, on Windows threads (csrc/threads.h), with
#     the GCC builtins and with the MSVC intrinsics of csrc/portable.h, and
#     run under Wine
# Missing compilers and Wine are installed with apt-get (Debian packages
# clang, gcc-mingw-w64-x86-64, wine64).  Builds go to build/portable/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/build/portable
mkdir -p "$OUT"

need=()
command -v clang >/dev/null || need+=(clang)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || need+=(wine64)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

SOURCES=(tests/c/engine_test.c csrc/*.c)
WARN=(-std=c99 -O2 -Wall -Wextra -Werror -Icsrc)

check() {  # name, then the command that runs the driver
  local name=$1 log=$OUT/run.log
  local want="$(grep -c '^  {"' tests/c/engine_test.c) passed, 0 failed"
  shift
  # (Windows writes \r\n; Wine may add its own lines)
  if "$@" >"$log" 2>&1 && tr -d '\r' <"$log" | grep -qx "$want"; then
    echo "check-portable: $name: $want"
  else
    cat "$log"
    echo "check-portable: FAILED: $name" >&2
    exit 1
  fi
}

# The four builds (about a minute each, most of it csrc/block_codec.c) run
# at once, one per core and more; each is then run in turn.
build() {  # output, then the compiler and its arguments
  local out=$1
  shift
  "$@" -o "$out" >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
}
builds=()
build "$OUT/clang-pedantic" clang "${WARN[@]}" -pedantic -Wvla "${SOURCES[@]}" -lm -lpthread &
builds+=($!)
build "$OUT/gcc-generic" gcc "${WARN[@]}" -DZFPC_BITOPS_GENERIC "${SOURCES[@]}" -lm -lpthread &
builds+=($!)
build "$OUT/engine_test-builtins.exe" x86_64-w64-mingw32-gcc "${WARN[@]}" "${SOURCES[@]}" &
builds+=($!)
build "$OUT/engine_test-msvc.exe" x86_64-w64-mingw32-gcc "${WARN[@]}" -DZFPC_BITOPS_MSVC \
  "${SOURCES[@]}" &
builds+=($!)
for job in "${builds[@]}"; do
  wait "$job" || { echo "check-portable: FAILED: a build (above)" >&2; exit 1; }
done

check "clang -std=c99 -pedantic" "$OUT/clang-pedantic"
check "gcc, plain-C bit operations" "$OUT/gcc-generic"

export WINEPREFIX=$OUT/wine WINEDEBUG=-all
for variant in builtins msvc; do
  exe=$OUT/engine_test-$variant.exe
  # Windows threads, not a pthread emulation: the program imports no
  # pthread library
  if x86_64-w64-mingw32-objdump -p "$exe" | grep -qi "pthread"; then
    echo "check-portable: FAILED: $exe links a pthread library" >&2
    exit 1
  fi
  check "mingw-w64 ($variant bit operations), Windows threads, under Wine" \
    timeout 300 /usr/lib/wine/wine64 "$exe"
done
