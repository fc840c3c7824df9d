"""EditSession: the journals of every open dataset, with undo and redo across them, attach (and
the restore of journals from disk), and what happens after a save."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leropilot_gl.dataset.journal.fingerprint import (
    meta_fingerprint,
    open_for_edit,
    read_fingerprint,
)
from leropilot_gl.dataset.journal.operations import EditOperations
from leropilot_gl.dataset.journal.ops import (
    EditError,
    Schema,
    WorkingEpisode,
    apply_op,
    base_episodes_for,
    episode_label,
    unusable_episodes,
)
from leropilot_gl.dataset.journal.restore import pending_new_datasets, restore_journal
from leropilot_gl.dataset.journal.store import JournalWriter, LogState, default_journal_dir, journal_path
from leropilot_gl.dataset.journal.working import Journal
from leropilot_gl.dataset.lock import remove_leftover_staging
from leropilot_gl.dataset.model import DatasetIndex


@dataclass
class PreparedAttach:
    index: DatasetIndex
    journal: Journal
    notice: str | None
    new_datasets: list[Journal]
    # journal file -> its log read back at restore, which the writer goes on appending to
    logs: dict[Path, LogState] = field(default_factory=dict)


@dataclass
class PreparedSave:
    """A fresh, empty journal over a dataset a save (compact, restore) just wrote."""

    index: DatasetIndex
    journal: Journal


def prepare_saved(
    root: str | Path,
    index: DatasetIndex,
    fingerprint: str | None = None,
    reuse: list[WorkingEpisode] | None = None,
) -> PreparedSave:
    """EditSession.prepare_saved without a session (a job's worker has none to hand). reuse: the
    base this journal replaces, whose episodes that kept their index and length are taken as they are."""
    root = Path(root).resolve()
    fingerprint = fingerprint or read_fingerprint(index) or meta_fingerprint(root)
    base = base_episodes_for(index, root, reuse)
    journal = Journal(root, dict(index.info), base, True, fingerprint, sig_source=index)
    journal.warm()
    return PreparedSave(index, journal)


@dataclass(frozen=True)
class Change:
    """One applied or undone operation, as the pending-edits panel lists it."""

    root: Path
    seq: int
    label: str
    applied: bool


class EditSession(EditOperations):
    """The journals of every open dataset, with undo/redo across them.

    background_writes=True (the app) writes journal files on a writer thread; scripts and tests
    write them before each operation returns."""

    def __init__(self, journal_dir: str | Path | None = None, *, background_writes: bool = False) -> None:
        self.journal_dir = Path(journal_dir) if journal_dir is not None else default_journal_dir()
        self.journals: dict[Path, Journal] = {}
        self.indexes: dict[str, DatasetIndex] = {}
        self.writer = JournalWriter(background=background_writes)
        self._seq = 0

    # ------------------------------------------------------------------ datasets
    def attach(self, index: DatasetIndex, fingerprint: str | None = None) -> str | None:
        """Start tracking an opened dataset; restores its journal from disk. Returns a notice or None."""
        return self.finish_attach(self.prepare_attach(index, fingerprint))

    def prepare_attach(self, index: DatasetIndex, fingerprint: str | None = None) -> PreparedAttach:
        """The file work of attach (fingerprint, journal files): safe on a worker thread.

        fingerprint: meta_fingerprint(root) taken BEFORE the index was read; by default the one
        open_for_edit recorded for this index. Without either the fingerprint is taken now, which a
        save landing between the read and now would slip past (the final check under the save lock
        still refuses a dataset changed after now)."""
        if fingerprint is None:
            fingerprint = read_fingerprint(index)
        from leropilot_gl.dataset.transaction import recover_transactions

        root = Path(index.root).resolve()
        self.writer.flush()  # a journal written just before (a close and reopen) is on disk
        rolled_back = recover_transactions(self.journal_dir)  # a save of several datasets killed half way
        remove_leftover_staging(root)  # a killed save's half-built (or already replaced) copy
        if rolled_back:
            index = open_for_edit(root)
            fingerprint = read_fingerprint(index)
        journal = Journal(
            root,
            dict(index.info),
            base_episodes_for(index, root),
            True,
            fingerprint if fingerprint is not None else meta_fingerprint(root),
            sig_source=index,
        )
        restored = restore_journal(journal, self.journal_dir)
        if restored.rewrite:
            self._persist(journal)
        notice = restored.notice
        if rolled_back:
            notice = "; ".join([*rolled_back, *([notice] if notice else [])])
        logs = {journal_path(self.journal_dir, root): restored.log} if restored.log is not None else {}
        new_datasets = []
        for other, log in pending_new_datasets(self.journal_dir, root):
            new_datasets.append(other)
            if log is not None:
                logs[journal_path(self.journal_dir, other.root)] = log
        with contextlib.suppress(EditError):  # the UI says it when it first reads the list
            journal.warm()  # here, not on the first frame after finish_attach
        return PreparedAttach(index, journal, notice, new_datasets, logs)

    def finish_attach(self, prepared: PreparedAttach) -> str | None:
        """The session side of attach (no file access): run it on the thread that owns the session."""
        journal = prepared.journal
        self.indexes[str(journal.root)] = prepared.index
        self.journals[journal.root] = journal
        notices = [prepared.notice] if prepared.notice else []
        self._seq = max([self._seq, *(op["seq"] for op in journal.ops)])
        self._adopt(prepared, journal)
        for other in prepared.new_datasets:
            if other.root not in self.journals:
                self.journals[other.root] = other
                self._adopt(prepared, other)
                self._seq = max([self._seq, *(op["seq"] for op in other.ops)])
                notices.append(
                    f"restored {len(other.applied)} pending edit(s) for the new dataset {other.root}"
                )
        return "; ".join(notices) or None

    def _adopt(self, prepared: PreparedAttach, j: Journal) -> None:
        """Later edits of j append to the log read back at restore (no new base at the first edit)."""
        path = journal_path(self.journal_dir, j.root)
        if path in prepared.logs:
            self.writer.adopt(path, prepared.logs[path])

    def detach(self, root: str | Path) -> None:
        """Stop tracking (the journal stays on disk and comes back on the next attach)."""
        root = Path(root).resolve()
        self.journals.pop(root, None)
        self.indexes.pop(str(root), None)

    def journal(self, root: str | Path) -> Journal:
        root = Path(root).resolve()
        try:
            return self.journals[root]
        except KeyError:
            raise EditError(f"{root} is not an open dataset") from None

    def episodes(self, root: str | Path) -> list[WorkingEpisode]:
        return self.journal(root).episodes()

    def kept(self, root: str | Path) -> list[WorkingEpisode]:
        return self.journal(root).kept()

    def dirty_roots(self) -> list[Path]:
        return sorted(r for r, j in self.journals.items() if j.dirty)

    def uid_of(self, root: str | Path, episode_index: int) -> str:
        """The working id of an episode as it is on disk (CLI numbers mean episodes on disk)."""
        uid = f"e{episode_index}"
        if self.journal(root).position_of(uid) is None:
            count = len(self.journal(root).base)
            raise EditError(
                f"episode {episode_index} does not exist in {Path(root).name} "
                f"(episodes on disk: 0..{count - 1})"
                if count
                else f"{Path(root).name} has no episodes on disk"
            )
        return uid

    # ------------------------------------------------------------------ operations
    # ------------------------------------------------------------------ undo / redo
    @property
    def can_undo(self) -> bool:
        return any(j.cursor > 0 for j in self.journals.values())

    @property
    def can_redo(self) -> bool:
        return any(j.cursor < len(j.ops) for j in self.journals.values())

    def undo(self) -> str | None:
        """Undo the most recent operation group; returns its label, or None when there is none."""
        last = [(j.ops[j.cursor - 1]["seq"], j) for j in self.journals.values() if j.cursor > 0]
        if not last:
            return None
        seq, _ = max(last, key=lambda t: t[0])
        group = self._group_of(seq)
        label = None
        for j in self.journals.values():
            while j.cursor > 0 and j.ops[j.cursor - 1]["group"] == group:
                j.cursor -= 1
                label = label or j.ops[j.cursor]["label"]
                self._persist(j)
        return label

    def redo(self) -> str | None:
        nxt = [(j.ops[j.cursor]["seq"], j) for j in self.journals.values() if j.cursor < len(j.ops)]
        if not nxt:
            return None
        seq, _ = min(nxt, key=lambda t: t[0])
        group = self._group_of(seq)
        label = None
        for j in self.journals.values():
            while j.cursor < len(j.ops) and j.ops[j.cursor]["group"] == group:
                label = label or j.ops[j.cursor]["label"]
                j.cursor += 1
                self._persist(j)
        return label

    def discard(self, root: str | Path) -> None:
        """Drop every pending edit of one dataset (and forget a dataset not saved yet)."""
        j = self.journal(root)
        dependants = [
            o.root.name for o in self.journals.values() if o is not j and str(j.root) in o.sources()
        ]
        if dependants:
            raise EditError(
                f"pending edits of {', '.join(dependants)} use episodes of {j.root.name}; discard those first"
            )
        j.ops.clear()
        j.cursor = 0
        j.forget_lists()
        self.writer.submit(journal_path(self.journal_dir, j.root), None)
        if not j.on_disk:
            del self.journals[j.root]

    def changes(self, root: str | Path | None = None) -> list[Change]:
        """Every operation (applied first, then the undone ones that redo would bring back), by time."""
        out = []
        for j in self.journals.values():
            if root is not None and j.root != Path(root).resolve():
                continue
            for i, op in enumerate(j.ops):
                out.append(Change(j.root, op["seq"], op["label"], i < j.cursor))
        return sorted(out, key=lambda c: c.seq)

    # ------------------------------------------------------------------ checks
    def check_compatible(self, src: Journal, dst: Journal) -> None:
        diffs = Schema.from_info(dst.info).differences(Schema.from_info(src.info))
        if diffs:
            raise EditError(f"{src.root.name} and {dst.root.name} do not match: " + "; ".join(diffs))

    def save_order(self) -> list[Path]:
        """Dirty datasets in an order that saves a dataset after every dataset that uses its episodes."""
        dirty = self.dirty_roots()
        order: list[Path] = []
        remaining = set(dirty)
        while remaining:
            ready = sorted(
                r
                for r in remaining
                if not any(str(r) in self.journals[o].sources() for o in remaining if o != r)
            )
            if not ready:  # a cycle (A copies from B and B from A): save in path order
                ready = sorted(remaining)
            order.extend(ready)
            remaining -= set(ready)
        return order

    def blocking_dependants(self, root: str | Path) -> list[Path]:
        """Datasets with pending edits that use episodes of root (they must be saved first)."""
        root = Path(root).resolve()
        return sorted(
            o.root for o in self.journals.values() if o.root != root and o.dirty and str(root) in o.sources()
        )

    # ------------------------------------------------------------------ after save
    def prepare_saved(
        self,
        root: str | Path,
        index: DatasetIndex,
        fingerprint: str | None = None,
        reuse: list[WorkingEpisode] | None = None,
    ) -> PreparedSave:
        """The fresh journal mark_saved swaps in, built (and its working list, kept list and
        lookups made) on the save's worker: safe on any thread, reads no session state.
        reuse: the journal's base before the save (taken on the thread that owns the session),
        whose episodes that kept their index and length are taken as they are."""
        return prepare_saved(root, index, fingerprint, reuse)

    def mark_saved(
        self,
        root: str | Path,
        index: DatasetIndex,
        fingerprint: str | None = None,
        *,
        prepared: PreparedSave | None = None,
    ) -> None:
        """The dataset on disk now holds the edits: start a fresh, empty journal over it.

        fingerprint: the saved dataset's, from the save job (SaveResult.fingerprint), so the
        thread that owns the session never hashes meta/. prepared: prepare_saved's journal for
        this root and index, made on the job's worker: then this only swaps it in (O(1) on the
        thread that owns the session, whatever the dataset's size); otherwise it is made here."""
        root = Path(root).resolve()
        if prepared is None or prepared.journal.root != root or prepared.index is not index:
            old = self.journals.get(root)
            prepared = prepare_saved(root, index, fingerprint, old.base if old is not None else None)
        self.writer.submit(journal_path(self.journal_dir, root), None)
        self.indexes[str(root)] = index
        self.journals[root] = prepared.journal

    def grow(self, root: str | Path, index: DatasetIndex, fingerprint: str | None = None) -> str | None:
        """The dataset gained episodes on disk (a recording): the journal's base follows the new
        index. Edits name episodes by uid, not position, so they still apply; a notice says when
        they do not (then nothing changes). fingerprint: the new meta fingerprint, when known."""
        root = Path(root).resolve()
        j = self.journals.get(root)
        if j is None:
            return None
        before = (j.base, j.fingerprint, j.sigs, j.sig_source)
        j.base = base_episodes_for(index, root, j.base)  # only the recorded episodes are new
        j.forget_lists()
        if fingerprint is None:
            fingerprint = read_fingerprint(index)  # taken before this index was read
        if fingerprint is not None:
            # the signatures follow the fingerprint they are stored under
            j.fingerprint, j.sigs, j.sig_source = fingerprint, {}, index
        try:
            j.working()
        except EditError as exc:
            j.base, j.fingerprint, j.sigs, j.sig_source = before
            j.forget_lists()
            return f"{root.name} grew on disk, but its pending edits no longer apply to it ({exc})"
        self.indexes[str(root)] = index
        if j.ops:
            self._persist(j)
        return None

    def write_marker(self, root: Path, new_fingerprint: str) -> None:
        """Record, before the swap, what the dataset will look like once the save has landed."""
        j = self.journal(root)
        self._persist(j, saving=new_fingerprint, now=True)

    # ------------------------------------------------------------------ internals
    def _commit(self, ops: list[tuple[Journal, dict[str, Any]]]) -> None:
        """Validate every op on its journal, then append all of them as one group and persist."""
        previews = {}
        for j, op in ops:
            current = previews.get(j.root) or j.working()
            previews[j.root] = apply_op(current, op)
            if op["kind"] != "delete":  # deleting is how an unsaveable episode is fixed
                why = self._unsaveable(j, previews[j.root])
                if why:
                    raise EditError(why)
            if j.on_disk and current and not any(not e.deleted for e in previews[j.root]):
                raise EditError(
                    f"this would delete every episode of {j.root.name}; a dataset keeps at least one"
                )
        self._seq += 1
        group = self._seq
        for j in self.journals.values():  # a new edit ends every redo branch
            if j.cursor < len(j.ops):
                j.cut_redo()
                self._persist(j)
        for j, op in ops:
            op = dict(op, seq=self._seq, group=group)
            self._seq += 1
            j.cut_redo()
            j.ops.append(op)
            j.cursor = len(j.ops)
            # the preview is the new working list: no replay of every op from the base
            j.remember(j.cursor, previews[j.root])
        for j in {id(j): j for j, _ in ops}.values():
            self._persist(j)

    def _unsaveable(self, j: Journal, episodes: list[WorkingEpisode]) -> str | None:
        """Why a save of this working list would be refused (unreadable data), said at edit time."""
        # Unreadable episodes come from the problem lists: with none (the usual case) no episode
        # of a 100,000-episode list is looked at.
        unusable = {root: bad for root, index in self.indexes.items() if (bad := unusable_episodes(index))}
        if not unusable:
            return None
        for e in episodes:
            if e.deleted or e.slice.source_episode not in unusable.get(e.slice.source_root, ()):
                continue
            index = self.indexes[e.slice.source_root]
            try:
                src = index.episode(e.slice.source_episode)
            except (KeyError, IndexError, ValueError):
                continue
            if not src.usable:
                return (
                    f"episode {src.episode_index} of {index.root.name} has unreadable data, so "
                    f"{j.root.name} could not be saved with it; delete that episode first"
                )
        return None

    def _group_of(self, seq: int) -> int:
        for j in self.journals.values():
            for op in j.ops:
                if op["seq"] == seq:
                    return op["group"]
        raise KeyError(seq)

    def _names(self, j: Journal, uids: Iterable[str]) -> str:
        working = j.working()
        uids = list(uids)
        find = j.locate if len(uids) <= 4 else j.position_of
        where = {uid: find(uid) for uid in uids}
        names = []
        for uid in uids:
            i = where[uid]
            if i is None:
                raise EditError(f"no episode with id {uid!r} in the working list")
            names.append(episode_label(working[i], i))
        return ", ".join(names) if len(names) <= 4 else f"{len(names)} episodes"

    def _persist(self, j: Journal, saving: str | None = None, *, now: bool = False) -> None:
        """Hand the journal's current state to the writer (a snapshot: later edits do not leak in)."""
        path = journal_path(self.journal_dir, j.root)
        if not j.ops and j.on_disk and saving is None:
            self.writer.submit(path, None)
            return
        # A copy of the op list (op dicts are never changed once made); the per-episode signatures
        # of a 100,000-episode dataset and the info are shared, never changed in place. The writer
        # appends what changed to the log: an edit costs one line, whatever the dataset's size.
        data = dict(j.to_json(sigs=False), ops=list(j.ops), sigs=j.signatures)
        if data.get("info") is not None:  # a new dataset's info: small, copied so no edit leaks in
            data["info"] = json.loads(json.dumps(data["info"]))
        if saving is not None:
            data["saving"] = saving
        if now:
            self.writer.write_now(path, data)
        else:
            self.writer.submit(path, data)

    def flush(self) -> None:
        """Wait until every journal file is on disk (before exit; tests)."""
        self.writer.flush()
