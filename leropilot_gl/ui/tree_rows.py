"""The dataset tree's rows as data, apart from their drawing (ui/dataset_tree.py): which rows a
dataset shows (on disk, or its pending edits), filtered and sorted as numpy columns and rebuilt only
when something they depend on changed, and what a click, Shift/Ctrl-click, Ctrl+Home/End and Del do.
No widget is drawn here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from imgui_bundle import hello_imgui

from leropilot_gl.dataset.episode_rows import RowColumns, rows_on_disk, rows_working
from leropilot_gl.dataset.journal import Journal
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.lazy import lazy_module
from leropilot_gl.paths import resolved
from leropilot_gl.quality.doctor_state import worst_severity
from leropilot_gl.state import AppState, OpenDataset, TreeView
from leropilot_gl.ui.task_list import episode_visible

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")


def shown_journal(state: AppState, dataset: OpenDataset) -> Journal | None:
    """The dataset's journal when its pending edits are what the tree shows."""
    ed = state.edits
    root = dataset.resolved_root
    if not ed.attached(root) or ed.session.indexes.get(str(root)) is not dataset.index:
        return None
    return ed.session.journal(root)


def episode_count_text(index: DatasetIndex, rows: RowColumns, view_kept: int) -> str:
    """The header's count: what Save would write, and what is on disk when that differs."""
    on_disk = len(index.episodes)
    if index.partial:  # a lazy Hub open: the other episodes files are on their way
        return f"{on_disk} of {index.info.get('total_episodes', '?')} ep, more loading"
    if rows.working is None:
        return f"{on_disk} ep"
    kept = view_kept
    return f"{kept} ep" if kept == on_disk else f"{kept} ep (on disk {on_disk})"


def refresh_rows(
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
    if active is None or Path(active[0]) != resolved(root):
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


def select_clicked(
    state: AppState,
    dataset: OpenDataset,
    view: TreeView,
    rows: RowColumns,
    row: int,
    *,
    shift: bool = False,
    ctrl: bool = False,
) -> None:
    """A click on a row: show it; with Shift mark the range from the anchor, with Ctrl add or drop it."""
    sel = state.selection
    uid = rows.uid(row)
    root = dataset.root
    if shift and sel.dataset_root == root and sel.anchor is not None:
        start, end = view.position_of(sel.anchor), view.position_of(uid)
        anchor = sel.anchor
        state.select_row(root, rows, row, keep_marks=True)
        if start is not None and end is not None and view.order is not None:
            lo, hi = min(start, end), max(start, end)
            state.selection.marked = {rows.uid(int(r)) for r in view.order[lo : hi + 1]}
        state.selection.anchor = anchor
    elif ctrl and sel.dataset_root == root:
        was_marked = uid in sel.marked
        state.select_row(root, rows, row, keep_marks=True)
        if was_marked and len(state.selection.marked) > 1:
            state.selection.marked.discard(uid)
        else:
            state.selection.marked.add(uid)
        state.selection.anchor = uid
    else:
        state.select_row(root, rows, row)


def delete_marked(state: AppState) -> None:
    """Del: the marked rows become pending deletes (one undoable edit)."""
    dataset = state.selected_dataset
    if dataset is None or not state.selection.marked:
        return
    journal = shown_journal(state, dataset)
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


def select_end(state: AppState, *, first: bool) -> None:
    """Ctrl+Home / Ctrl+End: the first or last row of the shown dataset, as filtered and sorted."""
    dataset = state.selected_dataset
    view = state.tree_views.get(dataset.root) if dataset is not None else None
    if dataset is None or view is None or view.rows is None or view.order is None or not len(view.order):
        return
    state.select_row(dataset.root, view.rows, int(view.order[0 if first else -1]))
