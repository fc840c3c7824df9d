"""Reward/done marks set by hand: pending edits over source frames, saved into the data rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import EditError, EditSession
from leropilot_gl.dataset.save import save
from tests.conftest import copy_dataset


def _lerobot_columns(root: Path) -> dict[int, dict[str, np.ndarray]]:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/marks", root=root)
    table = dataset.hf_dataset.with_format("numpy")
    episode = np.asarray(table["episode_index"]).reshape(-1)
    out = {}
    for ep in np.unique(episode):
        rows = episode == ep
        out[int(ep)] = {
            key: np.asarray(table[key]).reshape(len(episode), -1)[rows, 0]
            for key in ("next.reward", "next.done")
        }
    return out


def test_reward_and_done_marks_save_after_a_trim(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "marks")
    session = EditSession(tmp_path / "journals")
    session.attach(open_dataset(root))
    session.trim(root, "e1", 5, 40)  # 45 frames: keep source frames 5..39
    session.set_frames(root, "e1", "next.done", 30, 45, True)  # reaches past the trim: clipped
    session.set_frames(root, "e1", "next.reward", 0, 10, 0.5)  # half before the trim
    session.set_frames(root, "e0", "next.done", 19, 20, False)  # clear the last frame's done
    session.set_frames(root, "e0", "next.reward", 10, 12, 2.0)
    session.undo()  # the reward on e0
    with pytest.raises(EditError, match="frames 0:99 are outside episode 2"):
        session.set_frames(root, "e2", "next.done", 0, 99, True)
    with pytest.raises(EditError, match="only next.reward, next.success, next.done can be marked"):
        session.set_frames(root, "e2", "action", 0, 2, 1)
    with pytest.raises(EditError, match="marks has no 'next.success'"):
        session.set_frames(root, "e2", "next.success", 0, 2, 1)
    save(session, root)

    columns = _lerobot_columns(root)
    ep0, ep1 = columns[0], columns[1]
    assert not ep0["next.done"].any()  # the generator set done on the last frame only: now cleared
    assert ep0["next.reward"][19] == 1.0 and ep0["next.reward"][10:12].tolist() == [0.0, 0.0]
    assert len(ep1["next.done"]) == 35
    assert ep1["next.done"].tolist() == [False] * 25 + [True] * 10  # source 30..39 -> rows 25..34
    assert ep1["next.reward"][:5].tolist() == [0.5] * 5 and ep1["next.reward"][5:-1].tolist() == [0.0] * 29
    assert ep1["next.reward"].dtype == np.float32
    assert columns[2]["next.done"].tolist()[-1] is True  # untouched episodes keep their marks
