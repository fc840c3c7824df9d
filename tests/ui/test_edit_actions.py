"""The editing controller without a window or a frame: what the tree's menus, drag and drop, the
Edit menu and the confirmation's OK do, on real datasets, through to a save LeRobot's layout holds."""

from __future__ import annotations

import time
from pathlib import Path

from leropilot_gl.dataset import EditSession, open_dataset
from leropilot_gl.dataset.compact import video_order_warnings
from leropilot_gl.dataset.journal import open_for_edit
from leropilot_gl.editor_state import EditorState
from leropilot_gl.state import AppState, OpenDataset
from leropilot_gl.ui import edit_actions as act
from tests.conftest import copy_dataset


def _open(state: AppState, *roots: Path) -> None:
    """What the app's open worker and the first frames do: index read, journals attached."""
    for root in roots:
        state.datasets.append(OpenDataset(open_for_edit(root)))
    state.select_episode(state.datasets[0].root, 0)
    while not all(state.edits.attached(r) for r in roots) or state.edits.attaching:
        act.edit_tick(state)
        time.sleep(0.01)


def _land_jobs(state: AppState) -> None:
    for job in list(state.edits.jobs.values()):
        job.wait()
    act.edit_tick(state)


def _working(state: AppState, root: Path) -> list[tuple[str, int, int, int]]:
    return [
        (e.uid, e.slice.source_episode, e.slice.start, e.slice.end)
        for e in state.edits.session.episodes(root)
        if not e.deleted
    ]


def test_controller_edits_and_saves_without_a_frame(sample_uneven: Path, tmp_path: Path) -> None:
    a = copy_dataset(sample_uneven, tmp_path, "a").resolve()
    b = copy_dataset(sample_uneven, tmp_path, "b").resolve()
    state = AppState()
    try:
        state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
        _open(state, a, b)
        ed = state.edits
        episodes = ed.session.episodes(a)

        # The tree's row menu: trim the shown episode at the playhead, only while it is the one shown.
        e1 = episodes[1]
        assert act.playhead_frame(state, a, e1) is None
        act.select_working_episode(state, a, e1)
        state.time.seek_frame(5)
        frame = act.playhead_frame(state, a, e1)
        assert frame == 5
        act.trim_at_playhead(state, a, e1, frame, side="start")
        assert _working(state, a)[1] == ("e1", 1, 5, 45)

        # Drag e0 below e2 in its own dataset (a move), then Ctrl-drag e3 onto b (a copy).
        act.start_drag(state, a, episodes[0])
        act.drop_dragged(state, a, 2, copy=False)
        assert [w[0] for w in _working(state, a)] == ["e1", "e2", "e0", "e3"]
        assert ed.drag_source is None
        act.start_drag(state, a, ed.session.episodes(a)[3])
        act.drop_dragged(state, b, 0, copy=True)
        assert [w[1:] for w in _working(state, b)][0] == (3, 0, 33)
        assert len(_working(state, b)) == 5 and len(_working(state, a)) == 4

        # Undo takes the copy back, redo brings it again (the Edit menu and Ctrl+Z call these).
        act.undo(state)
        assert len(_working(state, b)) == 4
        act.redo(state)
        assert len(_working(state, b)) == 5

        # Discard b's edits: asked first, nothing changes until OK.
        act.request_discard(state, b)
        assert ed.confirm is not None and ed.confirm.action == "discard"
        assert ed.session.journal(b).dirty
        act.confirm(state)
        assert ed.confirm is None and not ed.session.journal(b).dirty

        # Save a: the request lists the plan; OK starts the job; a later tick lands it.
        act.request_save(state, a)
        request = ed.confirm
        assert request is not None and request.action == "save" and request.root == a
        assert request.lines[0] == "new episode 0 = episode 1 frames 5..44 (40 frames)", request.lines
        act.cancel_confirm(state)
        assert ed.confirm is None and ed.session.journal(a).dirty
        act.request_save(state, a)
        act.confirm(state)
        assert a in ed.jobs, "confirming did not start the save"
        refused = act.edit(state, lambda: ed.session.delete(a, ["e2"]))
        assert refused is None and state.notices[-1].text.startswith("a save is running")
        for job in list(ed.jobs.values()):
            job.wait()
        prepared = ed.fresh[a]  # the fresh journal, made on the job's worker
        act.edit_tick(state)
        assert ed.session.journal(a) is prepared.journal and not ed.fresh  # only swapped in
        assert not ed.jobs and not ed.session.journal(a).dirty
        assert any(n.text.startswith("saved a") for n in state.notices), [n.text for n in state.notices]
        saved = open_dataset(a)
        assert [e.length for e in saved.episodes] == [40, 12, 20, 33]
        assert state.find_dataset(a).index.episodes[0].length == 40  # the tree shows the saved index

        # The tree asks for the video order every frame: checked once per index.
        index = state.find_dataset(a).index
        assert act.video_order_of(index, state) == video_order_warnings(index)
        assert ed.video_order[a][0] == id(index)
    finally:
        state.shutdown()


def test_split_and_new_dataset_are_pending_until_save(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    state = AppState()
    try:
        state.edits = EditorState(session=EditSession(tmp_path / "journals"))
        _open(state, root)
        empty = act.new_empty_dataset(state, root)
        assert empty == root.parent / "uneven_new" and not empty.exists()
        # A second one gets a folder of its own, though the first is not on disk yet.
        assert act.new_empty_dataset(state, root) == root.parent / "uneven_new2"
        state.edits.split_fraction = 0.5
        out = act.split_dataset(state, root)
        assert out == root.parent / "uneven_split" and not out.exists()
        journals = state.edits.session.journals
        assert {out / "train", out / "val"} <= set(journals)
        assert len(_working(state, out / "train")) == 2 and len(_working(state, out / "val")) == 2
        assert act.split_dataset(state, root) == root.parent / "uneven_split2"
    finally:
        state.shutdown()
