"""Curves of the episode: observation.state, action, then every other numeric feature (reward, done).

Time on x, linked to the timeline (zoom or pan one, the others follow), with the playhead drawn
and draggable in each. The legend hides and shows dimensions.
"""

from __future__ import annotations

from imgui_bundle import hello_imgui, imgui, imgui_ctx, implot

from leropilot_gl.state import AppState
from leropilot_gl.ui.timeline import PLAYHEAD_COLOUR, time_axis_links


def gui_plots(state: AppState) -> None:
    playback = state.playback
    if state.selected_episode is None:
        imgui.text_disabled("Select an episode to plot its data.")
        return
    if playback.plot_error:
        imgui.text_colored(imgui.ImVec4(1.0, 0.4, 0.4, 1.0), playback.plot_error)
        return
    if playback.plot_future is not None:
        imgui.text_disabled("reading the episode's data...")
        return
    if not playback.plot_series:
        imgui.text_disabled("This episode has no numeric features to plot.")
        return
    x_min, x_max = time_axis_links(state)
    time = state.time
    count = len(playback.plot_series)
    # Multi-dimensional features share the height left after the one-dimensional ones.
    small = hello_imgui.em_size(4.5)
    big_count = sum(s.values.shape[0] > 1 for s in playback.plot_series)
    big_h = (imgui.get_content_region_avail().y - small * (count - big_count)) / max(1, big_count)
    big_h = max(hello_imgui.em_size(8), big_h - imgui.get_style().item_spacing.y)
    for number, series in enumerate(playback.plot_series):
        big = series.values.shape[0] > 1
        height = big_h if big else small
        with imgui_ctx.push_id(series.key):
            if not implot.begin_plot(series.key, imgui.ImVec2(-1, height), implot.Flags_.no_menus):
                continue
            try:
                implot.setup_axis(implot.ImAxis_.x1, "time (s)" if number == count - 1 else None)
                implot.setup_axis_links(implot.ImAxis_.x1, x_min, x_max)
                implot.setup_axis(implot.ImAxis_.y1, None, implot.AxisFlags_.auto_fit)
                implot.setup_legend(implot.Location_.north_east, implot.LegendFlags_.outside if big else 0)
                implot.setup_finish()
                for dim, name in enumerate(series.names):
                    implot.plot_line(name, series.times_s, series.values[dim])
                changed, new_time, *_ = implot.drag_line_x(0, time.time_s, PLAYHEAD_COLOUR, 1.5)
                if changed:
                    time.seek_frame(round(new_time * time.fps))
            finally:
                implot.end_plot()  # also after an exception: unbalanced plots abort the app
