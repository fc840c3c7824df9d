"""Decode workers with per-file affinity, feeding the frame cache.

Each mp4 belongs to one worker, which opens its decoder and keeps it open (one decoder is never
shared between threads). Requests carry a generation number: a seek starts a new generation and
every queued request of an older one is dropped without decoding. Requests never block the
caller; results land in the FrameCache, which the UI polls.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leropilot_gl.media.cache import FrameCache
from leropilot_gl.media.decoders import (
    BACKEND_PROBE,
    BackendStatus,
    FrameDecoder,
    MediaError,
    PyAVDecoder,
    VideoInfo,
    open_decoder,
    rgb_to_rgba,
)
from leropilot_gl.media.depth import DepthColormap, DepthParams, bits_of

MAX_DECODERS_PER_WORKER = 16  # v2 datasets have one file per episode: close the least recent
MAX_FRAME_ERRORS = 1024
MAX_WORKERS = 16  # ensure_workers' cap: a 30-camera rig shares 16 decode threads


class SpareFrames:
    """Frame buffers written once while the workers are idle, handed to the next decoded frames.

    A fresh 640x480 RGBA array costs ~0.7 ms of page faults when first written (more than the
    conversion itself); frames stay in the cache, so every decoded frame needs new memory.
    Touching that memory ahead of time takes the cost off the seek.
    """

    PER_SHAPE = 12
    SLICE_BYTES = 64 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: dict[tuple[int, ...], list[np.ndarray]] = {}
        self._partial: dict[tuple[int, ...], tuple[np.ndarray, int]] = {}  # (buffer, bytes written)

    def take(self, shape: tuple[int, ...]) -> np.ndarray | None:
        with self._lock:
            free = self._free.setdefault(shape, [])
            return free.pop() if free else None

    def refill(self, interrupted: Callable[[], bool]) -> None:
        """Top up every shape seen so far; stops as soon as interrupted() (work arrived).

        A buffer is written a slice at a time (64 KiB) so that a request arriving meanwhile waits
        for one slice, not for a whole frame's page faults; the buffer is finished next time.
        """
        for shape in list(self._free):
            while not interrupted():
                with self._lock:
                    if len(self._free[shape]) >= self.PER_SHAPE:
                        break
                    buffer, start = self._partial.pop(shape, None) or (np.empty(shape, np.uint8), 0)
                flat = buffer.reshape(-1)
                while start < flat.size and not interrupted():
                    flat[start : start + self.SLICE_BYTES] = 0  # the write is what faults the pages in
                    start += self.SLICE_BYTES
                with self._lock:
                    if start < flat.size:
                        self._partial[shape] = (buffer, start)
                        return
                    self._free[shape].append(buffer)


@dataclass(frozen=True)
class _Job:
    path: Path
    index: int | None  # None: only open the file (learn its fps and frame count)
    generation: int


@dataclass(frozen=True)
class PoolStats:
    decoded: int
    dropped_stale: int
    failed: int
    queued: int
    decode_s: float  # time spent inside decoders, summed over workers
    decode_cpu_s: float = 0.0  # CPU time of the same (less than decode_s when cores are shared)


class _Worker:
    def __init__(self, pool: DecodePool, number: int) -> None:
        self.pool = pool
        self.cond = threading.Condition()
        self.jobs: deque[_Job] = deque()
        self.decoders: OrderedDict[Path, FrameDecoder] = OrderedDict()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name=f"decode-{number}", daemon=True)
        self.thread.start()

    def push(self, jobs: list[_Job], *, front: bool) -> None:
        with self.cond:
            if front:
                self.jobs.extendleft(reversed(jobs))
            else:
                self.jobs.extend(jobs)
            self.cond.notify()

    def drop_stale(self, generation: int) -> list[_Job]:
        with self.cond:
            stale = [j for j in self.jobs if j.index is not None and j.generation < generation]
            if stale:
                self.jobs = deque(j for j in self.jobs if j.index is None or j.generation >= generation)
            return stale

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.jobs.clear()
            self.cond.notify()

    def _run(self) -> None:
        try:
            while True:
                if not self.jobs:
                    self.pool._spares.refill(self._busy)  # noqa: SLF001
                with self.cond:
                    while not self.jobs and not self.stopping:
                        self.cond.wait()
                    if self.stopping:
                        return
                    job = self.jobs.popleft()
                self.pool._run_job(self, job)  # noqa: SLF001  # the pool's own worker
        finally:
            for decoder in self.decoders.values():
                decoder.close()
            self.decoders.clear()

    def _busy(self) -> bool:
        """Spare buffers wait while any worker has work: writing them would take a core from the
        decodes of the frame being sought (3 cameras on 2 cores)."""
        return bool(self.jobs) or self.stopping or self.pool.has_work()

    def decoder(self, path: Path, status: BackendStatus) -> FrameDecoder:
        decoder = self.decoders.get(path)
        gray = self.pool.is_depth(path)
        if decoder is not None and (gray or _backend_of(decoder) == status.name):
            self.decoders.move_to_end(path)
            return decoder
        if decoder is not None:  # PyAV stood in while torchcodec loaded: switch on the next frame
            self.decoders.pop(path).close()
        decoder = open_decoder(path, status, rgba=self.pool.rgba, gray=gray)
        self.decoders[path] = decoder
        while len(self.decoders) > MAX_DECODERS_PER_WORKER:
            _, old = self.decoders.popitem(last=False)
            old.close()
        return decoder


def _backend_of(decoder: FrameDecoder) -> str:
    return "pyav" if isinstance(decoder, PyAVDecoder) else "torchcodec"


class DecodePool:
    """Decode workers (default: one per core) shared by every episode of every open dataset."""

    def __init__(
        self, cache: FrameCache, *, workers: int | None = None, backend: str = "auto", rgba: bool = True
    ) -> None:
        self.cache = cache
        self.rgba = rgba  # cache 4-byte pixels: texture uploads become plain copies
        self.preferred_backend = backend
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._generation = 0
        self._pending: dict[tuple[Path, int], int] = {}  # (file, frame) -> generation queued
        self._owner: dict[Path, _Worker] = {}
        self._info: dict[Path, VideoInfo] = {}
        self._file_errors: dict[Path, str] = {}
        self._frame_errors: OrderedDict[tuple[Path, int], str] = OrderedDict()
        self._opening: set[Path] = set()
        self._backend: BackendStatus | None = None
        self._backend_final = False  # False while PyAV stands in for a loading torchcodec
        self._depth: dict[Path, DepthParams] = {}  # depth cameras' files
        self._colormaps: dict[int, DepthColormap] = {}  # by bits per code
        # Depth cameras' codes (HxW uint16) beside their colormapped RGBA frames in `cache`.
        self.depth_cache = FrameCache(max(cache.max_bytes // 4, 1))
        self._decoded = self._dropped = self._failed = 0
        self._decode_s = self._decode_cpu_s = 0.0
        self._spares = SpareFrames()
        # One worker per core to start with, and at least one per camera of the episode shown
        # (ensure_workers): the cameras of one frame then decode side by side even on 2 cores,
        # instead of two of three waiting for each other in one worker. workers= fixes the count.
        count = workers if workers is not None else max(1, os.cpu_count() or 1)
        self._fixed_count = workers is not None
        self._workers = [_Worker(self, i) for i in range(count)]
        # Decoders must close before the interpreter tears down (FFmpeg threads abort otherwise).
        atexit.register(self.close)

    # ------------------------------------------------------------------ queries (any thread)
    @property
    def generation(self) -> int:
        return self._generation

    @property
    def worker_count(self) -> int:
        return len(self._workers)

    @property
    def backend_status(self) -> BackendStatus | None:
        """None until a worker has loaded the decoding library."""
        return self._backend

    def set_depth(self, path: Path, params: DepthParams) -> None:
        """Mark path as a depth camera: decoded as gray codes, shown through a colormap."""
        with self._lock:
            self._depth[path] = params

    def is_depth(self, path: Path) -> bool:
        return path in self._depth

    def depth_params(self, path: Path) -> DepthParams | None:
        return self._depth.get(path)

    def info(self, path: Path) -> VideoInfo | None:
        return self._info.get(path)

    def file_error(self, path: Path) -> str | None:
        return self._file_errors.get(path)

    def frame_error(self, path: Path, index: int) -> str | None:
        return self._frame_errors.get((path, index))

    def has_work(self) -> bool:
        """Frames queued or being decoded (any thread; no lock: a snapshot is enough)."""
        return bool(self._pending) or bool(self._opening)

    def is_pending(self, path: Path, index: int) -> bool:
        return (path, index) in self._pending

    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(
                self._decoded,
                self._dropped,
                self._failed,
                len(self._pending),
                self._decode_s,
                self._decode_cpu_s,
            )

    # ------------------------------------------------------------------ commands (never block)
    def new_generation(self) -> int:
        """A seek: every queued frame request of an older generation is dropped."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        for worker in self._workers:
            stale = worker.drop_stale(generation)
            if stale:
                with self._lock:
                    for job in stale:
                        self._forget_locked(job)
                    self._dropped += len(stale)
        return generation

    def ensure_workers(self, count: int) -> None:
        """At least count workers (capped at MAX_WORKERS); call before opening that many files, which
        then go to different workers. No-op for a pool created with a fixed worker count."""
        count = min(count, MAX_WORKERS)
        if self._fixed_count:
            return
        with self._lock:
            while len(self._workers) < count:
                self._workers.append(_Worker(self, len(self._workers)))

    def open(self, path: Path) -> None:
        """Open path's decoder in its worker (to learn its fps and frame count); no-op when known."""
        with self._lock:
            if path in self._info or path in self._file_errors or path in self._opening:
                return
            self._opening.add(path)
            worker = self._owner_locked(path)
        worker.push([_Job(path, None, 0)], front=True)

    def request(self, path: Path, indices: Iterable[int], *, urgent: bool = False) -> int:
        """Queue frames of path (in order) for the current generation; returns how many were queued.

        Frames already cached, queued in this generation or known to fail are skipped. urgent
        puts them before everything already queued (the frame under the playhead).
        """
        jobs: list[_Job] = []
        with self._lock:
            if path in self._file_errors:
                return 0
            generation = self._generation
            for index in indices:
                key = (path, index)
                if self._pending.get(key) == generation or key in self._frame_errors or key in self.cache:
                    continue
                self._pending[key] = generation
                jobs.append(_Job(path, index, generation))
            if not jobs:
                return 0
            worker = self._owner_locked(path)
        worker.push(jobs, front=urgent)
        return len(jobs)

    def wait(self, keys: Iterable[tuple[Path, int]], timeout_s: float) -> bool:
        """Block until every (file, frame) is cached or failed; for scripts and the CLI, never the UI."""
        keys = list(keys)
        deadline = time.monotonic() + timeout_s
        with self._done:
            while True:
                missing = [
                    k
                    for k in keys
                    if k not in self._frame_errors and k[0] not in self._file_errors and k not in self.cache
                ]
                if not missing:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._done.wait(remaining)

    def wait_any(self, keys: Iterable[tuple[Path, int]], timeout_s: float) -> bool:
        """Block until one of the (file, frame) keys is cached or failed (scripts, never the UI).

        A script that shows each camera as soon as its frame lands (as the UI's tick does) waits
        with this rather than for all of them.
        """
        keys = list(keys)
        deadline = time.monotonic() + timeout_s
        with self._done:
            while True:
                if any(k in self._frame_errors or k[0] in self._file_errors or k in self.cache for k in keys):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._done.wait(remaining)

    def wait_open(self, path: Path, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._done:
            while path not in self._info and path not in self._file_errors:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._done.wait(remaining)
            return True

    def close(self) -> None:
        atexit.unregister(self.close)
        for worker in self._workers:
            worker.stop()
        for worker in self._workers:
            worker.thread.join(timeout=5)

    # ------------------------------------------------------------------ worker side
    def _colormap(self, path: Path, codes: np.ndarray, pix_fmt: str | None) -> np.ndarray:
        params = self._depth.get(path)
        bits = params.bits if params is not None else bits_of(pix_fmt)
        colormap = self._colormaps.get(bits)
        if colormap is None:
            colormap = self._colormaps[bits] = DepthColormap(bits)
        height, width = codes.shape
        rgba = colormap(codes, out=self._spares.take((height, width, 4)))
        return rgba if self.rgba else np.ascontiguousarray(rgba[..., :3])

    def _owner_locked(self, path: Path) -> _Worker:
        worker = self._owner.get(path)
        if worker is None:
            # Spread files over workers: the one owning the fewest files takes the new one.
            load = {id(w): 0 for w in self._workers}
            for owner in self._owner.values():
                load[id(owner)] += 1
            worker = min(self._workers, key=lambda w: load[id(w)])
            self._owner[path] = worker
        return worker

    def _forget_locked(self, job: _Job) -> None:
        if job.index is not None and self._pending.get((job.path, job.index)) == job.generation:
            del self._pending[(job.path, job.index)]

    def _run_job(self, worker: _Worker, job: _Job) -> None:
        key = (job.path, job.index)
        if job.index is not None and (job.generation < self._generation or key in self.cache):
            with self._done:
                self._forget_locked(job)
                if job.generation < self._generation:
                    self._dropped += 1
                self._done.notify_all()
            return
        if not self._backend_final:  # never waits: PyAV decodes while torchcodec loads
            self._backend, self._backend_final = BACKEND_PROBE.status_now(self.preferred_backend)
        started, cpu_started = time.perf_counter(), time.thread_time()
        frame = error = codes = None
        info: VideoInfo | None = None
        try:
            decoder = worker.decoder(job.path, self._backend)
            info = decoder.info
            if job.index is not None:
                # PyAV converts straight into memory written ahead of time (see SpareFrames).
                out = None
                if self.rgba and isinstance(decoder, PyAVDecoder) and decoder.out_format == "rgba":
                    out = self._spares.take((info.height, info.width, 4))
                frame = decoder.get_frame(job.index, out=out)
                if frame.ndim == 2:  # a depth camera's codes: keep them, show them colormapped
                    codes = frame
                    frame = self._colormap(job.path, codes, getattr(decoder, "pix_fmt", None))
                elif self.rgba and frame.shape[2] == 3:
                    height, width = frame.shape[:2]
                    frame = rgb_to_rgba(frame, out=self._spares.take((height, width, 4)))
                elif not self.rgba and frame.shape[2] == 4:
                    frame = np.ascontiguousarray(frame[..., :3])
        except MediaError as exc:
            error = str(exc)
        except Exception as exc:  # a decoder bug must not kill the worker: report it on the tile
            error = f"{job.path.name}: {type(exc).__name__}: {exc}"
        elapsed, cpu_s = time.perf_counter() - started, time.thread_time() - cpu_started
        if codes is not None:
            self.depth_cache.put(job.path, job.index, codes)
        if frame is not None:
            self.cache.put(job.path, job.index, frame)
        with self._done:
            self._decode_s += elapsed
            self._decode_cpu_s += cpu_s
            self._opening.discard(job.path)
            if info is not None:
                self._info[job.path] = info
            if error is not None:
                self._failed += 1
                if info is None:  # the file itself does not open
                    self._file_errors[job.path] = error
                else:
                    self._frame_errors[key] = error
                    while len(self._frame_errors) > MAX_FRAME_ERRORS:
                        self._frame_errors.popitem(last=False)
            elif frame is not None:
                self._decoded += 1
            self._forget_locked(job)
            self._done.notify_all()
