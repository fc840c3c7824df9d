"""The frame cache: least recently used out first, never above its byte budget, even under threads."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from leropilot_gl.media import FrameCache


def _frame(value: int, nbytes: int = 1000) -> np.ndarray:
    return np.full((nbytes,), value % 256, dtype=np.uint8)


def test_lru_eviction_keeps_recent_frames_and_budget():
    cache = FrameCache(max_bytes=3000)
    path = Path("a.mp4")
    for i in range(3):
        assert cache.put(path, i, _frame(i))
    assert cache.get(path, 0) is not None  # 0 is now the most recent
    cache.put(path, 3, _frame(3))
    assert cache.get(path, 1) is None  # the least recent went out
    assert [cache.get(path, i) is not None for i in (0, 2, 3)] == [True, True, True]
    assert cache.nbytes == 3000 and cache.stats().evictions == 1
    assert cache.get(path, 3)[0] == 3


def test_frame_bigger_than_budget_is_refused_and_frames_are_read_only():
    cache = FrameCache(max_bytes=500)
    assert not cache.put(Path("a.mp4"), 0, _frame(0, 501))
    assert cache.nbytes == 0
    frame = _frame(7, 100)
    cache.put(Path("a.mp4"), 1, frame)
    assert not cache.get(Path("a.mp4"), 1).flags.writeable


def test_budget_holds_under_concurrent_puts_and_shrink():
    cache = FrameCache(max_bytes=50_000)
    peak = []

    def writer(worker: int) -> None:
        for i in range(400):
            cache.put(Path(f"{worker}.mp4"), i, _frame(i, 700 + 13 * (i % 7)))
            peak.append(cache.nbytes)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) <= 50_000
    assert cache.stats().entries > 0
    cache.set_max_bytes(10_000)
    assert 0 < cache.nbytes <= 10_000


def test_rgb_to_rgba_is_exact_for_any_size():
    from leropilot_gl.media.decoders import rgb_to_rgba

    rng = np.random.default_rng(5)
    for height, width in [(1, 1), (1, 2), (3, 5), (64, 96), (7, 13)]:
        rgb = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        rgba = rgb_to_rgba(rgb[:, ::-1] if width > 1 else rgb)  # non-contiguous input too
        source = rgb[:, ::-1] if width > 1 else rgb
        assert rgba.shape == (height, width, 4)
        assert np.array_equal(rgba[..., :3], source) and (rgba[..., 3] == 255).all()
