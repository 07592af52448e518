"""The progress bar of the long commands (zarr, h5 import and export, stats,
demo), on stderr.

Where tqdm is installed (the ``[cli]`` extra) the bar is ``tqdm.auto``'s:
a text bar in a terminal, a widget in a Jupyter notebook, and below the
caller's own bars when the command runs inside another tqdm loop
(``zfpcodec.cli.main`` called from a script).  Without tqdm it is a plain
line drawn here.  Either way it is drawn only where someone watches: by
default when stderr is a terminal (or a notebook shows it), never in a pipe
or a log file unless ``--progress`` asks, and not with ``--quiet``.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Protocol

from .report import MB


class Bar(Protocol):
    """What `Progress` needs of a bar: tqdm's two methods."""

    def update(self, n: float) -> object: ...

    def close(self) -> None: ...


class Progress:
    """The progress of `total` units of work (``unit="B"``: bytes, shown
    in MB), labelled `label`.  `enabled`: draw it (True), never (False),
    or by default (None) when someone watches stderr, unless `quiet`.

    Use it as a context manager and call `advance` with each amount done;
    the bar goes away when the block ends, leaving the line to the
    command's own summary.
    """

    def __init__(self, total: float, label: str, enabled: bool | None = None,
                 unit: str = "", quiet: bool = False):
        tqdm = _tqdm_class()
        if enabled is None:
            enabled = not quiet and (sys.stderr.isatty() or _in_notebook(tqdm))
        self._bar: Bar
        if tqdm is None:
            self._bar = PlainBar(total, label, enabled, unit)
        else:
            # leave=False: a finished bar makes room for the summary (and,
            # nested in a caller's bar, for the caller's next line)
            self._bar = tqdm(total=total, desc=label, unit=unit or "it", file=sys.stderr,
                             disable=not enabled, leave=False, mininterval=PlainBar.INTERVAL,
                             dynamic_ncols=True, unit_scale=unit == "B", unit_divisor=1000)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def advance(self, amount: float) -> None:
        """Count `amount` more units done."""
        self._bar.update(amount)

    def close(self) -> None:
        """Take the bar away."""
        self._bar.close()


def _tqdm_class() -> Callable[..., Bar] | None:
    """tqdm.auto's bar (a notebook widget where one can be shown), or None
    without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    bar: Callable[..., Bar] = tqdm
    return bar


def _in_notebook(tqdm: Callable[..., Bar] | None) -> bool:
    """Whether tqdm.auto chose its notebook widget (so a kernel shows the
    bar, though its stderr is no terminal)."""
    if tqdm is None:
        return False
    from tqdm import autonotebook, std   # loaded by tqdm.auto already
    return bool(autonotebook.tqdm is not std.tqdm)


class PlainBar:
    """A one-line bar drawn with carriage returns, redrawn at most ten
    times a second: the bar without tqdm."""

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, total: float, label: str, enabled: bool, unit: str):
        self.total = total
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.done = 0.0
        self.start = time.perf_counter()
        self.drawn = 0.0

    def update(self, n: float) -> None:
        """Count `n` more units done; redraw if it is time."""
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self.drawn >= self.INTERVAL or self.done >= self.total):
            self.drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(self.WIDTH * fraction)
        elapsed = now - self.start
        text = f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%}"
        if self.unit == "B" and elapsed > 0:
            text += f" {self.done / MB / elapsed:.0f} MB/s"
        else:
            text += f" {self.done:g}/{self.total:g} {self.unit}"
        if 0 < fraction < 1:
            text += f" ETA {elapsed * (1 - fraction) / fraction:.0f} s"
        sys.stderr.write(text + "\033[K")
        sys.stderr.flush()

    def close(self) -> None:
        """Clear the line."""
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
