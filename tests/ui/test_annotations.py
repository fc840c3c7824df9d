"""Annotation editing in the real app: drag a subtask span's edge on the timeline, retext it from its
context menu, undo both; the saved dataset holds what is shown."""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, imgui

from leropilot_gl.dataset.journal import EditSession
from leropilot_gl.dataset.language import SUBTASKS_PATH
from leropilot_gl.editor_state import EditorState
from leropilot_gl.ui.language_track import band_height, episode_layers
from tests.conftest import copy_dataset
from tests.dataset.language_fixtures import add_subtasks_044
from tests.ui.conftest import run_app_test, screenshot, yield_until

FPS = 30


def _spans(state) -> list[tuple[int, int, str]]:
    layers = episode_layers(state)
    track = next(t for t in layers.tracks if t.source == SUBTASKS_PATH)
    return [(round(r.start_s * FPS), round(r.end_s * FPS), r.content) for r in track.rows]


def test_drag_a_span_edge_retext_and_undo(app_state, sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "subtasks").resolve()
    add_subtasks_044(root)  # every episode: approach 0..9, grasp 10..19, lift 20..29
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    ed = app_state.edits
    app_state.open_dataset_async(root)
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: bool(app_state.datasets) and ed.attached(root)), "never attached"
        app_state.select_episode(app_state.datasets[0].root, 1)
        ctx.yield_(10)
        seen["before"] = _spans(app_state)
        view = app_state.playback_view.timeline_view

        def at(frame: float, band: int = 0) -> imgui.ImVec2:
            t = frame / FPS
            x = view.plot_pos[0] + (t - view.x_min_s) / (view.x_max_s - view.x_min_s) * view.plot_size[0]
            y = view.plot_pos[1] + hello_imgui.em_size(0.3) + (band + 0.5) * band_height()
            return imgui.ImVec2(x, y)

        # Drag the edge between "approach" and "grasp" from frame 10 to frame 5.
        ctx.mouse_move_to_pos(at(10))
        ctx.mouse_down()
        ctx.mouse_move_to_pos(at(7))
        ctx.mouse_move_to_pos(at(5))
        ctx.yield_(3)
        drag = app_state.playback_view.panel_objects.get("annotation_drag")
        seen["live"] = None if drag is None else (drag.start, drag.end)
        seen["frame_while_dragging"] = app_state.time.frame_index
        seen["committed_while_dragging"] = ed.session.journal(root).dirty
        seen["shot_drag"] = screenshot(ctx, "annotations_drag_edge")
        ctx.mouse_up()
        ctx.yield_(3)
        seen["dragged"] = _spans(app_state)

        # Right-click the grasp span: its menu retexts it.
        ctx.mouse_move_to_pos(at(14))
        ctx.mouse_click(imgui.MouseButton_.right)
        ctx.yield_(2)
        ctx.set_ref("//$FOCUSED")
        ctx.item_input_value("##annotation_text", "grasp the cube")
        ctx.yield_(1)
        seen["shot_menu"] = screenshot(ctx, "annotations_menu")
        ctx.item_click("###annotation_retext")
        ctx.yield_(3)
        seen["retexted"] = _spans(app_state)
        ctx.mouse_move_to_pos(at(14))
        ctx.yield_(3)
        seen["shot_retexted"] = screenshot(ctx, "annotations_retexted")

        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.z)
        ctx.yield_(3)
        seen["undo_text"] = _spans(app_state)
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.z)
        ctx.yield_(3)
        seen["undo_drag"] = _spans(app_state)
        seen["shot_undone"] = screenshot(ctx, "annotations_undone")
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.mod_shift | imgui.Key.z)
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.mod_shift | imgui.Key.z)
        ctx.yield_(3)
        seen["redone"] = _spans(app_state)

        # Reward/done marks: the timeline's menu sets next.done over the in/out range.
        app_state.time.selection_s = (20 / FPS, 24 / FPS)
        ctx.mouse_move_to_pos(at(22))
        ctx.mouse_click(imgui.MouseButton_.right)
        ctx.yield_(2)
        ctx.set_ref("//$FOCUSED")
        seen["shot_marks"] = screenshot(ctx, "annotations_marks_menu")
        ctx.item_click("###set_next.done")
        ctx.yield_(2)
        seen["marks"] = next(e for e in ed.session.episodes(root) if e.uid == "e1").frame_values

    run_app_test(app_state, test)
    original = [(0, 10, "approach"), (10, 20, "grasp"), (20, 30, "lift")]
    assert seen["before"] == original
    assert seen["live"] is not None and seen["live"][1 if seen["live"][0] == 0 else 0] == 5
    assert seen["frame_while_dragging"] in (4, 5), "the video follows the dragged edge"
    assert seen["committed_while_dragging"] is False, "nothing is committed before the release"
    assert seen["dragged"] == [(0, 5, "approach"), (5, 20, "grasp"), (20, 30, "lift")]
    assert seen["retexted"] == [(0, 5, "approach"), (5, 20, "grasp the cube"), (20, 30, "lift")]
    assert seen["undo_text"] == seen["dragged"]
    assert seen["undo_drag"] == original
    assert seen["redone"] == seen["retexted"]
    assert seen["marks"] == (("next.done", 20, 25, 1.0),)
