"""The editing widgets outside the panels: the Edit menu, Ctrl+Z / Ctrl+Shift+Z, and what the tree
draws around its working rows (drag and drop, the episode and dataset context menus, badges).

Drawing only: every click calls ui/edit_actions.py, which says what the action does.
"""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import icons_fontawesome_6 as fa, imgui

from leropilot_gl.dataset.journal import COPIED, DUPLICATED, MOVED, TRIMMED, WorkingEpisode
from leropilot_gl.state import AppState, OpenDataset
from leropilot_gl.ui import edit_actions as act

DRAG_TYPE = "LEROPILOT_EPISODE"
BADGE_TEXT = {
    TRIMMED: (fa.ICON_FA_SCISSORS, "trimmed", imgui.ImVec4(0.95, 0.75, 0.25, 1.0)),
    DUPLICATED: (fa.ICON_FA_CLONE, "duplicated", imgui.ImVec4(0.55, 0.75, 0.95, 1.0)),
    MOVED: (fa.ICON_FA_ARROWS_UP_DOWN, "moved", imgui.ImVec4(0.75, 0.6, 0.95, 1.0)),
    COPIED: (fa.ICON_FA_COPY, "copied from another dataset", imgui.ImVec4(0.55, 0.9, 0.75, 1.0)),
}
DELETED_COLOR = imgui.ImVec4(0.6, 0.6, 0.6, 0.8)
WARN_COLOR = imgui.ImVec4(0.95, 0.75, 0.25, 1.0)


# ---------------------------------------------------------------------------- menu bar and keys
def gui_edit_menu(state: AppState) -> None:
    """The Edit menu: undo, redo, Save all."""
    if not imgui.begin_menu("Edit"):
        return
    ed = state.edits
    if imgui.menu_item(f"{fa.ICON_FA_ROTATE_LEFT} Undo", "Ctrl+Z", False, ed.session.can_undo)[0]:
        act.undo(state)
    if imgui.menu_item(f"{fa.ICON_FA_ROTATE_RIGHT} Redo", "Ctrl+Shift+Z", False, ed.session.can_redo)[0]:
        act.redo(state)
    imgui.separator()
    dirty = bool(ed.session.dirty_roots())
    if imgui.menu_item(f"{fa.ICON_FA_FLOPPY_DISK} Save all...", "", False, dirty and not ed.jobs)[0]:
        act.request_save_all(state)
    imgui.end_menu()


def handle_edit_shortcuts(state: AppState) -> None:
    """Ctrl+Z undo, Ctrl+Shift+Z and Ctrl+Y redo, unless a text field has the keys."""
    io = imgui.get_io()
    if io.want_text_input or not io.key_ctrl:
        return
    if imgui.is_key_pressed(imgui.Key.z, False):
        if io.key_shift:
            act.redo(state)
        else:
            act.undo(state)
    elif imgui.is_key_pressed(imgui.Key.y, False):
        act.redo(state)


# ---------------------------------------------------------------------------- tree rows
def gui_row_interactions(state: AppState, root: Path, e: WorkingEpisode, position: int, label: str) -> None:
    """Drag, drop and context menu of a working row that the tree drew (position: in the working list)."""
    if not state.edits.busy(root):
        _drag_source(state, root, e, label)
        _drop_target(state, root, position)
        _row_menu(state, root, e, position)


def gui_row_badges(state: AppState, root: Path, e: WorkingEpisode) -> None:
    """The task column of a working row: what the pending edits did to it, then its tasks."""
    if e.deleted:
        imgui.text_colored(DELETED_COLOR, f"{fa.ICON_FA_TRASH} deleted (restore from the menu)")
        return
    for badge in (TRIMMED, DUPLICATED, MOVED, COPIED):
        if badge in e.badges:
            icon, tip, color = BADGE_TEXT[badge]
            imgui.text_colored(color, icon)
            if imgui.is_item_hovered():
                imgui.set_tooltip(tip)
            imgui.same_line()
    if e.slice.source_root != str(root):
        imgui.text_disabled(f"from {Path(e.slice.source_root).name}")
        imgui.same_line()
    from leropilot_gl.dataset.tasks import episode_tasks

    try:  # after the pending task edits, as Save writes them
        tasks = episode_tasks(state.edits.session, e)
    except KeyError:
        tasks = ()
    imgui.text(" | ".join(tasks))


def _drag_source(state: AppState, root: Path, e: WorkingEpisode, label: str) -> None:
    if e.deleted:
        return
    if imgui.begin_drag_drop_source():
        act.start_drag(state, root, e)
        imgui.set_drag_drop_payload_py_id(DRAG_TYPE, 1)
        imgui.text(f"{label}: drop to reorder; on another dataset: move (Ctrl: copy)")
        imgui.end_drag_drop_source()


def _drop_target(state: AppState, root: Path, position: int | None) -> None:
    if not imgui.begin_drag_drop_target():
        return
    if imgui.accept_drag_drop_payload_py_id(DRAG_TYPE) is not None:
        act.drop_dragged(state, root, position, copy=imgui.get_io().key_ctrl)
    imgui.end_drag_drop_target()


def gui_drop_on_new_dataset(state: AppState, root: Path) -> None:
    """A new dataset is not in the tree yet: episodes are dropped on its header in Pending edits."""
    _drop_target(state, root, None)


def _row_menu(state: AppState, root: Path, e: WorkingEpisode, position: int) -> None:
    if not imgui.begin_popup_context_item("episode_menu"):
        return
    s = state.edits.session
    if e.deleted:
        if imgui.menu_item(f"{fa.ICON_FA_ROTATE_LEFT} Restore###restore", "", False)[0]:
            act.edit(state, lambda: s.restore(root, [e.uid]))
        imgui.end_popup()
        return
    if imgui.menu_item(f"{fa.ICON_FA_TRASH} Delete###delete", "Del", False)[0]:
        act.edit(state, lambda: s.delete(root, [e.uid]))
    if imgui.menu_item(f"{fa.ICON_FA_CLONE} Duplicate###duplicate", "", False)[0]:
        act.edit(state, lambda: s.duplicate(root, e.uid))
    imgui.separator()
    frame = act.playhead_frame(state, root, e)
    if imgui.menu_item("Trim start to playhead", "", False, frame is not None)[0] and frame is not None:
        act.trim_at_playhead(state, root, e, frame, side="start")
    if imgui.menu_item("Trim end after playhead", "", False, frame is not None)[0] and frame is not None:
        act.trim_at_playhead(state, root, e, frame, side="end")
    if imgui.menu_item("Reset trim", "", False, e.trimmed)[0]:
        act.edit(state, lambda: s.trim(root, e.uid, 0, e.source_length))
    can_carve = frame is not None and e.slice.start < frame < e.slice.end
    if imgui.menu_item("Carve at playhead (two new episodes)", "", False, can_carve)[0] and frame is not None:
        act.carve_at_playhead(state, root, e, frame)
    imgui.separator()
    count = len(s.episodes(root))
    if imgui.menu_item("Move up", "", False, position > 0)[0]:
        act.edit(state, lambda: s.move(root, e.uid, position - 1))
    if imgui.menu_item("Move down", "", False, position < count - 1)[0]:
        act.edit(state, lambda: s.move(root, e.uid, position + 1))
    if imgui.menu_item("Move to top", "", False, position > 0)[0]:
        act.edit(state, lambda: s.move(root, e.uid, 0))
    if imgui.menu_item("Swap with next", "", False, position < count - 1)[0]:
        act.edit(state, lambda: s.swap(root, e.uid, s.episodes(root)[position + 1].uid))
    others = act.copy_targets(state, root)
    for verb, move in (("Copy to", False), ("Move to", True)):
        if imgui.begin_menu(verb, bool(others)):
            for other in others:
                if imgui.menu_item(other.index.name, "", False)[0]:
                    act.copy_to(state, root, e, other.root, move=move)
            imgui.end_menu()
    imgui.end_popup()


# ---------------------------------------------------------------------------- dataset level
def gui_dataset_badges(state: AppState, dataset: OpenDataset) -> None:
    """After the dataset's name: a lock while a job writes it, the number of pending edits."""
    ed = state.edits
    root = dataset.resolved_root
    if ed.busy(root):
        imgui.same_line()
        imgui.text_colored(WARN_COLOR, f"{fa.ICON_FA_LOCK} saving")
    elif ed.attached(root) and ed.session.journal(root).dirty:
        imgui.same_line()
        imgui.text_colored(WARN_COLOR, f"{fa.ICON_FA_PEN} {ed.session.journal(root).cursor}")
        if imgui.is_item_hovered():
            imgui.set_tooltip("pending edits: nothing on disk has changed yet (Save writes them)")
    elif act.video_order_of(dataset.index, state):
        imgui.same_line()
        imgui.text_colored(WARN_COLOR, f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} compact")
        if imgui.is_item_hovered():
            imgui.set_tooltip(
                "video files hold episodes out of order (a fast save): LeRobot's delete/split tools "
                "would return wrong frames: compact it (right-click > Compact videos...)"
            )


def gui_dataset_menu_items(state: AppState, dataset: OpenDataset) -> None:
    """Entries of the dataset's context menu in the tree."""
    ed = state.edits
    root = dataset.resolved_root
    if not ed.attached(root):
        return
    busy = ed.busy(root)
    dirty = ed.session.journal(root).dirty
    imgui.separator()
    if imgui.menu_item(f"{fa.ICON_FA_FLOPPY_DISK} Save...###save", "", False, dirty and not busy)[0]:
        act.request_save(state, root)
    if imgui.menu_item("Discard pending edits...", "", False, dirty and not busy)[0]:
        act.request_discard(state, root)
    if imgui.menu_item("Compact videos...", "", False, not dirty and not busy)[0]:
        act.request_compact(state, root)
    others = act.copy_targets(state, root)
    if imgui.begin_menu("Merge into this", bool(others) and not busy):
        for other in others:
            if imgui.menu_item(other.index.name, "", False)[0]:
                act.merge_into(state, root, other.root)
        imgui.end_menu()
    if imgui.menu_item("New empty dataset with this schema", "", False, not busy)[0]:
        act.new_empty_dataset(state, root)
    if imgui.begin_menu("Split", not busy):
        _, ed.split_fraction = imgui.slider_float("train fraction", ed.split_fraction, 0.05, 0.95, "%.2f")
        if imgui.menu_item("Split into train / val", "", False)[0]:
            act.split_dataset(state, root)
        imgui.end_menu()
