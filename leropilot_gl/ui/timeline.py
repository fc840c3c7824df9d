"""The timeline: transport bar, then a strip with the playhead; click or drag anywhere on it to seek."""

from __future__ import annotations

import numpy as np
from imgui_bundle import hello_imgui, imgui, implot

from leropilot_gl.render.playback_view import TimelineView
from leropilot_gl.state import AppState
from leropilot_gl.ui.doctor_marks import doctor_timeline_marks
from leropilot_gl.ui.language_track import draw_language_tracks, tracks_height
from leropilot_gl.ui.transport import gui_transport, request_frames
from leropilot_gl.ui.trim_handles import timeline_trim_overlay

PLAYHEAD_COLOUR = imgui.ImVec4(1.0, 0.35, 0.25, 1.0)

__all__ = ["PLAYHEAD_COLOUR", "TimelineView", "draw_tracks", "gui_timeline", "time_axis_links"]


def time_axis_links(state: AppState) -> tuple[implot.BoxedValue, implot.BoxedValue]:
    """The visible time range shared by the timeline and every plot (reset on a new episode)."""
    axis = state.playback_view.time_axis
    fresh = not isinstance(axis.x_min, implot.BoxedValue) or not isinstance(axis.x_max, implot.BoxedValue)
    if fresh:
        axis.x_min, axis.x_max = implot.BoxedValue(0.0), implot.BoxedValue(1.0)
    if fresh or axis.episode_key != state.playback.episode_key:
        axis.episode_key = state.playback.episode_key
        axis.x_min.value = 0.0
        axis.x_max.value = max(state.time.last_frame_time_s, 1.0 / max(state.time.fps, 1.0))
    return axis.x_min, axis.x_max


def gui_timeline(state: AppState) -> None:
    gui_transport(state)
    if state.selected_episode is None:
        imgui.text_disabled("Select an episode to play it.")
        return
    x_min, x_max = time_axis_links(state)
    flags = (
        implot.Flags_.no_title
        | implot.Flags_.no_legend
        | implot.Flags_.no_menus
        | implot.Flags_.no_box_select
    )
    size = imgui.ImVec2(
        -1, max(imgui.get_content_region_avail().y, hello_imgui.em_size(4) + tracks_height(state))
    )
    if not implot.begin_plot("##timeline", size, flags):
        return
    try:
        _timeline_plot(state, x_min, x_max)
    finally:
        implot.end_plot()  # also after an exception: an unbalanced plot aborts the whole app


def _timeline_plot(state: AppState, x_min: implot.BoxedValue, x_max: implot.BoxedValue) -> None:
    time = state.time
    playback_view = state.playback_view
    implot.setup_axis(implot.ImAxis_.x1, None, implot.AxisFlags_.lock)
    implot.setup_axis(implot.ImAxis_.y1, None, implot.AxisFlags_.no_decorations | implot.AxisFlags_.lock)
    implot.setup_axis_links(implot.ImAxis_.x1, x_min, x_max)
    implot.setup_axis_limits(implot.ImAxis_.y1, 0.0, 1.0, imgui.Cond_.always)
    implot.setup_finish()
    # Shade the episode's span so its ends are visible when zoomed out.
    span = implot.Spec()
    span.fill_alpha = 0.15
    implot.plot_shaded("##episode", np.array([0.0, time.last_frame_time_s]), np.array([1.0, 1.0]), spec=span)
    pos, plot_size = implot.get_plot_pos(), implot.get_plot_size()
    limits = implot.get_plot_limits().x  # what is drawn (the links catch up after end_plot)
    view = TimelineView(limits.min, limits.max, time.duration_s, (pos.x, pos.y), (plot_size.x, plot_size.y))
    playback_view.timeline_view = view  # GUI tests click at times through this
    draw_tracks(state, view)
    # Overlays come before the playhead: the first item under the mouse takes it, so a trim handle
    # sitting on the playhead (both at frame 0) is dragged as a handle, not as the playhead.
    handle_hot = playback_view.timeline_handle_hot
    changed, new_time, _, hovered_line, _ = implot.drag_line_x(0, time.time_s, PLAYHEAD_COLOUR, 2.0)
    if changed and not handle_hot:
        time.seek_frame(round(new_time * time.fps))  # land on a frame, not between two
        request_frames(state)
    implot.tag_x(time.time_s, PLAYHEAD_COLOUR, f"{time.frame_index}")
    # Click anywhere else to seek; keep following the mouse while the button is held.
    clicked = implot.is_plot_hovered() and imgui.is_mouse_clicked(imgui.MouseButton_.left)
    if clicked and not hovered_line and not handle_hot:
        playback_view.timeline_dragging = True
    if playback_view.timeline_dragging:
        if imgui.is_mouse_down(imgui.MouseButton_.left):
            time.seek_frame(round(implot.get_plot_mouse_pos().x * time.fps))
            request_frames(state)
        else:
            playback_view.timeline_dragging = False


def draw_tracks(state: AppState, view: TimelineView) -> None:
    """The one place where things are drawn over the timeline, in this order: trim handles, doctor
    marks, language tracks. An overlay that owns the mouse (a handle hovered or dragged) sets
    `state.playback_view.timeline_handle_hot = True` so that the timeline does not seek.
    """
    state.playback_view.timeline_handle_hot = False
    timeline_trim_overlay(state, view)
    doctor_timeline_marks(state, view)
    draw_language_tracks(state, view)
