"""Crash safety: a save killed (SIGKILL) at every step leaves the old or the new dataset, whole,
and a journal that still says what is pending."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.save import KILL_AT_ENV, save
from tests.conftest import REPO_ROOT, copy_dataset
from tests.dataset.test_save_keeps import plant, user_state
from tools.frame_code import read_frame_code

SAVE_SCRIPT = """
import sys
from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.save import save
session = EditSession(sys.argv[1])
session.attach(open_dataset(sys.argv[2]))
save(session, sys.argv[2])
"""
OLD_LENGTHS = [20, 45, 12, 33]
NEW_LENGTHS = [33, 20, 35]  # episode 3 first, 0, then 1 trimmed to 5..39; 2 deleted


def _pending_edits(session: EditSession, root: Path) -> None:
    session.delete(root, ["e2"])
    session.trim(root, "e1", 5, 40)
    session.move(root, "e3", 0)


def _first_frames_through_lerobot(root: Path, repo_id: str) -> list[tuple[int, int] | None]:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset(repo_id, root=root)
    codes = []
    for ep in range(dataset.meta.total_episodes):
        item = dataset[dataset.meta.episodes[ep]["dataset_from_index"]]
        pixels = (item["observation.images.front"].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        codes.append(read_frame_code(pixels))
    return codes


def test_kill_at_every_step_leaves_old_or_new(sample_uneven: Path, tmp_path: Path) -> None:
    outcomes = []
    step = 0
    while True:
        step += 1
        work = tmp_path / f"kill{step}"
        root = copy_dataset(sample_uneven, work, "uneven")
        plant(root)  # the user's own files: kept byte for byte whatever step the kill hits
        user_files = user_state(root)
        journals = work / "journals"
        session = EditSession(journals)
        session.attach(open_dataset(root))
        _pending_edits(session, root)
        planned = [e.uid for e in session.episodes(root)]

        proc = subprocess.run(
            [sys.executable, "-c", SAVE_SCRIPT, str(journals), str(root)],
            cwd=REPO_ROOT,
            env={**_env(), KILL_AT_ENV: str(step)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        finished = proc.returncode == 0
        assert finished or proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]

        index = open_dataset(root)  # the folder holds a whole dataset, whichever it is
        lengths = [e.length for e in index.episodes]
        assert lengths in (OLD_LENGTHS, NEW_LENGTHS), f"step {step}: {lengths}"
        is_new = lengths == NEW_LENGTHS
        codes = _first_frames_through_lerobot(root, f"local/kill{step}")
        assert codes == ([(3, 0), (0, 0), (1, 5)] if is_new else [(0, 0), (1, 0), (2, 0), (3, 0)])

        restarted = EditSession(journals)
        notice = restarted.attach(open_dataset(root))
        if is_new:
            assert not restarted.journal(root).dirty, f"step {step}: a landed save must not replay its edits"
        else:
            assert "restored 3 pending edit(s)" in (notice or ""), f"step {step}: journal lost ({notice})"
            assert [e.uid for e in restarted.episodes(root)] == planned
            # Saving again after the crash works and cleans up what the killed save left.
            save(restarted, root)
            assert [e.length for e in open_dataset(root).episodes] == NEW_LENGTHS
        assert user_state(root) == user_files, f"step {step}"
        assert sorted(p.name for p in work.iterdir()) == ["journals", "uneven"], f"step {step}: stray files"
        outcomes.append("new" if is_new else "old")
        if finished:
            break
        shutil.rmtree(work)
        assert step < 40, "the save never finished"
    # The kill landed before and after the swap at least once each.
    assert "old" in outcomes[:-1] and "new" in outcomes[:-1], outcomes


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != KILL_AT_ENV}
