"""Editing in the UI: edit-aware tree rows (struck-through deletes, badges, drag to reorder/copy/move,
context menu), the Edit menu, Save/Discard/Compact confirmations, jobs, and Ctrl+Z / Ctrl+Shift+Z."""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.edit_state import ConfirmRequest, EditorState
from leropilot_gl.dataset.journal import COPIED, DUPLICATED, MOVED, TRIMMED, EditError, WorkingEpisode
from leropilot_gl.state import AppState, OpenDataset
from leropilot_gl.ui import quit_dialog

DRAG_TYPE = "LEROPILOT_EPISODE"
CONFIRM_POPUP = "Confirm changes###edit_confirm"
BADGE_TEXT = {
    TRIMMED: (fa.ICON_FA_SCISSORS, "trimmed", imgui.ImVec4(0.95, 0.75, 0.25, 1.0)),
    DUPLICATED: (fa.ICON_FA_CLONE, "duplicated", imgui.ImVec4(0.55, 0.75, 0.95, 1.0)),
    MOVED: (fa.ICON_FA_ARROWS_UP_DOWN, "moved", imgui.ImVec4(0.75, 0.6, 0.95, 1.0)),
    COPIED: (fa.ICON_FA_COPY, "copied from another dataset", imgui.ImVec4(0.55, 0.9, 0.75, 1.0)),
}
DELETED_COLOR = imgui.ImVec4(0.6, 0.6, 0.6, 0.8)
COMPACT_QUESTION = "LeRobot's delete and split tools need the video files in order: compact now?"


def editor(state: AppState) -> EditorState:
    return state.edits


def _root(path: Path | str) -> Path:
    return Path(path).resolve()


# ---------------------------------------------------------------------------- per frame
def edit_tick_hook(state: AppState) -> None:
    """Attach opened datasets, land finished saves, and the undo/redo shortcuts."""
    ed = editor(state)
    quit_dialog.reopen_tick(state)
    for notice in ed.sync([d.index for d in state.datasets], state.executor):
        state.notify("info", notice)
    _poll_jobs(state)
    io = imgui.get_io()
    if io.want_text_input or not io.key_ctrl:
        return
    if imgui.is_key_pressed(imgui.Key.z, False):
        if io.key_shift:
            redo(state)
        else:
            undo(state)
    elif imgui.is_key_pressed(imgui.Key.y, False):
        redo(state)


def flush_journals(state: AppState) -> None:
    """Before exit: every pending edit is on disk (the writer thread would die with the process)."""
    editor(state).session.flush()


def undo(state: AppState) -> None:
    _move_history(state, "undo")


def redo(state: AppState) -> None:
    _move_history(state, "redo")


def _move_history(state: AppState, direction: str) -> None:
    ed = editor(state)
    if any(ed.busy(r) for r in ed.session.journals):
        state.notify("warning", f"a save is running; {direction} waits until it is done")
        return
    label = ed.session.undo() if direction == "undo" else ed.session.redo()
    if label:
        hello_imgui.log(hello_imgui.LogLevel.info, f"{direction}: {label}")


def _poll_jobs(state: AppState) -> None:
    ed = editor(state)
    landed: set[int] = set()
    for root, job in list(ed.jobs.items()):
        if not job.done:
            continue
        del ed.jobs[root]
        result = job.result
        if job.status != "done" or result is None or id(job) in landed:
            continue  # failures and cancels are reported by the app's job polling
        landed.add(id(job))
        for one in getattr(result, "results", [result]):
            _land(state, one)
        # A fast save (or a compact that failed) leaves the dataset flagged: say it as a warning.
        # Compact is asked in the Save confirmation, never in a second dialog after it.
        state.notify("warning" if getattr(result, "needs_compact", False) else "info", result.summary())


def _land(state: AppState, result) -> None:  # noqa: ANN001
    """A save or compact landed: a fresh journal over the new dataset, shown in the tree."""
    ed = editor(state)
    index = getattr(result, "index", None)
    if index is None:
        return
    root = _root(result.root)
    ed.session.mark_saved(root, index, getattr(result, "fingerprint", None) or None)
    selected = state.selection.dataset_root is not None and _root(state.selection.dataset_root) == root
    state.replace_index(index, select_episode=index.episodes[0].episode_index if selected else None)


# ---------------------------------------------------------------------------- tree rows
def gui_edit_rows(state: AppState, dataset: OpenDataset) -> bool:
    """The table rows of one dataset as the journal shows them. False until the journal is attached
    (the tree then draws the episodes on disk)."""
    ed = editor(state)
    root = _root(dataset.root)
    if not ed.attached(root) or ed.session.indexes.get(str(root)) is not dataset.index:
        return False
    episodes = ed.session.episodes(root)
    busy = ed.busy(root)
    clipper = imgui.ListClipper()
    clipper.begin(len(episodes))
    while clipper.step():
        for position in range(clipper.display_start, clipper.display_end):
            _episode_row(state, root, episodes[position], position, busy)
    return True


def _episode_row(state: AppState, root: Path, e: WorkingEpisode, position: int, busy: bool) -> None:
    ed = editor(state)
    with imgui_ctx.push_id(e.uid):
        imgui.table_next_row()
        imgui.table_next_column()
        selected = ed.selected_uid.get(root) == e.uid and _selection_shows(state, e)
        label = f"{e.slice.source_episode:06d}"
        if e.deleted:
            imgui.push_style_color(imgui.Col_.text, DELETED_COLOR)
        clicked, _ = imgui.selectable(label, selected, imgui.SelectableFlags_.span_all_columns)
        if e.deleted:
            imgui.pop_style_color()
            _strike_through_last_item(label)
        if clicked:
            select_working_episode(state, root, e)
        if not busy:
            _drag_source(state, root, e, label)
            _drop_target(state, root, position)
            _row_menu(state, root, e, position)
        imgui.table_next_column()
        imgui.text(str(e.length))
        if e.trimmed and imgui.is_item_hovered():
            imgui.set_tooltip(f"trimmed: frames {e.slice.start}..{e.slice.end - 1} of {e.source_length}")
        imgui.table_next_column()
        _badges(state, root, e)


def gui_row_interactions(state: AppState, root: Path, e: WorkingEpisode, position: int, label: str) -> None:
    """Drag, drop and context menu of a working row that the tree drew (position: in the working list)."""
    if not editor(state).busy(root):
        _drag_source(state, root, e, label)
        _drop_target(state, root, position)
        _row_menu(state, root, e, position)


def gui_row_badges(state: AppState, root: Path, e: WorkingEpisode) -> None:
    _badges(state, root, e)


def _selection_shows(state: AppState, e: WorkingEpisode) -> bool:
    sel = state.selection
    return (
        sel.dataset_root is not None
        and _root(sel.dataset_root) == Path(e.slice.source_root)
        and sel.episode_index == e.slice.source_episode
    )


def select_working_episode(state: AppState, root: Path, e: WorkingEpisode) -> None:
    """Show a working episode: its source episode plays, the trim handles show its kept range."""
    ed = editor(state)
    ed.selected_uid[root] = e.uid
    source = Path(e.slice.source_root)
    if state.find_dataset(source) is None:
        match = next((d for d in state.datasets if _root(d.root) == source), None)
        source = match.root if match is not None else source
    state.select_episode(source, e.slice.source_episode)
    if 0 < e.slice.start < state.time.frame_count:
        state.time.seek_frame(e.slice.start)


def _strike_through_last_item(label: str) -> None:
    rect_min, rect_max = imgui.get_item_rect_min(), imgui.get_item_rect_max()
    width = imgui.calc_text_size(label).x
    y = (rect_min.y + rect_max.y) / 2
    x0 = rect_min.x
    imgui.get_window_draw_list().add_line(
        imgui.ImVec2(x0, y), imgui.ImVec2(x0 + width, y), imgui.get_color_u32(DELETED_COLOR), 1.5
    )


def _badges(state: AppState, root: Path, e: WorkingEpisode) -> None:
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
        tasks = episode_tasks(editor(state).session, e)
    except KeyError:
        tasks = ()
    imgui.text(" | ".join(tasks))


def _drag_source(state: AppState, root: Path, e: WorkingEpisode, label: str) -> None:
    if e.deleted:
        return
    if imgui.begin_drag_drop_source():
        editor(state).drag_source = (root, e.uid)
        imgui.set_drag_drop_payload_py_id(DRAG_TYPE, 1)
        imgui.text(f"{label}: drop to reorder; on another dataset: move (Ctrl: copy)")
        imgui.end_drag_drop_source()


def _drop_target(state: AppState, root: Path, position: int) -> None:
    if not imgui.begin_drag_drop_target():
        return
    payload = imgui.accept_drag_drop_payload_py_id(DRAG_TYPE)
    if payload is not None:
        ed = editor(state)
        src = ed.drag_source
        ed.drag_source = None
        if src is not None:
            src_root, uid = src
            if src_root == root:
                ed.run(lambda: ed.session.move(root, uid, position), state.notify)
            elif ed.busy(src_root):
                state.notify("warning", f"{src_root.name} is being saved; try again when it is done")
            else:
                copy = imgui.get_io().key_ctrl
                ed.run(
                    lambda: ed.session.copy(src_root, [uid], root, position=position, move=not copy),
                    state.notify,
                )
    imgui.end_drag_drop_target()


def _row_menu(state: AppState, root: Path, e: WorkingEpisode, position: int) -> None:
    if not imgui.begin_popup_context_item("episode_menu"):
        return
    ed = editor(state)
    s = ed.session
    run = ed.run

    def act(fn) -> None:  # noqa: ANN001
        run(fn, state.notify)

    if e.deleted:
        if imgui.menu_item(f"{fa.ICON_FA_ROTATE_LEFT} Restore###restore", "", False)[0]:
            act(lambda: s.restore(root, [e.uid]))
        imgui.end_popup()
        return
    if imgui.menu_item(f"{fa.ICON_FA_TRASH} Delete###delete", "Del", False)[0]:
        act(lambda: s.delete(root, [e.uid]))
    if imgui.menu_item(f"{fa.ICON_FA_CLONE} Duplicate###duplicate", "", False)[0]:
        act(lambda: s.duplicate(root, e.uid))
    imgui.separator()
    shown = _selection_shows(state, e) and ed.selected_uid.get(root) == e.uid
    frame = state.time.frame_index if shown else None
    if imgui.menu_item("Trim start to playhead", "", False, frame is not None)[0] and frame is not None:
        act(lambda: s.trim(root, e.uid, frame, e.slice.end))
    if imgui.menu_item("Trim end after playhead", "", False, frame is not None)[0] and frame is not None:
        act(lambda: s.trim(root, e.uid, e.slice.start, frame + 1))
    if imgui.menu_item("Reset trim", "", False, e.trimmed)[0]:
        act(lambda: s.trim(root, e.uid, 0, e.source_length))
    can_carve = frame is not None and e.slice.start < frame < e.slice.end
    if imgui.menu_item("Carve at playhead (two new episodes)", "", False, can_carve)[0] and frame is not None:
        act(lambda: s.carve(root, e.uid, [(e.slice.start, frame), (frame, e.slice.end)]))
    imgui.separator()
    count = len(s.episodes(root))
    if imgui.menu_item("Move up", "", False, position > 0)[0]:
        act(lambda: s.move(root, e.uid, position - 1))
    if imgui.menu_item("Move down", "", False, position < count - 1)[0]:
        act(lambda: s.move(root, e.uid, position + 1))
    if imgui.menu_item("Move to top", "", False, position > 0)[0]:
        act(lambda: s.move(root, e.uid, 0))
    if imgui.menu_item("Swap with next", "", False, position < count - 1)[0]:
        act(lambda: s.swap(root, e.uid, s.episodes(root)[position + 1].uid))
    others = [d for d in state.datasets if _root(d.root) != root and ed.attached(d.root)]
    for verb, move in (("Copy to", False), ("Move to", True)):
        if imgui.begin_menu(verb, bool(others)):
            for other in others:
                if imgui.menu_item(other.index.name, "", False)[0]:
                    target = _root(other.root)
                    act(lambda target=target, move=move: s.copy(root, [e.uid], target, move=move))
            imgui.end_menu()
    imgui.end_popup()


# ---------------------------------------------------------------------------- dataset level
def gui_dataset_badges(state: AppState, dataset: OpenDataset) -> None:
    """After the dataset's name: a lock while a job writes it, the number of pending edits."""
    ed = editor(state)
    root = _root(dataset.root)
    if ed.busy(root):
        imgui.same_line()
        imgui.text_colored(imgui.ImVec4(0.95, 0.75, 0.25, 1.0), f"{fa.ICON_FA_LOCK} saving")
    elif ed.attached(root) and ed.session.journal(root).dirty:
        imgui.same_line()
        imgui.text_colored(
            imgui.ImVec4(0.95, 0.75, 0.25, 1.0), f"{fa.ICON_FA_PEN} {ed.session.journal(root).cursor}"
        )
        if imgui.is_item_hovered():
            imgui.set_tooltip("pending edits: nothing on disk has changed yet (Save writes them)")
    elif video_order_of(dataset.index):
        imgui.same_line()
        imgui.text_colored(imgui.ImVec4(0.95, 0.75, 0.25, 1.0), f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} compact")
        if imgui.is_item_hovered():
            imgui.set_tooltip(
                "video files hold episodes out of order (a fast save): LeRobot's delete/split tools "
                "would return wrong frames: compact it (right-click > Compact videos...)"
            )


_ORDER_CACHE: dict[Path, tuple[int, list[str]]] = {}  # root -> (id of the index checked, warnings)


def video_order_of(index) -> list[str]:  # noqa: ANN001
    """video_order_warnings of an open dataset's index, checked once per index (drawn every frame)."""
    from leropilot_gl.dataset.compact import video_order_warnings

    root = _root(index.root)
    cached = _ORDER_CACHE.get(root)
    if cached is None or cached[0] != id(index):
        cached = (id(index), video_order_warnings(index))
        _ORDER_CACHE[root] = cached
    return cached[1]


def gui_dataset_menu_items(state: AppState, dataset: OpenDataset) -> None:
    """Entries of the dataset's context menu in the tree."""
    ed = editor(state)
    root = _root(dataset.root)
    if not ed.attached(root):
        return
    busy = ed.busy(root)
    dirty = ed.session.journal(root).dirty
    imgui.separator()
    if imgui.menu_item(f"{fa.ICON_FA_FLOPPY_DISK} Save...###save", "", False, dirty and not busy)[0]:
        request_save(state, root)
    if imgui.menu_item("Discard pending edits...", "", False, dirty and not busy)[0]:
        request_discard(state, root)
    if imgui.menu_item("Compact videos...", "", False, not dirty and not busy)[0]:
        request_compact(state, root)
    others = [d for d in state.datasets if _root(d.root) != root and ed.attached(d.root)]
    if imgui.begin_menu("Merge into this", bool(others) and not busy):
        for other in others:
            if imgui.menu_item(other.index.name, "", False)[0]:
                ed.run(lambda other=other: ed.session.merge(root, [_root(other.root)]), state.notify)
        imgui.end_menu()
    if imgui.menu_item("New empty dataset with this schema", "", False, not busy)[0]:
        target = _free_path(root.parent / f"{root.name}_new")
        if ed.run(lambda: ed.session.create_empty(target, root), state.notify):
            state.notify(
                "info",
                f"{target.name}: a new dataset, written on Save; drag episodes onto it "
                "in the Pending edits panel",
            )
    if imgui.begin_menu("Split", not busy):
        _, ed.split_fraction = imgui.slider_float("train fraction", ed.split_fraction, 0.05, 0.95, "%.2f")
        if imgui.menu_item("Split into train / val", "", False)[0]:
            out = _free_path(root.parent / f"{root.name}_split")
            fractions = {"train": ed.split_fraction, "val": 1.0 - ed.split_fraction}
            if ed.run(lambda: ed.session.split(root, fractions, out), state.notify):
                state.notify("info", f"split into {out}/train and {out}/val, written on Save")
        imgui.end_menu()


def _free_path(base: Path) -> Path:
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}{n}")
    return path


# ---------------------------------------------------------------------------- confirmations and jobs
def request_save(state: AppState, root: Path) -> None:
    from leropilot_gl.dataset.save import plan_save

    ed = editor(state)
    try:
        plan = plan_save(ed.session, root)
        fast_plan = plan_save(ed.session, root, fast=True) if plan.needs_compact else None
    except EditError as exc:
        state.notify("warning", str(exc))
        return
    title = f"Save {root.name}?"

    def described(p) -> list[str]:  # noqa: ANN001
        lines = list(p.lines)
        if p.converts_from:
            lines.append(f"the dataset is LeRobot {p.converts_from}: it will be written as v3.0")
        return lines

    ed.confirm = ConfirmRequest(
        title, described(plan), "save", root, described(fast_plan) if fast_plan is not None else None
    )


def request_save_all(state: AppState) -> None:
    from leropilot_gl.dataset.save import plan_save

    ed = editor(state)
    lines: list[str] = []
    fast_lines: list[str] = []
    needs_compact = False
    try:
        for root in ed.session.save_order():
            plan = plan_save(ed.session, root, check_order=False)
            needs_compact |= plan.needs_compact
            lines += [f"{root}:", *(f"    {line}" for line in plan.lines)]
            fast = plan_save(ed.session, root, check_order=False, fast=True) if plan.needs_compact else plan
            fast_lines += [f"{root}:", *(f"    {line}" for line in fast.lines)]
    except EditError as exc:
        state.notify("warning", str(exc))
        return
    if lines:
        ed.confirm = ConfirmRequest(
            "Save every dataset with pending edits?",
            lines,
            "save_all",
            None,
            fast_lines if needs_compact else None,
        )


def request_discard(state: AppState, root: Path) -> None:
    ed = editor(state)
    changes = [c.label for c in ed.session.changes(root) if c.applied]
    lines = [f"forget {len(changes)} pending edit(s) of {root.name} (nothing on disk changes):", *changes]
    ed.confirm = ConfirmRequest(f"Discard edits of {root.name}?", lines, "discard", root)


def request_restore(state: AppState, root: Path) -> None:
    """Bring the dataset back to the version before its last save (itself undoable)."""
    from leropilot_gl.dataset.backup import backups_dir, list_backups

    ed = editor(state)
    if ed.attached(root) and ed.session.journal(root).dirty:
        state.notify("warning", f"{root.name} has pending edits; save or discard them before restoring")
        return
    backups = list_backups(root)  # a listing of a few folders in the app's own folder
    if not backups:
        state.notify("info", f"{root.name} has no earlier version kept")
        return
    newest = backups[0]
    lines = [
        f"bring {root.name} back to the version before {newest.kind} {newest.id}:",
        f"    {newest.summary}",
        "only the files a save owns change (data parquet, meta/ files of the format, rewritten mp4s);",
        "the version replaced is kept too, so this restore can be taken back the same way",
        f"versions kept ({len(backups)}) live in {backups_dir(root)}",
    ]
    ed.confirm = ConfirmRequest(f"Restore {root.name}?", lines, "restore", root)


def _start_restore(state: AppState, root: Path) -> None:
    from leropilot_gl.dataset.backup import restore
    from leropilot_gl.dataset.journal import open_for_edit, read_fingerprint

    ed = editor(state)

    def work(ctx):  # noqa: ANN001, ANN202
        ctx.progress(0.1, "restoring")
        chosen = restore(root)
        index = open_for_edit(root)  # fingerprinted before the read
        return Restored(root, chosen.id, index, read_fingerprint(index) or "")

    job = state.jobs.start(f"restore:{root}", f"Restoring {root.name}", work)
    if job is not None:
        ed.jobs[root] = job


class Restored:
    """A restore that landed, as the job's result."""

    needs_compact = False

    def __init__(self, root: Path, backup_id: str, index, fingerprint: str) -> None:  # noqa: ANN001
        self.root, self.backup_id, self.index, self.fingerprint = root, backup_id, index, fingerprint

    def summary(self) -> str:
        return f"restored {self.root.name} to the version before {self.backup_id}"


def request_compact(state: AppState, root: Path) -> None:
    lines = [
        f"rewrite the mp4 files of {root.name} so each holds its episodes in order, without overlap,",
        "dropping video no episode uses; episodes that start on a keyframe are remuxed (no quality loss),",
        "the others are re-encoded",
        "the new files replace the old ones when they are checked (the old ones are kept as a backup:",
        "File > Restore previous version brings them back)",
    ]
    editor(state).confirm = ConfirmRequest(f"Compact {root.name}?", lines, "compact", root)


def _start_save(state: AppState, root: Path, *, fast: bool = False) -> None:
    _start_saves(state, [root], fast=fast)


def _start_saves(state: AppState, roots: list[Path], *, fast: bool = False) -> None:
    """One job writes the datasets as one transaction, from plans frozen here on the UI thread: the
    job never reads the live session (a dataset opened meanwhile cannot leak in). Video files left
    out of order are put in order in the same job unless fast."""
    from leropilot_gl.dataset.save import plan_save, write_plans

    ed = editor(state)
    try:
        plans = [plan_save(ed.session, r, check_order=len(roots) < 2, fast=fast) for r in roots]
    except EditError as exc:
        state.notify("warning", str(exc))
        return
    journal_dir = ed.session.journal_dir
    ed.session.flush()

    def work(ctx):  # noqa: ANN001, ANN202
        results = write_plans(
            plans, journal_dir, progress=lambda f, t: ctx.progress(f, t), cancelled=lambda: ctx.cancelled
        )
        return results[0] if len(results) == 1 else SavedMany(results)

    names = ", ".join(r.name for r in roots)
    job = state.jobs.start(f"save:{roots[0]}", f"Saving {names}", work)
    if job is None:
        state.notify("warning", f"{names} is already being saved")
        return
    for r in roots:
        ed.jobs[r] = job


class SavedMany:
    """The results of one Save all (one transaction), as the job's result."""

    def __init__(self, results: list) -> None:  # noqa: ANN001
        self.results = results
        self.needs_compact = any(r.needs_compact for r in results)

    def summary(self) -> str:
        return "; ".join(r.summary() for r in self.results)


def _start_compact(state: AppState, root: Path) -> None:
    from leropilot_gl.dataset.compact import compact

    ed = editor(state)
    session = ed.session

    def work(ctx):  # noqa: ANN001, ANN202
        return compact(session, root, progress=lambda f, t: ctx.progress(f, t), finish=False)

    job = state.jobs.start(f"compact:{root}", f"Compacting {root.name}", work)
    if job is not None:
        ed.jobs[root] = job


def start_save_all(state: AppState, *, fast: bool = False) -> None:
    """Every dataset with pending edits in one job and one transaction (a move lands whole)."""
    order = editor(state).session.save_order()
    if order:
        _start_saves(state, order, fast=fast)


def gui_confirm_dialog(state: AppState) -> None:
    """The Save/Discard/Compact confirmation, listing what will change on disk."""
    ed = editor(state)
    queued = ed.queued_saves
    if queued and not ed.jobs:
        nxt = queued.pop(0)
        if ed.attached(nxt) and ed.session.journal(nxt).dirty:
            _start_save(state, nxt)
    if ed.confirm is not None and not imgui.is_popup_open(CONFIRM_POPUP):
        imgui.open_popup(CONFIRM_POPUP)
    opened, _ = imgui.begin_popup_modal(CONFIRM_POPUP, None, imgui.WindowFlags_.always_auto_resize)
    if not opened:
        return
    request = ed.confirm
    if request is None:
        imgui.close_current_popup()
        imgui.end_popup()
        return
    imgui.text(request.title)
    imgui.separator()
    shown = request.shown_lines
    with imgui_ctx.begin_child("changes", hello_imgui.em_to_vec2(46, min(18, 1.5 + 1.3 * len(shown)))):
        for line in shown:
            imgui.text_wrapped(line)
    if request.offers_compact:
        _gui_compact_choice(request)
    ok_label = {
        "save": "Save",
        "save_all": "Save all",
        "discard": "Discard",
        "compact": "Compact",
        "restore": "Restore",
    }[request.action]
    if imgui.button(f"{ok_label}###confirm_ok"):
        ed.confirm = None
        imgui.close_current_popup()
        if request.action == "save" and request.root is not None:
            _start_save(state, request.root, fast=request.fast)
        elif request.action == "save_all":
            start_save_all(state, fast=request.fast)
        elif request.action == "discard" and request.root is not None:
            ed.run(lambda: ed.session.discard(request.root), state.notify)
        elif request.action == "compact" and request.root is not None:
            _start_compact(state, request.root)
        elif request.action == "restore" and request.root is not None:
            _start_restore(state, request.root)
    imgui.same_line()
    if imgui.button("Cancel###confirm_cancel") or imgui.is_key_pressed(imgui.Key.escape):
        ed.confirm = None
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_compact_choice(request: ConfirmRequest) -> None:
    """Only when the result would need it: compacting is part of the save unless the user opts out."""
    imgui.separator()
    imgui.text_wrapped(COMPACT_QUESTION)
    compact_now = not request.fast
    changed, compact_now = imgui.checkbox("Compact now (recommended)###compact_now", compact_now)
    if changed:
        request.fast = not compact_now
    if request.fast:
        imgui.text_colored(
            imgui.ImVec4(0.95, 0.75, 0.25, 1.0),
            "Fast save: the dataset is flagged until compacted (right-click it in the tree > Compact videos...)",
        )
    else:
        imgui.text_disabled("Episodes that start on a keyframe are copied; only cut ones are re-encoded")
    imgui.separator()


def edit_menu_hook(state: AppState) -> None:
    """The Edit menu; also hosts the confirmation modal (the menu bar is drawn every frame)."""
    ed = editor(state)
    if imgui.begin_menu("Edit"):
        if imgui.menu_item(f"{fa.ICON_FA_ROTATE_LEFT} Undo", "Ctrl+Z", False, ed.session.can_undo)[0]:
            undo(state)
        if imgui.menu_item(f"{fa.ICON_FA_ROTATE_RIGHT} Redo", "Ctrl+Shift+Z", False, ed.session.can_redo)[0]:
            redo(state)
        imgui.separator()
        dirty = bool(ed.session.dirty_roots())
        if imgui.menu_item(f"{fa.ICON_FA_FLOPPY_DISK} Save all...", "", False, dirty and not ed.jobs)[0]:
            request_save_all(state)
        imgui.end_menu()
    gui_confirm_dialog(state)
    quit_dialog.gui_quit_dialog(state)
