"""Save time: leropilot-gl's save (delete 1 episode, trim 5) next to LeRobot's delete_episodes
(deleting the same episode), on the same generated 3-camera dataset, in the same run.

    python tools/bench/save.py [--episodes 30] [--frames 150] [--repeats 3]

Each run works on fresh copies of the dataset (generated once with tools/make_sample_dataset.py,
reused from ~/.cache/leropilot-gl/bench/). Imports happen before the clocks start; only the save
call and the delete_episodes call are timed (dataset loading is not). The script checks that no
mp4 of the saved dataset was re-encoded (each is a hard link of a source file, or byte-identical
to one), that the result loads in LeRobot with the expected frames, and ends with one line:
`summary: save_s=<x> lerobot_delete_s=<y> ratio=<y/x> mp4_reencoded=<n>`.
"""

from __future__ import annotations

import argparse
import filecmp
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tools.make_sample_dataset import DEFAULT_CACHE_DIR, cached_sample_dataset  # noqa: E402

DELETE_EPISODE = 3
TRIMS = {0: (10, 140), 5: (0, 120), 12: (30, 150), 20: (15, 75), 27: (1, 149)}


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, copy_function=shutil.copyfile)
    return dst


def _reencoded(result: Path, source: Path) -> int:
    """mp4s of result that are neither hard links of nor byte-identical to a source mp4."""
    sources = list(source.rglob("*.mp4"))
    inodes = {p.stat().st_ino for p in sources}
    count = 0
    for mp4 in result.rglob("*.mp4"):
        if mp4.stat().st_ino in inodes:
            continue
        if not any(
            mp4.stat().st_size == s.stat().st_size and filecmp.cmp(mp4, s, shallow=False) for s in sources
        ):
            count += 1
    return count


def _check_frames(root: Path, expected: list[tuple[int, int]]) -> None:
    """First and last frame of every episode, decoded by LeRobot, carry the expected source code."""
    import numpy as np
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    from tools.frame_code import read_frame_code

    dataset = LeRobotDataset("local/bench_saved", root=root)
    assert dataset.meta.total_episodes == len(expected)
    for ep, (source_ep, start) in enumerate(expected):
        meta = dataset.meta.episodes[ep]
        for offset in (0, meta["length"] - 1):
            item = dataset[meta["dataset_from_index"] + offset]
            for key in dataset.meta.video_keys:
                pixels = (item[key].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
                code = read_frame_code(pixels)
                assert code == (source_ep, start + offset), f"episode {ep} {key}: {code}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    t0 = time.perf_counter()
    source = cached_sample_dataset(
        "bench_save",
        cache_dir=DEFAULT_CACHE_DIR / "bench",
        repo_id="local/bench_save",
        episodes=args.episodes,
        frames=args.frames,
        cameras=3,
        width=args.width,
        height=args.height,
    )
    print(
        f"dataset: {source} ({args.episodes} episodes x {args.frames} frames, 3 cameras), "
        f"ready in {time.perf_counter() - t0:.1f} s"
    )
    # Imports before any clock starts.
    from lerobot.datasets.dataset_tools import delete_episodes
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    from leropilot_gl.dataset import EditSession, open_dataset, save

    save_times, lerobot_times, reencoded = [], [], []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="leropilot-bench-save-") as tmp:
            tmp_path = Path(tmp)
            ours = _copy(source, tmp_path / "ours")
            session = EditSession(tmp_path / "journals")
            session.attach(open_dataset(ours))
            session.delete(ours, [session.uid_of(ours, DELETE_EPISODE)])
            for ep, (start, end) in TRIMS.items():
                session.trim(ours, session.uid_of(ours, ep), start, min(end, args.frames))
            start_s = time.perf_counter()
            result = save(session, ours)
            save_times.append(time.perf_counter() - start_s)
            reencoded.append(_reencoded(ours, source))
            if repeat == 0:
                expected = [
                    (ep, TRIMS.get(ep, (0, 0))[0]) for ep in range(args.episodes) if ep != DELETE_EPISODE
                ]
                _check_frames(ours, expected)
                print(
                    f"our result: {result.episodes} episodes, {result.frames} frames; frames checked through LeRobot"
                )

            theirs = _copy(source, tmp_path / "theirs")
            dataset = LeRobotDataset("local/bench_save", root=theirs)
            start_s = time.perf_counter()
            delete_episodes(
                dataset, [DELETE_EPISODE], output_dir=tmp_path / "theirs_out", repo_id="local/bench_out"
            )
            lerobot_times.append(time.perf_counter() - start_s)
        print(
            f"run {repeat + 1}: save {save_times[-1]:.3f} s, LeRobot delete_episodes {lerobot_times[-1]:.2f} s"
        )

    save_s, lerobot_s = statistics.median(save_times), statistics.median(lerobot_times)
    print()
    print(f"| operation (median of {args.repeats} runs) | seconds |")
    print("|---|---|")
    print(f"| leropilot-gl save: delete 1 episode + trim 5 | {save_s:.3f} |")
    print(f"| LeRobot dataset_tools.delete_episodes: delete 1 episode | {lerobot_s:.3f} |")
    print(f"| ratio | {lerobot_s / save_s:.0f}x |")
    print(
        f"summary: save_s={save_s:.3f} lerobot_delete_s={lerobot_s:.3f} ratio={lerobot_s / save_s:.1f} "
        f"mp4_reencoded={max(reencoded)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
