"""The playback model the UI drives: decode pool, the selected episode's media, per-tile status.

Headless data only: the camera textures, the time axis and what the panels drew where live on the
UI side (render/playback_view.py, AppState.playback_view).
"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from leropilot_gl.dataset import EpisodeIndex
from leropilot_gl.media.cache import FrameCache
from leropilot_gl.media.episode import EpisodeMedia
from leropilot_gl.media.pool import DecodePool


@dataclass
class TileStatus:
    """What one camera tile shows and why: the frame its texture holds, buffering, or a problem."""

    shown_frame: int | None = None  # the episode frame in the texture (may lag while buffering)
    buffering: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class PlotSeries:
    """One numeric feature of an episode, ready to plot: one contiguous row per dimension."""

    key: str
    times_s: np.ndarray  # (length,) frame times in the episode
    values: np.ndarray  # (dims, length) float64, C-contiguous rows
    names: tuple[str, ...]  # one per dimension


def load_plot_series(episode: EpisodeIndex) -> list[PlotSeries]:
    """Every plottable numeric feature of the episode (reads parquet: call from a worker)."""
    out = []
    for feature in episode.dataset.numeric_features():
        try:
            values = np.asarray(episode.column(feature.key), dtype=np.float64)
        except Exception:  # a column the data file lacks: plotted as absent, not an error
            continue
        if values.ndim == 1:
            values = values[:, None]
        names = feature.names if len(feature.names) == values.shape[1] else ()
        if not names:
            names = tuple(f"{feature.key}[{i}]" for i in range(values.shape[1]))
        times_s = np.arange(values.shape[0], dtype=np.float64) / episode.dataset.fps
        out.append(PlotSeries(feature.key, times_s, np.ascontiguousarray(values.T), tuple(names)))
    return sorted(out, key=lambda s: (s.key not in ("observation.state", "action"), s.key))


@dataclass
class PlaybackState:
    """AppState.playback. The pool starts on first use (its workers import the decoder library)."""

    cache: FrameCache | None = None
    pool: DecodePool | None = None
    media: EpisodeMedia | None = None
    episode_key: tuple[Path, int] | None = None
    tiles: dict[str, TileStatus] = field(default_factory=dict)
    maximized_camera: str | None = None  # double-clicked tile shown alone
    plot_series: list[PlotSeries] = field(default_factory=list)
    plot_future: Future | None = None
    plot_error: str | None = None

    def ensure_pool(self, cache_bytes: int, *, backend: str = "auto") -> DecodePool:
        if self.pool is None:
            self.cache = FrameCache(cache_bytes)
            self.pool = DecodePool(self.cache, backend=backend)
        elif self.cache is not None and self.cache.max_bytes != cache_bytes:
            self.cache.set_max_bytes(cache_bytes)
        return self.pool

    def set_episode(self, episode: EpisodeIndex | None, executor: Executor) -> bool:
        """Switch to an episode (None: nothing selected); True when it changed."""
        key = (episode.dataset.root, episode.episode_index) if episode is not None else None
        if key == self.episode_key and (episode is None or self.media is not None):
            return False
        self.episode_key = key
        self.media = EpisodeMedia(self.pool, episode) if episode is not None and self.pool else None
        keys = self.media.video_keys if self.media is not None else []
        self.tiles = {k: TileStatus() for k in keys}
        if self.maximized_camera not in keys:
            self.maximized_camera = None
        self.plot_series = []
        self.plot_error = None
        self.plot_future = executor.submit(load_plot_series, episode) if episode is not None else None
        return True

    def poll_plots(self) -> None:
        future = self.plot_future
        if future is None or not future.done():
            return
        self.plot_future = None
        exc = future.exception()
        if exc is not None:
            self.plot_error = f"cannot read the episode's data: {exc}"
        else:
            self.plot_series = future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.pool = None
        self.media = None
