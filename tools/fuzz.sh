#!/usr/bin/env bash
# Fuzz zfpy.decompress_numpy and _decompress with atheris (libFuzzer).
#
#   tools/fuzz.sh [SECONDS] [libFuzzer options...]     default: 60 seconds
#
# With clang installed (FUZZ_INSTALL_CLANG=1 apt-get installs it), the C
# engine is built into build/fuzz/ext with coverage instrumentation
# (-fsanitize=fuzzer-no-link) plus AddressSanitizer and UBSan, and
# libFuzzer sees the engine's branches; without clang only the Python
# layers are coverage-guided and the installed zfpcodec is fuzzed.
#
# The seed corpus (streams of every type, rank and mode, and the reference
# corpus under tests/data) is written to build/fuzz/seeds; what the fuzzer
# learns accumulates in build/fuzz/corpus, so a longer run goes on from
# where the last one stopped.  A crash, hang, sanitizer report or
# unexpected exception stops the run with a non-zero status and leaves the
# input in build/fuzz/ as crash-*, timeout-* or oom-*: copy it to
# tools/fuzz/regressions/ and tests/test_hostile_fuzz_regressions.py
# replays it from then on.
#
# Environment:
#   PYTHON              interpreter (default .venv/bin/python if it exists,
#                       else python3); atheris is pip-installed if missing
#   FUZZ_DIR            seeds, corpus, builds and findings (default build/fuzz)
#   FUZZ_NATIVE         0 to skip the instrumented engine even with clang
#   FUZZ_INSTALL_CLANG  1 to apt-get install clang, and its sanitizer and
#                       libFuzzer runtime, when they are missing (Debian
#                       ships the runtime apart: libclang-rt-N-dev)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_TO_RUN=${1:-60}
shift || true
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHON
FUZZ_DIR=${FUZZ_DIR:-$ROOT/build/fuzz}

"$PYTHON" -c "import atheris" 2>/dev/null || "$PYTHON" -m pip install -q atheris
mkdir -p "$FUZZ_DIR/corpus" "$FUZZ_DIR/seeds"

# Whether clang links a program with the sanitizers and libFuzzer's hooks
# (clang alone, as tools/check-portable.sh installs it, does not).
clang_can_fuzz() {
  command -v clang >/dev/null &&
    echo 'int main(void) { return 0; }' |
      clang -x c - -fsanitize=fuzzer-no-link,address,undefined -o "$FUZZ_DIR/probe" 2>/dev/null
}
if [ "${FUZZ_INSTALL_CLANG:-0}" = 1 ] && ! clang_can_fuzz; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
  major=$(clang -dumpversion | cut -d. -f1)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "libclang-rt-$major-dev" >/dev/null
fi
# Seeds come from the installed zfpcodec; run outside the source tree so
# that the source folder cannot shadow the built package.
(cd "$FUZZ_DIR" && "$PYTHON" -P "$ROOT/tools/fuzz/seeds.py" seeds)
python_flags=(-P)
if [ "${FUZZ_NATIVE:-1}" = 1 ] && clang_can_fuzz; then
  # The engine instrumented for libFuzzer's coverage, ASan and UBSan,
  # without its forced inlining (csrc/inline.h: block_codec.c took clang
  # 4 minutes with it, 8 seconds without).
  CC=clang tools/build-instrumented.sh "$FUZZ_DIR/ext" \
    -Dc_args="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -DZFPC_NO_FORCED_INLINE" \
    -Dc_link_args="-fsanitize=address,undefined"
  # One preloaded runtime holding clang's ASan (with UBSan) and libFuzzer:
  # atheris then uses this libFuzzer instead of its own copy, and the
  # engine's coverage counters reach it (in two separate libraries ASan's
  # weak coverage stubs would shadow libFuzzer's; linked together,
  # libFuzzer's strong definitions win).  ASan's preinit object cannot go
  # into a shared library and is left out.
  RUNTIME=$FUZZ_DIR/rt/asan_with_fuzzer.so
  if [ ! -f "$RUNTIME" ]; then
    RUNTIMES=$(clang --print-runtime-dir)
    objects=$(mktemp -d)
    (cd "$objects" && ar x "$RUNTIMES/libclang_rt.asan-x86_64.a" && rm -f asan_preinit.cpp.o)
    mkdir -p "$FUZZ_DIR/rt"
    clang++ -shared -o "$RUNTIME" "$objects"/*.o \
      -Wl,--whole-archive "$RUNTIMES/libclang_rt.fuzzer_no_main-x86_64.a" \
      -Wl,--no-whole-archive -lpthread -ldl -lrt -lm
    rm -rf "$objects"
  fi
  PACKAGES=$("$PYTHON" -c 'import sysconfig; p = sysconfig.get_paths(); print(p["purelib"] + ":" + p["platlib"])')
  export PYTHONPATH=$FUZZ_DIR/ext/site:$PACKAGES
  export LD_PRELOAD=$RUNTIME
  export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  python_flags=(-S -P)
  echo "fuzz: engine instrumented for coverage, ASan and UBSan ($FUZZ_DIR/ext)"
else
  echo "fuzz: no clang with its sanitizer runtime: only the Python layers are coverage-guided"
fi

cd "$FUZZ_DIR"
exec "$PYTHON" "${python_flags[@]}" "$ROOT/tools/fuzz/fuzz_decompress.py" \
  -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$FUZZ_DIR/" "$@" \
  corpus seeds
