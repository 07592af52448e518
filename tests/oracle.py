"""The reference implementation (ORACLE): the real zfpy 1.0.1 from PyPI.

Our package owns the module name ``zfpy``, so the genuine zfpy 1.0.1 cannot
be imported next to it.  Instead it lives in its own virtual environment
(created once and cached, see :func:`ensure_venv`) and is driven through a
child process (``tests/oracle_worker.py``) that executes one *batch* of calls
per process.

Typical use::

    from oracle import Oracle, Call, Layout, run_local
    orc = Oracle.create()                      # builds the venv if needed
    calls = [Call("compress_numpy", arr, rate=8.0),
             Call("decompress_numpy", stream)]
    theirs = orc.run(calls)                    # list of Result
    ours = run_local(zfpy, calls)              # same calls on our zfpy

Each :class:`Result` holds either the returned value or the exception type
name and message, so one failing call does not spoil the batch.  If the child
dies (zfpy segfaults or aborts on some inputs, e.g. float rates below the
block header or empty arrays), :class:`OracleCrashed` names the batch, the
number of calls completed and the call that was running; a hung child is
killed after ``timeout`` seconds and reported the same way.

Environment variables:

``ZFPCODEC_ORACLE_VENV``    venv location (default ``<repo>/.oracle/venv``)
``ZFPCODEC_ORACLE_PYTHON``  interpreter used to create the venv
                            (default: the running interpreter)
``ZFPCODEC_ORACLE_PIP_ARGS`` extra ``pip install`` arguments, e.g.
                            ``--no-index --find-links /path/to/wheels``
"""

import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from oracle_worker import (  # noqa: E402
    Layout, Unrepresentable, apply_layout, array_flags_of_encoded,
    decode_value, encode_value, iter_frames_from_bytes, run_call, write_frame,
)

__all__ = [
    "Oracle", "Call", "Result", "Layout", "OracleCrashed", "OracleSetupError",
    "ensure_venv", "run_local", "apply_layout", "Unrepresentable",
    "REPO_ROOT", "ORACLE_REQUIREMENTS",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "oracle_worker.py"
ORACLE_REQUIREMENTS = ["zfpy==1.0.1", "numpy"]
_MARKER = ".zfpcodec-oracle-ok"


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------

class OracleSetupError(RuntimeError):
    """The oracle venv could not be created/used.

    ``network_ok`` is False when the failure is explained by the absence of
    network access (the fixture then skips instead of failing).
    """

    def __init__(self, msg, network_ok=True):
        super().__init__(msg)
        self.network_ok = network_ok


class OracleCrashed(RuntimeError):
    """The oracle child process died (signal, abort, timeout) mid-batch."""

    def __init__(self, batch_id, n_done, n_total, returncode, reason, stderr,
                 running_call, partial):
        self.batch_id = batch_id
        self.n_done = n_done
        self.n_total = n_total
        self.returncode = returncode
        self.reason = reason
        self.stderr = stderr
        self.running_call = running_call
        self.partial = partial
        super().__init__(
            "oracle batch #%d died (%s) after %d of %d calls; it was running call "
            "%d: %s (note: zfpy heap corruption can surface in a later call than "
            "the culprit)\n--- child stderr (tail) ---\n%s"
            % (batch_id, reason, n_done, n_total, n_done, running_call,
               stderr[-3000:]))


# --------------------------------------------------------------------------
# calls and results
# --------------------------------------------------------------------------

class Call:
    """``zfpy.<func>(*args, **kwargs)``.  Array arguments may be
    :class:`Layout` objects (contiguous base + layout recipe) so that both
    sides see identical memory layouts."""

    __slots__ = ("func", "args", "kwargs", "tag")

    def __init__(self, func, *args, **kwargs):
        self.func = func
        self.args = list(args)
        self.kwargs = dict(kwargs)
        self.tag = None          # free-form description for failure messages

    def encode(self, blobs):
        return {"func": self.func,
                "args": [encode_value(a, blobs) for a in self.args],
                "kwargs": {k: encode_value(v, blobs) for k, v in self.kwargs.items()}}

    def key(self):
        """Content hash (for caching oracle answers across shrink steps)."""
        blobs = []
        enc = json.dumps(self.encode(blobs), sort_keys=True).encode()
        h = hashlib.sha1(enc)
        for b in blobs:
            h.update(len(b).to_bytes(8, "little"))
            h.update(b)
        return h.hexdigest()

    def materialized_args(self):
        def m(v):
            if isinstance(v, Layout):
                return v.materialize()
            return v
        return [m(a) for a in self.args], {k: m(v) for k, v in self.kwargs.items()}

    def __repr__(self):
        def short(v):
            if isinstance(v, Layout):
                return repr(v)
            if isinstance(v, np.ndarray):
                return "ndarray(dtype=%s, shape=%s)" % (v.dtype.str, v.shape)
            if isinstance(v, (bytes, bytearray)):
                s = bytes(v)
                return "%s(len=%d, %s%s)" % (type(v).__name__, len(s), s[:24].hex(),
                                             "..." if len(s) > 24 else "")
            return repr(v)
        parts = [short(a) for a in self.args]
        parts += ["%s=%s" % (k, short(v)) for k, v in self.kwargs.items()]
        s = "%s(%s)" % (self.func, ", ".join(parts))
        if self.tag:
            s += "  [%s]" % (self.tag,)
        return s


class Result:
    """Outcome of one call: ``ok`` and ``value``, or ``exc_type``/``exc_msg``.

    For ndarray results ``flags`` holds ``{"c", "f", "w"}`` (C-contiguous,
    F-contiguous, writeable) as observed on the producing side.
    """

    __slots__ = ("ok", "value", "exc_type", "exc_msg", "flags", "exc_mro")

    def __init__(self, ok, value=None, exc_type=None, exc_msg=None, flags=None, exc_mro=None):
        self.ok = ok
        self.value = value
        self.exc_type = exc_type
        self.exc_msg = exc_msg
        self.flags = flags
        # names of the exception's classes, most derived first (local results)
        self.exc_mro = exc_mro or ([exc_type] if exc_type else [])

    @classmethod
    def from_local(cls, ok, v):
        if not ok:
            return cls(False, exc_type=type(v).__name__, exc_msg=str(v),
                       exc_mro=[c.__name__ for c in type(v).__mro__])
        flags = None
        if isinstance(v, np.ndarray):
            flags = {"c": bool(v.flags.c_contiguous), "f": bool(v.flags.f_contiguous),
                     "w": bool(v.flags.writeable)}
        return cls(True, value=v, flags=flags)

    def exc(self):
        return None if self.ok else (self.exc_type, self.exc_msg)

    def __repr__(self):
        if not self.ok:
            return "Result(raised %s: %s)" % (self.exc_type, self.exc_msg)
        v = self.value
        if isinstance(v, bytes):
            return "Result(bytes len=%d %s...)" % (len(v), v[:16].hex())
        if isinstance(v, np.ndarray):
            return "Result(ndarray dtype=%s shape=%s)" % (v.dtype.str, v.shape)
        return "Result(%r)" % (v,)


def run_local(module, calls):
    """Run ``calls`` in-process against ``module`` (normally *our* zfpy)."""
    out = []
    for c in calls:
        args, kwargs = c.materialized_args()
        ok, v = run_call(module, c.func, args, kwargs)
        out.append(Result.from_local(ok, v))
    return out


# --------------------------------------------------------------------------
# the virtual environment
# --------------------------------------------------------------------------

def default_venv_path():
    p = os.environ.get("ZFPCODEC_ORACLE_VENV")
    return Path(p).expanduser().resolve() if p else REPO_ROOT / ".oracle" / "venv"


def _venv_python(venv):
    if os.name == "nt":
        return Path(venv) / "Scripts" / "python.exe"
    return Path(venv) / "bin" / "python"


def _pip_extra_args():
    return shlex.split(os.environ.get("ZFPCODEC_ORACLE_PIP_ARGS", ""))


def _spec_string():
    return json.dumps({"requirements": ORACLE_REQUIREMENTS,
                       "pip_args": _pip_extra_args()})


def network_reachable(timeout=5.0):
    """Best effort: can we open a TCP connection to the package index (or the
    configured proxy)?  Used only to decide skip-vs-fail."""
    targets = []
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        if os.environ.get(var):
            u = urllib.parse.urlsplit(os.environ[var])
            if u.hostname:
                targets.append((u.hostname, u.port or 3128))
    idx = os.environ.get("PIP_INDEX_URL")
    if idx:
        u = urllib.parse.urlsplit(idx)
        if u.hostname:
            targets.append((u.hostname, u.port or (443 if u.scheme == "https" else 80)))
    targets.append(("pypi.org", 443))
    for host, port in targets:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False


class _FileLock:
    """Inter-process lock on a lock file (fcntl on POSIX, O_EXCL elsewhere)."""

    def __init__(self, path, timeout=1800):
        self.path = Path(path)
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:                      # pragma: no cover - Windows
            fcntl = None
        deadline = time.monotonic() + self.timeout
        if fcntl is not None:
            self.fd = os.open(str(self.path), os.O_RDWR | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return self
                except OSError:
                    if time.monotonic() > deadline:
                        raise OracleSetupError("timed out waiting for lock %s" % self.path)
                    time.sleep(0.5)
        while True:                              # pragma: no cover - Windows
            try:
                self.fd = os.open(str(self.path), os.O_CREAT | os.O_EXCL | os.O_RDWR)
                return self
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise OracleSetupError("timed out waiting for lock %s" % self.path)
                time.sleep(0.5)

    def __exit__(self, *exc):
        try:
            import fcntl
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
        except ImportError:                      # pragma: no cover - Windows
            os.close(self.fd)
            os.unlink(str(self.path))


def _venv_ready(venv):
    m = Path(venv) / _MARKER
    return m.is_file() and m.read_text() == _spec_string() and _venv_python(venv).exists()


def ensure_venv(venv=None, base_python=None, log=None):
    """Create (once) the oracle venv and return its Python executable.

    Concurrent callers serialise on ``<venv>.lock``; the venv is marked ready
    only after ``pip install`` succeeded, and a half-built venv left by a
    killed run is removed and rebuilt.
    """
    venv = Path(venv) if venv else default_venv_path()
    base_python = base_python or os.environ.get("ZFPCODEC_ORACLE_PYTHON") or sys.executable
    log = log or (lambda msg: None)
    if _venv_ready(venv):
        return _venv_python(venv)
    with _FileLock(str(venv) + ".lock"):
        if _venv_ready(venv):
            return _venv_python(venv)
        if venv.exists():
            shutil.rmtree(venv)
        log("creating oracle venv %s with %s" % (venv, base_python))
        r = subprocess.run([base_python, "-m", "venv", str(venv)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise OracleSetupError("python -m venv failed (%s):\n%s%s"
                                   % (r.returncode, r.stdout, r.stderr))
        py = _venv_python(venv)
        cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check",
               "--no-input", "-q"] + _pip_extra_args() + ORACLE_REQUIREMENTS
        log("running " + " ".join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True,
                           env=_clean_env(keep_pip=True))
        if r.returncode != 0:
            net = network_reachable()
            shutil.rmtree(venv, ignore_errors=True)
            raise OracleSetupError(
                "pip install %s failed (exit %s)%s:\n%s%s"
                % (" ".join(ORACLE_REQUIREMENTS), r.returncode,
                   "" if net else " and the package index is unreachable (no network?)",
                   r.stdout[-4000:], r.stderr[-4000:]),
                network_ok=net)
        (venv / _MARKER).write_text(_spec_string())
    return _venv_python(venv)


def _clean_env(keep_pip=False):
    env = dict(os.environ)
    for k in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH",
              "VIRTUAL_ENV", "PYTHONNOUSERSITE"):
        env.pop(k, None)
    if not keep_pip:
        for k in list(env):
            if k.startswith("PIP_"):
                env.pop(k)
    return env


# --------------------------------------------------------------------------
# the oracle
# --------------------------------------------------------------------------

_batch_counter = [0]


class Oracle:
    """Runs batches of :class:`Call` against the real zfpy 1.0.1.

    ``run(calls)`` starts ONE child process per batch (split into chunks of
    ``chunk`` calls to bound memory).  Answers are cached by call content, so
    re-running identical calls (hypothesis shrinking) costs nothing.
    """

    def __init__(self, python, timeout=300.0, chunk=4000, cache=True):
        self.python = str(python)
        self.timeout = timeout
        self.chunk = chunk
        self.cache = {} if cache else None
        self.info = None
        self.n_processes = 0
        self.n_calls = 0
        self.seconds = 0.0

    @classmethod
    def create(cls, venv=None, log=None, **kw):
        return cls(ensure_venv(venv, log=log), **kw)

    # -- public API ---------------------------------------------------------

    def run(self, calls, on_crash="raise"):
        """Run ``calls``; return a list of :class:`Result` in the same order.

        ``on_crash="raise"`` raises :class:`OracleCrashed`; ``"mark"`` records
        the call that was running as ``Result(ok=False, exc_type="OracleCrashed")``
        and continues with the remaining calls in a fresh process.
        """
        calls = list(calls)
        results = [None] * len(calls)
        keys = [None] * len(calls)
        todo = []
        for i, c in enumerate(calls):
            if self.cache is not None:
                keys[i] = c.key()
                if keys[i] in self.cache:
                    results[i] = self.cache[keys[i]]
                    continue
            todo.append(i)
        for s in range(0, len(todo), self.chunk):
            idx = todo[s:s + self.chunk]
            res = self._run_process([calls[i] for i in idx], on_crash)
            for i, r in zip(idx, res):
                results[i] = r
                if self.cache is not None and r.exc_type != "OracleCrashed":
                    self.cache[keys[i]] = r
        return results

    def call(self, func, *args, **kwargs):
        """One call, one process (convenient, slow: prefer :meth:`run`)."""
        return self.run([Call(func, *args, **kwargs)])[0]

    def compress(self, arr, **kwargs):
        return self._value(self.call("compress_numpy", arr, **kwargs))

    def decompress(self, buf):
        return self._value(self.call("decompress_numpy", buf))

    def _decompress(self, buf, ztype, shape, **kwargs):
        return self._value(self.call("_decompress", buf, ztype, shape, **kwargs))

    def header(self, buf):
        return self._value(self.call("header", buf))

    def hello(self):
        """Start a child with an empty batch; return its hello info."""
        self._run_process([], "raise")
        return self.info

    # -- internals ------------------------------------------------------------

    @staticmethod
    def _value(r):
        if r.ok:
            return r.value
        raise RuntimeError("oracle raised %s: %s" % (r.exc_type, r.exc_msg))

    def _run_process(self, calls, on_crash):
        _batch_counter[0] += 1
        batch_id = _batch_counter[0]
        blobs = []
        enc = [c.encode(blobs) for c in calls]
        import io
        req = io.BytesIO()
        write_frame(req, {"op": "batch", "calls": enc}, blobs)
        t0 = time.monotonic()
        self.n_processes += 1
        proc = subprocess.Popen([self.python, "-I", str(WORKER)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=_clean_env(),
                                cwd=str(WORKER.parent))
        timed_out = False
        try:
            out, err = proc.communicate(req.getvalue(), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            timed_out = True
        self.seconds += time.monotonic() - t0
        results = [None] * len(calls)
        done = False
        n_done = 0
        for header, rblobs in iter_frames_from_bytes(out):
            op = header.get("op")
            if op == "hello":
                self._check_hello(header)
                continue
            if op == "done":
                done = True
                break
            i = header["i"]
            if header["ok"]:
                v = decode_value(header["value"], rblobs)
                results[i] = Result(True, value=v,
                                    flags=array_flags_of_encoded(header["value"]))
            else:
                results[i] = Result(False, exc_type=header["exc_type"],
                                    exc_msg=header["exc_msg"])
            n_done = i + 1
        self.n_calls += n_done
        if done and not timed_out:
            return results
        rc = proc.returncode
        if timed_out:
            reason = "killed after timeout of %.0f s" % self.timeout
        elif rc is not None and rc < 0:
            try:
                reason = "killed by signal %s" % signal.Signals(-rc).name
            except ValueError:
                reason = "killed by signal %d" % -rc
        else:
            reason = "exit status %s without completing" % rc
        errs = err.decode("utf-8", "replace")
        running = repr(calls[n_done]) if n_done < len(calls) else "(none: after the last call)"
        if on_crash == "mark" and n_done < len(calls):
            results[n_done] = Result(False, exc_type="OracleCrashed",
                                     exc_msg="%s; stderr: %s" % (reason, errs[-500:]))
            rest = self._run_process(calls[n_done + 1:], on_crash)
            results[n_done + 1:] = rest
            return results
        raise OracleCrashed(batch_id, n_done, len(calls), rc, reason, errs,
                            running, results)

    def _check_hello(self, h):
        self.info = h
        if h.get("zfpy_version") != "1.0.1":
            raise OracleSetupError("oracle venv %s has zfpy %s, expected 1.0.1"
                                   % (h.get("prefix"), h.get("zfpy_version")))
        zf = h.get("zfpy_file") or ""
        if not str(Path(zf).resolve()).startswith(str(Path(h["prefix"]).resolve())):
            raise OracleSetupError("oracle child imported zfpy from %s, outside its "
                                   "venv %s" % (zf, h["prefix"]))
