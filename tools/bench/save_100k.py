"""Save at Hub scale: a delete, a trim and a duplicate on the cached 100,000-episode dataset
(tools/scale_dataset.py), timed edit by edit and for the save itself.

    python tools/bench/save_100k.py [--episodes 100000] [--repeats 1]

The dataset is hard-linked into a temporary folder for each run (a save builds beside and swaps,
it never writes into a file in place). Ends with one line:
`summary: episodes=<n> edits_ms=<x> save_s=<y> reopen_ok=<bool>`.
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


def one_run(source: Path, n: int) -> tuple[float, float, bool]:
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
        started = time.perf_counter()
        result = save(session, root)
        save_s = time.perf_counter() - started
        ok = result.episodes == n and len(open_dataset(root).table) == n
        return edits_ms, save_s, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    source = cached_scale_dataset(args.episodes)
    runs = [one_run(source, args.episodes) for _ in range(args.repeats)]
    print(f"{'run':>4} {'3 edits ms':>11} {'save s':>8} {'reopened':>9}")
    for i, (edits_ms, save_s, ok) in enumerate(runs):
        print(f"{i:>4} {edits_ms:>11.1f} {save_s:>8.2f} {ok!s:>9}")
    edits = statistics.median(r[0] for r in runs)
    saves = statistics.median(r[1] for r in runs)
    print(
        f"summary: episodes={args.episodes} edits_ms={edits:.1f} save_s={saves:.2f} "
        f"reopen_ok={all(r[2] for r in runs)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
