"""Language and subtask tracks on the timeline (spans and event markers, text on hover), and their
section in Details (tracks of the episode, `tools`, which LeRobot releases read the dataset)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from imgui_bundle import hello_imgui, imgui, imgui_ctx, implot

from leropilot_gl.dataset import annotations
from leropilot_gl.dataset.compat import compatibility
from leropilot_gl.dataset.journal import FRAME_MARK_FEATURES, WorkingEpisode
from leropilot_gl.dataset.language import (
    LANGUAGE_EVENTS,
    LANGUAGE_PERSISTENT,
    SUBTASKS_PATH,
    LanguageLayers,
    LanguageRow,
    LanguageTrack,
    tools_summary,
)
from leropilot_gl.paths import resolved
from leropilot_gl.state import AppState
from leropilot_gl.ui.trim_handles import trim_target

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


@dataclass
class AnnotationDrag:
    """An annotation edge being dragged on the timeline (committed as one edit on release)."""

    root: Path
    uid: str
    source: str
    track: str
    position: int
    edge: str  # "start", "end" or "point" (an event)
    start: int
    end: int
    first: int = 0  # the row's edges when the drag began: neighbours that touched them follow live
    last: int = 0


@dataclass
class AnnotationMenu:
    """The timeline's context menu: the row under the mouse (position None: none) and the frame."""

    root: Path
    uid: str
    frame: int
    source: str | None = None
    track: str | None = None
    position: int | None = None
    text: str = ""
    reward: float = 1.0


def annotation_target(state: AppState) -> tuple[Path, WorkingEpisode] | None:
    """The working episode whose source episode is playing: the one selected in the tree when it
    is, else the episode as it is on disk (when its dataset's journal is attached)."""
    target = trim_target(state)
    if target is not None:
        return target
    dataset, episode = state.selected_dataset, state.selected_episode
    ed = state.edits
    if dataset is None or episode is None or not ed.attached(dataset.root) or ed.busy(dataset.root):
        return None
    root = resolved(dataset.root)
    uid = f"e{episode.episode_index}"
    working = ed.session.journal(root).find(uid)  # O(1) per frame
    return None if working is None or working.deleted else (root, working)


def episode_layers(state: AppState) -> LanguageLayers | None:
    """The playing episode's tracks, its pending annotation edits included (source time)."""
    dataset, episode = state.selected_dataset, state.selected_episode
    if dataset is None or episode is None:
        return None
    layers = dataset.index.language.get(episode.episode_index)
    target = annotation_target(state)
    if target is not None and target[1].annotations:
        root, working = target
        key = (root, working.uid, working.annotations, id(layers))
        objects = state.playback_view.panel_objects
        cached = objects.get("annotation_layers")
        if cached is None or cached[0] != key:
            shown = annotations.effective_layers(layers, working, dataset.index.fps, working.source_length)
            objects["annotation_layers"] = cached = (key, shown)
        layers = cached[1]
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
    timeline pane); called inside the timeline plot. Span edges and event markers are handles to
    drag; a right click opens the menu (retext, delete, add, reward/done marks)."""
    if view.x_max_s <= view.x_min_s:
        return
    layers = episode_layers(state)
    target = annotation_target(state)
    if layers is not None:
        implot.push_plot_clip_rect()
        try:
            hit = _draw_tracks(state, view, layers, target)
        finally:
            implot.pop_plot_clip_rect()
    else:
        hit = None
    if target is not None and implot.is_plot_hovered() and imgui.is_mouse_clicked(imgui.MouseButton_.right):
        root, working = target
        frame = min(working.source_length - 1, max(0, round(implot.get_plot_mouse_pos().x * state.time.fps)))
        menu = AnnotationMenu(root, working.uid, frame)
        if hit is not None:
            track, position = hit
            menu.source, menu.track, menu.position = track.source, track.name, position
            menu.text = track.rows[position].content or ""
        state.playback_view.panel_objects["annotation_menu"] = menu
        imgui.open_popup("##annotation_menu")
    _annotation_menu(state)


def _draw_tracks(
    state: AppState, view, layers: LanguageLayers, target: tuple[Path, WorkingEpisode] | None
) -> tuple[LanguageTrack, int] | None:  # noqa: ANN001
    """Draws the bands and their handles; returns the (track, row position) under the mouse."""
    x0, y0 = view.plot_pos
    width, _ = view.plot_size
    band = band_height()
    draw = implot.get_plot_draw_list()
    mouse = imgui.get_mouse_pos()
    hovered_plot = implot.is_plot_hovered()
    objects = state.playback_view.panel_objects
    drag: AnnotationDrag | None = objects.get("annotation_drag")
    fps = state.time.fps
    hit = None

    def x_of(t: float) -> float:
        return x0 + (t - view.x_min_s) / (view.x_max_s - view.x_min_s) * width

    for n, track in enumerate(layers.tracks):
        top = y0 + TOP_MARGIN_EM * hello_imgui.em_size() + n * band
        bottom = top + band - 1
        for position, row in enumerate(track.rows):
            start_s, end_s = row.start_s, row.end_s
            if drag is not None and (drag.source, drag.track) == (track.source, track.name):
                if drag.position == position:
                    start_s, end_s = drag.start / fps, drag.end / fps  # live while dragging
                elif track.kind == "span" and round(end_s * fps) == drag.first:
                    end_s = drag.start / fps
                elif track.kind == "span" and round(start_s * fps) == drag.last:
                    start_s = drag.end / fps
            if track.kind == "event":
                x = x_of(start_s)
                a, b = imgui.ImVec2(x - band * 0.3, top), imgui.ImVec2(x + band * 0.3, bottom - 1)
                draw.add_triangle_filled(
                    imgui.ImVec2(x, bottom - 1), a, imgui.ImVec2(b.x, top), _colour(track.name, 0.9)
                )
            else:
                a = imgui.ImVec2(x_of(start_s) + 1, top)
                b = imgui.ImVec2(max(x_of(end_s) - 1, a.x + 2), bottom - 1)
                draw.add_rect_filled(a, b, _colour(track.name, 0.45), 3.0)
                draw.add_rect(a, b, _colour(track.name, 0.9), 3.0)
                label = row.text
                if label and b.x - a.x > hello_imgui.em_size(3):
                    draw.push_clip_rect(a, b, True)
                    draw.add_text(imgui.ImVec2(a.x + 3, top), imgui.get_color_u32(TEXT_COLOUR), label)
                    draw.pop_clip_rect()
            if hovered_plot and a.x <= mouse.x <= b.x and a.y <= mouse.y <= b.y:
                hit = (track, position)
                if drag is None:
                    _tooltip(track, row)
            if target is not None and track.source in SOURCES_EDITABLE:
                _edge_handles(state, view, target, track, position, row, n, (top, bottom), x_of)
        # the track's name at the right edge, over a dark plate so span text stays readable
        name_w = imgui.calc_text_size(track.name).x
        right = x0 + width - 4
        draw.add_rect_filled(
            imgui.ImVec2(right - name_w - 4, top), imgui.ImVec2(right, bottom - 1), LABEL_PLATE, 2.0
        )
        draw.add_text(imgui.ImVec2(right - name_w - 2, top), _colour(track.name, 1.0), track.name)
    return hit


SOURCES_EDITABLE = (LANGUAGE_PERSISTENT, LANGUAGE_EVENTS, SUBTASKS_PATH)


def _edge_handles(state, view, target, track, position, row, n, band_y, x_of) -> None:  # noqa: ANN001, PLR0913
    """Invisible buttons over a span's edges (an event's marker): dragging one moves that edge.
    A persistent row has no end of its own (the next row of its style ends it): only its start."""
    root, working = target
    fps = state.time.fps
    top, bottom = band_y
    handle_w = hello_imgui.em_size(0.5)
    if track.kind == "event":
        edges = (("point", row.start_s),)
    elif track.source == LANGUAGE_PERSISTENT:
        edges = (("start", row.start_s),)
    else:
        edges = (("start", row.start_s), ("end", row.end_s))
    objects = state.playback_view.panel_objects
    for edge, t in edges:
        x = x_of(t)
        imgui.set_cursor_screen_pos(imgui.ImVec2(x - handle_w / 2, top))
        imgui.invisible_button(f"##ann_{n}_{position}_{edge}", imgui.ImVec2(handle_w, max(1.0, bottom - top)))
        if imgui.is_item_hovered() or imgui.is_item_active():
            imgui.set_mouse_cursor(imgui.MouseCursor_.resize_ew)
        if imgui.is_item_active():
            state.playback_view.timeline_dragging = False  # the handle, not the playhead, follows the mouse
            first, last = round(row.start_s * fps), round(row.end_s * fps)
            drag = objects.get("annotation_drag")
            if drag is None:
                drag = AnnotationDrag(
                    root, working.uid, track.source, track.name, position, edge, first, last, first, last
                )
                objects["annotation_drag"] = drag
            frame = round((imgui.get_io().mouse_pos.x - x_of(0.0)) / (x_of(1.0) - x_of(0.0)) * fps)
            if edge == "start":
                drag.start = max(0, min(frame, drag.end - 1))
                shown = drag.start
            elif edge == "end":
                drag.end = max(drag.start + 1, min(frame, working.source_length))
                shown = drag.end - 1
            else:
                drag.start = drag.end = max(0, min(frame, working.source_length - 1))
                shown = drag.start
            if state.time.playing:
                state.time.set_playing(False)
            state.time.seek_frame(shown)  # the video shows the frame at the edge
        if imgui.is_item_deactivated():
            drag = objects.pop("annotation_drag", None)
            if drag is not None and (drag.start, drag.end) != (
                round(row.start_s * fps),
                round(row.end_s * fps),
            ):
                state.edits.run(
                    lambda d=drag: annotations.move(
                        state.edits.session, d.root, d.uid, d.source, d.track, d.position, d.start, d.end
                    ),
                    state.notify,
                )


def _annotation_menu(state: AppState) -> None:
    menu: AnnotationMenu | None = state.playback_view.panel_objects.get("annotation_menu")
    if menu is None or not imgui.begin_popup("##annotation_menu"):
        return
    ed = state.edits
    session = ed.session
    try:
        if menu.position is not None:
            imgui.text_disabled(f"{menu.track} ({menu.source})")
            imgui.set_next_item_width(hello_imgui.em_size(22))
            _, menu.text = imgui.input_text("##annotation_text", menu.text)
            if imgui.button("Set text###annotation_retext"):
                ed.run(
                    lambda: annotations.retext(
                        session, menu.root, menu.uid, menu.source, menu.track, menu.position, menu.text
                    ),
                    state.notify,
                )
                imgui.close_current_popup()
            imgui.same_line()
            if imgui.button("Delete###annotation_delete"):
                ed.run(
                    lambda: annotations.delete(
                        session, menu.root, menu.uid, menu.source, menu.track, menu.position
                    ),
                    state.notify,
                )
                imgui.close_current_popup()
            imgui.separator()
        _add_items(state, menu)
        _mark_items(state, menu)
    finally:
        imgui.end_popup()


def _add_items(state: AppState, menu: AnnotationMenu) -> None:
    """ "Add <track> at frame N" for the episode's tracks, and the usual one of each layout it has."""
    index = state.edits.session.indexes.get(str(menu.root))
    if index is None:
        return
    features = index.info.get("features") or {}
    known: dict[tuple[str, str], None] = {}
    layers = episode_layers(state)
    for t in layers.tracks if layers is not None else ():
        known[(t.source, t.name)] = None
    defaults = {LANGUAGE_PERSISTENT: "subtask", LANGUAGE_EVENTS: "interjection", SUBTASKS_PATH: "subtask"}
    for source in annotations.sources_of(features):
        known.setdefault((source, defaults[source]), None)
    fps = max(state.time.fps, 1.0)
    for source, name in known:
        end = min(menu.frame + round(fps), round(state.time.duration_s * fps))
        if imgui.menu_item(f"Add {name} at frame {menu.frame}###add_{source}_{name}", "", False)[0]:
            added = state.edits.run(
                lambda s=source, n=name, e=end: annotations.add(
                    state.edits.session,
                    menu.root,
                    menu.uid,
                    s,
                    n,
                    menu.frame,
                    max(e, menu.frame + 1),
                    f"new {n}",
                ),
                state.notify,
            )
            if added is not None:  # the new row's menu, to type its text
                state.notify("info", f"added a {name}: right-click it to set its text")


def _mark_items(state: AppState, menu: AnnotationMenu) -> None:
    """Reward/done marks over the in/out range (or the frame under the mouse) where the dataset has them."""
    index = state.edits.session.indexes.get(str(menu.root))
    features = (index.info.get("features") or {}) if index is not None else {}
    present = [f for f in FRAME_MARK_FEATURES if f in features]
    if not present:
        return
    imgui.separator()
    fps = max(state.time.fps, 1.0)
    if state.time.selection_s is not None:
        a, b = state.time.selection_s
        start, end = round(a * fps), round(b * fps) + 1
    else:
        start, end = menu.frame, menu.frame + 1
    where = f"frame {start}" if end == start + 1 else f"frames {start}..{end - 1}"
    for feature in present:
        is_bool = features[feature].get("dtype") == "bool"
        if feature == "next.reward" and not is_bool:
            imgui.set_next_item_width(hello_imgui.em_size(6))
            _, menu.reward = imgui.input_float("##reward_value", menu.reward)
            imgui.same_line()
            value = menu.reward
        else:
            value = 1.0
        if imgui.menu_item(f"Set {feature} on {where}###set_{feature}", "", False)[0]:
            _mark(state, menu, feature, start, end, value)
        if imgui.menu_item(f"Clear {feature} on {where}###clear_{feature}", "", False)[0]:
            _mark(state, menu, feature, start, end, 0.0)


def _mark(state: AppState, menu: AnnotationMenu, feature: str, start: int, end: int, value: float) -> None:
    ed = state.edits
    ed.run(lambda: ed.session.set_frames(menu.root, menu.uid, feature, start, end, value), state.notify)


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
