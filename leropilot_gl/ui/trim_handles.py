"""Trim handles over an episode's frame range: drag to set the kept range, the video follows the
handle being dragged, release commits one trim to the journal.

`trim_overlay(state, x_min=..., x_max=..., y_min=..., y_max=...)` draws into any rectangle whose left
edge is the source episode's first frame and right edge its last frame, the way the timeline places
the playhead (frame k at time k/fps): the handles sit on the first and last kept frames, so the
kept range is drawn exactly and both handles stay on the track however short the episode.
`gui_trim_bar(state)` draws its own strip with the same handles. What dragging and releasing do,
and I and O (`set_trim_point`, the in/out points at the playhead), are in ui/trim_actions.py.
"""

from __future__ import annotations

from imgui_bundle import hello_imgui, imgui

from leropilot_gl.state import AppState
from leropilot_gl.ui.trim_actions import (
    drag_handle,
    kept_range,
    release_handle,
    set_trim_point,  # noqa: F401  # the I / O keys (ui/transport.py)
    trim_target,
)

KEPT_COLOR = imgui.ImVec4(0.30, 0.65, 0.95, 0.45)
CUT_COLOR = imgui.ImVec4(0.10, 0.10, 0.10, 0.55)
HANDLE_COLOR = imgui.ImVec4(0.95, 0.75, 0.25, 1.0)
TRIM_BAR_PLAYHEAD_COLOR = imgui.ImVec4(1.0, 0.35, 0.25, 1.0)  # the timeline's playhead colour


def trim_overlay(state: AppState, *, x_min: float, x_max: float, y_min: float, y_max: float) -> None:
    target = trim_target(state)
    if target is None or x_max - x_min < 2:
        return
    root, episode = target
    frames = episode.source_length
    start, end = kept_range(state) or (episode.slice.start, episode.slice.end)
    draw = imgui.get_window_draw_list()
    last = max(frames - 1, 1)  # the right edge is the last frame, as on the timeline

    def x_of(frame: float) -> float:
        return x_min + (x_max - x_min) * frame / last

    first_kept, last_kept = x_of(start), x_of(end - 1)
    draw.add_rect_filled(
        imgui.ImVec2(x_min, y_min), imgui.ImVec2(first_kept, y_max), imgui.get_color_u32(CUT_COLOR)
    )
    draw.add_rect_filled(
        imgui.ImVec2(last_kept, y_min), imgui.ImVec2(x_max, y_max), imgui.get_color_u32(CUT_COLOR)
    )
    draw.add_rect_filled(
        imgui.ImVec2(first_kept, y_min), imgui.ImVec2(last_kept, y_max), imgui.get_color_u32(KEPT_COLOR)
    )
    state.playback_view.panel_objects["trim_handle_x"] = (
        first_kept,
        last_kept,
    )  # GUI tests grab the handles here
    handle_w = hello_imgui.em_size(0.6)
    for handle, frame in (("start", start), ("end", end - 1)):
        x = x_of(frame)
        imgui.set_cursor_screen_pos(imgui.ImVec2(x - handle_w / 2, y_min))
        imgui.invisible_button(f"##trim_{handle}", imgui.ImVec2(handle_w, max(1.0, y_max - y_min)))
        hovered = imgui.is_item_hovered() or imgui.is_item_active()
        color = imgui.get_color_u32(HANDLE_COLOR if not hovered else imgui.ImVec4(1, 0.9, 0.5, 1))
        draw.add_rect_filled(
            imgui.ImVec2(x - handle_w / 2, y_min), imgui.ImVec2(x + handle_w / 2, y_max), color, 2.0
        )
        if hovered:
            imgui.set_mouse_cursor(imgui.MouseCursor_.resize_ew)
            state.playback_view.timeline_handle_hot = True  # the timeline must not seek too
        if imgui.is_item_active():
            mouse_frame = round((imgui.get_io().mouse_pos.x - x_min) / (x_max - x_min) * last)
            drag_handle(state, root, episode, handle, mouse_frame)
        if imgui.is_item_deactivated():
            release_handle(state, episode)


def gui_trim_bar(state: AppState) -> None:
    """A strip the width of the panel: the whole source episode, its kept range and two handles."""
    target = trim_target(state)
    if target is None:
        imgui.text_disabled("Select an episode in the tree to trim it.")
        return
    _, episode = target
    start, end = kept_range(state) or (episode.slice.start, episode.slice.end)
    imgui.text(
        f"Episode {episode.slice.source_episode:06d}: keep frames {start}..{end - 1} "
        f"({end - start} of {episode.source_length})"
    )
    origin = imgui.get_cursor_screen_pos()
    width = max(hello_imgui.em_size(4), imgui.get_content_region_avail().x)
    height = hello_imgui.em_size(1.6)
    # The bar's own area (clicking it outside a handle seeks); the handles drawn next overlap it.
    imgui.set_next_item_allow_overlap()
    if imgui.invisible_button("##trim_bar", imgui.ImVec2(width, height)):
        frame = round((imgui.get_io().mouse_pos.x - origin.x) / width * (episode.source_length - 1))
        state.time.seek_frame(max(0, min(frame, episode.source_length - 1)))
    after = imgui.get_cursor_screen_pos()
    trim_overlay(state, x_min=origin.x, x_max=origin.x + width, y_min=origin.y, y_max=origin.y + height)
    # The strip has no timeline under it: it draws the playhead itself, on the frame, like the timeline.
    x = origin.x + width * state.time.frame_index / max(episode.source_length - 1, 1)
    imgui.get_window_draw_list().add_line(
        imgui.ImVec2(x, origin.y),
        imgui.ImVec2(x, origin.y + height),
        imgui.get_color_u32(TRIM_BAR_PLAYHEAD_COLOR),
        2.0,
    )
    imgui.set_cursor_screen_pos(after)
    imgui.dummy(imgui.ImVec2(0, 0))


def timeline_trim_overlay(state: AppState, view) -> None:  # noqa: ANN001  # view: ui.timeline.TimelineView
    """The trim handles inside the timeline plot (drawn by ui/timeline.draw_tracks)."""
    target = trim_target(state)
    if target is None or view.x_max_s <= view.x_min_s or state.time.fps <= 0:
        return
    frames = target[1].source_length
    x0, y0 = view.plot_pos
    width, height = view.plot_size

    def x_of_time(t: float) -> float:
        return x0 + (t - view.x_min_s) / (view.x_max_s - view.x_min_s) * width

    last_s = max(frames - 1, 1) / state.time.fps  # frame k at k/fps, where the playhead draws it
    trim_overlay(state, x_min=x_of_time(0.0), x_max=x_of_time(last_s), y_min=y0, y_max=y0 + height)
