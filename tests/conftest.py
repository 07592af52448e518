"""pytest configuration for the zfpcodec test-suite.

* ``oracle`` (session fixture): the real zfpy 1.0.1 in its own venv, see
  ``tests/oracle.py``.  The venv is created on first use (PyPI access needed
  once); the tests using it are skipped *only* if that fails for lack of
  network, otherwise they fail.
* ``zfpy_ours`` (session fixture): the ``zfpy`` module under test (ours).
* Hypothesis profiles: ``ci`` (default) and ``thorough``; select with
  ``HYPOTHESIS_PROFILE=thorough`` (or ``--hypothesis-profile``).  Both skip
  hypothesis' shrink phase (a failure message already names the failing
  cases); ``shrink`` (= ci + shrinking, slow) minimises a failing batch and
  ``dev`` is a 2-3 example smoke run.  No
  derandomization: every session uses a fresh seed that is printed in the
  header and again after failures; rerun with ``--hypothesis-seed=N`` (or
  ``ZFPCODEC_SEED=N``) to reproduce.
* Marker ``slow`` for exhaustive sweeps (CI runs ``-m "not slow"``, which
  still includes a seeded random sample of every sweep).
"""

import os
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

# Each example is a batch of ~100-400 self-describing cases and the failure
# message already names the failing case(s) exactly, so shrinking (hundreds
# of oracle round trips, minutes) is off except in the "shrink" profile.
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
_COMMON = dict(
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture],
)
settings.register_profile("ci", max_examples=10, phases=_NO_SHRINK, **_COMMON)
settings.register_profile("thorough", max_examples=100, phases=_NO_SHRINK, **_COMMON)
settings.register_profile("shrink", max_examples=10, **_COMMON)
settings.register_profile("dev", max_examples=3, phases=_NO_SHRINK, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_SESSION_SEED = [None]


def session_seed():
    """The seed of this session (hypothesis and seeded samples)."""
    return _SESSION_SEED[0]


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: exhaustive sweeps; deselect with -m 'not slow' (CI does)")
    config.addinivalue_line(
        "markers", "oracle: needs the zfpy 1.0.1 oracle venv (network on first use)")
    config.addinivalue_line(
        "markers", "cli: needs Debian's zfp command-line program (/usr/bin/zfp)")
    # The session seed.  This hook runs after the hypothesis plugin's
    # (trylast), so an explicit --hypothesis-seed wins; otherwise pick (and
    # announce) a random seed.  It goes into the environment before
    # pytest-xdist starts its workers (at session start), so every worker
    # draws the same seed and the one printed at the end replays the run.
    from hypothesis import core
    seed = config.getoption("--hypothesis-seed", None)
    if seed is None:
        seed = os.environ.get("ZFPCODEC_SEED")
    if seed is None:
        seed = random.SystemRandom().randrange(2 ** 32)
    try:
        seed = int(seed)
    except ValueError:
        pass
    core.global_force_seed = seed
    _SESSION_SEED[0] = seed
    os.environ["ZFPCODEC_SEED"] = str(seed)
    _check_sanitized_build()


def _check_sanitized_build():
    """Under tools/asan-tests.sh, the engine must be its instrumented build.
    pytest-xdist starts its workers without the script's ``python -S``, so a
    .pth file (an editable install's import hook) could put another build
    first there."""
    site = os.environ.get("ZFPCODEC_SANITIZED_SITE")
    if site:
        from zfpcodec import _zfp
        if not Path(_zfp.__file__).resolve().is_relative_to(Path(site).resolve()):
            raise pytest.UsageError("the engine under test is %s, not the sanitized "
                                    "build in %s" % (_zfp.__file__, site))


def pytest_report_header(config):
    lines = ["zfpcodec: hypothesis profile %r; the session seed is printed at the "
             "end (rerun with --hypothesis-seed=N)" % settings.get_current_profile_name()]
    try:
        import zfpy
        f = getattr(zfpy, "__file__", None)
        lines.append("zfpcodec: zfpy under test: %s" % f)
        if f and "site-packages" in f and "zfpy" in Path(f).name and ".oracle" in f:
            lines.append("zfpcodec: WARNING the zfpy under test is the oracle's own "
                         "zfpy (harness self-check mode): every comparison passes trivially")
    except Exception as e:                              # noqa: BLE001
        lines.append("zfpcodec: zfpy under test NOT importable: %s: %s" % (type(e).__name__, e))
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    seed = _SESSION_SEED[0]
    if seed is not None:
        terminalreporter.write_line(
            "zfpcodec: session seed %s (reproduce: --hypothesis-seed=%s or ZFPCODEC_SEED=%s)"
            % (seed, seed, seed))


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def oracle():
    """The real zfpy 1.0.1, driven in child processes (tests/oracle.py)."""
    from oracle import Oracle, OracleSetupError
    try:
        orc = Oracle.create(log=lambda m: sys.stderr.write("[oracle] %s\n" % m))
        orc.hello()
    except OracleSetupError as e:
        if not e.network_ok:
            pytest.skip("cannot create the zfpy 1.0.1 oracle venv: no network access "
                        "to the package index (%s)" % str(e).splitlines()[0])
        pytest.fail("cannot create/use the zfpy 1.0.1 oracle venv:\n%s" % e, pytrace=False)
    yield orc
    sys.stderr.write("\n[oracle] %d child processes, %d calls, %.1f s in children\n"
                     % (orc.n_processes, orc.n_calls, orc.seconds))


@pytest.fixture(scope="session")
def zfpy_ours():
    """Our ``zfpy`` module (the implementation under test)."""
    import zfpy
    return zfpy


@pytest.fixture(scope="session")
def seed():
    return _SESSION_SEED[0]


@pytest.fixture(scope="session")
def reference_zarr():
    """The reference Zarr stack (LLNL zfpy 1.0.1 + numcodecs' ZFPY + zarr) in
    its own venv, see tests/reference_zarr.py.  Skipped only for lack of
    network when the venv must be built."""
    from oracle import OracleSetupError
    from reference_zarr import ReferenceZarr, ensure_venv
    try:
        return ReferenceZarr(ensure_venv())
    except OracleSetupError as e:
        if not e.network_ok:
            pytest.skip("cannot create the reference zarr venv: no network access "
                        "to the package index (%s)" % str(e).splitlines()[0])
        pytest.fail("cannot create the reference zarr venv:\n%s" % e, pytrace=False)


@pytest.fixture(scope="session")
def zfpcodec_wheel():
    """zfpcodec's wheel for the current sources (tests/venvs.py)."""
    from venvs import zfpcodec_wheel
    return zfpcodec_wheel()
