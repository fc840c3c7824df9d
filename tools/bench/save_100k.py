"""Save at Hub scale: a delete, a trim and a duplicate on the cached 100,000-episode dataset
(tools/scale_dataset.py), timed edit by edit and for the save itself.

    python tools/bench/save_100k.py [--episodes 100000] [--repeats 1] [--fast]

The dataset is hard-linked into a temporary folder for each run (a save builds beside and swaps,
it never writes into a file in place). The save is timed in wall seconds and in this process's
CPU seconds (on a shared machine the CPU time is the number that compares). Its video files hold
every base episode thousands of times, so a default save puts them in episode order (200,000
episode videos remuxed at 100,000 episodes); --fast times the save without that. Ends with one
line: `summary: episodes=<n> edits_ms=<x> save_s=<y> save_cpu_s=<z> reopen_ok=<bool>`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from leropilot_gl.dataset import EditSession, open_dataset, save  # noqa: E402
from tools.scale_dataset import cached_scale_dataset  # noqa: E402


def one_run(source: Path, n: int, fast: bool) -> tuple[float, float, float, bool]:
    with tempfile.TemporaryDirectory(prefix="save100k-") as tmp:
        root = Path(tmp) / "scale"
        shutil.copytree(source, root, copy_function=os.link)
        session = EditSession(Path(tmp) / "journals")
        session.attach(open_dataset(root))
        started = time.perf_counter()
        session.delete(root, ["e5"])
        session.trim(root, f"e{n // 2}", 2, 8)
        session.duplicate(root, f"e{n - 1}")
        edits_ms = (time.perf_counter() - started) * 1000
        started, cpu = time.perf_counter(), time.process_time()
        result = save(session, root, fast=fast)
        save_s, save_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        ok = result.episodes == n and len(open_dataset(root).table) == n
        return edits_ms, save_s, save_cpu_s, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--fast", action="store_true", help="save without putting the videos in order")
    args = parser.parse_args(argv)
    source = cached_scale_dataset(args.episodes)
    runs = [one_run(source, args.episodes, args.fast) for _ in range(args.repeats)]
    print(f"{'run':>4} {'3 edits ms':>11} {'save s':>8} {'save cpu s':>11} {'reopened':>9}")
    for i, (edits_ms, save_s, save_cpu_s, ok) in enumerate(runs):
        print(f"{i:>4} {edits_ms:>11.1f} {save_s:>8.2f} {save_cpu_s:>11.2f} {ok!s:>9}")
    edits = statistics.median(r[0] for r in runs)
    saves = statistics.median(r[1] for r in runs)
    cpus = statistics.median(r[2] for r in runs)
    print(
        f"summary: episodes={args.episodes} edits_ms={edits:.1f} save_s={saves:.2f} "
        f"save_cpu_s={cpus:.2f} reopen_ok={all(r[3] for r in runs)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
