"""How long opening a LeRobot v3.0 dataset of many episodes takes, and how much memory it needs.

Compares leropilot-gl's `open_dataset` with LeRobot's `LeRobotDatasetMetadata` (and, with
--lerobot-dataset, `LeRobotDataset`). Each measurement runs in a fresh Python process (imports done
before the clock starts), so caches and earlier allocations of one loader do not help or hurt another.

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

from tools.scale_dataset import SCALE_CACHE_DIR, cached_scale_dataset  # noqa: E402

REPO_ID = "local/bench"

# Run in the child: import what the loader needs, then time only the open itself.
_CHILD = r"""
import json, os, resource, sys, time
import psutil
loader, root, repo_id = sys.argv[1], sys.argv[2], sys.argv[3]
if loader in ("leropilot_open_dataset", "leropilot_open_dataset_warm"):
    from leropilot_gl.dataset import open_dataset
    load = lambda: open_dataset(root)
    count = lambda d: len(d.episodes)
    if loader.endswith("_warm"):  # a second open: lazy imports and library set-up already paid
        open_dataset(root)
elif loader == "lerobot_metadata":
    from lerobot.datasets.lerobot_dataset import LeRobotDatasetMetadata
    load = lambda: LeRobotDatasetMetadata(repo_id, root=root)
    count = lambda d: d.total_episodes
else:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    load = lambda: LeRobotDataset(repo_id, root=root)
    count = lambda d: d.num_episodes
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
start = time.perf_counter()
dataset = load()
seconds = time.perf_counter() - start
rss_after = psutil.Process().memory_info().rss
peak_after = peak_rss()
print(json.dumps({
    "seconds": seconds,
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
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO_ROOT))
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

    medians: dict[str, float] = {}
    peaks: dict[str, float] = {}
    print(f"\n{'loader':44} {'median s':>9} {'min s':>7} {'RSS MiB':>8} {'peak MiB':>8} {'episodes':>8}")
    for loader, label in loaders:
        runs = [measure(loader, root) for _ in range(args.repeats)]
        seconds = [r["seconds"] for r in runs]
        medians[loader] = statistics.median(seconds)
        rss = statistics.median(r["rss_delta"] for r in runs)
        peak = statistics.median(r["peak_delta"] for r in runs)
        peaks[loader] = peak
        print(
            f"{label:44} {medians[loader]:9.3f} {min(seconds):7.3f} {_mib(rss)} {_mib(peak)} "
            f"{runs[0]['episodes']:8d}"
        )
    print(
        "(RSS/peak: growth of the process's resident memory over the open, imports excluded; the\n"
        " first open_dataset pays for lazy imports that lerobot's module import has already done)"
    )
    open_s, meta_s = medians["leropilot_open_dataset"], medians["lerobot_metadata"]
    extra = f" lerobot_dataset_s={medians['lerobot_dataset']:.3f}" if "lerobot_dataset" in medians else ""
    print(
        f"summary: open_s={open_s:.3f} lerobot_meta_s={meta_s:.3f} ratio={meta_s / open_s:.2f} "
        f"rss_mb={peaks['leropilot_open_dataset'] / 2**20:.1f}{extra}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
