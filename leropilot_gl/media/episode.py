"""One episode's cameras: time -> (file, frame index), cache lookups, and prefetch around the playhead.

Frame lookup turns the dataset time into a frame index once, with the video's own frame rate:
index = round((from_timestamp + t) * video_fps). Asking a decoder for a float time that lands on a
frame boundary returns the previous frame about one time in six, so we never do that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leropilot_gl.dataset import EpisodeIndex
from leropilot_gl.media.depth import DepthParams, bits_of, is_depth_feature
from leropilot_gl.media.pool import DecodePool

PAUSED_BEHIND = 4  # frames prefetched behind the playhead while paused (stepping back)
PAUSED_AHEAD = 8
PLAY_AHEAD_S = 1.0  # prefetch this much episode time ahead while playing (times the speed)
PLAY_AHEAD_MIN, PLAY_AHEAD_MAX = 8, 90


@dataclass(frozen=True)
class CameraSource:
    video_key: str
    path: Path
    from_s: float
    to_s: float
    problem: str | None  # known before decoding: file missing, images stored in parquet


@dataclass(frozen=True)
class TileFrame:
    """What a camera tile can show for a frame: the image when decoded, else why not."""

    video_key: str
    frame_index: int
    image: np.ndarray | None  # HxWx4 uint8 RGBA (HxWx3 RGB from a pool with rgba=False), read-only
    problem: str | None  # the video or this frame cannot be decoded
    # Depth cameras: the frame's raw codes (HxW uint16, full 12/16 bits) and how they map to
    # depth (DepthParams.to_depth / depth_at, in the dataset's unit); `image` is then a colormap.
    depth_codes: np.ndarray | None = None
    depth: DepthParams | None = None

    @property
    def ready(self) -> bool:
        return self.image is not None


class EpisodeMedia:
    """Non-blocking access to an episode's camera frames. Owned by the UI thread (or one script)."""

    def __init__(self, pool: DecodePool, episode: EpisodeIndex) -> None:
        self.pool = pool
        self.episode = episode
        self.dataset_fps = float(episode.dataset.fps)
        self.sources: dict[str, CameraSource] = {}
        self.depth: dict[str, DepthParams] = {}  # depth cameras, by video key
        self.depth_problems: dict[str, str] = {}
        cameras = episode.dataset.cameras
        # One worker per camera file, before the files are opened (and so given to workers).
        pool.ensure_workers(len({v.path for v in episode.videos.values()}))
        features = (getattr(episode.dataset, "info", None) or {}).get("features") or {}
        for key in sorted(set(episode.videos) | {k for k, c in cameras.items() if c.storage == "image"}):
            video = episode.videos.get(key)
            if video is None:
                problem = "images stored in the data files are not played (only mp4 videos)"
                self.sources[key] = CameraSource(key, Path(), 0.0, 0.0, problem)
                continue
            problem = None if video.exists else f"video file missing: {video.path.name}"
            feature = features.get(key)
            if isinstance(feature, dict) and is_depth_feature(feature):
                try:
                    self.depth[key] = DepthParams.from_feature(feature, bits=_bits(cameras.get(key)))
                    pool.set_depth(video.path, self.depth[key])
                except ValueError as exc:  # shown on the tile; the codes still show as gray levels
                    problem = problem or f"depth camera: {exc}"
            self.sources[key] = CameraSource(key, video.path, video.from_s, video.to_s, problem)
            if problem is None:
                pool.open(video.path)
        self._demand: tuple | None = None  # (frame, (speed, loop range)) last asked for
        self._window: set[int] = set()  # episode frames wanted at the last update
        self._generation = -1  # the pool generation our requests belong to
        self._requested: dict[str, set[int]] = {}  # per camera: frames requested this generation

    @property
    def video_keys(self) -> list[str]:
        return list(self.sources)

    @property
    def frame_count(self) -> int:
        return self.episode.length

    def problem(self, video_key: str) -> str | None:
        source = self.sources[video_key]
        return source.problem or (self.pool.file_error(source.path) if source.problem is None else None)

    def file_frame_index(self, video_key: str, frame_index: int) -> int | None:
        """The frame's index inside its mp4, or None until the decoder has told us the video's fps."""
        source = self.sources[video_key]
        info = self.pool.info(source.path) if source.problem is None else None
        if info is None:
            return None
        return file_frame_index(source.from_s, frame_index, self.dataset_fps, info.fps)

    def frame(self, video_key: str, frame_index: int) -> TileFrame:
        """The cached frame or None (then the tile keeps what it shows and marks itself buffering)."""
        problem = self.problem(video_key)
        if problem is not None:
            return TileFrame(video_key, frame_index, None, problem)
        index = self.file_frame_index(video_key, frame_index)
        if index is None:
            return TileFrame(video_key, frame_index, None, None)
        path = self.sources[video_key].path
        image = self.pool.cache.get(path, index)
        problem = None if image is not None else self.pool.frame_error(path, index)
        depth = self.depth.get(video_key)
        if depth is None:
            return TileFrame(video_key, frame_index, image, problem)
        codes = self.pool.depth_cache.get(path, index) if image is not None else None
        return TileFrame(video_key, frame_index, image, problem, codes, depth)

    def update(
        self, frame_index: int, *, speed_if_playing: float | None, loop_range: tuple[int, int] | None = None
    ) -> None:
        """Ask for the frame under the playhead (first) and prefetch around it; returns at once.

        Call it every UI frame, and again right after a seek (the decoders start at once). When
        paused, the frames around the playhead are asked for from the second call at the same
        position on, once the playhead's frame is decoded (so a scrub does not queue work it will
        throw away).

        A seek, a step, a change of speed or playback that fell behind starts a new generation:
        requests queued for frames the playhead has left are dropped before they are decoded.
        Playback that keeps up only extends the window ahead, so the queue is never rebuilt.
        """
        frame_index = min(max(frame_index, 0), max(self.frame_count - 1, 0))
        mode = (speed_if_playing, loop_range)
        previous = self._demand
        self._demand = (frame_index, mode)
        if self._generation != self.pool.generation:
            previous = None  # someone else started a generation: our queued requests were dropped
        if previous != self._demand:
            continuing = (
                speed_if_playing is not None
                and previous is not None
                and previous[1] == mode
                and frame_index in self._window
                and not self._lagging(previous[0], frame_index)
            )
            if not continuing:
                self._generation = self.pool.new_generation()
                self._requested.clear()
        wanted = self._prefetch_frames(frame_index, speed_if_playing, loop_range)
        if speed_if_playing is None and (previous != self._demand or not self.ready(frame_index)):
            # Paused: prefetch around the playhead only once every camera has its frame (a later
            # call). While the user scrubs, every seek then finds the workers free instead of busy
            # with the neighbours of the previous position (a decode in flight cannot be stopped).
            wanted = wanted[:1]
        infos = {k: self.pool.info(s.path) for k, s in self.sources.items() if s.problem is None}
        # Prefetch at most half the cache: the frame under the playhead must never be evicted by
        # frames queued after it.
        window_bytes = sum(i.width * i.height * 4 for i in infos.values() if i is not None)
        if window_bytes:
            wanted = wanted[: max(1, self.pool.cache.max_bytes // 2 // window_bytes)]
        self._window = set(wanted)
        for key, info in infos.items():
            source = self.sources[key]
            if info is None:
                self.pool.open(source.path)
                continue  # requested on a later call, once the fps is known
            requested = self._requested.setdefault(key, set())
            new = [f for f in wanted if f not in requested]
            if not new:
                continue
            requested.update(new)
            indices = [self.file_frame_index(key, f) for f in new]
            if new[0] == frame_index:
                self.pool.request(source.path, indices[:1], urgent=True)
                indices = indices[1:]
            self.pool.request(source.path, indices)

    def _lagging(self, previous_frame: int, frame_index: int) -> bool:
        """True when frames the playhead has passed are still queued: decoding fell behind."""
        for key, source in self.sources.items():
            if source.problem is not None:
                continue
            for frame in {previous_frame, frame_index - 1}:
                index = self.file_frame_index(key, frame)
                if index is not None and frame < frame_index and self.pool.is_pending(source.path, index):
                    return True
        return False

    def _prefetch_frames(
        self, frame_index: int, speed_if_playing: float | None, loop_range: tuple[int, int] | None
    ) -> list[int]:
        """Episode frames to decode, most wanted first: the playhead, then ahead (playing) or around it."""
        last = self.frame_count - 1
        if speed_if_playing is None:
            order = [frame_index]
            for step in range(1, PAUSED_AHEAD + 1):
                order.append(frame_index + step)
                if step <= PAUSED_BEHIND:
                    order.append(frame_index - step)
            return [f for f in order if 0 <= f <= last]
        ahead = round(PLAY_AHEAD_S * self.dataset_fps * abs(speed_if_playing))
        ahead = min(PLAY_AHEAD_MAX, max(PLAY_AHEAD_MIN, ahead))
        start, end = loop_range if loop_range is not None else (0, last)
        out = []
        frame = frame_index
        for _ in range(ahead + 1):
            out.append(frame)
            frame += 1
            if frame > end:
                if loop_range is None:
                    break
                frame = start
        return out

    def ready(self, frame_index: int) -> bool:
        """True when every camera that can decode has this frame in the cache."""
        for key, source in self.sources.items():
            if self.problem(key) is not None:
                continue
            index = self.file_frame_index(key, frame_index)
            if index is None or (
                (source.path, index) not in self.pool.cache
                and self.pool.frame_error(source.path, index) is None
            ):
                return False
        return True

    def depth_at(self, video_key: str, frame_index: int, x: int, y: int) -> float | None:
        """Depth (dataset unit) at pixel (x, y) of a cached depth frame; None when unknown."""
        tile = self.frame(video_key, frame_index)
        if tile.depth is None or tile.depth_codes is None:
            return None
        height, width = tile.depth_codes.shape
        if not (0 <= x < width and 0 <= y < height):
            return None
        return tile.depth.depth_at(int(tile.depth_codes[y, x]))

    def wait_frame(self, frame_index: int, timeout_s: float = 30.0) -> dict[str, TileFrame]:
        """Block until every camera has the frame (or failed): for scripts and the CLI, never the UI."""
        for source in self.sources.values():
            if source.problem is None:
                self.pool.wait_open(source.path, timeout_s)
        self.update(frame_index, speed_if_playing=None)
        keys = []
        for key, source in self.sources.items():
            index = self.file_frame_index(key, frame_index)
            if index is not None:
                keys.append((source.path, index))
        self.pool.wait(keys, timeout_s)
        return {key: self.frame(key, frame_index) for key in self.sources}


def file_frame_index(from_s: float, frame_index: int, dataset_fps: float, video_fps: float) -> int:
    """An episode frame's index inside an mp4 whose episode segment starts at from_s seconds."""
    return round((from_s + frame_index / dataset_fps) * video_fps)


def _bits(camera) -> int:
    """Bits per depth code from the camera's declared pixel format (12 unless it says otherwise)."""
    pix_fmt = getattr(camera, "pix_fmt", None)
    return bits_of(pix_fmt) if pix_fmt and pix_fmt.startswith("gray") else 12
