"""Progress of a long load, as one line a terminal redraws in place: files and megabytes done out of the
total, the rate and the time left. The command line shows it for many files or a large one."""

from __future__ import annotations

import sys
import time

WIDTH = 24  # characters of the bar


class Progress:
    def __init__(self, files: int, total_bytes: int, out=None, clock=time.monotonic):
        self.files, self.total = files, max(total_bytes, 1)
        self.files_done, self.bytes_done = 0, 0
        self.out, self.clock, self.started = out or sys.stderr, clock, clock()
        self.shown = False

    def advance(self, files: int = 0, nbytes: int = 0) -> None:
        self.files_done += files
        self.bytes_done = min(self.bytes_done + nbytes, self.total)
        self.draw()

    def line(self) -> str:
        share = self.bytes_done / self.total
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.bytes_done / elapsed / 1e6
        left = elapsed * (1 - share) / share if share > 0 else None
        bar = "#" * round(WIDTH * share) + "." * (WIDTH - round(WIDTH * share))
        when = f"{_duration(left)} left" if left is not None else "starting"
        scale, unit = (1e6, "MB") if self.total >= 1e6 else (1e3, "KB")
        return (
            f"[{bar}] {self.files_done:,}/{self.files:,} files, "
            f"{self.bytes_done / scale:,.1f}/{self.total / scale:,.1f} "
            f"{unit}, {rate:,.1f} MB/s, {when}"
        )

    def draw(self) -> None:
        self.out.write("\r\033[K" + self.line())
        self.out.flush()
        self.shown = True

    def clear(self) -> None:
        """Take the bar off its line, so that a message can be printed there (draw() puts it back)."""
        if self.shown:
            self.out.write("\r\033[K")
            self.out.flush()
            self.shown = False


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
