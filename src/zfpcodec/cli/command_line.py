"""The command line's parser of every subcommand, and running one: the
exit statuses of its failures, and Ctrl-C and SIGTERM stopping the work
cleanly (`zfpcodec.cli` describes the command line)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator, Sequence, TextIO, cast

from ..errors import ZFPError
from . import compress, decompress, demo, h5, info, report, stats, zarr
from .errors import (EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE,
                     CLIError, Terminated)
from .io import ClosedStandardStream
from .options import protect_negative_numbers
from .outputs import STOPS, raise_if_stopped

__all__ = ["run_command_line", "build_parser"]


class _Version(argparse.Action):
    """--version, looked up only when asked (see zfpcodec.__getattr__)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from .. import __version__
        try:
            print(f"zfpcodec {__version__}")  # on stdout, as argparse's own action
        except OSError as error:  # stdout closed
            parser.exit(EXIT_FAILURE, f"zfpcodec: error: {_os_message(error)}\n")
        parser.exit()


def run_command_line(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); return the exit
    status.  (`zfpcodec.cli.main` imports this module, and through it
    NumPy and every command, where Ctrl-C is caught.)"""
    if sys.stderr is None:
        # stderr closed (2>&-): print() would fall back to stdout, into the
        # data a pipe carries
        sys.stderr = open(os.devnull, "w")
    if sys.stdin is None:
        sys.stdin = cast(TextIO, ClosedStandardStream("<stdin>", "standard input"))
    if sys.stdout is None:
        sys.stdout = cast(TextIO, ClosedStandardStream("<stdout>", "standard output"))
    parser = build_parser()
    args = parser.parse_args(protect_negative_numbers(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with _signals_stop_cleanly():
            args.run(args)
    except CLIError as error:
        _complain(args.command, str(error))
        return error.status
    except ZFPError as error:
        _complain(args.command, f"corrupt or truncated zfp stream: {error}")
        return EXIT_FAILURE
    except OSError as error:
        _complain(args.command, _os_message(error))
        return EXIT_FAILURE
    except Terminated:
        report.note("zfpcodec: terminated")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        report.note("zfpcodec: interrupted")
        return EXIT_INTERRUPTED
    return EXIT_OK


@contextmanager
def _signals_stop_cleanly() -> Iterator[None]:
    """SIGTERM raises `Terminated` (a KeyboardInterrupt) inside the context,
    so the clean-ups that follow Ctrl-C follow it too; by default it would
    end the process at once and leave temporary outputs behind.  Only in
    the main thread, and only where SIGTERM has its default action (and
    Ctrl-C Python's).

    Python drops an exception raised where it cannot propagate (in a
    __del__ or a weakref callback, which a signal may interrupt), after
    printing it.  So every stop is recorded (`outputs.STOPS`) and printed
    by nobody: the next clean point, and every commit of an output, raise
    it again (the old output stays), and so does the context as it closes
    (the exit status says the command was stopped)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = {signal.SIGTERM: (signal.SIG_DFL, Terminated),
             signal.SIGINT: (signal.default_int_handler, KeyboardInterrupt)}

    def stop(signum: int, frame: FrameType | None) -> None:
        STOPS.append(stops[signal.Signals(signum)][1])
        raise STOPS[-1]

    def unraisable(info: Any) -> None:
        if not (STOPS and isinstance(info.exc_value, KeyboardInterrupt)):
            previous_hook(info)

    previous = {signum: signal.signal(signum, stop) for signum, (default, _) in stops.items()
                if signal.getsignal(signum) is default}
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    STOPS.clear()
    try:
        yield
        raise_if_stopped()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
        STOPS.clear()


def _complain(command: str, message: str) -> None:
    report.note(f"zfpcodec {command}: error: {message}")


def _os_message(error: OSError) -> str:
    if isinstance(error, BrokenPipeError):
        return "output closed early (broken pipe)"
    if error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return str(error)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all subcommands."""
    parser = argparse.ArgumentParser(
        prog="zfpcodec",
        description="Compress, decompress, inspect and measure arrays with zfp "
                    "(codec version 5 streams, byte-compatible with the zfp program).",
        epilog="An existing output is replaced only with --force, and only once the new "
               "one is complete.  Exit status: 0 on success, 1 when the work fails "
               "(unreadable or corrupt input, failed write, an output that exists, a lossy "
               "stream whose error bound cannot hold), 2 for a wrong command line, 130 "
               "after Ctrl-C, 143 after SIGTERM.  'zfpcodec COMMAND --help' describes "
               "each command.")
    parser.add_argument("--version", action=_Version, nargs=0, default=argparse.SUPPRESS,
                        help="show the version and exit")
    parser.set_defaults(command=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing but errors (and requested output)")

    progress = argparse.ArgumentParser(add_help=False)
    progress.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                          help="draw a progress bar on stderr (default: only when stderr "
                               "is a terminal or a notebook, and not with --quiet; "
                               "tqdm's bar where tqdm is installed)")

    compress.add_parser(commands, common)
    decompress.add_parser(commands, common)
    info.add_parser(commands)
    stats.add_parser(commands, common, progress)
    zarr.add_parser(commands, common, progress)
    h5.add_parser(commands, common, progress)
    demo.add_parser(commands, common, progress)
    return parser
