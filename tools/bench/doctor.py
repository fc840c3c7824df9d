"""How long the dataset doctor takes, against the floor of decoding every frame once.

1. The full doctor (every check, pixels included, no cache) on a generated 3-camera LeRobot
   dataset (default 30 episodes x 150 frames), against bare torchcodec decoding every frame of
   every mp4 once with the same number of threads (the floor): ratio = doctor_s / floor_s.
2. The cheap checks (no pixels) on a 100,000-episode dataset (no videos; written with pyarrow in
   LeRobot v3.0's layout, or --dataset-100k PATH).

    python tools/bench/doctor.py [--episodes 30] [--frames 150] [--workers N]

Ends with `summary: doctor_s=... floor_s=... ratio=... cheap_100k_s=...`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tools.make_sample_dataset import DEFAULT_CACHE_DIR, cached_sample_dataset  # noqa: E402

BENCH_CACHE_DIR = DEFAULT_CACHE_DIR / "bench"


def floor_decode(paths: list[Path], workers: int) -> tuple[float, int]:
    """Every frame of every file decoded once with torchcodec (one decoder per file per thread)."""
    import torch
    from torchcodec.decoders import VideoDecoder

    def decode(path: Path) -> int:
        torch.set_num_threads(1)
        decoder = VideoDecoder(
            str(path), dimension_order="NHWC", seek_mode="approximate", num_ffmpeg_threads=1
        )
        total = int(decoder.metadata.num_frames)
        for start in range(0, total, 32):
            decoder.get_frames_in_range(start, min(total, start + 32))
        return total

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        frames = sum(pool.map(decode, paths))
    return time.perf_counter() - started, frames


def make_100k(root: Path, episodes: int, frames: int) -> Path:
    """A LeRobot v3.0 dataset of `episodes` short episodes without cameras, written with pyarrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from leropilot_gl.dataset import layout as L

    fps = 30
    rng = np.random.default_rng(0)
    per_file = 10_000
    joints = 6
    names = [f"joint_{i}.pos" for i in range(joints)]
    rows: dict[str, list] = {
        k: []
        for k in (
            "episode_index",
            "length",
            "data/chunk_index",
            "data/file_index",
            "dataset_from_index",
            "dataset_to_index",
            "tasks",
        )
    }
    all_values = []
    for file_index, first in enumerate(range(0, episodes, per_file)):
        eps = np.arange(first, min(episodes, first + per_file))
        n = len(eps) * frames
        t = np.tile(np.arange(frames), len(eps))
        phase = np.repeat(rng.uniform(0, 6.28, (len(eps), joints)), frames, axis=0)
        state = (40 * np.sin(t[:, None] / 15.0 + phase)).astype(np.float32)
        action = (40 * np.sin((t[:, None] + 3) / 15.0 + phase)).astype(np.float32)
        all_values.append(state)
        table = pa.table(
            {
                "observation.state": pa.FixedSizeListArray.from_arrays(pa.array(state.reshape(-1)), joints),
                "action": pa.FixedSizeListArray.from_arrays(pa.array(action.reshape(-1)), joints),
                "timestamp": pa.array((t / fps).astype(np.float32)),
                "frame_index": pa.array(t.astype(np.int64)),
                "episode_index": pa.array(np.repeat(eps, frames).astype(np.int64)),
                "index": pa.array(np.arange(first * frames, first * frames + n, dtype=np.int64)),
                "task_index": pa.array(np.zeros(n, dtype=np.int64)),
            }
        )
        path = root / L.DEFAULT_DATA_PATH_V3.format(chunk_index=0, file_index=file_index)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        rows["episode_index"] += eps.tolist()
        rows["length"] += [frames] * len(eps)
        rows["data/chunk_index"] += [0] * len(eps)
        rows["data/file_index"] += [file_index] * len(eps)
        rows["dataset_from_index"] += (eps * frames).tolist()
        rows["dataset_to_index"] += ((eps + 1) * frames).tolist()
        rows["tasks"] += [["Pick up the cube."]] * len(eps)
    episodes_path = root / L.DEFAULT_EPISODES_PATH_V3.format(chunk_index=0, file_index=0)
    episodes_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), episodes_path)
    pq.write_table(pa.table({"task_index": [0], "task": ["Pick up the cube."]}), root / L.TASKS_V3_PATH)
    values = np.concatenate(all_values)
    feature = {"dtype": "float32", "shape": [joints], "names": names}
    stat = {
        "min": values.min(0).tolist(),
        "max": values.max(0).tolist(),
        "mean": values.mean(0).tolist(),
        "std": values.std(0).tolist(),
        "count": [len(values)],
    }
    (root / L.STATS_PATH).write_text(json.dumps({"observation.state": stat, "action": stat}))
    info = {
        "codebase_version": "v3.0",
        "robot_type": "bench",
        "fps": fps,
        "total_episodes": episodes,
        "total_frames": episodes * frames,
        "total_tasks": 1,
        "chunks_size": 1000,
        "data_path": L.DEFAULT_DATA_PATH_V3,
        "video_path": L.DEFAULT_VIDEO_PATH_V3,
        "splits": {"train": f"0:{episodes}"},
        "features": {
            "observation.state": feature,
            "action": feature,
            "timestamp": {"dtype": "float32", "shape": [1], "names": None},
            "frame_index": {"dtype": "int64", "shape": [1], "names": None},
            "episode_index": {"dtype": "int64", "shape": [1], "names": None},
            "index": {"dtype": "int64", "shape": [1], "names": None},
            "task_index": {"dtype": "int64", "shape": [1], "names": None},
        },
    }
    (root / L.INFO_PATH).write_text(json.dumps(info, indent=1))
    return root


def cached_100k(episodes: int, frames: int) -> Path:
    final = BENCH_CACHE_DIR / f"doctor_{episodes}ep_{frames}f"
    if final.is_dir():
        return final
    BENCH_CACHE_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".doctor100k-", dir=BENCH_CACHE_DIR))
    try:
        make_100k(work / "dataset", episodes, frames)
        os.rename(work / "dataset", final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeats", type=int, default=2, help="best of N runs for doctor and floor")
    parser.add_argument("--episodes-100k", type=int, default=100_000)
    parser.add_argument("--dataset-100k", type=Path, help="use this dataset for the cheap checks")
    args = parser.parse_args(argv)

    from leropilot_gl.dataset import open_dataset
    from leropilot_gl.quality import run_doctor

    print(f"dataset: making or reusing {args.episodes} x {args.frames} frames, 3 cameras ...", flush=True)
    root = cached_sample_dataset(
        "doctor_bench",
        cache_dir=BENCH_CACHE_DIR,
        hash_sources=False,
        repo_id="local/doctor_bench",
        episodes=args.episodes,
        frames=args.frames,
        cameras=3,
        width=args.width,
        height=args.height,
    )
    index = open_dataset(root)
    paths = sorted({v.path for e in index.episodes for v in e.videos.values()})
    import torch  # noqa: F401  # imports before any clock starts

    doctor_times, floor_times = [], []
    for _ in range(args.repeats):
        seconds, frames = floor_decode(paths, args.workers)
        floor_times.append(seconds)
        index = open_dataset(root)
        started = time.perf_counter()
        report = run_doctor(index, use_cache=False, workers=args.workers)
        doctor_times.append(time.perf_counter() - started)
    cache_dir = Path(tempfile.mkdtemp(prefix="doctor-bench-cache-"))
    run_doctor(open_dataset(root), workers=args.workers, cache_dir=cache_dir)  # fills the cache
    index = open_dataset(root)
    started = time.perf_counter()
    cached = run_doctor(index, workers=args.workers, cache_dir=cache_dir)
    cached_s = time.perf_counter() - started
    shutil.rmtree(cache_dir, ignore_errors=True)
    doctor_s, floor_s = min(doctor_times), min(floor_times)
    print(f"\n{len(paths)} mp4 files, {frames} frames, {args.width}x{args.height}, {args.workers} threads")
    print(f"{'run':34} {'best s':>8} {'all runs s':>22} {'frames/s':>9}")
    print(
        f"{'floor: torchcodec, every frame once':34} {floor_s:8.2f} {' '.join(f'{t:.2f}' for t in floor_times):>22} {frames / floor_s:9.0f}"
    )
    print(
        f"{'doctor: every check, no cache':34} {doctor_s:8.2f} {' '.join(f'{t:.2f}' for t in doctor_times):>22} {report.decoded_frames / doctor_s:9.0f}"
    )
    print(
        f"{'doctor: second run (cache)':34} {cached_s:8.2f} {'':>22} {'-':>9}   decoded {cached.decoded_frames}"
    )
    print(f"findings on the generated dataset: {len(report.findings)}")

    big = args.dataset_100k or cached_100k(args.episodes_100k, 20)
    big_index = open_dataset(big)
    started = time.perf_counter()
    cheap = run_doctor(big_index, pixels=False, use_cache=False)
    cheap_s = time.perf_counter() - started
    print(
        f"\ncheap checks (no pixels, no cache) on {len(big_index.episodes)} episodes / {big_index.total_frames} frames: "
        f"{cheap_s:.2f} s, {len(cheap.findings)} findings"
    )
    print(
        f"summary: doctor_s={doctor_s:.2f} floor_s={floor_s:.2f} ratio={doctor_s / floor_s:.2f} cheap_100k_s={cheap_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
