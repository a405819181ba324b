"""A progress bar for `audit` on a terminal; nothing at all in a pipe, a file or CI.

Rendering is apart from deciding: `line()` returns the text, so tests read it without a
terminal; `ProgressBar` redraws it on stderr at most a few times a second.
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30
INTERVAL_S = 0.2


def line(done: int, total: int | None, events: int, elapsed: float, unit: str) -> str:
    rate = f"{events / elapsed:,.0f} events/s" if elapsed > 0 else ""
    if total:
        share = min(1.0, done / total)
        filled = int(share * WIDTH)
        bar = "#" * filled + "-" * (WIDTH - filled)
        return f"[{bar}] {share:4.0%} {events:,} events {rate} {elapsed:,.0f}s"
    return f"{done:,} {unit}s read, {events:,} events {rate} {elapsed:,.0f}s"


class ProgressBar:
    """Redraws one line on `stream`; call it with (ledger read so far, events audited)."""

    def __init__(self, stream: TextIO, total: int | None, unit: str) -> None:
        self.stream, self.total, self.unit = stream, total, unit
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, events: int) -> None:
        now = time.monotonic()
        if now - self.last < INTERVAL_S:
            return
        self.last = now
        self.stream.write("\r" + line(done, self.total, events, now - self.start, self.unit) + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def wanted(stream: TextIO, disabled: bool = False) -> bool:
    """A bar only where a person watches: a terminal, not a pipe, a file or a dumb terminal."""
    import os

    if disabled or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())
