"""What the UI holds of a running check before the checks themselves load: its counters and the
exception a cancel raises. Kept apart from run.py so that the window imports no checks at start."""

from __future__ import annotations

import threading


class Cancelled(Exception):
    pass


class Progress:
    """Counters a worker writes and the UI reads (plain ints under a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stage = "starting"
        self.done_frames = 0
        self.total_frames = 0

    def set(self, stage: str, total_frames: int | None = None) -> None:
        with self._lock:
            self.stage = stage
            if total_frames is not None:
                self.total_frames, self.done_frames = total_frames, 0

    def add(self, frames: int) -> None:
        with self._lock:
            self.done_frames += frames

    def snapshot(self) -> tuple[str, int, int]:
        with self._lock:
            return self.stage, self.done_frames, self.total_frames
