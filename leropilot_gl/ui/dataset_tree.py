"""The dataset tree: open datasets > episodes, with length, problems and task.

Only the visible rows are drawn (list clipper), so 100,000 episodes cost what 30 do. The rows are
filtered and sorted as numpy columns (dataset/episode_rows.py), again only when the filter, the sort
or the pending edits change. Click shows an episode, Ctrl-click marks one more, Shift-click marks a
range, Del deletes the marked episodes (a pending edit, undoable).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.episode_rows import EpisodeFilter, RowColumns, rows_on_disk, rows_working
from leropilot_gl.dataset.journal import Journal
from leropilot_gl.dataset.watch import NEW
from leropilot_gl.lazy import lazy_module
from leropilot_gl.quality.doctor_state import episode_flag, worst_severity
from leropilot_gl.state import AppState, OpenDataset, TreeView
from leropilot_gl.ui import edit_actions
from leropilot_gl.ui.doctor_panel import SEVERITY_COLOURS
from leropilot_gl.ui.problem_badge import problem_badge
from leropilot_gl.ui.task_list import episode_visible
from leropilot_gl.ui.watch_status import NEW_COLOR, RECORDING_COLOR, episode_marks, mark_label

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")

TABLE_FLAGS = (
    imgui.TableFlags_.row_bg
    | imgui.TableFlags_.borders_inner_v
    | imgui.TableFlags_.resizable
    | imgui.TableFlags_.sizing_stretch_prop
    | imgui.TableFlags_.sortable
    | imgui.TableFlags_.no_saved_settings  # saved widths drew the table shifted after a reopen
)
# Table columns and the row key each sorts by.
COLUMNS = (
    ("Episode", "order"),
    ("Frames", "length"),
    ("##problems", "problems"),
    ("##doctor", "doctor"),
    ("Task", "task"),
)
COLUMN_EMS = (4.2, 3.2, 1.2, 1.2, 0)  # fixed widths; the task column takes the rest
FLAG_COLOUR = imgui.ImVec4(0.85, 0.6, 1.0, 1.0)
DELETED_COLOR = imgui.ImVec4(0.6, 0.6, 0.6, 0.8)


def gui_dataset_tree(state: AppState) -> None:
    if not state.datasets and not state.opening:
        imgui.text_wrapped("No dataset open. File > Open folder (Ctrl+O), or drop a dataset folder here.")
    for path in state.opening:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} opening {path} ...")
    for dataset in list(state.datasets):
        with imgui_ctx.push_id(str(dataset.root)):
            _dataset_node(state, dataset)
    _list_keys(state)


def _journal(state: AppState, dataset: OpenDataset) -> Journal | None:
    """The dataset's journal when its pending edits are what the tree shows."""
    ed = state.edits
    root = dataset.resolved_root
    if not ed.attached(root) or ed.session.indexes.get(str(root)) is not dataset.index:
        return None
    return ed.session.journal(root)


def _dataset_node(state: AppState, dataset: OpenDataset) -> None:
    index = dataset.index
    journal = _journal(state, dataset)
    view = state.tree_views.setdefault(dataset.root, TreeView())
    rows = _refresh_rows(view, dataset, journal, state)
    selected_here = state.selection.dataset_root == dataset.root
    flags = imgui.TreeNodeFlags_.default_open if selected_here else 0
    opened = imgui.tree_node_ex(f"{fa.ICON_FA_DATABASE} {index.name}###dataset", flags)
    if imgui.begin_popup_context_item("dataset_menu"):
        if imgui.menu_item("Reload from disk", "", False)[0]:
            root = dataset.root
            state.close_dataset(root)
            state.open_dataset_async(root)
        if imgui.menu_item("Close", "", False)[0]:
            state.close_dataset(dataset.root)
        edit_actions.gui_dataset_menu_items(state, dataset)
        imgui.end_popup()
    if imgui.is_item_hovered():
        imgui.set_tooltip(
            f"{index.root}\n{index.version}, {index.fps:g} fps, robot {index.robot_type or 'unknown'}"
        )
    imgui.same_line()
    imgui.text_disabled(f"{index.version}  {_episode_count(index, rows, view.kept)}")
    edit_actions.gui_dataset_badges(state, dataset)
    dataset_level = [p for p in index.problems if p.episode_index is None]
    if dataset_level:
        imgui.same_line()
        problem_badge(dataset_level)
    if not opened:
        return
    _filter_bar(view, rows)
    order = view.order if view.order is not None else np.arange(0)
    # The table fills what is left of the window and scrolls itself: its header stays in view.
    # A table as tall as its rows, at most what is left of the window; with other datasets below,
    # at most 60% of it, so their nodes stay on screen.
    avail_y = imgui.get_content_region_avail().y
    natural_y = (len(order) + 1.5) * imgui.get_frame_height_with_spacing()
    last = state.datasets and state.datasets[-1] is dataset
    height = min(
        natural_y, avail_y if last else max(avail_y * 0.6, 8 * imgui.get_frame_height_with_spacing())
    )
    outer = imgui.ImVec2(0, max(height, 3 * imgui.get_frame_height_with_spacing()))
    if imgui.begin_table("episodes", len(COLUMNS), TABLE_FLAGS | imgui.TableFlags_.scroll_y, outer):
        imgui.table_setup_scroll_freeze(0, 1)
        em = imgui.get_font_size()
        for i, (name, _) in enumerate(COLUMNS):
            # Fixed columns fit their contents and have no resize border: a border under a row's
            # middle took the hover a click on that row aimed at.
            col_flags = imgui.TableColumnFlags_.width_fixed | imgui.TableColumnFlags_.no_resize
            width = COLUMN_EMS[i] * em
            if i == len(COLUMNS) - 1:
                col_flags = imgui.TableColumnFlags_.width_stretch
            imgui.table_setup_column(name, col_flags, width)
        imgui.table_headers_row()
        _read_sort(view)
        _draw_rows(state, dataset, view, rows, order, _doctor_shown(state, dataset.resolved_root))
        imgui.end_table()
    imgui.tree_pop()


def _episode_count(index, rows: RowColumns, view_kept: int) -> str:
    """The header's count: what Save would write, and what is on disk when that differs."""
    on_disk = len(index.episodes)
    if rows.working is None:
        return f"{on_disk} ep"
    kept = view_kept
    return f"{kept} ep" if kept == on_disk else f"{kept} ep (on disk {on_disk})"


def _refresh_rows(
    view: TreeView, dataset: OpenDataset, journal: Journal | None, state: AppState | None = None
) -> RowColumns:
    """Rebuild the row columns and their order only when something they depend on changed: the
    pending edits (the journal's version), the filter, the sort, the doctor's report, the task filter."""
    index = dataset.index
    if journal is None:
        source_key: tuple = ("disk", id(index), len(index.problems))
    else:
        source_key = ("journal", id(index), len(index.problems), id(journal), journal.version)
    if view.rows is None or view.cache_key[:1] != (source_key,):
        view.rows = rows_on_disk(index) if journal is None else rows_working(index, journal.working())
        view.cache_key = (source_key,)
        view.order = None
        if view.rows.working is not None:
            kept = np.fromiter((not e.deleted for e in view.rows.working), dtype=bool, count=len(view.rows))
            view.future, view.kept = np.cumsum(kept) - 1, int(kept.sum())
    root = dataset.resolved_root
    report = _doctor_report(state, root)
    task_filter = _task_filter(state, root)
    key = (source_key, view.filter, view.sort_key, view.ascending, id(report), task_filter)
    if view.order is None or view.cache_key != key:
        rows = view.rows
        doctor = _doctor_column(state, root, rows, report) if view.sort_key == "doctor" else None
        visible = _task_mask(state, root, rows, task_filter) if task_filter is not None else None
        view.order = rows.order(
            view.filter, view.sort_key, ascending=view.ascending, visible=visible, doctor=doctor
        )
        view.cache_key = key
    return view.rows


def _doctor_report(state: AppState | None, root: Path) -> object | None:
    doctor = getattr(state, "doctor", None)
    return doctor.report_for(root) if doctor is not None else None


def _doctor_column(state: AppState | None, root: Path, rows: RowColumns, report: object | None) -> np.ndarray:
    """Per row the worst severity of the doctor's findings (-1: none): only the episodes it named."""
    out = np.full(len(rows), -1, dtype=np.int64)
    if report is None or state is None:
        return out
    own = rows.source_pos >= 0
    for episode_index in getattr(report, "by_episode", {}):
        severity = worst_severity(state, root, int(episode_index))
        if severity is not None:
            out[own & (rows.episode_index == int(episode_index))] = int(severity)
    return out


def _task_filter(state: AppState | None, root: Path) -> str | None:
    """The task the Tasks tab shows only, when it filters this dataset."""
    task_list = getattr(getattr(state, "watch", None), "task_list", None)
    active = getattr(task_list, "filter", None)
    if active is None or Path(active[0]) != Path(root).resolve():
        return None
    return str(active[1])


def _task_mask(state: AppState, root: Path, rows: RowColumns, task: str) -> np.ndarray:
    """Rows whose tasks (after pending task edits) include `task`; once per filter and version.
    Episodes without task edits are matched on the index's task column, the rest one by one."""
    tasks = rows.index.table.tasks
    on_disk = np.zeros(len(rows.index.table), dtype=bool)
    flat = pc.list_flatten(tasks)
    if len(flat):
        equal = pc.fill_null(pc.equal(flat, pa.scalar(task, flat.type)), False)
        parents = np.asarray(pc.list_parent_indices(tasks).to_numpy(zero_copy_only=False))
        on_disk[parents[np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)]] = True
    own = rows.source_pos >= 0
    hit = np.zeros(len(rows), dtype=bool)
    hit[own] = on_disk[rows.source_pos[own]]
    if rows.working is not None:
        for i, e in enumerate(rows.working):
            if e.task is not None or e.task_renames or not own[i]:
                hit[i] = episode_visible(state, root, e)
    return hit


def _filter_bar(view: TreeView, rows: RowColumns) -> None:
    flt = view.filter
    em = imgui.get_font_size()
    # Fit the window's width: a wider line would widen the table below it past the window's edge.
    imgui.set_next_item_width(max(6 * em, imgui.get_content_region_avail().x - 10.5 * em))
    changed, text = imgui.input_text_with_hint("##filter", "filter: index or task", flt.text)
    imgui.same_line()
    imgui.set_next_item_width(2.6 * em)
    changed_min, min_length = imgui.input_int("##min_frames", flt.min_length, 0, 0)
    if imgui.is_item_hovered():
        imgui.set_tooltip("at least this many frames (0: any)")
    imgui.same_line()
    imgui.text_disabled("-")
    imgui.same_line()
    imgui.set_next_item_width(2.6 * em)
    changed_max, max_length = imgui.input_int("##max_frames", flt.max_length, 0, 0)
    if imgui.is_item_hovered():
        imgui.set_tooltip("at most this many frames (0: any)")
    imgui.same_line()
    changed_problems, problems_only = imgui.checkbox(
        f"{fa.ICON_FA_TRIANGLE_EXCLAMATION}###problems_only", flt.problems_only
    )
    if imgui.is_item_hovered():
        imgui.set_tooltip("only episodes with problems")
    if changed or changed_min or changed_max or changed_problems:
        view.filter = EpisodeFilter(text, max(0, min_length), max(0, max_length), problems_only)
    if view.filter.active and view.order is not None:
        imgui.text_disabled(f"{len(view.order)} of {len(rows)} episodes match")


def _read_sort(view: TreeView) -> None:
    specs = imgui.table_get_sort_specs()
    if specs is None or not specs.specs_dirty:
        return
    if specs.specs_count > 0:
        spec = specs.get_specs(0)
        view.sort_key = COLUMNS[spec.column_index][1]
        view.ascending = spec.sort_direction != imgui.SortDirection.descending
    else:
        view.sort_key, view.ascending = "order", True
    specs.specs_dirty = False


def _draw_rows(
    state: AppState,
    dataset: OpenDataset,
    view: TreeView,
    rows: RowColumns,
    order: np.ndarray,
    doctor: tuple[bool, bool] = (False, False),
) -> None:
    sel = state.selection
    here = sel.dataset_root == dataset.root
    scroll_to = None
    if here and sel.uid is not None and view.scrolled_to != (sel.uid, view.cache_key):
        scroll_to = view.position_of(sel.uid)  # the shown episode changed (click, PageUp/PageDown)
        view.scrolled_to = (sel.uid, view.cache_key)
    future = view.future
    clipper = imgui.ListClipper()
    clipper.begin(len(order))
    if scroll_to is not None:
        clipper.include_item_by_index(scroll_to)
    while clipper.step():
        for position in range(clipper.display_start, clipper.display_end):
            row = int(order[position])
            uid = rows.uid(row)
            with imgui_ctx.push_id(uid):
                imgui.table_next_row()
                imgui.table_next_column()
                marked = here and uid in sel.marked
                if rows.working is None:
                    _disk_row(state, dataset, view, rows, row, marked, doctor)
                else:
                    _working_row(state, dataset, view, rows, row, marked, future, doctor)
                if position == scroll_to and not imgui.is_item_visible():
                    imgui.set_scroll_here_y()  # only when the shown row is out of view


def _select_clicked(
    state: AppState, dataset: OpenDataset, view: TreeView, rows: RowColumns, row: int
) -> None:
    io = imgui.get_io()
    sel = state.selection
    uid = rows.uid(row)
    root = dataset.root
    if io.key_shift and sel.dataset_root == root and sel.anchor is not None:
        start, end = view.position_of(sel.anchor), view.position_of(uid)
        anchor = sel.anchor
        state.select_row(root, rows, row, keep_marks=True)
        if start is not None and end is not None and view.order is not None:
            lo, hi = min(start, end), max(start, end)
            state.selection.marked = {rows.uid(int(r)) for r in view.order[lo : hi + 1]}
        state.selection.anchor = anchor
    elif io.key_ctrl and sel.dataset_root == root:
        was_marked = uid in sel.marked
        state.select_row(root, rows, row, keep_marks=True)
        if was_marked and len(state.selection.marked) > 1:
            state.selection.marked.discard(uid)
        else:
            state.selection.marked.add(uid)
        state.selection.anchor = uid
    else:
        state.select_row(root, rows, row)


def _disk_row(
    state: AppState,
    dataset: OpenDataset,
    view: TreeView,
    rows: RowColumns,
    row: int,
    marked: bool,
    doctor: tuple[bool, bool] = (False, False),
) -> None:
    episode = dataset.index.episodes[row]
    clicked, _ = imgui.selectable(
        f"{episode.episode_index:06d}", marked, imgui.SelectableFlags_.span_all_columns
    )
    if clicked:
        _select_clicked(state, dataset, view, rows, row)
    imgui.table_next_column()
    imgui.text(str(episode.length))
    imgui.table_next_column()
    if rows.problem_count[row]:
        problem_badge(episode.problems)
    imgui.table_next_column()
    if any(doctor):
        _doctor_cell(state, dataset.resolved_root, episode.episode_index, doctor)
    imgui.table_next_column()
    _watch_mark(state, dataset.resolved_root, episode.episode_index)
    imgui.text(" | ".join(episode.tasks) if episode.tasks else "")


def _working_row(
    state: AppState,
    dataset: OpenDataset,
    view: TreeView,
    rows: RowColumns,
    row: int,
    marked: bool,
    future: np.ndarray | None,
    doctor: tuple[bool, bool] = (False, False),
) -> None:
    e = rows.working[row]
    root = dataset.resolved_root
    own = e.slice.source_root == str(root) and e.uid == f"e{e.slice.source_episode}"
    # A duplicate or a copy is a new episode: it shows the number Save gives it, never its source's.
    label = f"{e.slice.source_episode:06d}" if own or e.deleted else f"+{int(future[row]):06d}"
    if e.deleted:
        imgui.push_style_color(imgui.Col_.text, DELETED_COLOR)
    clicked, _ = imgui.selectable(label, marked, imgui.SelectableFlags_.span_all_columns)
    if e.deleted:
        imgui.pop_style_color()
        _strike_through_last_item(label)
    elif not own and imgui.is_item_hovered():
        source = Path(e.slice.source_root)
        where = "" if source == root else f" of {source.name}"
        imgui.set_tooltip(
            f"new: a copy of episode {e.slice.source_episode}{where}; episode {future[row]} after Save"
        )
    if clicked:
        _select_clicked(state, dataset, view, rows, row)
    edit_actions.gui_row_interactions(state, root, e, row, label)
    imgui.table_next_column()
    imgui.text(str(e.length))
    if e.trimmed and imgui.is_item_hovered():
        imgui.set_tooltip(f"trimmed: frames {e.slice.start}..{e.slice.end - 1} of {e.source_length}")
    imgui.table_next_column()
    if rows.problem_count[row]:
        problem_badge(dataset.index.problems_for(int(rows.episode_index[row])))
    imgui.table_next_column()
    if any(doctor) and rows.source_pos[row] >= 0:  # the doctor's findings are about its own episodes
        _doctor_cell(state, root, int(rows.episode_index[row]), doctor)
    imgui.table_next_column()
    if e.uid == f"e{e.slice.source_episode}" and e.slice.source_root == str(root):
        _watch_mark(state, root, e.slice.source_episode)
    edit_actions.gui_row_badges(state, root, e)


def _watch_mark(state: AppState, root: Path, episode_index: int) -> None:
    """The watcher's mark (new, recording) first in the task column, where a long task cannot hide it."""
    mark = episode_marks(state, root, episode_index)
    if mark is None:
        return
    imgui.text_colored(NEW_COLOR if mark == NEW else RECORDING_COLOR, mark_label(mark))
    imgui.same_line()


def _doctor_shown(state: AppState, root: Path) -> tuple[bool, bool]:
    """Once a frame per dataset: is there a doctor report, are there hand flags (rows skip both
    lookups, and their path resolving, when not)."""
    doctor = getattr(state, "doctor", None)
    if doctor is None:
        return False, False
    flags = doctor.flags
    return doctor.report_for(root) is not None, flags is not None and bool(flags.for_dataset(root))


def _doctor_cell(state: AppState, root: Path, episode_index: int, shown: tuple[bool, bool]) -> None:
    """The doctor's worst finding of the episode as a coloured mark; a hand-set flag's note as tooltip."""
    severity = worst_severity(state, root, episode_index) if shown[0] else None
    note = episode_flag(state, root, episode_index) if shown[1] else None
    if severity is None and note is None:
        return
    if severity is not None:
        imgui.text_colored(SEVERITY_COLOURS[severity], fa.ICON_FA_STETHOSCOPE)
    else:
        imgui.text_colored(FLAG_COLOUR, fa.ICON_FA_FLAG)
    if imgui.is_item_hovered():
        lines = [f"doctor: worst finding {severity.label}"] if severity is not None else []
        if note is not None:
            lines.append(f"flagged: {note}" if note else "flagged")
        imgui.set_tooltip("\n".join(lines))


def _strike_through_last_item(label: str) -> None:
    rect_min, rect_max = imgui.get_item_rect_min(), imgui.get_item_rect_max()
    width = imgui.calc_text_size(label).x
    y = (rect_min.y + rect_max.y) / 2
    imgui.get_window_draw_list().add_line(
        imgui.ImVec2(rect_min.x, y),
        imgui.ImVec2(rect_min.x + width, y),
        imgui.get_color_u32(DELETED_COLOR),
        1.5,
    )


def _list_keys(state: AppState) -> None:
    """Keys of the focused tree: Del deletes the marked episodes, Ctrl+Home/End go to the first/last row."""
    io = imgui.get_io()
    if io.want_text_input or not imgui.is_window_focused(imgui.FocusedFlags_.root_and_child_windows):
        return
    dataset = state.selected_dataset
    if dataset is not None and io.key_ctrl:
        for key, first in ((imgui.Key.home, True), (imgui.Key.end, False)):
            view = state.tree_views.get(dataset.root)
            if (
                imgui.is_key_pressed(key, False)
                and view is not None
                and view.order is not None
                and len(view.order)
            ):
                state.select_row(dataset.root, view.rows, int(view.order[0 if first else -1]))
    if imgui.is_key_pressed(imgui.Key.delete, False):
        _delete_marked(state)


def _delete_marked(state: AppState) -> None:
    dataset = state.selected_dataset
    if dataset is None or not state.selection.marked:
        return
    journal = _journal(state, dataset)
    if journal is None:
        state.notify("warning", f"{dataset.index.name} cannot be edited yet (its pending edits are loading)")
        return
    root = dataset.resolved_root
    deleted = {e.uid for e in journal.episodes() if e.deleted}
    uids = sorted(u for u in state.selection.marked if u not in deleted)
    if not uids:
        return
    ed = state.edits
    ed.run(lambda: ed.session.delete(root, uids), state.notify)
    hello_imgui.log(hello_imgui.LogLevel.info, f"delete: {len(uids)} episode(s) of {dataset.index.name}")
