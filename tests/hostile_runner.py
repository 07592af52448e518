"""Run test functions in a child Python, so that a crash or a hang of the
code under test is a failed test, not a dead test runner.

The parent names a module (by path) and the functions to call in it; one
child process imports the module and calls them in order, writing one JSON
line per function: how it ended (returned / raised, with the exception's
type, its base classes and message).  If the child dies or hangs, the
function that was running is reported as ``crashed`` (with the signal) or
``hung``, and a fresh child goes on with the remaining functions.

The child is started like the parent (``-S`` and ``-P`` are passed on, and
the environment is inherited), so under tools/asan-tests.sh the children
run the sanitizer build too.
"""

from __future__ import annotations

import importlib.util
import json
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Outcome:
    """How one function ended in the child."""

    name: str
    kind: str                    # "returned", "raised", "crashed" or "hung"
    exc_type: str = ""           # qualified name of the exception's type
    exc_bases: list[str] = field(default_factory=list)  # its MRO, qualified
    message: str = ""            # str(exception), or what the child printed
    value: str = ""              # repr of the returned value (shortened)
    detail: str = ""             # traceback, or the child's stderr tail

    def is_a(self, qualified_name: str) -> bool:
        return self.kind == "raised" and qualified_name in self.exc_bases

    def describe(self) -> str:
        if self.kind == "raised":
            return f"{self.name}: raised {self.exc_type}: {self.message}"
        if self.kind == "returned":
            return f"{self.name}: returned {self.value}"
        return f"{self.name}: {self.kind} ({self.message})\n{self.detail}"


def python_command() -> list[str]:
    """The interpreter and flags the parent runs with."""
    command = [sys.executable]
    if sys.flags.no_site:
        command.append("-S")
    if getattr(sys.flags, "safe_path", False):
        command.append("-P")
    return command


def _qualified(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def run_functions(module_path: str | Path, names: list[str], *,
                  timeout: float = 120.0) -> dict[str, Outcome]:
    """Call `names` from the module at `module_path` in child processes;
    `timeout` bounds each function.  Returns an Outcome per name."""
    results: dict[str, Outcome] = {}
    pending = list(names)
    while pending:
        command = python_command() + [str(Path(__file__).resolve()), str(module_path)]
        child = subprocess.Popen(command + pending, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=str(HERE.parent))
        lines: queue.Queue = queue.Queue()
        stderr: list[str] = []
        readers = [threading.Thread(target=_pump, args=(child.stdout, lines.put)),
                   threading.Thread(target=_pump, args=(child.stderr, stderr.append))]
        for reader in readers:
            reader.start()
        running, hung = None, False
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                hung = True
                child.kill()
                break
            if line is None:          # end of the child's output
                break
            record = json.loads(line)
            if "start" in record:
                running = record["start"]
                deadline = time.monotonic() + timeout
            else:
                outcome = Outcome(**record)
                results[outcome.name] = outcome
                pending.remove(outcome.name)
                running = None
        child.wait()
        for reader in readers:
            reader.join()
        if not pending:
            break
        culprit = running if running is not None else pending[0]
        if hung:
            outcome = Outcome(culprit, "hung", message=f"no result after {timeout} s")
        else:
            code = child.returncode
            what = (f"killed by {signal.Signals(-code).name}" if code < 0
                    else f"child exited with status {code}")
            outcome = Outcome(culprit, "crashed", message=what)
        outcome.detail = "".join(line for line in stderr if line)[-4000:]
        results[culprit] = outcome
        pending.remove(culprit)
    return results


def _pump(stream, put) -> None:
    """Hand each line of `stream` to `put`, then None at its end."""
    with stream:
        for line in stream:
            put(line)
    put(None)


def _load(module_path: str):
    path = Path(module_path)
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _emit(record: dict) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _child_main(module_path: str, names: list[str]) -> None:
    module = _load(module_path)
    for name in names:
        _emit({"start": name})
        try:
            value = getattr(module, name)()
        except BaseException as error:  # noqa: BLE001  (reported, not handled)
            kind = type(error)
            _emit({"name": name, "kind": "raised", "exc_type": _qualified(kind),
                   "exc_bases": [_qualified(base) for base in kind.__mro__],
                   "message": str(error),
                   "detail": "".join(traceback.format_exception(error))[-4000:]})
        else:
            _emit({"name": name, "kind": "returned", "value": _shorten(_describe(value))})


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return f"ndarray(shape={shape}, dtype={value.dtype})"
    if isinstance(value, (bytes, bytearray)):
        return f"{type(value).__name__} of {len(value)} bytes"
    return repr(value)


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2:])
