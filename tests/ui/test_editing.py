"""Editing in the real app, headless: drag a trim handle, delete, undo, redo, save."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from imgui_bundle import hello_imgui, imgui
from PIL import Image

from leropilot_gl.dataset import EditSession, open_dataset
from leropilot_gl.dataset.compact import video_order_warnings
from leropilot_gl.editor_state import EditorState
from tests.conftest import copy_dataset
from tests.dataset.test_save_helpers import assert_lerobot_exact, source_rows
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_trim_delete_undo_redo_save(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    rows = source_rows(root)
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    app_state.open_dataset_async(root)
    ed = app_state.edits
    seen: dict = {}

    def kept(uid: str):
        return next(e for e in ed.session.episodes(root) if e.uid == uid)

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root)), "the journal never attached"
        ctx.set_ref("Datasets")
        ctx.item_click("**/e1/000001")
        ctx.yield_(2)
        assert app_state.selection.episode_index == 1 and ed.selected_uid[root] == "e1"

        # Drag the start handle right: the kept range and the video follow while dragging.
        hello_imgui.get_runner_params().docking_params.focus_dockable_window("Pending edits")
        ctx.yield_(2)
        ctx.set_ref("Pending edits")
        ctx.mouse_move("##trim_start")
        start_pos = imgui.get_io().mouse_pos
        ctx.mouse_down()
        ctx.mouse_move_to_pos(imgui.ImVec2(start_pos.x + 70, start_pos.y))
        ctx.yield_(2)
        drag = ed.trim_drag
        assert drag is not None and drag.start > 0, "no live trim while dragging"
        seen["drag_start"] = drag.start
        seen["frame_while_dragging"] = app_state.time.frame_index
        assert kept("e1").slice.start == 0, "nothing is committed before the release"
        seen["shot_drag"] = screenshot(ctx, "editing_trim_drag")
        ctx.mouse_up()
        ctx.yield_(2)
        seen["trimmed"] = kept("e1").slice.start

        # The same handles on the timeline: drag the end handle left.
        ctx.set_ref("Timeline")
        ctx.mouse_move("**/##trim_end")
        end_pos = imgui.get_io().mouse_pos
        ctx.mouse_down()
        ctx.mouse_move_to_pos(imgui.ImVec2(end_pos.x - 120, end_pos.y))
        ctx.yield_(2)
        drag = ed.trim_drag
        assert drag is not None and drag.end < 45, "no live trim while dragging on the timeline"
        seen["timeline_end"] = drag.end
        seen["frame_at_end"] = app_state.time.frame_index
        seen["shot_timeline"] = screenshot(ctx, "editing_timeline_trim")
        ctx.mouse_up()
        ctx.yield_(2)
        seen["trimmed_end"] = kept("e1").slice.end

        # Delete episode 2 from its context menu: struck through, restorable.
        ctx.set_ref("Datasets")
        ctx.item_click("**/e2/000002", imgui.MouseButton_.right)
        ctx.item_click("//$FOCUSED/###delete")
        ctx.yield_(2)
        assert kept("e2").deleted
        seen["shot_deleted"] = screenshot(ctx, "editing_deleted")

        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.z)
        ctx.yield_(2)
        seen["after_undo"] = kept("e2").deleted
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.mod_shift | imgui.Key.z)
        ctx.yield_(2)
        seen["after_redo"] = kept("e2").deleted

        # Drag episode 3 onto the first row: it moves to the top.
        ctx.set_ref("Datasets")
        ctx.item_drag_and_drop("**/e3/000003", "**/e0/000000")
        ctx.yield_(2)
        seen["order"] = [e.uid for e in ed.session.episodes(root)]

        ctx.set_ref("Pending edits")
        ctx.item_click("**/###save")
        ctx.yield_(2)
        # The moved episode would leave a file out of order: the confirmation asks, compact is the default.
        seen["compact_choice"] = ed.confirm is not None and ed.confirm.offers_compact and not ed.confirm.fast
        seen["shot_confirm"] = screenshot(ctx, "editing_save_confirm")
        ctx.item_click("//$FOCUSED/###confirm_ok")
        assert yield_until(ctx, lambda: not ed.jobs and not ed.session.journal(root).dirty, max_frames=3000)
        ctx.yield_(3)
        seen["no_second_dialog"] = ed.confirm is None
        seen["shot_saved"] = screenshot(ctx, "editing_saved")

    run_app_test(app_state, test)
    assert seen["drag_start"] == seen["trimmed"] > 0
    assert seen["frame_while_dragging"] == seen["drag_start"], "the video follows the dragged handle"
    assert seen["timeline_end"] == seen["trimmed_end"] and seen["frame_at_end"] == seen["trimmed_end"] - 1
    assert seen["after_undo"] is False and seen["after_redo"] is True
    assert seen["order"] == ["e3", "e0", "e1", "e2"]
    assert seen["compact_choice"] and seen["no_second_dialog"], (
        "Compact is asked in the Save confirmation only"
    )
    trimmed = seen["trimmed"]
    notes = [n.text for n in app_state.notices]
    assert any("saved uneven" in t and "put in episode order" in t for t in notes), notes
    assert not video_order_warnings(open_dataset(root)), "the save made the videos canonical"
    assert_lerobot_exact(
        root, [(3, 0, 33, rows[3]), (0, 0, 20, rows[0]), (1, trimmed, seen["trimmed_end"], rows[1])]
    )
    assert not list((tmp_path / "journals").glob("*.json")), "a saved dataset has no pending journal"
    for key in ("shot_drag", "shot_timeline", "shot_deleted", "shot_confirm", "shot_saved"):
        assert np.asarray(Image.open(seen[key]).convert("RGB")).std() > 5


def test_save_confirmation_asks_to_compact_only_when_needed(
    app_state, sample_uneven: Path, tmp_path: Path
) -> None:
    """A delete keeps the files in order: no question. A move would not: the confirmation asks
    "compact now?" (checked); unchecking it is a fast save, whose result is flagged."""
    from leropilot_gl.ui.confirm_dialog import COMPACT_QUESTION

    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    app_state.open_dataset_async(root)
    ed = app_state.edits
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root)), "the journal never attached"
        ctx.set_ref("Datasets")
        ctx.item_click("**/e2/000002", imgui.MouseButton_.right)
        ctx.item_click("//$FOCUSED/###delete")
        ctx.yield_(2)
        hello_imgui.get_runner_params().docking_params.focus_dockable_window("Pending edits")
        ctx.yield_(2)
        ctx.set_ref("Pending edits")
        ctx.item_click("**/###save")
        ctx.yield_(3)
        seen["in_order_asks"] = ed.confirm is not None and ed.confirm.offers_compact
        seen["in_order_lines"] = list(ed.confirm.lines) if ed.confirm else []
        seen["shot_in_order"] = screenshot(ctx, "save_confirm_in_order")
        ctx.item_click("//$FOCUSED/###confirm_cancel")
        ctx.yield_(2)

        ctx.set_ref("Datasets")
        ctx.item_drag_and_drop("**/e3/000003", "**/e0/000000")
        ctx.yield_(2)
        ctx.set_ref("Pending edits")
        ctx.item_click("**/###save")
        ctx.yield_(3)
        seen["needed_asks"] = ed.confirm is not None and ed.confirm.offers_compact and not ed.confirm.fast
        seen["shot_needed"] = screenshot(ctx, "save_confirm_compact_needed")
        ctx.item_click("//$FOCUSED/###compact_now")  # opt out: a fast save
        ctx.yield_(2)
        seen["fast"] = ed.confirm is not None and ed.confirm.fast
        seen["fast_lines"] = list(ed.confirm.shown_lines) if ed.confirm else []
        seen["shot_fast"] = screenshot(ctx, "save_confirm_fast")
        ctx.item_click("//$FOCUSED/###confirm_ok")
        assert yield_until(ctx, lambda: not ed.jobs and not ed.session.journal(root).dirty, max_frames=3000)
        ctx.yield_(3)
        seen["no_second_dialog"] = ed.confirm is None
        seen["shot_flagged"] = screenshot(ctx, "tree_flagged_after_fast_save")  # the tree's "compact" badge

    run_app_test(app_state, test)
    assert not seen["in_order_asks"], seen["in_order_lines"]
    assert not any("order" in line for line in seen["in_order_lines"]), seen["in_order_lines"]
    assert seen["needed_asks"] and seen["fast"] and seen["no_second_dialog"]
    assert any("fast save" in line for line in seen["fast_lines"]), seen["fast_lines"]
    assert COMPACT_QUESTION.startswith("LeRobot's delete and split tools need the video files in order")
    warnings = video_order_warnings(open_dataset(root))
    assert warnings and "compact it" in warnings[0], "a fast-saved dataset is flagged"
    assert any(n.level == "warning" and "saved uneven" in n.text for n in app_state.notices)
    for key in ("shot_in_order", "shot_needed", "shot_fast", "shot_flagged"):
        assert np.asarray(Image.open(seen[key]).convert("RGB")).std() > 5
