"""Scrub benchmark: random seeks across a 3-camera 640x480 AV1 dataset, measured until the frame is
in every camera's GL texture, against bare torchcodec decoders (the floor) and LeRobotDataset[i].

    .venv/bin/python tools/bench/scrub.py [--positions 200] [--seed 0] [--backend auto]

The dataset (12 episodes x 150 frames, camera-like frames with a readable frame code, written by
LeRobot's own encoder) is generated once under ~/.cache/leropilot-gl/bench/ and reused from there
(a few minutes the first time, nothing after). Runs headless: GLFW Null platform + EGL.

A cold seek is timed from the request to glFinish after the last camera's upload; each camera's
frame is uploaded as soon as it lands, as the app's tick does. The floor is meant to be the best a
single thread can do, measured the same way as ours:
- the same positions, in blocks of 25 interleaved with ours, so machine load hits both alike;
- the same seek semantics: torchcodec `seek_mode="exact"` and `get_frame_at(index)` return exactly
  the asked frame, as our decoders do (both seek to the keyframe before it and decode forward);
- warm decoders like ours: one VideoDecoder per file (one FFmpeg thread, torchcodec's default, as
  ours), opened once and used on three positions before timing starts (ours are warmed the same
  way);
- the floor converts to RGB24 in memory and stops there (no RGBA, no cache, no GL upload); ours
  pays for all of that inside the measured time.
"bare PyAV" is our CPU decoder alone (RGBA out), cameras one after another on the calling thread;
"bare PyAV decoders on N threads" hands the same decoders to one thread per core, each camera of a
seek to whichever thread is free, writing into buffers reused every time (no cache, no GL, no
requests): the best any thread pool does on this machine, printed as threads_over_floor. A
keyframe decodes on one core (about 1.5 ms here), so three cameras on two cores take at least two
keyframes' time: two thirds of the serial floor before any upload.
"decode workers' time" sums the seconds the workers spent decoding and converting for one seek,
and its CPU time; against the seek time it says how well the cameras decode side by side (on two
free cores a seek can take no less than half the CPU time summed). The floor's CPU time is the
same work done serially; when the machine is shared, CPU time over wall time shows how much of a
core each thread got.
The last line is `summary: seek_p50_ms=... ratio=... seek_over_floor=... threads_over_floor=...`.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.make_sample_dataset import DEFAULT_CACHE_DIR, make_sample_dataset

# 12 episodes x 150 frames: a cold seek costs the same whatever the episode count (one mp4 per
# camera, a keyframe every 2 frames), and LeRobot's encoder writes this in minutes, not the half
# hour that 50 x 300 took on a loaded machine. Built once, then reused from the cache folder.
BENCH_PARAMS = dict(
    repo_id="local/scrub_bench", episodes=12, frames=150, cameras=3, width=640, height=480, vcodec="libsvtav1"
)
BENCH_ROOT = DEFAULT_CACHE_DIR / "bench" / "scrub_av1_3cam_640x480_12x150"
WAIT_S = 30.0
BLOCK = 25  # positions measured through one path before the next path takes over


def bench_dataset(root: Path = BENCH_ROOT) -> Path:
    """The dataset at root, generated there first when missing (renamed into place when whole)."""
    if (root / "meta" / "info.json").is_file():
        return root
    print(f"generating the benchmark dataset at {root} (once; this takes a while)...", flush=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".scrub-", dir=root.parent))
    try:
        make_sample_dataset(work / "dataset", **BENCH_PARAMS)
        os.rename(work / "dataset", root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return root


def gl_context():
    """A hidden GL 3.3 core context without a display (GLFW Null platform + EGL)."""
    from leropilot_gl.render.headless import create_offscreen_context

    return create_offscreen_context("scrub")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> float:
    return seconds * 1000.0


class TextureSink:
    """One VideoTexture per camera, filled the way the app's tick fills them."""

    def __init__(self, keys: list[str]) -> None:
        from leropilot_gl.render.textures import VideoTexture

        self.textures = {k: VideoTexture() for k in keys}

    def fill(self, media, frame: int) -> list[str]:
        """Upload every camera's cached frame (a texture already holding it costs nothing);
        returns the cameras still missing theirs."""
        missing = []
        for key, texture in self.textures.items():
            tile = media.frame(key, frame)
            if tile.image is None:
                if tile.problem is not None:
                    raise RuntimeError(f"frame {frame} of {key} failed: {tile.problem}")
                missing.append(key)
                continue
            texture.upload(tile.image, (media.sources[key].path, frame))
        return missing

    def forget(self) -> None:
        for texture in self.textures.values():
            texture.frame_key = None

    def release(self) -> None:
        for texture in self.textures.values():
            texture.release()


class BareThreads:
    """The best a thread pool can do here: our PyAV decoders kept open, one thread per core, each
    camera of a seek handed to whichever thread is free, frames written into the same buffers
    every time (no page faults), no cache, no GL. What is left between this and the floor is what
    the machine allows; what is left between ours and this is the app's own overhead."""

    def __init__(self, index, keys: list[str], count: int) -> None:  # noqa: ANN001  # DatasetIndex
        import queue
        import threading

        self.index, self.keys, self.count = index, keys, count
        self._decoders: dict[Path, tuple[object, object]] = {}  # file -> (PyAVDecoder, its buffer)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            decoder, out, file_index = job
            decoder.get_frame(file_index, out=out)
            self._done.put(file_index)

    def seek(self, episode: int, frame: int) -> None:
        import numpy as np

        from leropilot_gl.media import PyAVDecoder, file_frame_index

        ep = self.index.episode(episode)
        for key in self.keys:
            video = ep.videos[key]
            if video.path not in self._decoders:  # opened on first use, as the other bare paths
                decoder = PyAVDecoder(video.path, rgba=True)
                out = np.zeros((decoder.info.height, decoder.info.width, 4), np.uint8)
                self._decoders[video.path] = (decoder, out)
            decoder, out = self._decoders[video.path]
            self._jobs.put(
                (decoder, out, file_frame_index(video.from_s, frame, self.index.fps, decoder.info.fps))
            )
        for _ in self.keys:
            self._done.get()

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        for decoder, _ in self._decoders.values():
            decoder.close()


def seek_and_show(media, sink: TextureSink, frame: int) -> None:
    """What a seek costs in the app: ask, upload each camera's frame as soon as it lands (the
    app's tick does the same each frame), and wait for GL to finish."""
    from OpenGL import GL

    media.update(frame, speed_if_playing=None)
    missing = sink.fill(media, frame)
    while missing:
        keys = [(media.sources[k].path, media.file_frame_index(k, frame)) for k in missing]
        if not media.pool.wait_any(keys, WAIT_S):
            raise RuntimeError(f"frame {frame} never decoded")
        missing = sink.fill(media, frame)
    GL.glFinish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", choices=("auto", "torchcodec", "pyav"), default="auto")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="decode workers, fixed (default: one per core, at least one per camera)",
    )
    parser.add_argument("--root", type=Path, default=BENCH_ROOT)
    args = parser.parse_args(argv)

    from leropilot_gl.dataset import open_dataset
    from leropilot_gl.media import DecodePool, EpisodeMedia, FrameCache, file_frame_index
    from tools.frame_code import read_frame_code

    root = bench_dataset(args.root)
    load_before = os.getloadavg()
    index = open_dataset(root)
    keys = index.video_keys
    rng = random.Random(args.seed)
    positions = []
    for _ in range(args.positions):
        ep = index.episodes[rng.randrange(len(index.episodes))]
        positions.append((ep.episode_index, rng.randrange(ep.length)))
    glfw, window = gl_context()
    pool = DecodePool(FrameCache(1024 * 1024 * 1024), workers=args.workers, backend=args.backend)
    sink = TextureSink(keys)
    media = {ep.episode_index: EpisodeMedia(pool, ep) for ep in index.episodes}
    for source in media[0].sources.values():  # decoders open, as in the app once an episode shows
        pool.open(source.path)
        pool.wait_open(source.path, WAIT_S)
    for episode, frame in positions[-3:]:  # warm-up, not counted (and cold again by the time they come)
        seek_and_show(media[episode], sink, frame // 2)

    # The floor (bare torchcodec decoders kept open, cameras one after another) and LeRobot's own
    # loader (its decoders are cached after first use), on the same positions.
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    from torchcodec.decoders import VideoDecoder

    bare = {}
    lerobot = LeRobotDataset(BENCH_PARAMS["repo_id"], root=root, video_backend="torchcodec")
    first_row, row = {}, 0
    for ep in index.episodes:
        first_row[ep.episode_index] = row
        row += ep.length

    def floor_decode(episode: int, frame: int) -> None:
        ep = index.episode(episode)
        for key in keys:
            video = ep.videos[key]
            decoder = bare.get(video.path)
            if decoder is None:
                decoder = bare[video.path] = VideoDecoder(str(video.path))
            decoder.get_frame_at(
                file_frame_index(video.from_s, frame, index.fps, decoder.metadata.average_fps)
            )

    from leropilot_gl.media import PyAVDecoder

    bare_pyav = {}

    def pyav_serial_decode(episode: int, frame: int) -> None:
        """Our CPU decoder alone (PyAV, RGBA out), cameras one after another on this thread."""
        ep = index.episode(episode)
        for key in keys:
            video = ep.videos[key]
            decoder = bare_pyav.get(video.path)
            if decoder is None:
                decoder = bare_pyav[video.path] = PyAVDecoder(video.path, rgba=True)
            decoder.get_frame(file_frame_index(video.from_s, frame, index.fps, decoder.info.fps))

    threads = BareThreads(index, keys, os.cpu_count() or 1)

    for episode, frame in positions[-3:]:  # warm-up of every path, not counted
        floor_decode(episode, frame // 3)
        pyav_serial_decode(episode, frame // 3)
        threads.seek(episode, frame // 3)
        lerobot[first_row[episode] + frame // 3]

    # Blocks of positions through each path in turn, so load from other processes on this shared
    # machine hits all of them alike (one position at a time through every path would measure
    # torch's OpenMP threads spinning after LeRobot's calls instead). Each cold seek is followed
    # by a seek back to the previous position (now cached), like a user scrubbing back and forth.
    cold, cached, floor, pyav_serial, lerobot_s, worker_s, bare_threads = [], [], [], [], [], [], []
    worker_cpu_s, floor_cpu_s = [], []
    codes_ok = codes_checked = cold_misses = 0
    previous = None
    for block in range(0, len(positions), BLOCK):
        for number, (episode, frame) in enumerate(positions[block : block + BLOCK], start=block):
            m = media[episode]
            cold_misses += any(m.frame(k, frame).image is None for k in keys)
            before = pool.stats()
            start = time.perf_counter()
            seek_and_show(m, sink, frame)
            cold.append(time.perf_counter() - start)
            after = pool.stats()
            worker_s.append(after.decode_s - before.decode_s)
            worker_cpu_s.append(after.decode_cpu_s - before.decode_cpu_s)
            if number % 10 == 0:  # the textures really hold the asked frame (outside the timing)
                codes_checked += len(keys)
                codes_ok += sum(
                    read_frame_code(t.read_back()) == (episode, frame) for t in sink.textures.values()
                )
            if previous is not None:
                prev_media, prev_frame = media[previous[0]], previous[1]
                if all(prev_media.frame(k, prev_frame).image is not None for k in keys):
                    sink.forget()
                    start = time.perf_counter()
                    seek_and_show(prev_media, sink, prev_frame)
                    cached.append(time.perf_counter() - start)
                    seek_and_show(m, sink, frame)  # back where we were (cached too), not counted
            previous = (episode, frame)
        for episode, frame in positions[block : block + BLOCK]:
            start, cpu_start = time.perf_counter(), time.thread_time()
            floor_decode(episode, frame)
            floor.append(time.perf_counter() - start)
            floor_cpu_s.append(time.thread_time() - cpu_start)
        for episode, frame in positions[block : block + BLOCK]:
            start = time.perf_counter()
            pyav_serial_decode(episode, frame)
            pyav_serial.append(time.perf_counter() - start)
        for episode, frame in positions[block : block + BLOCK]:
            start = time.perf_counter()
            threads.seek(episode, frame)
            bare_threads.append(time.perf_counter() - start)
        for episode, frame in positions[block : block + BLOCK]:
            start = time.perf_counter()
            item = lerobot[first_row[episode] + frame]
            lerobot_s.append(time.perf_counter() - start)
            assert int(item["episode_index"]) == episode and int(item["frame_index"]) == frame
    backend = pool.backend_status

    # Sustained playback: episodes the seeks barely touched, from their start, as fast as all
    # three cameras' frames can be decoded and uploaded (4x prefetch window); median of three.
    from OpenGL import GL

    play_rates = []
    for play_index in index.episodes[-3:]:
        pool.cache.clear()
        play_episode = media[play_index.episode_index]
        play_frames = play_episode.frame_count
        start = time.perf_counter()
        for frame in range(play_frames):
            play_episode.update(frame, speed_if_playing=4.0)
            if sink.fill(play_episode, frame):
                wanted = [
                    (s.path, play_episode.file_frame_index(k, frame)) for k, s in play_episode.sources.items()
                ]
                pool.wait(wanted, WAIT_S)
                if sink.fill(play_episode, frame):
                    raise RuntimeError(f"playback frame {frame} failed")
        GL.glFinish()
        play_rates.append(play_frames / (time.perf_counter() - start))
    play_fps = statistics.median(play_rates)
    rss_all_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cache_mib = pool.cache.nbytes / 2**20
    stats = pool.stats()
    pool_workers = pool.worker_count
    sink.release()
    pool.close()
    glfw.destroy_window(window)
    glfw.terminate()

    seek_p50, seek_p95 = ms(statistics.median(cold)), ms(pct(cold, 0.95))
    floor_p50 = ms(statistics.median(floor))
    pyav_p50 = ms(statistics.median(pyav_serial))
    threads_p50 = ms(statistics.median(bare_threads))
    threads.close()
    worker_p50 = ms(statistics.median(worker_s))
    worker_cpu_p50 = ms(statistics.median(worker_cpu_s))
    floor_cpu_p50 = ms(statistics.median(floor_cpu_s))
    cached_p50 = ms(statistics.median(cached)) if cached else float("nan")
    lerobot_p50, lerobot_p95 = ms(statistics.median(lerobot_s)), ms(pct(lerobot_s, 0.95))
    camera = index.cameras[keys[0]]
    lengths = sorted({ep.length for ep in index.episodes})
    print(
        f"scrub benchmark: {root.name}: {len(keys)} cameras {camera.width}x{camera.height} {camera.codec}, "
        f"{len(index.episodes)} episodes x {'/'.join(map(str, lengths))} frames, {len(positions)} random "
        f"positions (seed {args.seed}); decoder {backend.describe()}, {pool_workers} workers, "
        f"{os.cpu_count()} cores; load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    rows = [
        ("cold seek until all 3 textures hold the frame", seek_p50, seek_p95, f"{len(cold)} seeks"),
        ("floor: bare torchcodec decoders kept open (3 frames)", floor_p50, ms(pct(floor, 0.95)), ""),
        ("bare PyAV decoders kept open, RGBA (3 frames, serial)", pyav_p50, ms(pct(pyav_serial, 0.95)), ""),
        (
            f"bare PyAV decoders on {threads.count} threads, buffers reused",
            threads_p50,
            ms(pct(bare_threads, 0.95)),
            "no cache, no GL",
        ),
        ("decode workers' time per cold seek (3 cameras, summed)", worker_p50, ms(pct(worker_s, 0.95)), ""),
        ("  of which CPU time", worker_cpu_p50, ms(pct(worker_cpu_s, 0.95)), ""),
        ("floor's CPU time (3 frames)", floor_cpu_p50, ms(pct(floor_cpu_s, 0.95)), ""),
        (
            "cached seek (back to the previous position)",
            cached_p50,
            ms(pct(cached, 0.95)),
            f"{len(cached)} seeks",
        ),
        ("LeRobotDataset[i] (torchcodec)", lerobot_p50, lerobot_p95, ""),
    ]
    print(f"{'measure':<56}{'median ms':>11}{'p95 ms':>10}")
    for name, p50, p95, note in rows:
        print(f"{name:<56}{p50:>11.2f}{p95:>10.2f}  {note}")
    rates = ", ".join(f"{r:.0f}" for r in play_rates)
    print(f"{'sustained playback, 3 cameras (median of 3 episodes)':<56}{play_fps:>11.1f} fps  ({rates})")
    print(f"{'peak RSS (whole run, LeRobot and bare decoders included)':<56}{rss_all_mib:>11.0f} MiB")
    print(f"{'frame cache at the end (budget 1024 MiB)':<56}{cache_mib:>11.0f} MiB")
    print(
        f"checks: {codes_ok}/{codes_checked} textures read back with the right frame code; "
        f"{len(cold) - cold_misses} of {len(cold)} cold seeks found a camera's frame already cached; "
        f"pool decoded {stats.decoded}, dropped {stats.dropped_stale} stale requests"
    )
    print(
        f"summary: seek_p50_ms={seek_p50:.2f} seek_p95_ms={seek_p95:.2f} floor_p50_ms={floor_p50:.2f} "
        f"cached_p50_ms={cached_p50:.3f} play_fps={play_fps:.1f} lerobot_p50_ms={lerobot_p50:.2f} "
        f"ratio={lerobot_p50 / seek_p50:.2f} seek_over_floor={seek_p50 / floor_p50:.2f} "
        f"threads_over_floor={threads_p50 / floor_p50:.2f}"
    )
    return 0 if codes_ok == codes_checked else 1


if __name__ == "__main__":
    sys.exit(main())
