"""Inputs the fuzzer (tools/fuzz.sh) found crashing or misbehaving, and the
fuzzer's seed corpus, replayed through its harness (tools/fuzz/harness.py)
in a child process each run: an array or ZFPError, never a crash, a
sanitizer report or another exception.

To add a finding, copy the crash-* file that tools/fuzz.sh left in
build/fuzz/ to tools/fuzz/regressions/ under a name that says what it
broke.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FUZZ = HERE.parent / "tools" / "fuzz"
REGRESSIONS = sorted(p for p in (FUZZ / "regressions").glob("*") if p.is_file())
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(FUZZ))

from hostile_runner import run_functions  # noqa: E402


def _replay(path: Path):
    def replay():
        import harness
        harness.check(path.read_bytes())
    return replay


# One function per saved input, for the child to call by name.
for _path in REGRESSIONS:
    globals()["replay_" + _path.name.replace("-", "_").replace(".", "_")] = _replay(_path)


def replay_seed_corpus():
    import harness
    import seeds
    count = 0
    for seed in seeds._seeds():
        harness.check(seed)
        count += 1
    return f"{count} seeds"


@pytest.fixture(scope="module")
def outcomes():
    names = [name for name in globals() if name.startswith("replay_")]
    return run_functions(Path(__file__), names, timeout=120)


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_fuzzer_finding_stays_fixed(path, outcomes):
    outcome = outcomes["replay_" + path.name.replace("-", "_").replace(".", "_")]
    assert outcome.kind == "returned", outcome.describe() + "\n" + outcome.detail


def test_fuzzer_seed_corpus_decodes_without_error(outcomes):
    outcome = outcomes["replay_seed_corpus"]
    assert outcome.kind == "returned", outcome.describe() + "\n" + outcome.detail
