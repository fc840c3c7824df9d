"""What an editing action does, apart from drawing: undo/redo, drops and menu actions on episodes and
datasets, Save/Discard/Compact/Restore requests and what confirming them runs, the save jobs and
their landing, journals reopened at launch.

No widget is drawn here (ui/edit_menus.py draws the Edit menu and the tree's menus,
ui/confirm_dialog.py the confirmation): every function runs without a frame, so the tests and the
panels call the same code. Each frame `edit_tick` polls; nothing waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from imgui_bundle import hello_imgui

from leropilot_gl.dataset.compact import CompactResult
from leropilot_gl.dataset.journal import EditError, WorkingEpisode
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.save import SavePlan, SaveResult
from leropilot_gl.editor_state import ConfirmRequest, EditorState
from leropilot_gl.jobs import JobContext
from leropilot_gl.paths import resolved
from leropilot_gl.state import AppState, OpenDataset

T = TypeVar("T")


def editor(state: AppState) -> EditorState:
    return state.edits


def _root(path: Path | str) -> Path:
    return resolved(path)  # asked per tree row and per frame: resolved once per path


# ---------------------------------------------------------------------------- per frame
def edit_tick(state: AppState) -> None:
    """Once per frame: reopen datasets whose edits were kept, attach opened datasets to their
    journals, land finished saves. Polls only."""
    ed = editor(state)
    reopen_tick(state)
    for notice in ed.sync([d.index for d in state.datasets], state.executor):
        state.notify("info", notice)
    _poll_jobs(state)


def reopen_tick(state: AppState) -> None:
    """At launch: reopen every dataset whose edits were kept (the journal scan runs off the UI thread)."""
    from leropilot_gl.dataset.journal import pending_roots

    ed = editor(state)
    if ed.reopen_pending and ed.reopen is None:
        ed.reopen_pending = False
        ed.reopen = state.executor.submit(pending_roots, ed.session.journal_dir)
    if ed.reopen is None or not ed.reopen.done():
        return
    future, ed.reopen = ed.reopen, None
    try:
        roots = future.result()  # done: returns at once
    except OSError as exc:
        state.notify("warning", f"pending edits could not be looked up: {exc}")
        return
    for root in roots:
        state.open_dataset_async(root)
    if roots:
        names = ", ".join(r.name for r in roots)
        state.notify("info", f"reopened {len(roots)} dataset(s) with pending edits: {names}")


def flush_journals(state: AppState) -> None:
    """Before exit: every pending edit is on disk (the writer thread would die with the process)."""
    editor(state).session.flush()


# ---------------------------------------------------------------------------- history
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


# ---------------------------------------------------------------------------- episodes
def edit(state: AppState, fn: Callable[[], T]) -> T | None:
    """Run one edit on the session; a refusal becomes a warning notice and changes nothing."""
    return editor(state).run(fn, state.notify)


def selection_shows(state: AppState, e: WorkingEpisode) -> bool:
    """The working episode's source episode is the one playing."""
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


def playhead_frame(state: AppState, root: Path, e: WorkingEpisode) -> int | None:
    """The frame under the playhead when this working row is the one shown, else None."""
    shown = selection_shows(state, e) and editor(state).selected_uid.get(root) == e.uid
    return state.time.frame_index if shown else None


def start_drag(state: AppState, root: Path, e: WorkingEpisode) -> None:
    editor(state).drag_source = (root, e.uid)


def drop_dragged(state: AppState, root: Path, position: int | None, *, copy: bool) -> None:
    """The dragged episode lands on root at position (None: at the end). In its own dataset it moves
    there; onto another one it moves across, or is copied (copy: Ctrl held)."""
    ed = editor(state)
    src, ed.drag_source = ed.drag_source, None
    if src is None:
        return
    src_root, uid = src
    if src_root == root and position is not None:
        edit(state, lambda: ed.session.move(root, uid, position))
    elif ed.busy(src_root):
        state.notify("warning", f"{src_root.name} is being saved; try again when it is done")
    else:
        edit(state, lambda: ed.session.copy(src_root, [uid], root, position=position, move=not copy))


def copy_targets(state: AppState, root: Path) -> list[OpenDataset]:
    """The other open datasets an episode of root can be copied or moved to (their journals attached)."""
    ed = editor(state)
    return [d for d in state.datasets if _root(d.root) != root and ed.attached(d.root)]


def copy_to(state: AppState, root: Path, e: WorkingEpisode, target: Path, *, move: bool) -> None:
    session = editor(state).session
    edit(state, lambda: session.copy(root, [e.uid], _root(target), move=move))


def trim_at_playhead(state: AppState, root: Path, e: WorkingEpisode, frame: int, *, side: str) -> None:
    """side "start": the episode starts at the playhead; "end": it ends after it."""
    session = editor(state).session
    start, end = (frame, e.slice.end) if side == "start" else (e.slice.start, frame + 1)
    edit(state, lambda: session.trim(root, e.uid, start, end))


def carve_at_playhead(state: AppState, root: Path, e: WorkingEpisode, frame: int) -> None:
    """Two new episodes: before the playhead and from it on."""
    session = editor(state).session
    edit(state, lambda: session.carve(root, e.uid, [(e.slice.start, frame), (frame, e.slice.end)]))


# ---------------------------------------------------------------------------- datasets
def video_order_of(index: DatasetIndex, state: AppState | None = None) -> list[str]:
    """video_order_warnings of an open dataset's index. With state, checked once per index (the
    tree and the upload dialog ask every frame); without, checked now."""
    from leropilot_gl.dataset.compact import video_order_warnings

    if state is None:
        return video_order_warnings(index)
    cache = editor(state).video_order
    root = _root(index.root)
    cached = cache.get(root)
    if cached is None or cached[0] != id(index):
        cached = (id(index), video_order_warnings(index))
        cache[root] = cached
    return cached[1]


def merge_into(state: AppState, root: Path, other: Path) -> None:
    session = editor(state).session
    edit(state, lambda: session.merge(root, [_root(other)]))


def new_empty_dataset(state: AppState, root: Path) -> Path | None:
    """A new dataset with root's schema, written on Save; None when refused."""
    session = editor(state).session
    target = free_path(root.parent / f"{root.name}_new", set(session.journals))
    if not edit(state, lambda: session.create_empty(target, root)):
        return None
    state.notify(
        "info",
        f"{target.name}: a new dataset, written on Save; drag episodes onto it in the Pending edits panel",
    )
    return target


def split_dataset(state: AppState, root: Path) -> Path | None:
    """Split root into train/val by the menu's fraction, written on Save; None when refused."""
    ed = editor(state)
    out = free_path(root.parent / f"{root.name}_split", set(ed.session.journals))
    fractions = {"train": ed.split_fraction, "val": 1.0 - ed.split_fraction}
    if not edit(state, lambda: ed.session.split(root, fractions, out)):
        return None
    state.notify("info", f"split into {out}/train and {out}/val, written on Save")
    return out


def free_path(base: Path, pending: set[Path] | None = None) -> Path:
    """base, or base2, base3... the first that neither exists nor holds a dataset still pending
    (a new dataset or a split is written on Save: two in a row must not get the same folder)."""
    pending = pending or set()

    def taken(path: Path) -> bool:
        return path.exists() or any(p == path or path in p.parents for p in pending)

    path, n = base, 1
    while taken(path):
        n += 1
        path = base.with_name(f"{base.name}{n}")
    return path


# ---------------------------------------------------------------------------- confirmations
def _described(plan: SavePlan) -> list[str]:
    lines = list(plan.lines)
    if plan.converts_from:
        lines.append(f"the dataset is LeRobot {plan.converts_from}: it will be written as v3.0")
    return lines


def request_save(state: AppState, root: Path) -> None:
    """Ask before saving root: the confirmation lists the plan (made here, on the UI thread)."""
    from leropilot_gl.dataset.save import plan_save

    ed = editor(state)
    try:
        plan = plan_save(ed.session, root)
        fast_plan = plan_save(ed.session, root, fast=True) if plan.needs_compact else None
    except EditError as exc:
        state.notify("warning", str(exc))
        return
    ed.confirm = ConfirmRequest(
        f"Save {root.name}?",
        _described(plan),
        "save",
        root,
        _described(fast_plan) if fast_plan is not None else None,
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


def request_compact(state: AppState, root: Path) -> None:
    lines = [
        f"rewrite the mp4 files of {root.name} so each holds its episodes in order, without overlap,",
        "dropping video no episode uses; episodes that start on a keyframe are remuxed (no quality loss),",
        "the others are re-encoded",
        "the new files replace the old ones when they are checked (the old ones are kept as a backup:",
        "File > Restore previous version brings them back)",
    ]
    editor(state).confirm = ConfirmRequest(f"Compact {root.name}?", lines, "compact", root)


def confirm(state: AppState) -> None:
    """OK in the confirmation: run what it asked about."""
    ed = editor(state)
    request, ed.confirm = ed.confirm, None
    if request is None:
        return
    root = request.root
    if request.action == "save_all":
        start_save_all(state, fast=request.fast)
    elif root is None:
        return
    elif request.action == "save":
        _start_saves(state, [root], fast=request.fast)
    elif request.action == "discard":
        edit(state, lambda: ed.session.discard(root))
    elif request.action == "compact":
        _start_compact(state, root)
    elif request.action == "restore":
        _start_restore(state, root)


def cancel_confirm(state: AppState) -> None:
    editor(state).confirm = None


# ---------------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Restored:
    """A restore that landed, as the job's result."""

    root: Path
    backup_id: str
    index: DatasetIndex
    fingerprint: str
    needs_compact = False

    def summary(self) -> str:
        return f"restored {self.root.name} to the version before {self.backup_id}"


@dataclass(frozen=True)
class SavedMany:
    """The results of one Save all (one transaction), as the job's result."""

    results: list[SaveResult]

    @property
    def needs_compact(self) -> bool:
        return any(r.needs_compact for r in self.results)

    def summary(self) -> str:
        return "; ".join(r.summary() for r in self.results)


Landed = SaveResult | CompactResult | Restored


def start_save_all(state: AppState, *, fast: bool = False) -> None:
    """Every dataset with pending edits in one job and one transaction (a move lands whole)."""
    order = editor(state).session.save_order()
    if order:
        _start_saves(state, order, fast=fast)


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
    bases = _bases(ed, roots)
    ed.session.flush()

    def work(ctx: JobContext) -> SaveResult | SavedMany:
        results = write_plans(
            plans, journal_dir, progress=lambda f, t: ctx.progress(f, t), cancelled=lambda: ctx.cancelled
        )
        _prepare_fresh(ed, results, bases)
        return results[0] if len(results) == 1 else SavedMany(results)

    names = ", ".join(r.name for r in roots)
    job = state.jobs.start(f"save:{roots[0]}", f"Saving {names}", work)
    if job is None:
        state.notify("warning", f"{names} is already being saved")
        return
    for r in roots:
        ed.jobs[r] = job


def _start_compact(state: AppState, root: Path) -> None:
    from leropilot_gl.dataset.compact import compact

    ed = editor(state)
    session = ed.session
    bases = _bases(ed, [root])

    def work(ctx: JobContext) -> CompactResult:
        result = compact(session, root, progress=lambda f, t: ctx.progress(f, t), finish=False)
        _prepare_fresh(ed, [result], bases)
        return result

    job = state.jobs.start(f"compact:{root}", f"Compacting {root.name}", work)
    if job is not None:
        ed.jobs[root] = job


def _start_restore(state: AppState, root: Path) -> None:
    from leropilot_gl.dataset.backup import restore
    from leropilot_gl.dataset.journal import open_for_edit, read_fingerprint

    ed = editor(state)
    bases = _bases(ed, [root])

    def work(ctx: JobContext) -> Restored:
        ctx.progress(0.1, "restoring")
        chosen = restore(root)
        index = open_for_edit(root)  # fingerprinted before the read
        result = Restored(root, chosen.id, index, read_fingerprint(index) or "")
        _prepare_fresh(ed, [result], bases)
        return result

    job = state.jobs.start(f"restore:{root}", f"Restoring {root.name}", work)
    if job is not None:
        ed.jobs[root] = job


def _bases(ed: EditorState, roots: list[Path]) -> dict[Path, list[WorkingEpisode]]:
    """The journals' bases as a job starts (on the UI thread; a base is never changed in place):
    the fresh journal after the job takes every episode that kept its index and length from them."""
    return {_root(r): j.base for r in roots if (j := ed.session.journals.get(_root(r))) is not None}


def _prepare_fresh(ed: EditorState, results: list[Landed], bases: dict[Path, list[WorkingEpisode]]) -> None:
    """On the job's worker, once the datasets are written: the fresh journals the landing swaps in,
    so the UI thread does not build a working episode per episode of each dataset."""
    from leropilot_gl.dataset.journal import prepare_saved

    for result in results:
        if result.index is None:
            continue
        root = _root(result.root)
        try:
            ed.fresh[root] = prepare_saved(root, result.index, result.fingerprint or None, bases.get(root))
        except Exception:  # noqa: BLE001 - the save itself landed; the landing builds the journal instead
            continue


def _poll_jobs(state: AppState) -> None:
    ed = editor(state)
    landed: set[int] = set()
    for root, job in list(ed.jobs.items()):
        if not job.done:
            continue
        del ed.jobs[root]
        result = job.result
        if job.status != "done" or result is None:
            ed.fresh.pop(root, None)  # a job that failed after its worker made one: not landed
        if job.status != "done" or result is None or id(job) in landed:
            continue  # failures and cancels are reported by the app's job polling
        landed.add(id(job))
        for one in result.results if isinstance(result, SavedMany) else [result]:
            _land(state, one)
        # A fast save (or a compact that failed) leaves the dataset flagged: say it as a warning.
        # Compact is asked in the Save confirmation, never in a second dialog after it.
        flagged = getattr(result, "needs_compact", False)
        state.notify("warning" if flagged else "info", result.summary())


def _land(state: AppState, result: Landed) -> None:
    """A save, compact or restore landed: a fresh journal over the new dataset, shown in the tree."""
    index = result.index
    if index is None:
        return
    root = _root(result.root)
    ed = editor(state)
    # the worker's journal when it is for this very index (mark_saved checks), else built here
    ed.session.mark_saved(root, index, result.fingerprint or None, prepared=ed.fresh.pop(root, None))
    selected = state.selection.dataset_root is not None and _root(state.selection.dataset_root) == root
    state.replace_index(index, select_episode=index.episodes[0].episode_index if selected else None)
