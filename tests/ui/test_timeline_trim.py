"""Trim handles on the timeline, on a 12-frame episode: placed on the kept frames, grabbed before the
playhead at frame 0, no second playhead, still there after PageUp/PageDown; I and O set in/out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from imgui_bundle import imgui
from PIL import Image

from leropilot_gl.dataset import EditSession
from leropilot_gl.editor_state import EditorState
from leropilot_gl.ui.trim_handles import trim_target
from tests.conftest import copy_dataset
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_trim_handles_on_a_short_episode(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    app_state.open_dataset_async(root)
    ed = app_state.edits
    objects = app_state.playback_view.panel_objects
    playback_view = app_state.playback_view
    seen: dict = {}

    def working(source_episode: int):
        return next(e for e in ed.session.episodes(root) if e.slice.source_episode == source_episode)

    def x_of_frame(frame: float) -> float:
        view = playback_view.timeline_view
        t = frame / app_state.time.fps
        return view.plot_pos[0] + (t - view.x_min_s) / (view.x_max_s - view.x_min_s) * view.plot_size[0]

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: bool(app_state.datasets) and ed.attached(root)), "never attached"
        app_state.select_episode(app_state.datasets[0].root, 2)  # 12 frames; chosen without the tree
        assert yield_until(
            ctx, lambda: "trim_handle_x" in objects and playback_view.timeline_view is not None
        )
        ctx.yield_(3)
        view = playback_view.timeline_view
        seen["handles"] = objects["trim_handle_x"]
        seen["expected"] = (x_of_frame(0), x_of_frame(11))
        seen["plot_x"] = (view.plot_pos[0], view.plot_pos[0] + view.plot_size[0])
        seen["frame_before"] = app_state.time.frame_index

        # At frame 0 the start handle and the playhead coincide: the handle is what gets dragged.
        y = view.plot_pos[1] + view.plot_size[1] * 0.5
        ctx.mouse_move_to_pos(imgui.ImVec2(x_of_frame(0) + 1, y))
        ctx.mouse_down()
        ctx.mouse_move_to_pos(imgui.ImVec2(x_of_frame(4), y))
        ctx.yield_(2)
        seen["live_start"] = ed.trim_drag.start if ed.trim_drag is not None else None
        seen["frame_while_dragging"] = app_state.time.frame_index
        ctx.mouse_up()
        assert yield_until(ctx, lambda: working(2).slice.start != 0, max_frames=60, min_wait_s=5)
        seen["start_after_drag"] = working(2).slice.start
        ctx.mouse_move_to_pos(imgui.ImVec2(x_of_frame(8), view.plot_pos[1] - 40))  # off the handles

        # O: keep up to the playhead's frame; I: keep from it.
        app_state.time.seek_frame(9)
        ctx.yield_()
        ctx.key_press(imgui.Key.o)
        ctx.yield_(2)
        app_state.time.seek_frame(5)
        ctx.yield_()
        ctx.key_press(imgui.Key.i)
        ctx.yield_(2)
        seen["after_i_o"] = (working(2).slice.start, working(2).slice.end)
        ctx.yield_(2)
        shot = screenshot(ctx, "window_timeline_trim")
        seen["shot"] = shot
        seen["handles_trimmed"] = objects["trim_handle_x"]
        seen["expected_trimmed"] = (x_of_frame(5), x_of_frame(9))
        seen["playhead_frame"] = app_state.time.frame_index
        seen["half_frame_x"] = x_of_frame(app_state.time.frame_index + 0.5)
        seen["plot_y"] = (view.plot_pos[1], view.plot_pos[1] + view.plot_size[1])

        # PageDown / PageUp: the next episode shows its own handles; back again, the trimmed range.
        ctx.key_press(imgui.Key.page_down)
        ctx.yield_(3)
        seen["page_down"] = (app_state.selection.episode_index, trim_target(app_state) is not None)
        seen["handles_ep3"] = objects["trim_handle_x"]
        seen["expected_ep3"] = (x_of_frame(0), x_of_frame(32))
        ctx.key_press(imgui.Key.page_up)
        ctx.yield_(3)
        seen["page_up"] = (app_state.selection.episode_index, trim_target(app_state) is not None)
        seen["handles_back"] = objects["trim_handle_x"]

    run_app_test(app_state, test)
    assert seen["frame_before"] == 0
    # The kept range is drawn on its frames, exactly where the timeline draws them, inside the track.
    assert np.allclose(seen["handles"], seen["expected"], atol=0.5), (seen["handles"], seen["expected"])
    left, right = seen["plot_x"]
    assert left - 0.5 <= seen["handles"][0] and seen["handles"][1] <= right + 0.5, (
        "a handle fell off the track"
    )
    # Frame 0: the start handle was dragged, the playhead followed the handle, not the mouse alone.
    assert seen["live_start"] == 4 and seen["frame_while_dragging"] == 4
    assert seen["start_after_drag"] == 4
    assert seen["after_i_o"] == (5, 10)
    assert np.allclose(seen["handles_trimmed"], seen["expected_trimmed"], atol=0.5)
    # One playhead: half a frame to its right there is no white line any more.
    pixels = np.asarray(Image.open(seen["shot"]).convert("RGB")).astype(int)
    x = round(seen["half_frame_x"])
    y0, y1 = (round(v) for v in seen["plot_y"])
    column = pixels[y0 + 2 : y1 - 2, x]
    white = (column.min(axis=1) > 200).mean()
    assert white < 0.3, f"a white line half a frame from the playhead ({white:.0%} of the column)"
    assert seen["page_down"] == (3, True)
    assert np.allclose(seen["handles_ep3"], seen["expected_ep3"], atol=0.5)
    assert seen["page_up"] == (2, True)
    assert np.allclose(seen["handles_back"], seen["expected_trimmed"], atol=0.5)
