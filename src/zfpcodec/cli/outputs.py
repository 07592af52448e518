"""Where the command line's outputs go, so that no data is lost on the way.

The rules are those of cp, gzip, zstd and rsync:

* an existing output is replaced only with ``--force``, and an output that
  is, contains or lies inside an input is refused before anything is read
  or written (`check_output`);
* a file is written under a temporary name beside its target (the same
  directory, so that the rename is atomic), flushed to disk and renamed
  into place only when complete (`atomic_file`); a local Zarr store is
  built the same way in a hidden directory beside its target
  (`staged_directory`), and an old store it replaces is swapped out only
  once the new one is complete;
* Ctrl-C and SIGTERM wait while a rename or a clean-up runs (`HeldInterrupts`),
  so a failure or an interrupt leaves the old state or the complete new
  output, never a partial one or a temporary name.

Standard output ('-'), devices and FIFOs (``-o /dev/null``) are written in
place: there is nothing there to replace.  So are Zarr stores given as URLs
(``s3://...``): object stores cannot rename, see `zfpcodec.cli.zarr`.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import signal
import stat
import threading
import zipfile
from contextlib import ExitStack, contextmanager, suppress
from types import FrameType, TracebackType
from typing import Any, BinaryIO, Callable, Iterator, Sequence, TypeVar

from .errors import CLIError, Terminated, UsageError
from .options import STDIO

ZARR_METADATA = ("zarr.json", ".zarray", ".zgroup")   # v3 and v2 nodes' metadata files
TEMP_TAG = "zfpcodec-partial"   # in the names of outputs being written
OLD_TAG = "zfpcodec-old"        # in the name of a replaced store while it is removed
NAME_KEEP = 128                 # characters of the target's name kept in a temporary name
_Made = TypeVar("_Made")        # what is made under a temporary name (a file, a directory)


def is_url(path: str) -> bool:
    """Whether `path` names a remote store (``s3://bucket/x.zarr``)."""
    return "://" in path


def is_zip(path: str) -> bool:
    """Whether `path` names a Zarr store in a zip file (``run.zarr.zip``)."""
    return path.lower().endswith(".zip")


# --------------------------------------------------------------------------
# Checks before anything is touched

def check_output(output: str, inputs: Sequence[str], force: bool, store: bool = False,
                 stdout: bool = False) -> None:
    """Refuse an output that would destroy data: one that is, contains or
    lies inside one of `inputs`, or that exists without `force`.  `store`:
    the output is a Zarr store (a directory, or a zip file where its name
    ends in .zip), which replaces only another Zarr store or an empty
    directory; a file replaces only a file.  A device or FIFO is written
    in place, as there is nothing to replace.  `stdout`: the command writes
    to standard output when the output is ``-``; for the others, ``-`` is a
    name like any other (so an existing file or folder called ``-`` is
    kept)."""
    if output == STDIO and stdout:
        return
    if store and is_zip(output):
        if is_url(output):
            raise UsageError(f"{output}: a Zarr store in a zip file must be a local file")
        if os.path.isdir(output):
            raise CLIError(f"{output} is a directory, and a Zarr store named *.zip is "
                           "written as a zip file: choose another destination")
        if os.path.isfile(output) and not _is_zipped_store(output):
            raise CLIError(f"{output} exists and is not a Zarr store in a zip file (no Zarr "
                           "metadata at its top): not replacing it (choose another "
                           "destination)")
        store = False            # a file, replaced only by a file
    for source in inputs:
        _check_apart(source, output)
    if is_url(output) or not os.path.lexists(output):
        return
    if _is_special(output):
        if store:
            raise CLIError(f"{output} is not a directory: a Zarr store cannot go there")
        return
    if store and not _is_replaceable_store(output):
        kind = ("a symbolic link" if os.path.islink(output) else
                "a directory" if os.path.isdir(output) else "a file")
        raise CLIError(f"{output} exists and is {kind}, not a Zarr store: not replacing it "
                       "(choose another destination)")
    if not store and os.path.isdir(output):
        raise CLIError(f"{output} is a directory: name the output file")
    if not force:
        raise CLIError(f"{output} exists; use --force to replace it")


def _check_apart(source: str, output: str) -> None:
    if source == STDIO:
        return
    if is_url(source) or is_url(output):
        src, dst = source.rstrip("/"), output.rstrip("/")
    else:
        src, dst = os.path.realpath(source), os.path.realpath(output)
    if src == dst or _same_file(source, output):
        raise UsageError(f"the output {output} is the input")
    if _inside(dst, src):
        raise UsageError(f"the output {output} lies inside the input {source}")
    if _inside(src, dst):
        raise UsageError(f"the output {output} contains the input {source}")


def _same_file(a: str, b: str) -> bool:
    """Whether `a` and `b` are one file by two names (hard links too)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _inside(path: str, folder: str) -> bool:
    """Whether `path` lies strictly inside `folder` (both resolved)."""
    separator = "/" if is_url(folder) else os.sep
    return path.startswith(folder.rstrip(separator) + separator)


def names_stdout(path: str) -> bool:
    """Whether `path` is this process's standard output by another name
    (``/dev/stdout``, ``/proc/self/fd/1``, or the very file or pipe it is
    redirected to), which is then written as ``-`` is: replacing the file
    would leave standard output without the data."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(1))
    except (OSError, ValueError):
        return False


def _is_special(path: str) -> bool:
    """A device, FIFO or socket (``/dev/null``), which is written in place."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _is_zipped_store(path: str) -> bool:
    """A zip file that is a Zarr store (metadata at its top)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name in ZARR_METADATA for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _is_replaceable_store(path: str) -> bool:
    """A directory that is a Zarr store (metadata at its top) or empty."""
    if os.path.islink(path) or not os.path.isdir(path):
        return False
    names = os.listdir(path)
    return not names or any(name in names for name in ZARR_METADATA)


# --------------------------------------------------------------------------
# Ctrl-C and SIGTERM

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The stops (KeyboardInterrupt, Terminated) the command's signal handler
# raised (`zfpcodec.cli.command_line` fills and empties it): one raised where Python
# drops exceptions (a weakref callback, a __del__) would otherwise let the
# work run on and replace the output.
STOPS: list[type[KeyboardInterrupt]] = []


def raise_if_stopped() -> None:
    """Raise the first stop the signal handler raised, or that a
    `HeldInterrupts` holds, if any: for the points where stopping is clean,
    and before an output is committed."""
    if STOPS:
        raise STOPS[0]
    for holder in _HOLDING:
        holder.raise_held()


class HeldInterrupts:
    """Ctrl-C (SIGINT) and SIGTERM held while the context is active: acted
    on at the next `check` (a point where stopping is clean), else delivered
    when the context ends, to the handler found on entry.  A rename or a
    clean-up is thus never cut in half, and work running in other threads
    (zarr's event loop) finishes its step instead of being abandoned
    mid-write.  Nests; does nothing outside the main thread, and leaves a
    signal alone where it is ignored."""

    def __init__(self) -> None:
        self._held: tuple[int, FrameType | None] | None = None
        # the handlers found on entry (signal.getsignal's kinds)
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}
        in_main = threading.current_thread() is threading.main_thread()
        self._signals = [s for s in HELD_SIGNALS
                         if in_main and signal.getsignal(s) is not signal.SIG_IGN]

    def __enter__(self) -> "HeldInterrupts":
        for signum in self._signals:
            self._previous[signum] = signal.signal(signum, self._hold)
        _HOLDING.append(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        _HOLDING.remove(self)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._held is not None and exc_type is None:
            signum, frame = self._held
            handler = self._previous[signum]
            if callable(handler):
                handler(signum, frame)

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        if self._held is None:
            self._held = (signum, frame)

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed, `Terminated` if
        SIGTERM came (while held here or by an enclosing context, or before,
        where Python dropped it)."""
        self.raise_held()
        raise_if_stopped()

    def raise_held(self) -> None:
        """Raise the stop this context holds, if any."""
        if self._held is not None:
            raise Terminated if self._held[0] == signal.SIGTERM else KeyboardInterrupt


# The active contexts, outermost first: a stop one of them holds must also
# prevent a commit made inside it (`staged_file`, `staged_directory`).
_HOLDING: list[HeldInterrupts] = []


# --------------------------------------------------------------------------
# Files

@contextmanager
def atomic_file(path: str) -> Iterator[BinaryIO]:
    """A binary file to write `path` through: a temporary file beside it,
    fsynced and renamed over `path` when the block ends without error, and
    removed otherwise (leaving `path` as it was).  A device or FIFO is
    written in place; a symbolic link stays one, its target replaced."""
    if _is_special(path):
        with open(path, "wb") as file:
            yield file
        return
    try:
        with staged_file(path) as temp, open(temp, "wb") as file:
            yield file
    except OSError as error:
        if error.filename is not None and TEMP_TAG not in str(error.filename):
            raise  # another file's error: its own name says which
        raise write_failure(path, error) from None


@contextmanager
def staged_file(path: str) -> Iterator[str]:
    """A new, empty hidden file beside `path`, by name (for libraries that
    open files themselves, as h5py does): fsynced and renamed over `path`
    when the block ends without error, removed otherwise (leaving `path` as
    it was).  A symbolic link stays one: its target is what is replaced.
    A replaced file's permissions carry over to the new one."""
    if os.path.islink(path):
        path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    with temporary_beside(path, _new_file) as (temp, _):
        yield temp
        _keep_mode(path, temp)
        _fsync_file(temp)
        raise_if_stopped()
        with HeldInterrupts():
            os.replace(temp, path)
    _fsync_directory(directory)


def _keep_mode(path: str, temp: str) -> None:
    """Give `temp` the permissions of the file or directory `path` it
    replaces, as writing over a file in place (zfp -o, cp) would have kept
    them: a replaced output stays as readable, or as private, as it was."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    os.chmod(temp, stat.S_IMODE(mode))


def _new_directory(name: str) -> None:
    os.mkdir(name, 0o777)  # less the umask, as mkdir(1) gives


def _new_file(name: str) -> None:
    # O_EXCL: a name of our own; mode 0o666 less the umask, as open() gives
    os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


@contextmanager
def closed_at_end(thing: _Made, close: Callable[[_Made], None]) -> Iterator[_Made]:
    """`thing`, given to `close` when the block ends.  Closing may write
    (a zip's directory, what HDF5 holds back), so where the block ended
    without error its failure is raised; after an error in the block the
    close is best effort, as the first error is the one to tell."""
    try:
        yield thing
    except BaseException:
        with suppress(Exception):
            close(thing)
        raise
    close(thing)


def write_failure(path: str, error: OSError) -> CLIError:
    """The error that says writing `path` failed and what is left there."""
    return CLIError(f"cannot write {path}: {error.strerror or error}; {_left_as_it_was(path)}")


def _left_as_it_was(path: str) -> str:
    return f"{path} is unchanged" if os.path.lexists(path) else "nothing was written"


@contextmanager
def temporary_beside(path: str, make: Callable[[str], _Made],
                     discard: Callable[[_Made], None] = lambda made: None
                     ) -> Iterator[tuple[str, _Made]]:
    """(name, what `make(name)` returned) for a new hidden name beside
    `path`; if the block fails (an error, Ctrl-C, SIGTERM) `discard` is
    given what was made and the name is removed.  Signals are held while
    the name is made, so one that comes then is acted on once the name is
    recorded for removal, never between the two."""
    made: list[tuple[str, _Made]] = []
    try:
        with HeldInterrupts():
            made.append(_create(path, TEMP_TAG, make))
        yield made[0]
    except BaseException:
        with HeldInterrupts():
            for temp, thing in made:
                discard(thing)
                _remove(temp)
        raise


def _create(path: str, tag: str, make: Callable[[str], _Made]) -> tuple[str, _Made]:
    """(name, what `make(name)` returned) for a new hidden name beside
    `path` (``.NAME.RANDOM.TAG``); an error names `path`, not that name."""
    directory, name = os.path.split(os.path.abspath(path))
    for _ in range(100):
        temp = os.path.join(directory,
                            f".{name[:NAME_KEEP]}.{secrets.token_hex(4)}.{tag}")
        try:
            return temp, make(temp)
        except FileExistsError:
            continue
        except OSError as error:
            raise OSError(error.errno, error.strerror, path) from None
    raise OSError(errno.EEXIST, "cannot find a free temporary name beside it", path)


def _remove(path: str) -> None:
    with suppress(FileNotFoundError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _fsync_directory(directory: str) -> None:
    """Make a rename in `directory` durable (where the system allows)."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------
# Directories (local Zarr stores)

@contextmanager
def staged_directory(path: str) -> Iterator[str]:
    """A new hidden directory beside `path` to build a store in; when the
    block ends without error its files are fsynced and it is moved to
    `path`, swapping out whatever `check_output` let stand there (which is
    removed only once the new directory is in place, its permissions
    taken by the new one).  On an error or Ctrl-C it is removed and `path`
    is left as it was."""
    with staged_directories([path]) as (temp,):
        yield temp


@contextmanager
def staged_directories(paths: Sequence[str]) -> Iterator[list[str]]:
    """`staged_directory` for several stores at once: one new directory
    beside each of `paths`, all moved into place together once the block
    has ended without error and every one is flushed to disk.  On an error
    or Ctrl-C anywhere in the block all are removed and every path is left
    as it was (a command that writes several stores replaces none or all)."""
    with ExitStack() as stack:
        temps = [stack.enter_context(temporary_beside(path, _new_directory))[0]
                 for path in paths]
        yield temps
        for path, temp in zip(paths, temps):
            _keep_mode(path, temp)
            _fsync_tree(temp)
        raise_if_stopped()
        with HeldInterrupts():
            for path, temp in zip(paths, temps):
                _move_into_place(temp, path)
    for directory in {os.path.dirname(os.path.abspath(path)) for path in paths}:
        _fsync_directory(directory)


def _move_into_place(temp: str, path: str) -> None:
    """Rename `temp` to `path`; an old `path` is renamed aside first, put
    back if the second rename fails, and removed once the new one is in."""
    if not os.path.lexists(path):
        os.rename(temp, path)
        return
    old, _ = _create(path, OLD_TAG, lambda name: os.rename(path, name))
    try:
        os.rename(temp, path)
    except BaseException:
        os.rename(old, path)
        raise
    _remove(old)


def _fsync_tree(root: str) -> None:
    """Flush every file and directory under `root` to disk."""
    for folder, _, files in os.walk(root):
        for name in files:
            _fsync_file(os.path.join(folder, name))
        _fsync_directory(folder)


def _fsync_file(path: str) -> None:
    # Windows flushes only through a handle that may write
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
