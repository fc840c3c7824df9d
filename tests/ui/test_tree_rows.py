"""The tree's rows without a window: Shift/Ctrl-click marks, Del deletes what is marked (a pending
edit), the rows and the header's count follow the journal, Ctrl+End goes to the last row shown."""

from __future__ import annotations

import time
from pathlib import Path

from leropilot_gl.dataset import EditSession
from leropilot_gl.dataset.episode_rows import EpisodeFilter
from leropilot_gl.dataset.journal import open_for_edit
from leropilot_gl.editor_state import EditorState
from leropilot_gl.state import AppState, OpenDataset, TreeView
from leropilot_gl.ui import edit_actions, tree_rows
from tests.conftest import copy_dataset


def test_marks_delete_and_rows_follow_the_journal(sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    state = AppState()
    try:
        state.edits = EditorState(session=EditSession(tmp_path / "journals"))
        state.datasets.append(OpenDataset(open_for_edit(root)))
        dataset = state.datasets[0]
        while not state.edits.attached(root) or state.edits.attaching:
            edit_actions.edit_tick(state)
            time.sleep(0.01)
        view = state.tree_views.setdefault(dataset.root, TreeView())

        def refresh():  # noqa: ANN202
            return tree_rows.refresh_rows(view, dataset, tree_rows.shown_journal(state, dataset), state)

        rows = refresh()
        assert tree_rows.episode_count_text(dataset.index, rows, view.kept) == "4 ep"
        tree_rows.select_clicked(state, dataset, view, rows, 0)
        tree_rows.select_clicked(state, dataset, view, rows, 2, shift=True)
        assert state.selection.marked == {"e0", "e1", "e2"} and state.selection.uid == "e2"
        tree_rows.select_clicked(state, dataset, view, rows, 1, ctrl=True)
        assert state.selection.marked == {"e0", "e2"}

        tree_rows.delete_marked(state)
        assert [e.uid for e in state.edits.session.episodes(root) if e.deleted] == ["e0", "e2"]
        rows = refresh()
        assert tree_rows.episode_count_text(dataset.index, rows, view.kept) == "2 ep (on disk 4)"
        edit_actions.undo(state)
        rows = refresh()
        assert tree_rows.episode_count_text(dataset.index, rows, view.kept) == "4 ep"

        # Rows shown: at least 30 frames (episodes 1 and 3); Ctrl+End goes to the last of them.
        view.filter = EpisodeFilter(min_length=30)
        refresh()
        assert [rows.uid(int(r)) for r in view.order] == ["e1", "e3"]
        tree_rows.select_end(state, first=False)
        assert state.selection.uid == "e3" and state.selection.episode_index == 3
    finally:
        state.shutdown()
