"""Task editing: rename a task everywhere, set the task of episodes, fix one episode's task.

Saved like every edit (journal, undo, Save), loaded back with LeRobot's own LeRobotDataset, and
no mp4 touched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import EditError, EditSession
from leropilot_gl.dataset.save import plan_save, save
from leropilot_gl.dataset.tasks import episode_tasks, episodes_with_task, task_counts
from tests.conftest import REPO_ROOT, copy_dataset
from tools.make_sample_dataset import TASKS


def _mp4_state(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_size) for p in root.rglob("*.mp4")}


def lerobot_tasks_per_episode(root: Path) -> list[list[str]]:
    """Each episode's task texts as LeRobot reads them: from every frame's task_index."""
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/tasks", root=root)
    names = {
        int(i): str(t)
        for t, i in zip(dataset.meta.tasks.index, dataset.meta.tasks["task_index"], strict=True)
    }
    episode_index = np.asarray(dataset.hf_dataset["episode_index"])
    task_index = np.asarray(dataset.hf_dataset["task_index"])
    out = []
    for ep in range(dataset.meta.total_episodes):
        used = dict.fromkeys(int(t) for t in task_index[episode_index == ep])
        out.append([names[t] for t in used])
        # the episode table agrees with the frames
        assert list(dataset.meta.episodes[ep]["tasks"]) == out[-1]
    # the first frame through __getitem__ (what training sees) carries the text too
    assert dataset[0]["task"] == out[0][0]
    return out


def test_rename_set_and_fix_save_and_load_in_lerobot(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "tasks")
    videos_before = _mp4_state(root)
    session = EditSession(tmp_path / "journals")
    session.attach(open_dataset(root))
    assert task_counts(session, root) == sorted(((t, 1) for t in TASKS), key=lambda kv: kv[0])

    assert session.rename_task(root, TASKS[1], "push block left") == 1
    session.set_task(root, ["e2", "e3"], "  open drawer  ")  # text is trimmed
    session.set_task(root, ["e3"], "stack cubes")  # fix one episode's task
    session.rename_task(root, "open drawer", "Open the drawer.")
    assert task_counts(session, root) == [
        ("Open the drawer.", 1),
        (TASKS[0], 1),
        ("push block left", 1),
        ("stack cubes", 1),
    ]
    # undo and redo walk the task edits like any other
    assert session.undo() == "rename task 'open drawer' to 'Open the drawer.'"
    assert episodes_with_task(session, root, "open drawer") == ["e2"]
    assert session.redo() == "rename task 'open drawer' to 'Open the drawer.'"
    assert episodes_with_task(session, root, "open drawer") == []

    lines = plan_save(session, root).lines
    assert "set the task of episode 3 to 'stack cubes'" in lines
    result = save(session, root)
    assert result.episodes == 4

    assert lerobot_tasks_per_episode(root) == [
        [TASKS[0]],
        ["push block left"],
        ["Open the drawer."],
        ["stack cubes"],
    ]
    # only parquet and json were rewritten: every mp4 is the same file (same inode, same size)
    assert _mp4_state(root) == videos_before
    # the saved tasks table lists exactly the tasks in use, and our own reader sees them
    index = open_dataset(root)
    assert sorted(index.tasks.values()) == sorted(
        ["Open the drawer.", TASKS[0], "push block left", "stack cubes"]
    )
    assert [e.tasks for e in index.episodes] == [
        (TASKS[0],),
        ("push block left",),
        ("Open the drawer.",),
        ("stack cubes",),
    ]


def test_rename_merging_two_tasks_and_edits_with_trim_and_copies(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "merge_tasks")
    session = EditSession(tmp_path / "journals")
    session.attach(open_dataset(root))
    session.trim(root, "e1", 3, 30)
    dup = session.duplicate(root, "e0")
    session.set_task(root, [dup], "the copy")
    session.rename_task(root, TASKS[2], TASKS[3])  # two texts become one
    assert dict(task_counts(session, root))[TASKS[3]] == 2
    copy = next(e for e in session.kept(root) if e.uid == dup)
    assert episode_tasks(session, copy) == ("the copy",)
    save(session, root)
    assert lerobot_tasks_per_episode(root) == [[TASKS[0]], ["the copy"], [TASKS[1]], [TASKS[3]], [TASKS[3]]]


def test_task_edits_survive_a_restart_and_bad_input_is_refused(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "restart")
    journals = tmp_path / "journals"
    session = EditSession(journals)
    session.attach(open_dataset(root))
    with pytest.raises(EditError, match="no episode of restart has the task 'nope'"):
        session.rename_task(root, "nope", "x")
    with pytest.raises(EditError, match="needs some text"):
        session.set_task(root, ["e0"], "   ")
    with pytest.raises(EditError, match="already called"):
        session.rename_task(root, TASKS[0], TASKS[0])
    with pytest.raises(EditError, match="no episode with id"):
        session.set_task(root, ["e9"], "x")
    assert not session.journal(root).ops  # refused edits leave nothing behind
    session.set_task(root, ["e0"], "first")
    session.rename_task(root, TASKS[1], "second")

    again = EditSession(journals)
    assert again.attach(open_dataset(root)) == "restored 2 pending edit(s) of restart"
    assert [episode_tasks(again, e) for e in again.kept(root)][:2] == [("first",), ("second",)]


def test_cli_rename_and_set_task(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "cli_tasks")
    videos_before = _mp4_state(root)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "leropilot_gl", "edit", str(root), *args],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=600,
        )

    bad = cli("--rename-task", "missing", "x", "--save")
    assert bad.returncode == 2
    assert "error: no episode of cli_tasks has the task 'missing'" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    bad = cli("--set-task", "2-x", "t", "--save")
    assert bad.returncode == 2 and "is not a whole number" in bad.stdout

    out = cli(
        "--rename-task", TASKS[0], "pick", "--set-task", "1-2", "open", "--set-task", "3", "stack", "--save"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"rename task {TASKS[0]!r} to 'pick'" in out.stdout
    assert lerobot_tasks_per_episode(root) == [["pick"], ["open"], ["open"], ["stack"]]
    assert _mp4_state(root) == videos_before
