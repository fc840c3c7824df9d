"""Plots on the bundled sample: click and drag anywhere to seek, a hover tooltip with every
dimension's value, the filter box, show/hide from the scrollable legend, the normalized view."""

from __future__ import annotations

import numpy as np
from imgui_bundle import imgui
from PIL import Image

from leropilot_gl.app import SAMPLE_DATASET
from leropilot_gl.ui.plots import plot_view
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_plots_seek_tell_values_filter_and_normalize(app_state) -> None:
    app_state.open_dataset_async(SAMPLE_DATASET)
    rects = app_state.playback_view.plot_rects
    seen: dict = {}

    def at(t_s: float, key: str = "action", y_fraction: float = 0.5) -> imgui.ImVec2:
        x0, y0, w, h, x_min, x_max, *_ = rects[key]
        return imgui.ImVec2(x0 + (t_s - x_min) / (x_max - x_min) * w, y0 + h * y_fraction)

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: bool(app_state.playback.plot_series) and "action" in rects)
        ctx.yield_(3)
        view = plot_view(app_state)
        fps = app_state.time.fps

        # Click anywhere on the plot (not on the playhead line): seek there.
        ctx.mouse_move_to_pos(at(2.0))
        ctx.mouse_click(0)
        ctx.yield_(2)
        seen["clicked"] = app_state.time.frame_index
        # Drag: the playhead follows while the button is held.
        ctx.mouse_down()
        ctx.mouse_move_to_pos(at(3.0, y_fraction=0.3))
        ctx.yield_(2)
        seen["dragged"] = app_state.time.frame_index
        ctx.mouse_up()

        # Hover: a tooltip with every dimension's value at that time.
        ctx.mouse_move_to_pos(at(1.0, y_fraction=0.7))
        ctx.yield_(3)
        seen["hover"] = view.hover
        seen["frame_after_hover"] = app_state.time.frame_index
        seen["shot_tooltip"] = screenshot(ctx, "window_plot_tooltip")
        series = next(s for s in app_state.playback.plot_series if s.key == "action")
        seen["names"] = series.names

        # Hide one dimension from the legend beside the plot.
        x0, y0, x1, y1 = view.legend_rects[("action", series.names[1])]
        ctx.mouse_move_to_pos(imgui.ImVec2(x0 + (y1 - y0) / 2, (y0 + y1) / 2))
        ctx.mouse_click(0)
        ctx.yield_(2)
        seen["hidden"] = set(view.hidden)

        # Filter: only the dimensions whose name has "wrist".
        ctx.set_ref("Plots")
        ctx.item_input_value("**/##plot_filter", "wrist")
        ctx.yield_(2)
        seen["filter"] = view.filter_text
        seen["visible_after_filter"] = [n for n in series.names if view.visible("action", n)]
        ctx.item_input_value("**/##plot_filter", "")
        ctx.yield_(2)

        # Normalized: each dimension on its own 0..1 range.
        raw_y = rects["action"][6:8]
        ctx.item_click("**/Normalized")
        ctx.yield_(4)
        seen["normalized"] = view.normalized
        seen["raw_y"], seen["normalized_y"] = raw_y, rects["action"][6:8]
        seen["shot_normalized"] = screenshot(ctx, "window_plots_normalized")
        seen["fps"] = fps

    run_app_test(app_state, test)
    assert seen["clicked"] == round(2.0 * seen["fps"]), seen["clicked"]
    assert seen["dragged"] == round(3.0 * seen["fps"]), seen["dragged"]
    assert seen["hover"] == ("action", 30) and seen["frame_after_hover"] == seen["dragged"], (
        "hovering never seeks"
    )
    assert seen["hidden"] == {("action", seen["names"][1])}
    assert seen["filter"] == "wrist"
    assert seen["visible_after_filter"] == [n for n in seen["names"] if "wrist" in n] != []
    assert seen["normalized"]
    assert seen["raw_y"][1] - seen["raw_y"][0] > 10  # degrees: tens of units
    assert seen["normalized_y"][0] >= -0.2 and seen["normalized_y"][1] <= 1.2, seen["normalized_y"]
    for key in ("shot_tooltip", "shot_normalized"):
        assert np.asarray(Image.open(seen[key]).convert("RGB")).std() > 5
