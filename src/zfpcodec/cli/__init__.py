"""The ``zfpcodec`` command line: compress, inspect and measure arrays in files.

One module per subcommand (`compress`, `decompress`, `info`, `stats`,
`zarr`, `h5`, `demo`), each with its parser (``add_parser``) and its work
(``run``); they share `options` (types, shapes and modes from the command
line), `io` (reading and writing arrays and streams), `report` (tables,
describing streams), `progress` (the progress bar), `outputs` (writing
without losing data) and `errors` (exit statuses).  Errors are
measured by `zfpcodec.metrics`.  `command_line` puts them together: the
parser of every subcommand, running one, and the exit status of each
failure and signal.

Streams carry zfp's full header by default, so they are what
``zfp -h`` writes and reads.  Byte for byte they equal the streams of the
``zfp`` program given the same parameters (``-r`` passes the scalar type to
zfp_stream_set_rate, so float/double rates are clamped to 9/12 bits per
block, docs/format.md §3.2; ``-c`` reads a maximum of 0 bits as unlimited and a maximum
precision of 0 as the type's full precision), except for the final padding:
our streams end on an 8-byte boundary (zfp's 64-bit stream words, §1.4),
while Debian's zfp 1.0.0 program, built with 8-bit stream words, ends on a
byte.  Each side reads the other's streams.

Outputs are never lost or left half-written (`outputs`): an existing one is
replaced only with ``--force``, an output that is, contains or lies inside
an input is refused, and files and local Zarr stores are written under a
temporary name beside their target and moved into place when complete.

Exit status: 0 on success, 1 when the work fails (unreadable or corrupt
input, failed write, an output that exists, a lossy stream whose error
bound cannot hold without --missing or --allow-unbounded), 2 for a wrong
command line, 130 after Ctrl-C, 143 after SIGTERM (which stops the work as
cleanly as Ctrl-C does).
"""

from __future__ import annotations

import sys
from typing import Sequence

from .errors import EXIT_INTERRUPTED

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); return the exit
    status.

    Importing the commands (NumPy, the engine) takes about half a second,
    which is when a Ctrl-C often comes: this module imports nothing heavy,
    so that one (or one while the command line is parsed) ends the command
    as any other does, with a line and status 130 instead of a traceback."""
    try:
        from .command_line import run_command_line
        return run_command_line(argv)
    except KeyboardInterrupt:  # before the command's own handling began
        if sys.stderr is not None:  # (closed, print() would write to stdout)
            print("zfpcodec: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
