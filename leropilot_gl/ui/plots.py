"""Curves of the episode: observation.state, action, then every other numeric feature (reward, done).

Time on x, linked to the timeline (zoom or pan one, the others follow), with the playhead drawn in
each. Click or drag anywhere on a plot to seek. Hovering shows every visible dimension's value at
that time. Robots with 26 to 44 joints get a toolbar: a filter box (dimensions whose name contains
the text), a normalized view (each dimension scaled to its own range, so one big joint does not
flatten the others) and, beside each multi-dimensional plot, a scrollable legend whose checkboxes
show and hide dimensions.
"""

from __future__ import annotations

import numpy as np
from imgui_bundle import hello_imgui, imgui, imgui_ctx, implot

from leropilot_gl.media.playback import PlotSeries
from leropilot_gl.render.playback_view import PlotRect, PlotView
from leropilot_gl.state import AppState
from leropilot_gl.ui.timeline import PLAYHEAD_COLOUR, time_axis_links
from leropilot_gl.ui.transport import request_frames

__all__ = ["PlotView", "gui_plots", "normalized_values", "plot_view"]


def plot_view(state: AppState) -> PlotView:
    return state.playback_view.plots


def normalized_values(view: PlotView, episode_key: object, series: PlotSeries) -> np.ndarray:
    """Each dimension scaled to [0, 1] over the episode (a flat one sits at 0.5); cached per episode."""
    cache_key = (episode_key, series.key)
    cached = view.normalized_cache.get(cache_key)
    if cached is None:
        values = series.values
        low = np.nanmin(values, axis=1, keepdims=True) if values.size else values
        span = (np.nanmax(values, axis=1, keepdims=True) - low) if values.size else values
        with np.errstate(invalid="ignore", divide="ignore"):
            cached = np.where(span > 0, (values - low) / np.where(span > 0, span, 1.0), 0.5)
        cached = np.ascontiguousarray(cached, dtype=np.float64)
        if len(view.normalized_cache) > 32:  # one entry per feature of the recent episodes
            view.normalized_cache.clear()
        view.normalized_cache[cache_key] = cached
    return cached


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
    view = plot_view(state)
    _gui_toolbar(view)
    x_min, x_max = time_axis_links(state)
    count = len(playback.plot_series)
    # Multi-dimensional features share the height left after the one-dimensional ones.
    small = hello_imgui.em_size(4.5)
    big_count = sum(s.values.shape[0] > 1 for s in playback.plot_series)
    big_h = (imgui.get_content_region_avail().y - small * (count - big_count)) / max(1, big_count)
    big_h = max(hello_imgui.em_size(8), big_h - imgui.get_style().item_spacing.y)
    view.hover = None
    for number, series in enumerate(playback.plot_series):
        big = series.values.shape[0] > 1
        with imgui_ctx.push_id(series.key):
            _gui_series(state, view, series, height=big_h if big else small, last=number == count - 1)
    if view.dragging is not None and not imgui.is_mouse_down(imgui.MouseButton_.left):
        view.dragging = None


def _gui_toolbar(view: PlotView) -> None:
    imgui.set_next_item_width(hello_imgui.em_size(14))
    _, view.filter_text = imgui.input_text_with_hint("##plot_filter", "filter dimensions", view.filter_text)
    imgui.set_item_tooltip("Show only the dimensions whose name contains this text (e.g. 'wrist', 'left')")
    imgui.same_line()
    _, view.normalized = imgui.checkbox("Normalized", view.normalized)
    imgui.set_item_tooltip("Scale each dimension to its own range over the episode (0..1); off: raw values")
    if view.hidden:
        imgui.same_line()
        if imgui.small_button(f"Show all ({len(view.hidden)} hidden)"):
            view.hidden.clear()


def _gui_series(state: AppState, view: PlotView, series: PlotSeries, *, height: float, last: bool) -> None:
    big = series.values.shape[0] > 1
    legend_w = hello_imgui.em_size(13) if big else 0.0
    plot_w = max(hello_imgui.em_size(8), imgui.get_content_region_avail().x - legend_w)
    if big:
        with imgui_ctx.begin_group():
            _gui_plot(state, view, series, imgui.ImVec2(plot_w, height), last=last)
        imgui.same_line()
        _gui_legend(view, series, imgui.ImVec2(0, height))
    else:
        _gui_plot(state, view, series, imgui.ImVec2(-1, height), last=last)


def _line_spec(dim: int) -> implot.Spec:
    spec = implot.Spec()
    spec.line_color = implot.get_colormap_color(dim)  # the legend's swatch uses the same colour
    return spec


def _gui_plot(state: AppState, view: PlotView, series: PlotSeries, size: imgui.ImVec2, *, last: bool) -> None:
    time = state.time
    x_min, x_max = time_axis_links(state)
    big = series.values.shape[0] > 1
    flags = implot.Flags_.no_menus | (implot.Flags_.no_legend if big else 0)
    if not implot.begin_plot(series.key, size, flags):
        return
    try:
        implot.setup_axis(implot.ImAxis_.x1, "time (s)" if last else None)
        implot.setup_axis_links(implot.ImAxis_.x1, x_min, x_max)
        implot.setup_axis(
            implot.ImAxis_.y1, "normalized" if view.normalized else None, implot.AxisFlags_.auto_fit
        )
        if not big:
            implot.setup_legend(implot.Location_.north_east)
        implot.setup_finish()
        pos, plot_size, limits = implot.get_plot_pos(), implot.get_plot_size(), implot.get_plot_limits()
        # Where this plot is on screen and what it shows (GUI tests click at times through this).
        state.playback_view.plot_rects[series.key] = PlotRect(
            pos.x,
            pos.y,
            plot_size.x,
            plot_size.y,
            limits.x.min,
            limits.x.max,
            limits.y.min,
            limits.y.max,
        )
        values = (
            normalized_values(view, state.playback.episode_key, series) if view.normalized else series.values
        )
        for dim, name in enumerate(series.names):
            if view.visible(series.key, name):
                implot.plot_line(name, series.times_s, values[dim], _line_spec(dim))
        changed, new_time, _, hovered_line, _ = implot.drag_line_x(0, time.time_s, PLAYHEAD_COLOUR, 1.5)
        if changed:
            time.seek_frame(round(new_time * time.fps))
            request_frames(state)
        hovered = implot.is_plot_hovered()
        if hovered and imgui.is_mouse_clicked(imgui.MouseButton_.left) and not hovered_line:
            view.dragging = series.key  # click anywhere to seek; follow the mouse while held
        if view.dragging == series.key and imgui.is_mouse_down(imgui.MouseButton_.left):
            time.playing = False
            time.seek_frame(round(implot.get_plot_mouse_pos().x * time.fps))
            request_frames(state)
        if hovered:
            _tooltip(state, view, series, implot.get_plot_mouse_pos().x)
    finally:
        implot.end_plot()  # also after an exception: unbalanced plots abort the app


def _tooltip(state: AppState, view: PlotView, series: PlotSeries, t_s: float) -> None:
    """Every visible dimension's raw value at the frame under the mouse."""
    times = series.times_s
    if times.size == 0:
        return
    sample = int(np.clip(np.searchsorted(times, t_s - 0.5 / max(state.time.fps, 1.0)), 0, times.size - 1))
    view.hover = (series.key, sample)
    rows = [(dim, name) for dim, name in enumerate(series.names) if view.visible(series.key, name)]
    with imgui_ctx.begin_tooltip():
        imgui.text(f"{series.key}   t = {times[sample]:.3f} s   frame {sample}")
        imgui.separator()
        columns = 1 if len(rows) <= 16 else 2 if len(rows) <= 32 else 3  # 44 joints stay on screen
        per_column = -(-len(rows) // columns) if rows else 0
        if rows and imgui.begin_table("##values", 2 * columns, imgui.TableFlags_.sizing_fixed_fit):
            for line in range(per_column):
                imgui.table_next_row()
                for col in range(columns):
                    i = col * per_column + line
                    imgui.table_next_column()
                    if i < len(rows):
                        dim, name = rows[i]
                        imgui.text_colored(implot.get_colormap_color(dim), name)
                    imgui.table_next_column()
                    if i < len(rows):
                        imgui.text(f"{series.values[rows[i][0], sample]:.4g}")
            imgui.end_table()
        if not rows:
            imgui.text_disabled("every dimension is hidden or filtered out")


def _gui_legend(view: PlotView, series: PlotSeries, size: imgui.ImVec2) -> None:
    """A scrollable legend: one checkbox per dimension (in the line's colour) to show or hide it."""
    with imgui_ctx.begin_child("##legend", size, imgui.ChildFlags_.borders):
        shown = sum(view.visible(series.key, n) for n in series.names)
        imgui.text_disabled(f"{shown} / {len(series.names)} shown")
        if imgui.small_button("all"):
            for name in series.names:
                view.set_visible(series.key, name, True)
        imgui.same_line()
        if imgui.small_button("none"):
            for name in series.names:
                view.set_visible(series.key, name, False)
        text = view.filter_text.strip().lower()
        for dim, name in enumerate(series.names):
            if text and text not in name.lower():
                continue
            with imgui_ctx.push_id(name):
                color = implot.get_colormap_color(dim)
                with imgui_ctx.push_style_color(imgui.Col_.check_mark, color):
                    visible = (series.key, name) not in view.hidden
                    changed, visible = imgui.checkbox(name, visible)
                lo, hi = imgui.get_item_rect_min(), imgui.get_item_rect_max()
                view.legend_rects[(series.key, name)] = (lo.x, lo.y, hi.x, hi.y)
                if changed:
                    view.set_visible(series.key, name, visible)
