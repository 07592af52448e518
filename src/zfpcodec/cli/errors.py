"""The command line's exit statuses and the errors that carry them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..bound import BoundError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130    # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143     # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler ending a job), handled as Ctrl-C
    is: the work stops where stopping is clean, outputs are left complete
    or absent, and the exit status says which signal it was."""


class CLIError(Exception):
    """A failure to report in one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILURE):
        super().__init__(message)
        self.status = status


class UsageError(CLIError):
    """A command line that asks for something impossible."""

    def __init__(self, message: str):
        super().__init__(message, EXIT_USAGE)


class BoundRefusal(CLIError):
    """A lossy stream refused because its error bound cannot hold
    (`zfpcodec.bound.BoundError`), with the options that fix it: among
    them --missing, unless `missing` is False (an output with no mask for
    missing values, such as an HDF5 dataset)."""

    def __init__(self, source: str, error: BoundError, *, missing: bool = True):
        report = error.report
        if report.integers:
            fix = ("--precision or --rate, or " if report.lossy_integer_modes_fit
                   else "") + "--reversible (lossless)"
            if report.overflow_blocks and not error.masked and missing:
                fix += "; or --missing VALUE where they are a fill value"
        elif error.masked and report.too_wide:
            fix = ("a larger --tolerance, --missing VALUE if a fill value is left among "
                   "the valid values, or --reversible (lossless)")
        elif error.masked or not (report.nonfinite_blocks or report.too_wide):
            fix = "--reversible (lossless)"  # no mask helps
        elif not missing:
            fix = "--reversible (lossless; this output has no mask for missing values)"
            fix += ("; or finite values in place of NaN and +-inf" if report.nonfinite_blocks
                    else "; or a larger --tolerance")
        else:
            fix = ("--missing nan (NaN and +-inf) or --missing VALUE (a fill value such as "
                   "-1e10), which stores missing values exactly and the others within the "
                   "bound; or --reversible (lossless)")
            if not report.nonfinite_blocks:
                fix += "; or a larger --tolerance"
        if report.scale_blocks:
            fix += "; or values scaled into range (times a power of two)"
        super().__init__(f"{source}: refusing to store a stream whose error bound does not "
                         f"hold: {'; '.join(error.problems)}. Fix: {fix}. (--allow-unbounded "
                         "stores it anyway.)")
