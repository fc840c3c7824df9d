"""Annotations as pending edits (add, move, retext, delete, undo), saved in the dataset's own layout
after a trim; reward/done marks from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from leropilot_gl.dataset import annotations as ann, open_dataset
from leropilot_gl.dataset.journal import EditError, EditSession
from leropilot_gl.dataset.language import LANGUAGE_EVENTS, LANGUAGE_PERSISTENT, SUBTASKS_PATH
from leropilot_gl.dataset.save import save
from tests.conftest import REPO_ROOT, copy_dataset
from tests.dataset.language_fixtures import add_language_columns, add_subtasks_044

FPS = 30


def _episode_rows(root: Path, episode: int, column: str) -> list:
    out = []
    for path in sorted((root / "data").rglob("*.parquet")):
        t = pq.read_table(path, columns=["episode_index", column]).to_pylist()
        out += [r[column] for r in t if r["episode_index"] == episode]
    return out


def test_language_06_spans_and_events_edited_then_saved_after_a_trim(
    sample_av1: Path, tmp_path: Path
) -> None:
    root = copy_dataset(sample_av1, tmp_path, "lang06")
    add_language_columns(root)
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    P, E = LANGUAGE_PERSISTENT, LANGUAGE_EVENTS
    s.trim(root, "e1", 4, 25)  # keep source frames 4..24
    # source episode 1: subtasks at 0 and 12, plan at 0, memory at 20; interjection at 5, speech at 8
    assert [(a.start, a.content) for a in ann.current_rows(s, root, "e1", P, "subtask")] == [
        (0, "reach the cube (ep 1)"),
        (12, "grasp it (ep 1)"),
    ]
    ann.add(s, root, "e1", P, "subtask", 18, 30, "lift it")
    ann.move(s, root, "e1", P, "subtask", 1, 10, 18)  # grasp now starts at 10
    ann.delete(s, root, "e1", P, "memory", 0)
    ann.retext(s, root, "e1", P, "plan", 0, "1. reach 2. grasp 3. lift")
    ann.add(s, root, "e1", E, "interjection", 15, 15, "stop there")
    ann.move(s, root, "e1", E, "interjection", 0, 7, 7)  # the one at 5 fires at 7
    ann.add(s, root, "e1", P, "subtask", 22, 30, "oops")
    assert s.undo() == "add subtask 'oops' at frames 22..29"
    ann.add(s, root, "e2", E, "interjection", 29, 29, "well done")  # an untrimmed episode too
    with pytest.raises(EditError, match="annotation needs some text"):
        ann.retext(s, root, "e1", P, "plan", 0, "  ")
    with pytest.raises(EditError, match="the plan track has no row 3"):
        ann.delete(s, root, "e1", P, "plan", 3)
    with pytest.raises(EditError, match="outside episode 1"):
        ann.add(s, root, "e1", P, "subtask", 40, 45, "past the end")
    with pytest.raises(EditError, match="annotation frames 30:30 are outside episode 1"):
        ann.add(s, root, "e1", E, "interjection", 30, 30, "after the last frame")
    # what the timeline shows before saving (source time)
    e1 = next(e for e in s.episodes(root) if e.uid == "e1")
    index = s.indexes[str(root)]
    shown = ann.effective_layers(index.language[1], e1, FPS, 30)
    subtask = next(t for t in shown.tracks if t.name == "subtask")
    assert [(round(r.start_s * FPS), round(r.end_s * FPS), r.content) for r in subtask.rows] == [
        (0, 10, "reach the cube (ep 1)"),
        (10, 18, "grasp it (ep 1)"),
        (18, 30, "lift it"),
    ]
    assert "memory" not in [t.name for t in shown.tracks]
    save(s, root)

    persistent = _episode_rows(root, 1, P)
    assert len(persistent) == 21 and all(p == persistent[0] for p in persistent)  # broadcast
    rows = [(r["style"], round(r["timestamp"] * FPS), r["content"]) for r in persistent[0]]
    assert sorted(rows) == sorted(
        [
            ("subtask", 0, "reach the cube (ep 1)"),  # active at the cut: starts at 0
            ("plan", 0, "1. reach 2. grasp 3. lift"),
            ("subtask", 6, "grasp it (ep 1)"),  # source 10 - 4
            ("subtask", 14, "lift it"),  # source 18 - 4
        ]
    )
    events = _episode_rows(root, 1, E)
    fired = {i: [(r["style"], r["content"]) for r in v] for i, v in enumerate(events) if v}
    assert fired == {
        3: [("interjection", "use the left cube (ep 1)")],  # source 7
        4: [(None, None)],  # the spoken answer at source 8, untouched
        11: [("interjection", "stop there")],  # source 15
    }
    events2 = _episode_rows(root, 2, E)
    assert [(r["style"], r["content"]) for r in events2[29]] == [("interjection", "well done")]
    # untouched episodes keep their rows exactly
    assert [r["content"] for r in _episode_rows(root, 0, P)[0]] == [
        "1. reach 2. grasp",
        "reach the cube (ep 0)",
        "grasp it (ep 0)",
        "the cube is held",
    ]
    # the app reads it back as tracks
    layers = open_dataset(root).language[1]
    sub = next(t for t in layers.tracks if t.name == "subtask")
    assert [(round(r.start_s * FPS), r.content) for r in sub.rows] == [
        (0, "reach the cube (ep 1)"),
        (6, "grasp it (ep 1)"),
        (14, "lift it"),
    ]


def test_subtasks_044_edited_saved_after_a_trim_and_loaded_by_lerobot(
    sample_av1: Path, tmp_path: Path
) -> None:
    root = copy_dataset(sample_av1, tmp_path, "subtasks")
    add_subtasks_044(root)  # every episode: approach 0..9, grasp 10..19, lift 20..29
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    S = SUBTASKS_PATH
    s.trim(root, "e0", 5, 30)
    ann.move(s, root, "e0", S, "subtask", 1, 8, 22)  # grasp 8..21: neighbours that touched it follow
    ann.retext(s, root, "e0", S, "subtask", 2, "lift high")
    ann.add(s, root, "e1", S, "subtask", 25, 30, "wave")  # cuts lift back to 20..24
    ann.delete(s, root, "e2", S, "subtask", 1)  # grasp deleted: approach takes its frames (no gap)
    assert [(a.start, a.end) for a in ann.current_rows(s, root, "e2", S, "subtask")] == [(0, 20), (20, 30)]
    ann.delete(s, root, "e2", S, "subtask", 1)
    assert s.undo() == "delete subtask 'lift'"
    ann.delete(s, root, "e1", S, "subtask", 0)  # the first span deleted: the next one starts at 0
    assert [(a.start, a.content) for a in ann.current_rows(s, root, "e1", S, "subtask")][0] == (0, "grasp")
    s.undo()
    ann.delete(s, root, "e2", S, "subtask", 0)
    with pytest.raises(EditError, match="retext the last subtask instead of deleting it"):
        ann.delete(s, root, "e2", S, "subtask", 0)
    s.undo()
    assert [(a.start, a.end, a.content) for a in ann.current_rows(s, root, "e0", S, "subtask")] == [
        (0, 8, "approach"),
        (8, 22, "grasp"),
        (22, 30, "lift high"),
    ]
    save(s, root)

    names = [r["__index_level_0__"] for r in pq.read_table(root / "meta/subtasks.parquet").to_pylist()]
    assert len(names) == len(set(names))  # one row per text

    def texts(ep: int) -> list[str]:
        return [names[i] for i in _episode_rows(root, ep, "subtask_index")]

    assert texts(0) == ["approach"] * 3 + ["grasp"] * 14 + ["lift high"] * 8  # source 5..29
    assert texts(1) == ["approach"] * 10 + ["grasp"] * 10 + ["lift"] * 5 + ["wave"] * 5
    assert texts(2) == ["approach"] * 20 + ["lift"] * 10
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset("local/subtasks", root=root)
    assert [dataset[i]["subtask"] for i in (0, 3, 16, 17, 24)] == [
        "approach",
        "grasp",
        "grasp",
        "lift high",
        "lift high",
    ]
    assert dataset[25 + 29]["subtask"] == "wave" and dataset[55 + 19]["subtask"] == "approach"


def test_annotation_edits_survive_a_restart_of_the_journal(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "restart")
    add_subtasks_044(root)
    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(root))
    ann.retext(s, root, "e1", SUBTASKS_PATH, "subtask", 0, "come closer")
    s.flush()
    again = EditSession(tmp_path / "journals")
    again.attach(open_dataset(root))
    rows = ann.current_rows(again, root, "e1", SUBTASKS_PATH, "subtask")
    assert [a.content for a in rows] == ["come closer", "grasp", "lift"]
    assert (
        json.loads(next(e for e in again.episodes(root) if e.uid == "e1").annotations[0][2])[0]["start"] == 0
    )


def test_reward_and_done_marks_from_the_command_line(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "marks")

    def edit(*flags: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "leropilot_gl", "edit", str(root), *flags],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=300,
        )

    bad = edit("--set-success", "0:0:5", "--save")
    assert bad.returncode == 2 and "has no 'next.success'" in bad.stdout and "Traceback" not in bad.stderr
    bad = edit("--set-reward", "0:0:5", "--save")
    assert bad.returncode == 2 and "--set-reward expects E:START:END:VALUE" in bad.stdout
    proc = edit(
        "--trim", "1:5:40",
        "--set-done", "1:30:45",
        "--set-reward", "1:0:10:0.5",
        "--clear-done", "0:19:20",
        "--set-reward", "0:10:12:2",
        "--clear-reward", "0:11:12",
        "--save",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "set next.done = True on frames 30..44 of episode 1" in proc.stdout
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    table = LeRobotDataset("local/marks", root=root).hf_dataset.with_format("numpy")
    episode = np.asarray(table["episode_index"]).reshape(-1)
    done = np.asarray(table["next.done"]).reshape(-1)
    reward = np.asarray(table["next.reward"]).reshape(-1)
    assert not done[episode == 0].any()
    assert reward[episode == 0][10:12].tolist() == [2.0, 0.0]
    assert done[episode == 1].tolist() == [False] * 25 + [True] * 10
    assert reward[episode == 1][:5].tolist() == [0.5] * 5
