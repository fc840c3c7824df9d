"""Quitting with pending edits asks (Save all / Keep for next time / Discard); a relaunch reopens
the datasets whose edits were kept, with a notice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from leropilot_gl.dataset import EditSession, open_dataset
from leropilot_gl.editor_state import EditorState
from leropilot_gl.ui import quit_dialog
from tests.conftest import copy_dataset, tree_checksum
from tests.ui.conftest import run_app_test, screenshot, yield_until


def _two_datasets(sample_uneven: Path, tmp_path: Path) -> tuple[Path, Path]:
    parent = tmp_path / "parent"
    return (
        copy_dataset(sample_uneven, parent, "a").resolve(),
        copy_dataset(sample_uneven, parent, "b").resolve(),
    )


def _quit_with_edits(state, a: Path, b: Path, journals: Path, answer: str, shot: str, monkeypatch) -> dict:
    exits: list[bool] = []
    # The app decides to exit through leave_app; recording it keeps the test engine running.
    monkeypatch.setattr(quit_dialog, "leave_app", lambda: exits.append(True))
    state.edits = EditorState(session=EditSession(journals, background_writes=True))
    state.open_dataset_async(a)
    state.open_dataset_async(b)
    ed = state.edits
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(a) and ed.attached(b)), "the journals never attached"
        ed.session.delete(a, ["e2"])
        ed.session.trim(b, "e1", 5, 40)
        ctx.yield_(2)
        seen["closed_at_once"] = quit_dialog.confirm_exit(state)  # the window's close button
        ctx.yield_(3)
        seen["shot"] = screenshot(ctx, shot)
        seen["asked"] = ed.quit_asked
        ctx.item_click(f"//$FOCUSED/###quit_{answer}")
        yield_until(ctx, lambda: bool(exits), max_frames=3000)
        seen["exits"] = bool(exits)
        seen["journals_on_disk"] = sorted(p.name for p in journals.glob("*.json"))

    run_app_test(state, test)
    return seen


def test_quit_keep_then_relaunch_reopens_the_edits(
    app_state, sample_uneven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leropilot_gl.state import AppState

    a, b = _two_datasets(sample_uneven, tmp_path)
    before = tree_checksum(a), tree_checksum(b)
    journals = tmp_path / "journals"
    seen = _quit_with_edits(app_state, a, b, journals, "keep", "quit_dialog", monkeypatch)
    assert seen["closed_at_once"] is False and seen["asked"] and seen["exits"]
    assert np.asarray(Image.open(seen["shot"]).convert("RGB")).std() > 5
    assert (tree_checksum(a), tree_checksum(b)) == before
    assert len(list(journals.glob("*.json"))) == 2

    relaunched = AppState()
    try:
        relaunched.edits = EditorState(session=EditSession(journals, background_writes=True))
        relaunched.edits.reopen_pending = True  # what a real launch (run_app) sets
        ed = relaunched.edits
        found: dict = {}

        def test(ctx) -> None:
            ok = yield_until(ctx, lambda: ed.attached(a) and ed.attached(b) and ed.session.journal(a).dirty)
            assert ok, "the datasets with kept edits were not reopened"
            ctx.yield_(3)
            found["a"] = [e.uid for e in ed.session.episodes(a) if e.deleted]
            found["b"] = [(e.slice.start, e.slice.end) for e in ed.session.episodes(b) if e.uid == "e1"]
            found["shot"] = screenshot(ctx, "quit_relaunched")

        run_app_test(relaunched, test)
        assert found["a"] == ["e2"] and found["b"] == [(5, 40)]
        assert any("reopened 2 dataset(s) with pending edits" in n.text for n in relaunched.notices)
    finally:
        relaunched.shutdown()


def test_quit_discard_forgets_the_edits(
    app_state, sample_uneven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_datasets(sample_uneven, tmp_path)
    before = tree_checksum(a), tree_checksum(b)
    journals = tmp_path / "journals"
    seen = _quit_with_edits(app_state, a, b, journals, "discard", "quit_discard", monkeypatch)
    assert seen["exits"]
    assert (tree_checksum(a), tree_checksum(b)) == before
    assert not list(journals.glob("*.json"))


def test_quit_save_all_saves_then_exits(
    app_state, sample_uneven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_datasets(sample_uneven, tmp_path)
    journals = tmp_path / "journals"
    seen = _quit_with_edits(app_state, a, b, journals, "save", "quit_save", monkeypatch)
    assert seen["exits"]
    assert [e.length for e in open_dataset(a).episodes] == [20, 45, 33]
    assert [e.length for e in open_dataset(b).episodes] == [20, 35, 12, 33]
    assert not list(journals.glob("*.json"))
    assert sorted(p.name for p in (tmp_path / "parent").iterdir()) == ["a", "b"]  # nothing left beside
