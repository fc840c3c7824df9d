"""Video decode, frame cache and prefetch. No imgui, no GL: usable from scripts and the CLI.

Use: cache = FrameCache(max_bytes)
pool = DecodePool(cache)                # workers with per-file affinity, decoders kept open
media = EpisodeMedia(pool, episode)     # one episode's cameras
media.update(frame, speed_if_playing=None)   # ask + prefetch, returns at once
media.frame(video_key, frame).image     # the cached frame or None (buffering)
"""

from leropilot_gl.media.cache import DEFAULT_CACHE_BYTES, CacheStats, FrameCache
from leropilot_gl.media.decoders import (
    BACKEND_ENV,
    BACKEND_PROBE,
    BackendStatus,
    MediaError,
    PyAVDecoder,
    TorchcodecDecoder,
    VideoInfo,
    open_decoder,
)
from leropilot_gl.media.episode import CameraSource, EpisodeMedia, TileFrame, file_frame_index
from leropilot_gl.media.pool import DecodePool, PoolStats

__all__ = [
    "BACKEND_ENV",
    "BACKEND_PROBE",
    "DEFAULT_CACHE_BYTES",
    "BackendStatus",
    "CacheStats",
    "CameraSource",
    "DecodePool",
    "EpisodeMedia",
    "FrameCache",
    "MediaError",
    "PoolStats",
    "PyAVDecoder",
    "TileFrame",
    "TorchcodecDecoder",
    "VideoInfo",
    "file_frame_index",
    "open_decoder",
]
