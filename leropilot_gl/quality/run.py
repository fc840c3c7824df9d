"""`run_doctor(index)`: every check over a dataset, cached per episode, pixels decoded once."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality.cache import ResultCache, episode_keys
from leropilot_gl.quality.cheap import cheap_checks
from leropilot_gl.quality.findings import Finding, sort_findings
from leropilot_gl.quality.progress import Progress
from leropilot_gl.quality.thresholds import Thresholds
from leropilot_gl.quality.video import (
    Cancelled,
    FileSignal,
    episode_frame_range,
    file_facts,
    image_still,
    pixel_findings,
    scan_file,
    video_findings,
)
from leropilot_gl.quality.video_order import video_order_findings

IDLE_KINDS = ("idle_start", "idle_end")


@dataclass
class DoctorReport:
    root: Path
    findings: list[Finding]
    episodes_checked: int = 0
    episodes_from_cache: int = 0
    decoded_frames: int = 0
    elapsed_s: float = 0.0
    pixels: bool = True
    by_episode: dict[int, list[Finding]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.findings = sort_findings(self.findings)
        self.by_episode = defaultdict(list)
        for f in self.findings:
            if f.episode_index is not None:
                self.by_episode[f.episode_index].append(f)
        self.by_episode = dict(self.by_episode)

    def worst_by_episode(self) -> dict[int, Severity]:
        return {ep: max(f.severity for f in fs) for ep, fs in self.by_episode.items()}

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def suggested_trims(self) -> dict[int, tuple[int, int]]:
        """episode -> kept frames [start, end), from every trim fix of that episode."""
        out: dict[int, tuple[int, int]] = {}
        for f in self.findings:
            if f.fix and f.fix.get("action") == "trim" and f.episode_index is not None:
                start, end = out.get(f.episode_index, (0, 1 << 62))
                out[f.episode_index] = (max(start, int(f.fix["start"])), min(end, int(f.fix["end"])))
        return {ep: se for ep, se in out.items() if se[1] > se[0]}

    def flagged_episodes(self, min_severity: Severity = Severity.ERROR) -> list[int]:
        """Episodes with a finding at min_severity or worse, or with a delete fix, or flagged by hand."""
        return sorted(
            ep
            for ep, fs in self.by_episode.items()
            if any(
                f.severity >= min_severity or (f.fix or {}).get("action") == "delete" or f.kind == "manual"
                for f in fs
            )
        )


def run_doctor(
    index: DatasetIndex,
    *,
    thresholds: Thresholds | None = None,
    episodes: Iterable[int] | None = None,
    pixels: bool = True,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    workers: int | None = None,
    manual_flags: dict[int, str] | None = None,
) -> DoctorReport:
    """Run every check; raises video.Cancelled when cancel is set."""
    started = time.perf_counter()
    th = thresholds or Thresholds()
    progress = progress or Progress()
    wanted = set(episodes) if episodes is not None else None
    eps = [e for e in index.episodes if wanted is None or e.episode_index in wanted]
    progress.set("fingerprints")
    # keys cost a stat per file and a hash per episode: only worth it when the cache is used
    dataset_key, keys = episode_keys(index, eps, f"{th.key()}|pixels={pixels}") if use_cache else ("", {})
    cache = ResultCache(index.root, cache_dir) if use_cache else None
    cached: dict[int, list[Finding]] = {}
    dataset_cached = None
    if cache is not None:
        dataset_cached = cache.dataset(dataset_key)
        for e in eps:
            hit = cache.episode(e.episode_index, keys[e.episode_index])
            if hit is not None:
                cached[e.episode_index] = [Finding.from_json(d) for d in hit]
    todo = [e for e in eps if e.episode_index not in cached]
    decoded = 0
    if todo or dataset_cached is None:
        progress.set("data checks")
        found, motion = cheap_checks(index, th, episodes=wanted)
        todo_set = {e.episode_index for e in todo}
        dataset_level = [f for f in found if f.episode_index is None]
        fresh = [f for f in found if f.episode_index in todo_set]
        video_eps = [e for e in todo if e.usable and any(v.exists for v in e.videos.values())]
        if video_eps:
            idle_candidates = [f for f in fresh if f.kind in IDLE_KINDS]
            fresh_video, decoded, refined = _video_checks(
                index, video_eps, motion, th, pixels, progress, cancel, workers, idle_candidates
            )
            # idle findings of episodes whose images were scanned come from the pixel pass
            fresh = [f for f in fresh if not (f.kind in IDLE_KINDS and f.episode_index in refined)]
            fresh += fresh_video
        per_episode: dict[int, list[Finding]] = defaultdict(list)
        for f in fresh:
            per_episode[f.episode_index].append(f)  # type: ignore[index]
        if cache is not None:
            cache.store(
                dataset_key,
                [f.to_json() for f in dataset_level],
                {
                    e.episode_index: (
                        keys[e.episode_index],
                        [f.to_json() for f in per_episode.get(e.episode_index, [])],
                    )
                    for e in todo
                },
            )
        dataset_findings = dataset_level
    else:
        per_episode = defaultdict(list)
        dataset_findings = [Finding.from_json(d) for d in dataset_cached]
    findings = video_order_findings(index) + list(dataset_findings)  # metadata only: never cached
    for e in eps:
        findings += cached.get(e.episode_index) or per_episode.get(e.episode_index, [])
    for ep, note in (manual_flags or {}).items():
        if wanted is None or ep in wanted:
            findings.append(
                Finding(
                    "manual", Severity.WARNING, f"flagged by hand: {note}" if note else "flagged by hand", ep
                )
            )
    progress.set("done")
    return DoctorReport(
        root=index.root,
        findings=findings,
        episodes_checked=len(todo),
        episodes_from_cache=len(cached),
        decoded_frames=decoded,
        elapsed_s=time.perf_counter() - started,
        pixels=pixels,
    )


def _video_checks(
    index: DatasetIndex,
    eps: list[EpisodeIndex],
    motion,  # noqa: ANN001  # cheap.MotionState
    th: Thresholds,
    pixels: bool,
    progress: Progress,
    cancel: threading.Event | None,
    workers: int | None,
    idle_candidates: list[Finding],
) -> tuple[list[Finding], int, set[int]]:
    paths = sorted({v.path for e in eps for v in e.videos.values() if v.exists})
    n_workers = workers or min(len(paths), max(1, (os.cpu_count() or 2)))
    progress.set("video headers")
    with ThreadPoolExecutor(max(1, min(n_workers, len(paths))), thread_name_prefix="doctor") as pool:
        facts = dict(zip(paths, pool.map(file_facts, paths), strict=True))
    out = video_findings(index, eps, facts, th)
    if not pixels:
        return out, 0, set()
    idle_candidates = [f for f in idle_candidates if f.episode_index in {e.episode_index for e in eps}]
    # Frames each file must decode: up to the end of the last episode range that needs it.
    needed: dict[Path, int] = defaultdict(int)
    for e in eps:
        for v in e.videos.values():
            f = facts.get(v.path)
            if v.exists and f is not None and not f.error:
                _, end = episode_frame_range(f.fps or index.fps, v.from_s, v.to_s)
                # one frame past the range: the boundary check looks at the next episode's first frame
                needed[v.path] = max(needed[v.path], min(end + 1, f.header_frames or end + 1))
    progress.set("decoding", sum(needed.values()))
    signals: dict[Path, FileSignal] = {}
    # One file per task: each decoder lives in one worker thread for its whole life.
    with ThreadPoolExecutor(max(1, min(n_workers, len(needed))), thread_name_prefix="doctor-decode") as pool:
        futures = {
            path: pool.submit(scan_file, path, frames=count, cancel=cancel, on_frames=progress.add)
            for path, count in needed.items()
        }
        try:
            for path, fut in futures.items():
                signals[path] = fut.result()
        except Cancelled:
            for fut in futures.values():
                fut.cancel()
            raise
    moving_steps: dict[int, np.ndarray] = {}
    for ep_ids, offsets, moving in motion.moving.values():
        for k, ep in enumerate(ep_ids):
            moving_steps[int(ep)] = moving[offsets[k] : offsets[k + 1] - 1]
    px, image_change = pixel_findings(index, eps, signals, moving_steps, th)
    out += px
    # frames that did not decode, in episodes whose range the header check did not already flag
    flagged = {(f.episode_index, f.camera) for f in out if f.kind == "video_truncated"}
    for e in eps:
        for key, v in e.videos.items():
            sig = signals.get(v.path)
            if sig is None or not sig.error or (e.episode_index, key) in flagged:
                continue
            first, end = episode_frame_range(sig.fps or index.fps, v.from_s, v.to_s)
            if end > sig.decoded:
                out.append(
                    Finding(
                        "video_truncated",
                        Severity.ERROR,
                        f"{v.path.name}: {sig.error}",
                        e.episode_index,
                        max(0, sig.decoded - first),
                        e.length,
                        camera=key,
                    )
                )
    # idle needs a still image too: keep only idle parts whose images do not move
    idle_refined: list[Finding] = []
    for f in idle_candidates:
        changes = image_change.get(f.episode_index)  # type: ignore[arg-type]
        if changes is None:
            idle_refined.append(f)
        elif image_still(changes, f.frame_start or 0, f.frame_end or 0, th):
            idle_refined.append(
                replace(f, message=f.message.replace("action and state", "action, state and images"))
            )
    out += idle_refined
    return out, sum(s.decoded for s in signals.values()), {e.episode_index for e in eps}
