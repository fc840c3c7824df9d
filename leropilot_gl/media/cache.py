"""Decoded frames, least recently used first out, bounded in bytes; keyed by (file, frame index)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_CACHE_BYTES = 1024 * 1024 * 1024  # 1 GiB, the settings default

FrameKey = tuple[Path, int]


@dataclass(frozen=True)
class CacheStats:
    entries: int
    nbytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int


class FrameCache:
    """Thread-safe: decode workers put, the UI thread gets. Frames are stored read-only."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._lock = threading.Lock()
        self._frames: OrderedDict[FrameKey, np.ndarray] = OrderedDict()
        self._nbytes = 0
        self._max_bytes = int(max_bytes)
        self._hits = self._misses = self._evictions = 0

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def nbytes(self) -> int:
        return self._nbytes

    def set_max_bytes(self, max_bytes: int) -> None:
        with self._lock:
            self._max_bytes = int(max_bytes)
            self._evict_locked()

    def get(self, path: Path, index: int) -> np.ndarray | None:
        key = (path, index)
        with self._lock:
            frame = self._frames.get(key)
            if frame is None:
                self._misses += 1
                return None
            self._frames.move_to_end(key)
            self._hits += 1
            return frame

    def __contains__(self, key: FrameKey) -> bool:
        with self._lock:
            return key in self._frames

    def put(self, path: Path, index: int, frame: np.ndarray) -> bool:
        """Store a frame; False when it alone is bigger than the whole budget (then it is not kept)."""
        if frame.nbytes > self._max_bytes:
            return False
        frame.flags.writeable = False  # shared with the UI thread: nobody may change it
        key = (path, index)
        with self._lock:
            old = self._frames.pop(key, None)
            if old is not None:
                self._nbytes -= old.nbytes
            self._frames[key] = frame
            self._nbytes += frame.nbytes
            self._evict_locked()
        return True

    def _evict_locked(self) -> None:
        while self._nbytes > self._max_bytes and self._frames:
            _, old = self._frames.popitem(last=False)
            self._nbytes -= old.nbytes
            self._evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._nbytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                len(self._frames), self._nbytes, self._max_bytes, self._hits, self._misses, self._evictions
            )
