"""What the trim handles do, without a window: the kept range follows a held handle and the
playhead shows its frame, release commits one trim, a release that changed nothing commits none,
and I / O set the in and out points at the playhead."""

from __future__ import annotations

import time
from pathlib import Path

from leropilot_gl.dataset import EditSession
from leropilot_gl.dataset.journal import open_for_edit
from leropilot_gl.editor_state import EditorState
from leropilot_gl.state import AppState, OpenDataset
from leropilot_gl.ui import edit_actions, trim_actions
from tests.conftest import copy_dataset


def test_drag_release_and_in_out_points(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    state = AppState()
    try:
        state.edits = EditorState(session=EditSession(tmp_path / "journals"))
        state.datasets.append(OpenDataset(open_for_edit(root)))
        while not state.edits.attached(root) or state.edits.attaching:
            edit_actions.edit_tick(state)
            time.sleep(0.01)
        session = state.edits.session
        edit_actions.select_working_episode(state, root, session.episodes(root)[1])  # 45 frames
        target = trim_actions.trim_target(state)
        assert target is not None and target[1].uid == "e1"
        episode = target[1]

        # Hold the start handle over frame 10, then past the end: it stops one frame before the end.
        assert trim_actions.drag_handle(state, root, episode, "start", 10) == 10
        assert trim_actions.kept_range(state) == (10, 45) and state.time.frame_index == 10
        assert trim_actions.drag_handle(state, root, episode, "start", 99) == 44
        assert trim_actions.drag_handle(state, root, episode, "start", 10) == 10
        assert (session.episodes(root)[1].slice.start, session.journal(root).cursor) == (0, 0)
        trim_actions.release_handle(state, episode)
        assert state.edits.trim_drag is None
        episode = session.episodes(root)[1]
        assert (episode.slice.start, episode.slice.end, session.journal(root).cursor) == (10, 45, 1)

        # The end handle over frame 30 keeps frame 30; letting go where it was grabbed changes nothing.
        assert trim_actions.drag_handle(state, root, episode, "end", 30) == 30
        trim_actions.release_handle(state, episode)
        episode = session.episodes(root)[1]
        assert (episode.slice.start, episode.slice.end) == (10, 31)
        trim_actions.drag_handle(state, root, episode, "end", 30)
        trim_actions.release_handle(state, episode)
        assert session.journal(root).cursor == 2

        # I at frame 12, O at frame 20: frames 12..20 kept.
        state.time.seek_frame(12)
        assert trim_actions.set_trim_point(state, "in")
        state.time.seek_frame(20)
        assert trim_actions.set_trim_point(state, "out")
        episode = session.episodes(root)[1]
        assert (episode.slice.start, episode.slice.end) == (12, 21)
        assert not trim_actions.set_trim_point(state, "out")  # already there: no edit
        assert session.journal(root).cursor == 4
    finally:
        state.shutdown()
