"""How long opening a LeRobot v3.0 dataset of many episodes takes, and how much memory it needs.

Compares leropilot-gl's `open_dataset` with LeRobot's `LeRobotDatasetMetadata` (and, with
--lerobot-dataset, `LeRobotDataset`). Each measurement runs in a fresh Python process, so caches and
earlier allocations of one loader do not help or hurt another. The clock covers the open call: the
loader's module and the libraries both read with (numpy, pyarrow) are imported before it, as
lerobot's own import does; imports the open makes itself are counted. "fresh s" adds a fresh
process's imports, and "CPU s" is the process CPU time of the open (steadier on a busy machine).

    python tools/bench/open_dataset.py [--episodes 100000] [--repeats 3] [--dataset PATH]

The dataset (10 frames per episode, 2 AV1 cameras, stats columns in meta/episodes as LeRobot writes
them) is made in seconds by tools/scale_dataset.py and reused from ~/.cache/leropilot-gl/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tools.bench.bytecode import bytecode_env, note  # noqa: E402
from tools.scale_dataset import SCALE_CACHE_DIR, cached_scale_dataset  # noqa: E402

REPO_ID = "local/bench"

# Run in the child: import what the loader needs, then time only the open itself.
_CHILD = r"""
import json, os, resource, sys, time
import psutil
started = time.perf_counter()
loader, root, repo_id = sys.argv[1], sys.argv[2], sys.argv[3]
if loader in ("leropilot_open_dataset", "leropilot_open_dataset_warm"):
    from leropilot_gl.dataset import open_dataset
    load = lambda: open_dataset(root)
    count = lambda d: len(d.episodes)
elif loader == "lerobot_metadata":
    from lerobot.datasets.lerobot_dataset import LeRobotDatasetMetadata
    load = lambda: LeRobotDatasetMetadata(repo_id, root=root)
    count = lambda d: d.total_episodes
else:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    load = lambda: LeRobotDataset(repo_id, root=root)
    count = lambda d: d.num_episodes
entry_imported = time.perf_counter()
# The libraries both loaders read with, loaded before the clock as lerobot's own import loads them:
# the open is timed on the same footing (leropilot-gl's app loads them on the open worker).
import numpy, pyarrow, pyarrow.compute, pyarrow.parquet
if loader.endswith("_warm"):  # a second open: lazy imports and library set-up already paid
    open_dataset(root)
def peak_rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:  # reset the kernel's peak-RSS mark so the imports' peak is not counted (Linux >= 4.0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
rss_before = psutil.Process().memory_info().rss
libraries_s = time.perf_counter() - entry_imported
cpu = time.process_time()
start = time.perf_counter()
dataset = load()
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu  # every thread of the process: robust on a busy machine
rss_after = psutil.Process().memory_info().rss
peak_after = peak_rss()
print(json.dumps({
    "seconds": seconds,
    "cpu_seconds": cpu_seconds,
    # what a fresh process pays: its imports (the entry module, then the shared libraries if the
    # entry module left them out) and the open
    "fresh_seconds": (entry_imported - started) + libraries_s + seconds,
    "rss_delta": rss_after - rss_before,
    "peak_delta": max(peak_after, rss_before) - rss_before,
    "episodes": count(dataset),
}))
"""

LOADERS = (
    ("leropilot_open_dataset", "leropilot-gl open_dataset(root)"),
    ("leropilot_open_dataset_warm", "  the same, second open in the process"),
    ("lerobot_metadata", "LeRobotDatasetMetadata(repo_id, root=...)"),
    ("lerobot_dataset", "LeRobotDataset(repo_id, root=...)"),
)


def bench_dataset(episodes: int) -> Path:
    """The benchmark dataset: `episodes` episodes of 10 frames, 2 cameras of 64x48 AV1 (cached)."""
    return cached_scale_dataset(episodes)


def measure(loader: str, root: Path) -> dict:
    env = bytecode_env(dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO_ROOT)))
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, loader, str(root), REPO_ID],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{loader} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _mib(n: float) -> str:
    return f"{n / 2**20:8.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per loader (median)")
    parser.add_argument("--dataset", type=Path, default=None, help="bench this dataset instead")
    parser.add_argument(
        "--lerobot-dataset", action="store_true", help="also time LeRobotDataset (loads every data row)"
    )
    args = parser.parse_args(argv)
    loaders = [(k, label) for k, label in LOADERS if args.lerobot_dataset or k != "lerobot_dataset"]

    if args.dataset is not None:
        root = args.dataset
    else:
        start = time.perf_counter()
        print(f"dataset: making or reusing {args.episodes} episodes under {SCALE_CACHE_DIR} ...", flush=True)
        root = bench_dataset(args.episodes)
        print(f"dataset: {root} ready in {time.perf_counter() - start:.1f} s", flush=True)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"dataset size: {size / 2**20:.1f} MiB, {sum(1 for _ in root.rglob('*.mp4'))} mp4 files")

    print(note())
    for loader, _label in loaders:  # untimed: writes the bytecode cache, reads the files once
        measure(loader, root)
    # The loaders take turns, run after run, so a busy machine slows each of them alike.
    runs: dict[str, list[dict]] = {loader: [] for loader, _ in loaders}
    for _ in range(args.repeats):
        for loader, _label in loaders:
            runs[loader].append(measure(loader, root))

    def med(loader: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[loader])

    print(
        f"\n{'loader':44} {'median s':>9} {'min s':>7} {'CPU s':>7} {'fresh s':>8} {'RSS MiB':>8} "
        f"{'peak MiB':>8} {'episodes':>8}"
    )
    for loader, label in loaders:
        print(
            f"{label:44} {med(loader, 'seconds'):9.3f} {min(r['seconds'] for r in runs[loader]):7.3f} "
            f"{med(loader, 'cpu_seconds'):7.3f} {med(loader, 'fresh_seconds'):8.3f} "
            f"{_mib(med(loader, 'rss_delta'))} {_mib(med(loader, 'peak_delta'))} {runs[loader][0]['episodes']:8d}"
        )
    print(
        "(median s: the open call, with numpy and pyarrow loaded before the clock for both (lerobot's\n"
        " import loads them); CPU s: process CPU time over the open, all threads; fresh s: a fresh\n"
        " process's imports plus the open; RSS/peak: growth of resident memory over the open)"
    )
    ours, meta = "leropilot_open_dataset", "lerobot_metadata"
    open_s, meta_s = med(ours, "seconds"), med(meta, "seconds")
    extra = f" lerobot_dataset_s={med('lerobot_dataset', 'seconds'):.3f}" if "lerobot_dataset" in runs else ""
    print(
        f"summary: open_s={open_s:.3f} lerobot_meta_s={meta_s:.3f} ratio={meta_s / open_s:.2f} "
        f"rss_mb={med(ours, 'peak_delta') / 2**20:.1f} open_cpu_s={med(ours, 'cpu_seconds'):.3f} "
        f"lerobot_meta_cpu_s={med(meta, 'cpu_seconds'):.3f} "
        f"cpu_ratio={med(meta, 'cpu_seconds') / max(med(ours, 'cpu_seconds'), 1e-3):.2f} "
        f"open_fresh_s={med(ours, 'fresh_seconds'):.3f} lerobot_meta_fresh_s={med(meta, 'fresh_seconds'):.3f}"
        f"{extra}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
