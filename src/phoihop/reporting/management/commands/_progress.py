"""A plain-text progress bar for long commands (imports, data generation): one line redrawn with \\r.

No dependency: a terminal shows it moving; a log file gets a few lines (it redraws at most
every half second, and always at 100 %).
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO, *, every: float = 0.5) -> None:
        self.stream = stream
        self.every = every
        self.last = 0.0
        self.phase = ""
        self.started = time.monotonic()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self.phase and self.phase:
            self.stream.write("\n")
        elif done < total and now - self.last < self.every:
            return
        self.phase = phase
        self.last = now
        share = done / total if total else 1.0
        filled = int(share * WIDTH)
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r{phase:<10} [{bar}] {share * 100:5.1f}% {done:,}/{total:,} {now - self.started:6.1f}s")
        self.stream.flush()

    def close(self) -> None:
        if self.phase:
            self.stream.write("\n")
            self.stream.flush()
            self.phase = ""
