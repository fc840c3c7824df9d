"""Upload offers Compact first when the dataset's video files hold episodes out of order (a fast
save): whoever downloads it would get wrong frames from LeRobot's delete/split tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from leropilot_gl.dataset import EditSession, open_dataset, save
from leropilot_gl.dataset.compact import video_order_warnings
from leropilot_gl.editor_state import EditorState
from leropilot_gl.ui import hub_panel
from tests.conftest import copy_dataset
from tests.ui.conftest import run_app_test, screenshot, yield_until
from tests.ui.test_hub import MENU, WINDOW, _not_blank, stand_in  # noqa: F401 - the Hub stand-in fixture


@pytest.mark.gui
def test_upload_offers_compact_first_for_a_fast_saved_dataset(
    app_state,
    stand_in,  # noqa: F811
    sample_uneven: Path,
    tmp_path: Path,
) -> None:
    state = app_state
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    s = EditSession(tmp_path / "cli-journals")
    s.attach(open_dataset(root))
    s.swap(root, "e0", "e3")
    save(s, root, fast=True)
    assert video_order_warnings(open_dataset(root))
    state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    state.open_dataset_async(root)
    ed = state.edits
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root) and state.hub.login.checked)
        seen["warned"] = list(hub_panel.upload_order_warnings(state, root))
        ctx.set_ref(MENU)
        ctx.menu_click("File/Upload to Hub (replace remote)...")
        ctx.yield_(3)
        seen["dialog"] = screenshot(ctx, "hub_upload_compact_first")
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("Compact first")
        ctx.yield_(3)
        seen["asked"] = ed.confirm is not None and ed.confirm.action == "compact"
        ctx.item_click("//$FOCUSED/###confirm_ok")
        assert yield_until(ctx, lambda: not ed.jobs, max_frames=3000)
        ctx.yield_(3)
        seen["after"] = list(hub_panel.upload_order_warnings(state, root))

    run_app_test(state, test, window_size=WINDOW)
    assert seen["warned"] and seen["asked"], seen
    assert seen["after"] == [], "compacted: Upload no longer asks"
    assert not video_order_warnings(open_dataset(root))
    assert _not_blank(seen["dialog"])
