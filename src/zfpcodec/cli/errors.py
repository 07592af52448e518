"""The command line's exit statuses and the errors that carry them."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A failure to report in one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILURE):
        super().__init__(message)
        self.status = status


class UsageError(CLIError):
    """A command line that asks for something impossible."""

    def __init__(self, message: str):
        super().__init__(message, EXIT_USAGE)
