"""Video checks: file facts from the container (no decoding), then one decode of every frame.

`file_facts` demuxes a file without decoding it: a file cut short whose header is intact still
says N frames in its header but holds fewer packets. `scan_file` decodes each frame exactly
once, in order, and keeps three numbers per frame (mean, spread, change from the previous
frame) of a small thumbnail of the green channel; every pixel check works on those numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality.findings import Finding, runs
from leropilot_gl.quality.progress import Cancelled
from leropilot_gl.quality.thresholds import Thresholds

BATCH_FRAMES = 32
THUMB_SIDE = 32  # the thumbnail keeps about this many pixels on the short side


@dataclass(frozen=True)
class FileFacts:
    path: Path
    fps: float | None
    header_frames: int  # what the header promises
    packets: int  # what the file holds
    error: str | None = None


def file_facts(path: Path) -> FileFacts:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return FileFacts(path, None, 0, 0, "no video stream in the file")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else None
            header = int(stream.frames or 0)
            if not header and stream.duration and fps:
                header = round(float(stream.duration * stream.time_base) * fps)
            packets = 0
            try:
                for packet in container.demux(stream):
                    if packet.size:
                        packets += 1
            except Exception:  # a cut file ends the demux with an error: count what came
                pass
            return FileFacts(path, fps, header, packets)
    except Exception as exc:  # av raises many error types for damaged files
        return FileFacts(path, None, 0, 0, f"cannot read the video header ({type(exc).__name__}: {exc})")


@dataclass
class FileSignal:
    """Per-frame numbers of one file: index i is frame i of the file."""

    path: Path
    fps: float
    mean: np.ndarray  # gray level 0..255
    spread: np.ndarray  # std of the thumbnail
    change: np.ndarray  # mean |thumb[i] - thumb[i-1]|; change[0] = nan
    change_max: np.ndarray  # largest |thumb[i] - thumb[i-1]|: about 0 when a frame repeats
    decoded: int  # frames that decoded (fewer than asked when the file is damaged)
    error: str | None = None


def scan_file(
    path: Path,
    *,
    frames: int | None = None,
    cancel: threading.Event | None = None,
    on_frames: Callable[[int], None] | None = None,
) -> FileSignal:
    """Decode frames [0, frames) of path once (all when None) into per-frame numbers."""
    import torch
    from torchcodec.decoders import VideoDecoder

    try:
        decoder = VideoDecoder(
            str(path), dimension_order="NHWC", seek_mode="approximate", num_ffmpeg_threads=1
        )
    except Exception as exc:
        empty = np.zeros(0, dtype=np.float32)
        return FileSignal(
            path, 0.0, empty, empty, empty, empty, 0, f"cannot open: {str(exc).splitlines()[0]}"
        )
    meta = decoder.metadata
    fps = float(meta.average_fps or meta.average_fps_from_header or 0.0)
    total = int(meta.num_frames or 0)
    count = total if frames is None else min(frames, total)
    mean = np.full(count, np.nan, dtype=np.float32)
    spread = np.full(count, np.nan, dtype=np.float32)
    change = np.full(count, np.nan, dtype=np.float32)
    change_max = np.full(count, np.nan, dtype=np.float32)
    previous = None
    done = 0
    error = None
    torch.set_num_threads(1)
    while done < count:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        stop = min(count, done + BATCH_FRAMES)
        try:
            batch = decoder.get_frames_in_range(done, stop).data
        except Exception as exc:  # a damaged or cut file: keep what decoded
            error = f"frame {done} does not decode ({str(exc).splitlines()[0]})"
            break
        h, w = batch.shape[1], batch.shape[2]
        step = max(1, min(h, w) // THUMB_SIDE)
        # green alone stands in for luma: a third of the work, and the checks only compare levels
        thumb = batch[:, ::step, ::step, 1].to(torch.float32)
        flat = thumb.reshape(len(thumb), -1)
        mean[done:stop] = flat.mean(1).numpy()
        spread[done:stop] = flat.std(1).numpy()
        both = flat if previous is None else torch.cat([previous, flat])
        diffs = (both[1:] - both[:-1]).abs()
        change[done + (previous is None) : stop] = diffs.mean(1).numpy()
        change_max[done + (previous is None) : stop] = diffs.amax(1).numpy()
        previous = flat[-1:]
        if on_frames is not None:
            on_frames(stop - done)
        done = stop
    return FileSignal(path, fps, mean, spread, change, change_max, done, error)


def episode_frame_range(video_fps: float, from_s: float, to_s: float) -> tuple[int, int]:
    return round(from_s * video_fps), round(to_s * video_fps)


def video_findings(
    index: DatasetIndex,
    episodes: list[EpisodeIndex],
    facts: dict[Path, FileFacts],
    th: Thresholds,
) -> list[Finding]:
    """Camera ranges against episode lengths and against what the files hold."""
    out: list[Finding] = []
    told_fps: set[Path] = set()
    for ep in episodes:
        for key, video in sorted(ep.videos.items()):
            f = facts.get(video.path)
            if not video.exists or f is None:
                continue
            if f.error:
                out.append(Finding("video_truncated", Severity.ERROR, f.error, ep.episode_index, camera=key))
                continue
            vfps = f.fps or index.fps
            if f.fps and abs(f.fps - index.fps) > 1e-3 and video.path not in told_fps:
                told_fps.add(video.path)  # said once per file, on its first episode
                out.append(
                    Finding(
                        "video_fps",
                        Severity.WARNING,
                        f"{video.path.relative_to(index.root)} runs at {f.fps:g} fps, the dataset at {index.fps:g} fps",
                        ep.episode_index,
                        camera=key,
                    )
                )
            first, end = episode_frame_range(vfps, video.from_s, video.to_s)
            n = end - first
            if abs(n - ep.length) > th.video_length_tolerance_frames:
                shorter = n < ep.length
                out.append(
                    Finding(
                        "video_length",
                        Severity.ERROR if shorter else Severity.WARNING,
                        f"camera range holds {n} frames ({video.to_s - video.from_s:.3f} s), the data {ep.length}"
                        + ("; frames past it cannot be shown" if shorter else ""),
                        ep.episode_index,
                        min(n, ep.length),
                        max(n, ep.length),
                        camera=key,
                    )
                )
            available = min(f.packets, f.header_frames or f.packets)
            if end > available:
                out.append(
                    Finding(
                        "video_truncated",
                        Severity.ERROR,
                        f"{video.path.name} is cut short: its header promises {f.header_frames} frames, "
                        f"it holds {f.packets}; this episode needs frames up to {end}",
                        ep.episode_index,
                        max(0, available - first),
                        ep.length,
                        camera=key,
                    )
                )
    return out


def pixel_findings(
    index: DatasetIndex,
    episodes: list[EpisodeIndex],
    signals: dict[Path, FileSignal],
    moving_steps: dict[int, np.ndarray],
    th: Thresholds,
) -> tuple[list[Finding], dict[int, np.ndarray]]:
    """Black/blank, frozen and boundary frames; returns findings and, per episode, each camera's
    mean change per frame (for the idle check)."""
    out: list[Finding] = []
    image_change: dict[int, dict[str, np.ndarray]] = {}
    for ep in episodes:
        per_cam: dict[str, np.ndarray] = {}
        per_cam_idle: dict[str, np.ndarray] = {}
        for key, video in sorted(ep.videos.items()):
            sig = signals.get(video.path)
            if sig is None or not sig.fps:
                continue
            first, end = episode_frame_range(sig.fps, video.from_s, video.to_s)
            end = min(end, first + ep.length)
            if first >= sig.decoded:
                continue
            stop = min(end, sig.decoded)
            mean, spread, change = sig.mean[first:stop], sig.spread[first:stop], sig.change[first:stop]
            blank = spread < th.blank_std
            for a, b in runs(blank):
                dark = bool(np.all(mean[a:b] < th.black_level))
                out.append(
                    Finding(
                        "black_frames",
                        Severity.WARNING,
                        f"{b - a} {'black' if dark else 'blank'} frame{'s' if b - a > 1 else ''} "
                        f"(gray level {float(mean[a:b].mean()):.0f})",
                        ep.episode_index,
                        a,
                        b,
                        camera=key,
                    )
                )
            moved = sig.change_max[first + 1 : stop] >= th.frozen_max_px  # step t: frame t -> t+1
            per_cam[key] = moved
            per_cam_idle[key] = change
            # boundary: the first frame is far from the second and close to the previous episode
            if (
                first > 0
                and len(change) > 1
                and np.isfinite(change[0])
                and change[1] > th.boundary_min_px
                and change[0] * th.boundary_ratio < change[1]
                and change[1] > 3 * _typical(change)
            ):
                out.append(
                    Finding(
                        "boundary_frame",
                        Severity.ERROR,
                        "the first frame looks like the previous episode's last frame "
                        "(the camera range starts one frame early)",
                        ep.episode_index,
                        0,
                        1,
                        camera=key,
                    )
                )
            last = stop - 1
            if stop == end and last + 1 < sig.decoded and len(change) > 1:
                after = sig.change[last + 1]
                if (
                    change[-1] > th.boundary_min_px
                    and after * th.boundary_ratio < change[-1]
                    and change[-1] > 3 * _typical(change)
                ):
                    out.append(
                        Finding(
                            "boundary_frame",
                            Severity.ERROR,
                            "the last frame looks like the next episode's first frame "
                            "(the camera range ends one frame late)",
                            ep.episode_index,
                            ep.length - 1,
                            ep.length,
                            camera=key,
                        )
                    )
        if not per_cam:
            continue
        image_change[ep.episode_index] = per_cam_idle
        data_moving = moving_steps.get(ep.episode_index)
        min_frames = th.frames(th.frozen_video_min_s, index.fps)
        for key, moved in per_cam.items():
            others = np.zeros(len(moved), dtype=bool)
            for other_key, m in per_cam.items():
                if other_key != key:
                    others[: min(len(m), len(others))] |= m[: len(others)]
            if data_moving is not None:
                k = min(len(data_moving), len(others))
                others[:k] |= data_moving[:k]
            for a, b in runs(~moved):
                if b - a + 1 < min_frames or others[a:b].mean() < 0.5:
                    continue
                out.append(
                    Finding(
                        "frozen_video",
                        Severity.WARNING,
                        f"the image repeats for {b - a + 1} frames while the robot or other cameras move",
                        ep.episode_index,
                        a,
                        b + 1,
                        camera=key,
                    )
                )
    return out, image_change


def image_still(changes: dict[str, np.ndarray], start: int, end: int, th: Thresholds) -> bool:
    """Frames [start, end) look still in every camera: their typical change is below idle_still_px.

    The median, not every frame: an encoder settling after a keyframe changes a still image for a
    few frames."""
    for change in changes.values():
        seg = change[start + 1 : end]
        seg = seg[np.isfinite(seg)]
        if len(seg) and float(np.median(seg)) >= th.idle_still_px:
            return False
    return True


def _typical(change: np.ndarray) -> float:
    finite = change[np.isfinite(change)]
    return float(np.median(finite)) if len(finite) else 0.0
