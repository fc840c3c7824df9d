"""The editor's state on the app side, held by `AppState.edits`: the EditSession, journals being
restored, save/compact jobs, and what the editing widgets remember between frames (a trim handle
being dragged, an episode being dragged, the confirmation to show, the quit question).

Plain data, no imgui: it sits beside `state.py`, below the panels (ui/edit_actions.py is what an
action does, ui/edit_menus.py and ui/confirm_dialog.py draw). File work happens on the executor
or in jobs; results are applied on the UI thread, which owns the session.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from leropilot_gl.dataset.journal import EditError, EditSession, PreparedAttach, PreparedSave
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.jobs import Job, pop_finished
from leropilot_gl.paths import resolved

T = TypeVar("T")
ConfirmAction = Literal["save", "save_all", "discard", "compact", "restore"]
Notify = Callable[[str, str], None]


@dataclass
class TrimDrag:
    """A trim handle being dragged: the kept range shown live, committed on release."""

    root: Path
    uid: str
    handle: Literal["start", "end"]
    start: int
    end: int


@dataclass
class ConfirmRequest:
    """A confirmation dialog to show: what will change on disk, and what to run on OK."""

    title: str
    lines: list[str]
    action: ConfirmAction
    root: Path | None
    # A save whose result would hold video files out of order: the dialog asks whether to compact
    # now (the default) or fast save; fast_lines describe the fast save.
    fast_lines: list[str] | None = None
    fast: bool = False

    @property
    def offers_compact(self) -> bool:
        return self.fast_lines is not None

    @property
    def shown_lines(self) -> list[str]:
        return self.fast_lines if self.fast and self.fast_lines is not None else self.lines


@dataclass
class EditorState:
    session: EditSession = field(default_factory=lambda: EditSession(background_writes=True))
    attaching: dict[Path, Future[PreparedAttach]] = field(default_factory=dict)
    selected_uid: dict[Path, str] = field(default_factory=dict)  # root -> the working row shown
    jobs: dict[Path, Job] = field(default_factory=dict)  # root -> its running save/compact/restore
    # root -> the fresh journal a save/compact/restore job made on its worker for the dataset it
    # wrote; the landing swaps it in (EditSession.mark_saved(prepared=...)) instead of building it
    fresh: dict[Path, PreparedSave] = field(default_factory=dict)
    drag_source: tuple[Path, str] | None = None  # (root, uid) of the episode being dragged
    trim_drag: TrimDrag | None = None
    confirm: ConfirmRequest | None = None
    split_fraction: float = 0.8  # the dataset menu's train/val slider
    # Quitting with pending edits (ui/quit_dialog.py): the question is open / a "Save all" runs
    # and the app exits when it lands.
    quit_asked: bool = False
    quit_after_save: bool = False
    # The next launch reopens every dataset whose journal holds pending edits (set by run_app).
    reopen_pending: bool = False
    reopen: Future[list[Path]] | None = None
    # root -> (id of the index checked, its video order warnings): checked once per index, drawn
    # every frame.
    video_order: dict[Path, tuple[int, list[str]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ datasets
    def sync(self, indexes: list[DatasetIndex], executor: Executor) -> list[str]:
        """Once per frame: attach newly opened datasets (file work on the executor), detach closed ones.

        Returns notices (restored journals)."""
        notices = []
        while self.session.writer.errors:
            notices.append(self.session.writer.errors.pop(0))
        open_roots = {resolved(i.root): i for i in indexes}
        for root, index in open_roots.items():
            if index.partial:
                continue  # a lazy Hub open listing some episodes: attached once complete
            attached = self.session.indexes.get(str(root))
            if (attached is None or attached is not index) and root not in self.attaching:
                if attached is not None and self.session.journal(root).dirty:
                    continue  # reopened from disk while edits are pending: keep the journal as it is
                self.attaching[root] = executor.submit(self.session.prepare_attach, index)
        for root, exc, prepared in pop_finished(self.attaching):
            if exc is not None:
                notices.append(f"pending edits of {root.name} could not be restored: {exc}")
                continue
            if root in open_roots:
                notice = self.session.finish_attach(prepared)
                if notice:
                    notices.append(notice)
        for root in list(self.session.journals):
            journal = self.session.journals[root]
            if journal.on_disk and root not in open_roots and root not in self.jobs:
                self.session.detach(root)
        return notices

    def attached(self, root: Path) -> bool:
        return resolved(root) in self.session.journals

    def busy(self, root: Path) -> bool:
        """A save or compact job is writing this dataset: it is locked for edits."""
        return bool(self.jobs) and resolved(root) in self.jobs  # no syscall per tree row when idle

    # ------------------------------------------------------------------ operations with messages
    def run(self, fn: Callable[[], T], notify: Notify) -> T | None:
        """Run one edit; a refusal becomes a warning notice and changes nothing. No edit runs while a
        save or compact job reads the session (it would race the job's journal marker)."""
        if self.jobs:
            notify("warning", "a save is running; edit again when it is done")
            return None
        try:
            return fn()
        except EditError as exc:
            notify("warning", str(exc))
            return None
