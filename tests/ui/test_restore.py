"""File > Restore previous version in the real app: the dataset comes back as it was before its save."""

from __future__ import annotations

from pathlib import Path

from leropilot_gl.dataset import EditSession, open_dataset
from leropilot_gl.dataset.save import save
from leropilot_gl.editor_state import EditorState
from tests.conftest import copy_dataset, tree_checksum
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_restore_previous_version_in_the_app(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path / "parent", "uneven").resolve()
    (root / "README.md").write_text("# card\n")
    original = tree_checksum(root)
    s = EditSession(tmp_path / "cli-journals")
    s.attach(open_dataset(root))
    s.delete(root, ["e2"])
    save(s, root)
    assert tree_checksum(root) != original

    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    app_state.open_dataset_async(root)
    ed = app_state.edits
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root))
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("File/Restore previous version...")
        ctx.yield_(3)
        seen["confirm"] = ed.confirm.title if ed.confirm else None
        seen["shot"] = screenshot(ctx, "restore_confirm")
        ctx.item_click("//$FOCUSED/###confirm_ok")
        assert yield_until(ctx, lambda: not ed.jobs and len(ed.session.episodes(root)) == 4, max_frames=2000)
        ctx.yield_(3)
        seen["tree"] = [e.length for e in app_state.find_dataset(root).index.episodes]
        seen["shot_after"] = screenshot(ctx, "restore_done")

    run_app_test(app_state, test)
    assert seen["confirm"] == "Restore uneven?"
    assert seen["tree"] == [20, 45, 12, 33]
    assert tree_checksum(root) == original
    assert any("restored uneven" in n.text for n in app_state.notices)
    assert sorted(p.name for p in (tmp_path / "parent").iterdir()) == ["uneven"]
