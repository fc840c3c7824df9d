"""Language and subtask tracks on the timeline (spans and event markers, text on hover), and their
section in Details (tracks of the episode, `tools`, which LeRobot releases read the dataset)."""

from __future__ import annotations

import zlib

from imgui_bundle import hello_imgui, imgui, imgui_ctx, implot

from leropilot_gl.dataset.compat import compatibility
from leropilot_gl.dataset.language import LanguageLayers, LanguageRow, LanguageTrack, tools_summary
from leropilot_gl.state import AppState

PALETTE = (
    (0.35, 0.62, 0.95),
    (0.95, 0.62, 0.25),
    (0.45, 0.80, 0.45),
    (0.85, 0.45, 0.80),
    (0.95, 0.85, 0.35),
    (0.45, 0.85, 0.85),
)
TEXT_COLOUR = imgui.ImVec4(1.0, 1.0, 1.0, 0.95)
TOP_MARGIN_EM = 0.3
LABEL_PLATE = 0xC0101010  # ABGR: near-black, mostly opaque


def _colour(name: str, alpha: float) -> int:
    r, g, b = PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]
    return imgui.get_color_u32(imgui.ImVec4(r, g, b, alpha))


def episode_layers(state: AppState) -> LanguageLayers | None:
    dataset, episode = state.selected_dataset, state.selected_episode
    if dataset is None or episode is None:
        return None
    layers = dataset.index.language.get(episode.episode_index)
    return layers if layers is not None and layers.tracks else None


def _tooltip(track: LanguageTrack, row: LanguageRow) -> None:
    with imgui_ctx.begin_tooltip():
        when = f"{row.start_s:.2f} s" if track.kind == "event" else f"{row.start_s:.2f} - {row.end_s:.2f} s"
        imgui.text_disabled(f"{track.name}  ({track.kind}, {when})")
        if row.role:
            imgui.text_disabled(f"role: {row.role}" + (f"   camera: {row.camera}" if row.camera else ""))
        imgui.push_text_wrap_pos(hello_imgui.em_size(30))
        if row.content:
            imgui.text_unformatted(row.content)
        if row.tool_calls:
            imgui.text_disabled(f"tool calls: {row.tool_calls}")
        imgui.pop_text_wrap_pos()


def band_height() -> float:
    return hello_imgui.em_size(1.3)


def tracks_height(state: AppState) -> float:
    """Room the episode's tracks need under the timeline's playhead area (0 without tracks)."""
    layers = episode_layers(state)
    return 0.0 if layers is None else band_height() * len(layers.tracks)


def draw_language_tracks(state: AppState, view) -> None:  # noqa: ANN001  # view: ui.timeline.TimelineView
    """One band per track, top down from the plot's top (the first tracks stay in sight in a short
    timeline pane); called inside the timeline plot."""
    layers = episode_layers(state)
    if layers is None or view.x_max_s <= view.x_min_s:
        return
    x0, y0 = view.plot_pos
    width, height = view.plot_size
    band = band_height()
    draw = implot.get_plot_draw_list()
    mouse = imgui.get_mouse_pos()
    hovered_plot = implot.is_plot_hovered()

    def x_of(t: float) -> float:
        return x0 + (t - view.x_min_s) / (view.x_max_s - view.x_min_s) * width

    implot.push_plot_clip_rect()
    try:
        for n, track in enumerate(layers.tracks):
            top = y0 + TOP_MARGIN_EM * hello_imgui.em_size() + n * band
            bottom = top + band - 1
            for row in track.rows:
                if track.kind == "event":
                    x = x_of(row.start_s)
                    a, b = imgui.ImVec2(x - band * 0.3, top), imgui.ImVec2(x + band * 0.3, bottom - 1)
                    draw.add_triangle_filled(
                        imgui.ImVec2(x, bottom - 1), a, imgui.ImVec2(b.x, top), _colour(track.name, 0.9)
                    )
                else:
                    a = imgui.ImVec2(x_of(row.start_s) + 1, top)
                    b = imgui.ImVec2(max(x_of(row.end_s) - 1, a.x + 2), bottom - 1)
                    draw.add_rect_filled(a, b, _colour(track.name, 0.45), 3.0)
                    draw.add_rect(a, b, _colour(track.name, 0.9), 3.0)
                    label = row.text
                    if label and b.x - a.x > hello_imgui.em_size(3):
                        draw.push_clip_rect(a, b, True)
                        draw.add_text(imgui.ImVec2(a.x + 3, top), imgui.get_color_u32(TEXT_COLOUR), label)
                        draw.pop_clip_rect()
                if hovered_plot and a.x <= mouse.x <= b.x and a.y <= mouse.y <= b.y:
                    _tooltip(track, row)
            # the track's name at the right edge, over a dark plate so span text stays readable
            name_w = imgui.calc_text_size(track.name).x
            right = x0 + width - 4
            draw.add_rect_filled(
                imgui.ImVec2(right - name_w - 4, top), imgui.ImVec2(right, bottom - 1), LABEL_PLATE, 2.0
            )
            draw.add_text(imgui.ImVec2(right - name_w - 2, top), _colour(track.name, 1.0), track.name)
    finally:
        implot.pop_plot_clip_rect()


def gui_language_details(state: AppState) -> None:
    """The Details section: this episode's annotation tracks, the dataset's tools, LeRobot readers."""
    dataset = state.selected_dataset
    if dataset is None:
        return
    index = dataset.index
    layers = episode_layers(state)
    if layers is not None and imgui.tree_node_ex("Annotations", imgui.TreeNodeFlags_.default_open):
        for track in layers.tracks:
            with imgui_ctx.push_id(f"{track.source}/{track.name}"):
                if imgui.tree_node(f"{track.name}  ({len(track.rows)} {track.kind}s, {track.source})"):
                    for row in track.rows:
                        when = (
                            f"{row.start_s:6.2f} s"
                            if track.kind == "event"
                            else f"{row.start_s:6.2f}-{row.end_s:.2f} s"
                        )
                        who = f"[{row.role}] " if row.role else ""
                        imgui.text_wrapped(f"{when}  {who}{row.text}")
                    imgui.tree_pop()
        imgui.tree_pop()
    tools = tools_summary(index.info)
    if tools and imgui.tree_node_ex(f"Tools ({len(tools)})", imgui.TreeNodeFlags_.default_open):
        for line in tools:
            imgui.bullet_text(line)
        imgui.tree_pop()
    compat = compatibility(index.info, index.root)
    imgui.text(f"Readable by: {compat.readers}")
    for reason in compat.reasons:
        imgui.bullet_text(reason)
