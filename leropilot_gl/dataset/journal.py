"""The pending-edit journal: every edit is an operation over episode slices, replayed on demand.

A dataset's working episode list is its episodes on disk with the journal's applied operations
replayed over them. Nothing touches the dataset's files until Save (dataset/save.py). Each
journal is written to a JSON file outside the dataset (keyed by the dataset's absolute path) after
every operation, so a crash or a restart loses nothing.

One EditSession holds the journals of every open dataset. Operations that touch two datasets
(move, merge, split) share a group id, and undo/redo walk groups across journals in the order
they were made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import queue
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.fsio import atomic_write_text
from leropilot_gl.dataset.lock import remove_leftover_staging
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.paths import user_config_dir

JOURNAL_DIR_ENV = "LEROPILOT_GL_JOURNAL_DIR"
JOURNAL_FORMAT = 1

# Badges a working episode can carry in the tree.
TRIMMED, DUPLICATED, MOVED, COPIED = "trimmed", "duplicated", "moved", "copied"
RETASKED = "task"  # the episode's task text was set by hand
FRAME_MARK_FEATURES = ("next.reward", "next.success", "next.done")  # per-frame values set by hand


class EditError(ValueError):
    """An operation that cannot be applied; the message says why. Nothing was changed."""


def default_journal_dir() -> Path:
    env = os.environ.get(JOURNAL_DIR_ENV)
    if env:
        return Path(env)
    return user_config_dir() / "journals"


def journal_path(journal_dir: Path, root: Path) -> Path:
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:20]
    return Path(journal_dir) / f"{key}.json"


def write_saving_marker(journal_dir: Path | None, snapshot: dict[str, Any], new_fingerprint: str) -> None:
    """Record, before a swap, what the dataset will look like once the save has landed (from the
    plan's frozen copy of the journal: the save job never reads the live session)."""
    if journal_dir is None or not snapshot:
        return
    data = dict(snapshot, saving=new_fingerprint)
    atomic_write_text(journal_path(journal_dir, Path(snapshot["root"])), json.dumps(data, indent=1))


def meta_fingerprint(root: Path) -> str:
    """A hash of the LeRobot files under meta/ (the ones a save owns): changes whenever a save
    rewrites the dataset, not when the user edits their own files there (meta/custom.json)."""
    from leropilot_gl.dataset.backup import is_owned

    digest = hashlib.sha256()
    meta = Path(root) / "meta"
    files = sorted(p for p in meta.rglob("*") if p.is_file()) if meta.is_dir() else ()
    for path in files:
        rel = path.relative_to(meta).as_posix()
        if not is_owned(f"meta/{rel}"):
            continue
        digest.update(rel.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


# id(index) -> (weak reference to the index, meta fingerprint taken just before it was read)
_READ_FINGERPRINTS: dict[int, tuple[weakref.ref, str]] = {}


def remember_fingerprint(index: DatasetIndex, fingerprint: str) -> DatasetIndex:
    """Record the meta fingerprint taken BEFORE index was read, for attach to use later (the index
    may be attached frames later, after another process saved the dataset: fingerprinting then
    would pass the "changed on disk" check with an old index). Returns index."""
    key = id(index)

    def drop(ref: weakref.ref, key: int = key) -> None:
        entry = _READ_FINGERPRINTS.get(key)
        if entry is not None and entry[0] is ref:
            _READ_FINGERPRINTS.pop(key, None)

    _READ_FINGERPRINTS[key] = (weakref.ref(index, drop), fingerprint)
    return index


def read_fingerprint(index: DatasetIndex) -> str | None:
    """The fingerprint remember_fingerprint recorded for this very index, or None."""
    entry = _READ_FINGERPRINTS.get(id(index))
    if entry is not None and entry[0]() is index:
        return entry[1]
    return None


def open_for_edit(root: str | Path) -> DatasetIndex:
    """open_dataset with the meta fingerprint taken first: every index the app may attach for
    editing is read this way (open, Hub open and fetch, reopen after a restore)."""
    from leropilot_gl.dataset.open import open_dataset

    fingerprint = meta_fingerprint(Path(root))
    return remember_fingerprint(open_dataset(root), fingerprint)


@dataclass(frozen=True)
class EpisodeSlice:
    """Frames [start, end) of episode `source_episode` of the dataset on disk at `source_root`."""

    source_root: str
    source_episode: int
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class WorkingEpisode:
    uid: str  # stable across replays: "e<index>" for episodes on disk, "<seq>.<k>" for new ones
    slice: EpisodeSlice
    source_length: int  # frames in the whole source episode (trim handles span it)
    deleted: bool = False
    badges: frozenset[str] = frozenset()
    task: str | None = None  # set by hand: every frame of the episode has this task
    task_renames: tuple[tuple[str, str], ...] = ()  # (old, new) applied in order after `task`
    # per-frame values set by hand: (feature, start, end, value) over source frames [start, end)
    frame_values: tuple[tuple[str, int, int, float], ...] = ()
    # annotation tracks edited by hand: (source, track, JSON rows in source frames), the last one wins
    annotations: tuple[tuple[str, str, str], ...] = ()

    @property
    def length(self) -> int:
        return self.slice.length

    def task_text(self, source_task: str) -> str:
        """What a task text of the source episode becomes here, after the task edits."""
        text = self.task if self.task is not None else source_task
        for old, new in self.task_renames:
            if text == old:
                text = new
        return text

    @property
    def trimmed(self) -> bool:
        return self.slice.start > 0 or self.slice.end < self.source_length


@dataclass(frozen=True)
class Schema:
    """What must match for episodes to move between datasets."""

    fps: float
    robot_type: str | None
    features: dict[str, tuple[str, tuple[int, ...]]]  # key -> (dtype, shape), bookkeeping columns excluded

    @staticmethod
    def from_info(info: dict[str, Any]) -> Schema:
        features = {}
        for key, spec in (info.get("features") or {}).items():
            if key in L.DEFAULT_FEATURE_KEYS or not isinstance(spec, dict):
                continue
            features[key] = (str(spec.get("dtype")), tuple(int(s) for s in spec.get("shape") or ()))
        return Schema(float(info.get("fps") or 0), info.get("robot_type"), features)

    def differences(self, other: Schema) -> list[str]:
        out = []
        if not math.isclose(self.fps, other.fps):
            out.append(f"fps {other.fps:g} vs {self.fps:g}")
        if (self.robot_type or None) != (other.robot_type or None):
            out.append(f"robot {other.robot_type!r} vs {self.robot_type!r}")
        for key in sorted(set(self.features) | set(other.features)):
            mine, theirs = self.features.get(key), other.features.get(key)
            if mine is None:
                out.append(f"feature {key!r} only in the source")
            elif theirs is None:
                out.append(f"feature {key!r} missing from the source")
            elif mine != theirs:
                out.append(f"feature {key!r} is {theirs[0]}{list(theirs[1])} vs {mine[0]}{list(mine[1])}")
        return out


@dataclass
class Journal:
    """The ordered operations on one dataset; ops[:cursor] are applied, the rest can be redone."""

    root: Path
    info: dict[str, Any]  # the dataset's info.json (for a dataset not saved yet: its template's)
    base: list[WorkingEpisode]
    on_disk: bool = True
    fingerprint: str = ""  # meta_fingerprint of the dataset the ops apply to
    template_root: str | None = None  # for a dataset not saved yet: whose schema it has
    ops: list[dict[str, Any]] = field(default_factory=list)
    cursor: int = 0
    # uid -> what identifies each episode on disk (its rows in its data file): when the dataset
    # changed on disk, the edits of the episodes that did not change are re-applied.
    sigs: dict[str, list[Any]] = field(default_factory=dict)
    _cache: tuple[int, list[WorkingEpisode]] | None = field(default=None, repr=False)
    # uid -> position and (source root, source episode) -> first kept position, of one working list
    _lookup: tuple[list[WorkingEpisode], dict[str, int], dict[tuple[str, int], int]] | None = field(
        default=None, repr=False
    )
    _kept: tuple[list[WorkingEpisode], list[WorkingEpisode]] | None = field(default=None, repr=False)

    @property
    def applied(self) -> list[dict[str, Any]]:
        return self.ops[: self.cursor]

    @property
    def dirty(self) -> bool:
        return self.cursor > 0

    def episodes(self) -> list[WorkingEpisode]:
        """The working episode list: base with the applied operations replayed (deleted ones kept)."""
        return list(self.working())

    def working(self) -> list[WorkingEpisode]:
        """The same list without a copy, for code that reads it every frame: never change it."""
        if self._cache is not None and self._cache[0] == self.cursor:
            return self._cache[1]
        episodes = list(self.base)
        for op in self.applied:
            episodes = apply_op(episodes, op)
        self._cache = (self.cursor, episodes)
        return episodes

    @property
    def version(self) -> tuple[int, int, int]:
        """Changes whenever the working list may have changed (an edit, an undo, a redo, a reload)."""
        working = self.working()
        return (id(working), self.cursor, len(self.ops))

    def _lookups(self) -> tuple[dict[str, int], dict[tuple[str, int], int]]:
        working = self.working()
        if self._lookup is None or self._lookup[0] is not working:
            by_uid = {e.uid: i for i, e in enumerate(working)}
            by_source: dict[tuple[str, int], int] = {}
            for i, e in enumerate(working):
                if not e.deleted:
                    by_source.setdefault((e.slice.source_root, e.slice.source_episode), i)
            self._lookup = (working, by_uid, by_source)
        return self._lookup[1], self._lookup[2]

    def position_of(self, uid: str) -> int | None:
        """Where uid is in the working list; O(1) after the first call per version."""
        return self._lookups()[0].get(uid)

    def first_playing(self, source_root: str, source_episode: int) -> int | None:
        """The first kept working episode cut from that source episode, O(1) per version."""
        return self._lookups()[1].get((str(source_root), int(source_episode)))

    def kept(self) -> list[WorkingEpisode]:
        return list(self.kept_view())

    def kept_view(self) -> list[WorkingEpisode]:
        """The kept episodes without a copy, made once per version (per-frame readers): never change it."""
        working = self.working()
        if self._kept is None or self._kept[0] is not working:
            self._kept = (working, [e for e in working if not e.deleted])
        return self._kept[1]

    def find(self, uid: str) -> WorkingEpisode | None:
        """The working episode with that uid, O(1) after the first call per version."""
        pos = self.position_of(uid)
        return None if pos is None else self.working()[pos]

    def sources(self) -> set[str]:
        """Roots of other datasets whose episodes the applied operations reference."""
        own = str(self.root)
        return {e.slice.source_root for e in self.episodes() if e.slice.source_root != own}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": JOURNAL_FORMAT,
            "root": str(self.root),
            "on_disk": self.on_disk,
            "fingerprint": self.fingerprint,
            "info": None if self.on_disk else self.info,
            "template_root": self.template_root,
            "ops": self.ops,
            "cursor": self.cursor,
            "sigs": self.sigs,
            "schema": schema_key(self.info),
        }


def episode_signatures(index: DatasetIndex) -> dict[str, list[Any]]:
    """uid -> [length, data file (relative), first row, last row]: equal when the episode's frames
    are where they were."""
    root = Path(index.root)
    out = {}
    for ep in index.episodes:
        try:
            data = Path(ep.data_path).relative_to(root).as_posix()
        except ValueError:
            data = str(ep.data_path)
        out[f"e{ep.episode_index}"] = [int(ep.length), data, int(ep.row_start), int(ep.row_end)]
    return out


def schema_key(info: dict[str, Any]) -> str:
    """What must not change under a journal for its edits to be re-applied (fps, robot, features)."""
    schema = Schema.from_info(info)
    text = json.dumps([schema.fps, schema.robot_type, sorted(schema.features.items())], default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def op_references(op: dict[str, Any], root: str) -> set[str]:
    """The uids of episodes on disk (of root) an operation touches or copies."""
    refs = set(op.get("uids", ())) | {op[k] for k in ("uid", "a", "b") if k in op}
    for d in op.get("episodes", ()):
        if d.get("source_root") == root:
            refs.add(f"e{d['source_episode']}")
    return {r for r in refs if isinstance(r, str) and r.startswith("e")}


def base_episodes(index: DatasetIndex, root: str | None = None) -> list[WorkingEpisode]:
    # From the index's columns: no per-episode index object is made (100,000 episodes attach in ms).
    root = str(index.root) if root is None else root
    table = index.table
    return [
        WorkingEpisode(f"e{ep}", EpisodeSlice(root, ep, 0, n), n)
        for ep, n in zip(table.episode_index.tolist(), table.length.tolist(), strict=True)
    ]


def _unusable_episodes(index: DatasetIndex) -> set[int]:
    """Episodes whose data rows cannot be read (what EpisodeIndex.usable says), from the problems."""
    return {
        p.episode_index
        for p in index.problems
        if p.severity is Severity.ERROR and p.camera is None and p.episode_index is not None
    }


def _find(episodes: Sequence[WorkingEpisode], uid: str) -> int:
    for i, e in enumerate(episodes):
        if e.uid == uid:
            return i
    raise EditError(f"no episode with id {uid!r} in the working list")


def _episode_from_json(d: dict[str, Any]) -> WorkingEpisode:
    return WorkingEpisode(
        d["uid"],
        EpisodeSlice(d["source_root"], int(d["source_episode"]), int(d["start"]), int(d["end"])),
        int(d["source_length"]),
        badges=frozenset(d.get("badges", ())),
        task=d.get("task"),
        task_renames=tuple((str(a), str(b)) for a, b in d.get("task_renames", ())),
        frame_values=tuple((str(f), int(a), int(b), float(v)) for f, a, b, v in d.get("frame_values", ())),
        annotations=tuple((str(s), str(t), str(r)) for s, t, r in d.get("annotations", ())),
    )


def episode_to_json(e: WorkingEpisode, uid: str, badges: Iterable[str] = ()) -> dict[str, Any]:
    s = e.slice
    return {
        "uid": uid,
        "source_root": s.source_root,
        "source_episode": s.source_episode,
        "start": s.start,
        "end": s.end,
        "source_length": e.source_length,
        "badges": sorted(set(badges)),
        # task edits travel with a copy (keys absent when there are none: older journals read the same)
        **({"task": e.task} if e.task is not None else {}),
        **({"task_renames": [list(r) for r in e.task_renames]} if e.task_renames else {}),
        **({"frame_values": [list(m) for m in e.frame_values]} if e.frame_values else {}),
        **({"annotations": [list(a) for a in e.annotations]} if e.annotations else {}),
    }


def apply_op(episodes: list[WorkingEpisode], op: dict[str, Any]) -> list[WorkingEpisode]:
    """One operation over a working list; raises EditError when it does not apply."""
    kind = op["kind"]
    out = list(episodes)
    if kind in ("delete", "restore"):
        # many uids: one pass over the list, not one scan per uid
        where = {e.uid: i for i, e in enumerate(out)} if len(op["uids"]) > 4 else None
        for uid in op["uids"]:
            i = where[uid] if where is not None and uid in where else _find(out, uid)
            out[i] = replace(out[i], deleted=kind == "delete")
    elif kind == "trim":
        i = _find(out, op["uid"])
        e = out[i]
        start, end = int(op["start"]), int(op["end"])
        if not 0 <= start < end <= e.source_length:
            raise EditError(
                f"trim {start}:{end} is outside episode {e.slice.source_episode}: keep frames START..END-1 with "
                f"0 <= START < END <= {e.source_length}"
            )
        badges = set(e.badges) - {TRIMMED}
        if start > 0 or end < e.source_length:
            badges.add(TRIMMED)
        out[i] = replace(e, slice=replace(e.slice, start=start, end=end), badges=frozenset(badges))
    elif kind == "move":
        i = _find(out, op["uid"])
        to = int(op["to"])
        if not 0 <= to < len(out):
            raise EditError(f"position {to} is outside the list of {len(out)} episodes")
        e = out.pop(i)
        out.insert(to, replace(e, badges=e.badges | {MOVED}))
    elif kind == "swap":
        i, j = _find(out, op["a"]), _find(out, op["b"])
        out[i], out[j] = (
            replace(out[j], badges=out[j].badges | {MOVED}),
            replace(out[i], badges=out[i].badges | {MOVED}),
        )
    elif kind == "insert":
        at = len(out) if op.get("at") is None else int(op["at"])
        if not 0 <= at <= len(out):
            raise EditError(f"position {at} is outside the list of {len(out)} episodes")
        new = [_episode_from_json(d) for d in op["episodes"]]
        taken = {e.uid for e in out}
        for e in new:
            if e.uid in taken:
                raise EditError(f"episode id {e.uid!r} is already in the list")
            if not 0 <= e.slice.start < e.slice.end <= e.source_length:
                raise EditError(f"frames {e.slice.start}:{e.slice.end} are outside the source episode")
        out[at:at] = new
    elif kind == "set_task":
        text = str(op["task"]).strip()
        if not text:
            raise EditError("a task needs some text")
        for uid in op["uids"]:
            i = _find(out, uid)
            out[i] = replace(out[i], task=text, task_renames=(), badges=out[i].badges | {RETASKED})
    elif kind == "rename_task":
        old, new = str(op["old"]), str(op["new"]).strip()
        if not new:
            raise EditError("a task needs some text")
        out = [replace(e, task_renames=(*e.task_renames, (old, new))) for e in out]
    elif kind == "set_frames":
        i = _find(out, op["uid"])
        e = out[i]
        start, end = int(op["start"]), int(op["end"])
        if not 0 <= start < end <= e.source_length:
            raise EditError(
                f"frames {start}:{end} are outside episode {e.slice.source_episode} (0..{e.source_length - 1})"
            )
        mark = (str(op["feature"]), start, end, float(op["value"]))
        out[i] = replace(e, frame_values=(*e.frame_values, mark))
    elif kind == "annotate":  # one track of one episode replaced by its edited rows (dataset/annotations.py)
        i = _find(out, op["uid"])
        e = out[i]
        for r in op["rows"]:
            if (
                not 0 <= int(r["start"]) < e.source_length
                or not int(r["start"]) <= int(r["end"]) <= e.source_length
            ):
                raise EditError(
                    f"annotation frames {r['start']}:{r['end']} are outside episode {e.slice.source_episode} "
                    f"(0..{e.source_length - 1})"
                )
        track = (str(op["source"]), str(op["track"]), json.dumps(op["rows"]))
        kept = tuple(a for a in e.annotations if a[:2] != track[:2])
        out[i] = replace(e, annotations=(*kept, track))
    else:
        raise EditError(f"unknown operation {kind!r}")
    return out


@dataclass
class PreparedAttach:
    index: DatasetIndex
    journal: Journal
    notice: str | None
    new_datasets: list[Journal]


@dataclass(frozen=True)
class Change:
    """One applied or undone operation, as the pending-edits panel lists it."""

    root: Path
    seq: int
    label: str
    applied: bool


class JournalWriter:
    """Writes (or removes) journal files in submission order. With background=True the writes run
    on a thread of their own, so an edit in the UI never waits on the disk; flush() waits for them."""

    def __init__(self, *, background: bool) -> None:
        self.background = background
        self.errors: list[str] = []  # write failures, for the UI to report (appended by the writer)
        self._queue: queue.Queue[tuple[Path, dict[str, Any] | None, list[str]]] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, path: Path, data: dict[str, Any] | None, sources: list[str]) -> None:
        """data None removes the file. sources: roots whose fingerprints go into the file."""
        if not self.background:
            self._write(path, data, sources)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
            self._thread.start()
        self._queue.put((path, data, sources))

    def flush(self) -> None:
        if self.background:
            self._queue.join()

    def _run(self) -> None:
        while True:
            path, data, sources = self._queue.get()
            try:
                self._write(path, data, sources)
            except OSError as exc:
                self.errors.append(f"pending edits could not be written to {path}: {exc}")
            finally:
                self._queue.task_done()

    @staticmethod
    def _write(path: Path, data: dict[str, Any] | None, sources: list[str]) -> None:
        if data is None:
            path.unlink(missing_ok=True)
            return
        if sources:
            data = dict(data, sources={s: meta_fingerprint(Path(s)) for s in sources if Path(s).is_dir()})
        # indented while small enough to read; compact (the fast C encoder) for big datasets
        big = len(data.get("sigs") or ()) > 2000
        atomic_write_text(path, json.dumps(data) if big else json.dumps(data, indent=1))


class EditSession:
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
            sigs=episode_signatures(index),
        )
        notice = self._restore(journal)
        if rolled_back:
            notice = "; ".join([*rolled_back, *([notice] if notice else [])])
        return PreparedAttach(index, journal, notice, self._pending_new_datasets(root))

    def finish_attach(self, prepared: PreparedAttach) -> str | None:
        """The session side of attach (no file access): run it on the thread that owns the session."""
        journal = prepared.journal
        self.indexes[str(journal.root)] = prepared.index
        self.journals[journal.root] = journal
        notices = [prepared.notice] if prepared.notice else []
        self._seq = max([self._seq, *(op["seq"] for op in journal.ops)])
        for other in prepared.new_datasets:
            if other.root not in self.journals:
                self.journals[other.root] = other
                self._seq = max([self._seq, *(op["seq"] for op in other.ops)])
                notices.append(
                    f"restored {len(other.applied)} pending edit(s) for the new dataset {other.root}"
                )
        return "; ".join(notices) or None

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
        episodes = self.journal(root).episodes()
        if not any(e.uid == uid for e in episodes):
            count = len(self.journal(root).base)
            raise EditError(
                f"episode {episode_index} does not exist in {Path(root).name} "
                f"(episodes on disk: 0..{count - 1})"
                if count
                else f"{Path(root).name} has no episodes on disk"
            )
        return uid

    # ------------------------------------------------------------------ operations
    def delete(self, root: str | Path, uids: Sequence[str]) -> None:
        j = self.journal(root)
        uids = list(dict.fromkeys(uids))
        if not uids:
            raise EditError("no episode chosen to delete")
        self._commit([(j, {"kind": "delete", "uids": uids, "label": f"delete {self._names(j, uids)}"})])

    def restore(self, root: str | Path, uids: Sequence[str]) -> None:
        j = self.journal(root)
        self._commit(
            [(j, {"kind": "restore", "uids": list(uids), "label": f"restore {self._names(j, uids)}"})]
        )

    def trim(self, root: str | Path, uid: str, start: int, end: int) -> None:
        """Keep frames [start, end) of the episode's source (so a trim can be widened again)."""
        j = self.journal(root)
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "trim",
                        "uid": uid,
                        "start": int(start),
                        "end": int(end),
                        "label": f"trim {self._names(j, [uid])} to frames {start}..{int(end) - 1}",
                    },
                )
            ]
        )

    def move(self, root: str | Path, uid: str, position: int) -> None:
        j = self.journal(root)
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "move",
                        "uid": uid,
                        "to": int(position),
                        "label": f"move {self._names(j, [uid])} to position {position}",
                    },
                )
            ]
        )

    def swap(self, root: str | Path, uid_a: str, uid_b: str) -> None:
        j = self.journal(root)
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "swap",
                        "a": uid_a,
                        "b": uid_b,
                        "label": f"swap {self._names(j, [uid_a])} and {self._names(j, [uid_b])}",
                    },
                )
            ]
        )

    def duplicate(self, root: str | Path, uid: str) -> str:
        j = self.journal(root)
        episodes = j.episodes()
        i = _find(episodes, uid)
        seq = self._seq + 1
        new_uid = f"{seq}.0"
        payload = [episode_to_json(episodes[i], new_uid, episodes[i].badges | {DUPLICATED})]
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "insert",
                        "at": i + 1,
                        "episodes": payload,
                        "label": f"duplicate {self._names(j, [uid])}",
                    },
                )
            ]
        )
        return new_uid

    def carve(self, root: str | Path, uid: str, segments: Sequence[tuple[int, int]]) -> list[str]:
        """Several segments of one episode, each a new episode after it (source frames [start, end))."""
        j = self.journal(root)
        episodes = j.episodes()
        i = _find(episodes, uid)
        e = episodes[i]
        if not segments:
            raise EditError("no segment given to carve")
        seq = self._seq + 1
        payload = []
        for k, (start, end) in enumerate(segments):
            if not 0 <= int(start) < int(end) <= e.source_length:
                raise EditError(
                    f"segment {start}:{end} is outside the episode (0 <= START < END <= {e.source_length})"
                )
            piece = replace(e, slice=replace(e.slice, start=int(start), end=int(end)))
            badges = {DUPLICATED} | ({TRIMMED} if piece.trimmed else set())
            payload.append(episode_to_json(piece, f"{seq}.{k}", badges))
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "insert",
                        "at": i + 1,
                        "episodes": payload,
                        "label": f"carve {len(segments)} segment(s) from {self._names(j, [uid])}",
                    },
                )
            ]
        )
        return [p["uid"] for p in payload]

    def copy(
        self,
        src_root: str | Path,
        uids: Sequence[str],
        dst_root: str | Path,
        *,
        position: int | None = None,
        move: bool = False,
    ) -> list[str]:
        """Copy (or move) episodes to another open dataset; schemas must match."""
        src, dst = self.journal(src_root), self.journal(dst_root)
        if src.root == dst.root:
            raise EditError("source and destination are the same dataset; use duplicate or move instead")
        self.check_compatible(src, dst)
        episodes = src.episodes()
        chosen = [episodes[_find(episodes, uid)] for uid in uids]
        if not chosen:
            raise EditError("no episode chosen to copy")
        if any(e.deleted for e in chosen):
            raise EditError("a deleted episode cannot be copied; restore it first")
        seq = self._seq + 1
        badge = MOVED if move else COPIED
        payload = [
            episode_to_json(e, f"{seq}.{k}", {badge} | ({TRIMMED} if e.trimmed else set()))
            for k, e in enumerate(chosen)
        ]
        verb = "move" if move else "copy"
        names = self._names(src, uids)
        ops = [
            (
                dst,
                {
                    "kind": "insert",
                    "at": position,
                    "episodes": payload,
                    "label": f"{verb} {names} from {src.root.name}",
                },
            )
        ]
        if move:
            ops.append(
                (src, {"kind": "delete", "uids": list(uids), "label": f"move {names} to {dst.root.name}"})
            )
        self._commit(ops)
        return [p["uid"] for p in payload]

    def create_empty(self, new_root: str | Path, template_root: str | Path) -> Path:
        """A new, empty dataset (written on Save) with the schema of an open dataset."""
        template = self.journal(template_root)
        new_root = Path(new_root).expanduser().resolve()
        if new_root.exists():
            raise EditError(f"{new_root} already exists; choose a new folder")
        if new_root in self.journals:
            raise EditError(f"{new_root} is already a pending new dataset")
        info = dict(template.info)
        journal = Journal(new_root, info, [], on_disk=False, template_root=str(template.root))
        self.journals[new_root] = journal
        try:
            self._commit(
                [
                    (
                        journal,
                        {
                            "kind": "insert",
                            "at": 0,
                            "episodes": [],
                            "label": f"create {new_root.name} with the schema of {template.root.name}",
                        },
                    )
                ]
            )
        except Exception:
            del self.journals[new_root]
            raise
        return new_root

    def merge(self, dst_root: str | Path, src_roots: Sequence[str | Path]) -> None:
        """Append every kept episode of the sources to dst (one undo step)."""
        dst = self.journal(dst_root)
        sources = [self.journal(r) for r in src_roots]
        for src in sources:
            if src.root == dst.root:
                raise EditError("a dataset cannot be merged into itself")
            self.check_compatible(src, dst)
        seq = self._seq + 1
        payload = []
        for src in sources:
            for e in src.kept():
                badges = {COPIED} | ({TRIMMED} if e.trimmed else set())
                payload.append(episode_to_json(e, f"{seq}.{len(payload)}", badges))
        if not payload:
            raise EditError("the datasets to merge hold no episodes")
        names = ", ".join(s.root.name for s in sources)
        self._commit([(dst, {"kind": "insert", "at": None, "episodes": payload, "label": f"merge {names}"})])

    def split(
        self,
        src_root: str | Path,
        parts: dict[str, Sequence[str]] | dict[str, float],
        out_dir: str | Path,
    ) -> list[Path]:
        """New datasets <out_dir>/<name>, each with some of src's kept episodes (uids or fractions)."""
        src = self.journal(src_root)
        kept = src.kept()
        if not parts:
            raise EditError("no split given")
        if all(isinstance(v, float | int) and not isinstance(v, bool) for v in parts.values()):
            groups = _fractions_to_uids([e.uid for e in kept], {k: float(v) for k, v in parts.items()})
        else:
            groups = {name: list(uids) for name, uids in parts.items()}  # type: ignore[arg-type]
        seen: set[str] = set()
        by_uid = {e.uid: e for e in kept}
        for name, uids in groups.items():
            if not uids:
                raise EditError(f"split {name!r} has no episodes")
            for uid in uids:
                if uid not in by_uid:
                    raise EditError(f"split {name!r}: {uid!r} is not a kept episode of {src.root.name}")
                if uid in seen:
                    raise EditError(f"episode {uid!r} is in more than one split")
                seen.add(uid)
        out_dir = Path(out_dir).expanduser().resolve()
        targets = {name: out_dir / name for name in groups}
        for path in targets.values():
            if path.exists() or path in self.journals:
                raise EditError(f"{path} already exists; choose another output folder")
        seq = self._seq + 1
        ops = []
        for name, uids in groups.items():
            journal = Journal(targets[name], dict(src.info), [], on_disk=False, template_root=str(src.root))
            payload = [
                episode_to_json(
                    by_uid[u], f"{seq}.{k}", {COPIED} | ({TRIMMED} if by_uid[u].trimmed else set())
                )
                for k, u in enumerate(uids)
            ]
            ops.append(
                (
                    journal,
                    {
                        "kind": "insert",
                        "at": 0,
                        "episodes": payload,
                        "label": f"split {len(uids)} episode(s) of {src.root.name} into {name}",
                    },
                )
            )
        for journal, _ in ops:
            self.journals[journal.root] = journal
        try:
            self._commit(ops)
        except Exception:
            for journal, _ in ops:
                self.journals.pop(journal.root, None)
            raise
        return list(targets.values())

    def set_task(self, root: str | Path, uids: Sequence[str], text: str) -> None:
        """Give the episodes one task (every frame); also fixes a single episode's task."""
        j = self.journal(root)
        uids = list(dict.fromkeys(uids))
        if not uids:
            raise EditError("no episode chosen to set the task of")
        text = str(text).strip()
        label = f"set the task of {self._names(j, uids)} to {text!r}"
        self._commit([(j, {"kind": "set_task", "uids": uids, "task": text, "label": label})])

    def rename_task(self, root: str | Path, old: str, new: str) -> int:
        """Rename a task text in every episode of the dataset; returns how many episodes had it."""
        from leropilot_gl.dataset.tasks import task_counts

        j = self.journal(root)
        new = str(new).strip()
        counts = dict(task_counts(self, j.root))
        if old not in counts:
            known = ", ".join(repr(t) for t in counts) or "none"
            raise EditError(f"no episode of {j.root.name} has the task {old!r} (tasks: {known})")
        if old == new:
            raise EditError(f"the task is already called {new!r}")
        label = f"rename task {old!r} to {new!r}"
        self._commit([(j, {"kind": "rename_task", "old": old, "new": new, "label": label})])
        return counts[old]

    def set_frames(
        self, root: str | Path, uid: str, feature: str, start: int, end: int, value: float | bool
    ) -> None:
        """Set a per-frame mark (next.reward / next.success / next.done) on source frames [start, end);
        value 0 (or False) clears the range."""
        j = self.journal(root)
        spec = (j.info.get("features") or {}).get(feature)
        if feature not in FRAME_MARK_FEATURES:
            raise EditError(f"only {', '.join(FRAME_MARK_FEATURES)} can be marked, not {feature!r}")
        if not isinstance(spec, dict):
            have = [f for f in FRAME_MARK_FEATURES if f in (j.info.get("features") or {})]
            raise EditError(f"{j.root.name} has no {feature!r} (it has: {', '.join(have) or 'none of them'})")
        shown = bool(value) if spec.get("dtype") == "bool" else f"{float(value):g}"
        label = f"set {feature} = {shown} on frames {start}..{int(end) - 1} of {self._names(j, [uid])}"
        op = {"kind": "set_frames", "uid": uid, "feature": feature, "start": int(start), "end": int(end)}
        self._commit([(j, dict(op, value=float(value), label=label))])

    def set_annotations(
        self, root: str | Path, uid: str, source: str, track: str, rows: list[dict[str, Any]], label: str
    ) -> None:
        """Replace one annotation track of an episode (dataset/annotations.py builds the rows)."""
        j = self.journal(root)
        op = {"kind": "annotate", "uid": uid, "source": source, "track": track, "rows": rows}
        self._commit([(j, dict(op, label=label))])

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
        j._cache = None
        self.writer.submit(journal_path(self.journal_dir, j.root), None, [])
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
    def mark_saved(self, root: str | Path, index: DatasetIndex, fingerprint: str | None = None) -> None:
        """The dataset on disk now holds the edits: start a fresh, empty journal over it.

        fingerprint: the saved dataset's, from the save job (SaveResult.fingerprint), so the
        thread that owns the session never hashes meta/."""
        root = Path(root).resolve()
        fingerprint = fingerprint or read_fingerprint(index)
        self.writer.submit(journal_path(self.journal_dir, root), None, [])
        self.indexes[str(root)] = index
        self.journals[root] = Journal(
            root,
            dict(index.info),
            base_episodes_for(index, root),
            True,
            fingerprint if fingerprint else meta_fingerprint(root),
            sigs=episode_signatures(index),
        )

    def grow(self, root: str | Path, index: DatasetIndex, fingerprint: str | None = None) -> str | None:
        """The dataset gained episodes on disk (a recording): the journal's base follows the new
        index. Edits name episodes by uid, not position, so they still apply; a notice says when
        they do not (then nothing changes). fingerprint: the new meta fingerprint, when known."""
        root = Path(root).resolve()
        j = self.journals.get(root)
        if j is None:
            return None
        before = (j.base, j.fingerprint, self.indexes.get(str(root)))
        j.base, j._cache = base_episodes_for(index, root), None
        if fingerprint is None:
            fingerprint = read_fingerprint(index)  # taken before this index was read
        if fingerprint is not None:
            j.fingerprint = fingerprint
        try:
            j.episodes()
        except EditError as exc:
            j.base, j.fingerprint, j._cache = before[0], before[1], None
            return f"{root.name} grew on disk, but its pending edits no longer apply to it ({exc})"
        self.indexes[str(root)] = index
        if j.ops:
            self._persist(j)
        return None

    def write_marker(self, root: Path, new_fingerprint: str) -> None:
        """Record, before the swap, what the dataset will look like once the save has landed."""
        j = self.journal(root)
        self.writer.flush()
        self._persist(j, saving=new_fingerprint, now=True)

    # ------------------------------------------------------------------ internals
    def _commit(self, ops: list[tuple[Journal, dict[str, Any]]]) -> None:
        """Validate every op on its journal, then append all of them as one group and persist."""
        previews = {}
        for j, op in ops:
            current = previews.get(j.root, j.episodes())
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
                del j.ops[j.cursor :]
                self._persist(j)
        for j, op in ops:
            op = dict(op, seq=self._seq, group=group)
            self._seq += 1
            del j.ops[j.cursor :]
            j.ops.append(op)
            j.cursor = len(j.ops)
            # the preview is the new working list: no replay of every op from the base
            j._cache = (j.cursor, previews[j.root])
        for j in {id(j): j for j, _ in ops}.values():
            self._persist(j)

    def _unsaveable(self, j: Journal, episodes: list[WorkingEpisode]) -> str | None:
        """Why a save of this working list would be refused (unreadable data), said at edit time."""
        # Unreadable episodes come from the problem lists: with none (the usual case) no episode
        # of a 100,000-episode list is looked at.
        unusable = {root: bad for root, index in self.indexes.items() if (bad := _unusable_episodes(index))}
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
        episodes = j.episodes()
        names = []
        for uid in uids:
            i = _find(episodes, uid)
            names.append(episode_label(episodes[i], i))
        return ", ".join(names) if len(names) <= 4 else f"{len(names)} episodes"

    def _persist(self, j: Journal, saving: str | None = None, *, now: bool = False) -> None:
        """Hand the journal's current state to the writer (a snapshot: later edits do not leak in)."""
        path = journal_path(self.journal_dir, j.root)
        if not j.ops and j.on_disk and saving is None:
            self.writer.submit(path, None, [])
            return
        # A copy of what edits change (the op list, the small info); the per-episode signatures of
        # a 100,000-episode dataset are shared, never changed in place (a JSON round trip cost seconds).
        data = dict(j.to_json(), ops=[dict(op) for op in j.ops], sigs=dict(j.sigs))
        if data.get("info") is not None:
            data["info"] = json.loads(json.dumps(data["info"]))
        if saving is not None:
            data["saving"] = saving
        sources = sorted(j.sources()) if j.on_disk else []
        if now:
            JournalWriter._write(path, data, sources)
        else:
            self.writer.submit(path, data, sources)

    def flush(self) -> None:
        """Wait until every journal file is on disk (before exit; tests)."""
        self.writer.flush()

    def _restore(self, j: Journal) -> str | None:
        path = journal_path(self.journal_dir, j.root)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            ops, cursor = list(data["ops"]), int(data["cursor"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _set_aside(path)
            return f"the pending edits of {j.root.name} could not be read ({exc}); they were set aside"
        if data.get("saving") and data["saving"] == j.fingerprint:
            path.unlink(missing_ok=True)  # the save landed; its journal is done
            return f"the last save of {j.root.name} completed"
        if data.get("fingerprint") != j.fingerprint:
            return self._reapply(j, path, data, ops, cursor)
        j.ops, j.cursor, j._cache = ops, min(cursor, len(ops)), None
        try:
            j.episodes()
        except EditError as exc:
            j.ops, j.cursor, j._cache = [], 0, None
            kept = _set_aside(path)
            return f"the pending edits of {j.root.name} no longer apply ({exc}); kept in {kept.name}"
        return f"restored {j.cursor} pending edit(s) of {j.root.name}"

    def _reapply(
        self, j: Journal, path: Path, data: dict[str, Any], ops: list[dict[str, Any]], cursor: int
    ) -> str:
        """The dataset changed on disk under its journal: say what changed, re-apply the edits
        whose episodes are unchanged, and set the others aside (listed, kept in a file)."""
        old = data.get("sigs")
        kept_file = _set_aside(path)  # the whole journal stays recoverable, whatever follows
        if data.get("schema") != schema_key(j.info):
            return (
                f"{j.root.name} changed on disk (its fps, robot or features) since its {len(ops)} pending "
                f"edit(s) were made; they were not applied (kept in {kept_file.name})"
            )
        if not isinstance(old, dict):
            return (
                f"{j.root.name} changed on disk since its {len(ops)} pending edit(s) were made; "
                f"they were not applied (kept in {kept_file.name})"
            )
        new = j.sigs
        added = sorted(set(new) - set(old), key=lambda u: int(u[1:]))
        removed = sorted(set(old) - set(new), key=lambda u: int(u[1:]))
        rewritten = sorted((u for u in set(old) & set(new) if old[u] != new[u]), key=lambda u: int(u[1:]))
        changed = set(removed) | set(rewritten)
        applied: list[dict[str, Any]] = []
        aside: list[str] = []
        episodes = list(j.base)
        for op in ops[:cursor]:
            if op_references(op, str(j.root)) & changed:
                aside.append(op.get("label", op.get("kind", "?")))
                continue
            try:
                episodes = apply_op(episodes, op)
            except (EditError, KeyError, TypeError, ValueError):
                aside.append(op.get("label", op.get("kind", "?")))
                continue
            applied.append(op)
        j.ops, j.cursor, j._cache = applied, len(applied), None
        if applied:
            self._persist(j)

        def names(uids: list[str]) -> str:
            return ", ".join(u[1:] for u in uids[:8]) + (" ..." if len(uids) > 8 else "")

        what = [
            f"{label} {names(uids)}"
            for label, uids in (
                ("episodes added:", added),
                ("removed:", removed),
                ("rewritten:", rewritten),
            )
            if uids
        ]
        text = f"{j.root.name} changed on disk ({'; '.join(what) or 'files rewritten'})"
        text += f"; re-applied {len(applied)} of {cursor} pending edit(s)"
        if aside:
            text += f"; set aside: {', '.join(aside)} (kept in {kept_file})"
        return text

    def _pending_new_datasets(self, root: Path) -> list[Journal]:
        """Journals of datasets not written yet whose episodes come from root."""
        out = []
        if not self.journal_dir.is_dir():
            return out
        for path in sorted(self.journal_dir.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if data.get("on_disk", True) or not isinstance(data.get("info"), dict):
                continue
            j = Journal(
                Path(data["root"]),
                data["info"],
                [],
                on_disk=False,
                ops=list(data["ops"]),
                cursor=int(data["cursor"]),
                template_root=data.get("template_root"),
            )
            try:
                used = {d["source_root"] for op in j.ops for d in op.get("episodes", ())}
                if str(root) in used | {j.template_root} and not j.root.exists():
                    j.episodes()
                    out.append(j)
            except (EditError, KeyError, TypeError, ValueError):
                continue
        return out


def pending_roots(journal_dir: str | Path | None = None) -> list[Path]:
    """Datasets on disk whose journal holds applied edits (reopened at the next launch)."""
    folder = Path(journal_dir) if journal_dir is not None else default_journal_dir()
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        if ".stale-" in path.name:
            continue  # set aside: listed in a notice, not reopened
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            root = Path(data["root"])
            applied = int(data["cursor"]) > 0
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if applied and data.get("on_disk", True) and not data.get("saving") and root.is_dir():
            out.append(root)
    return out


def base_episodes_for(index: DatasetIndex, root: Path) -> list[WorkingEpisode]:
    return base_episodes(index, str(root))


def episode_label(e: WorkingEpisode, position: int | None = None) -> str:
    """How the UI and the CLI name a working episode: its source episode, and its range when cut."""
    s = e.slice
    name = f"episode {s.source_episode}"
    if not e.uid.startswith("e") or e.trimmed:
        name += f" [{s.start}:{s.end}]"
    return name


def _fractions_to_uids(uids: list[str], fractions: dict[str, float]) -> dict[str, list[str]]:
    if any(f <= 0 for f in fractions.values()) or sum(fractions.values()) > 1.0 + 1e-9:
        raise EditError("split fractions must be > 0 and sum to at most 1")
    out, start = {}, 0
    names = list(fractions)
    for k, name in enumerate(names):
        count = round(fractions[name] * len(uids))
        if k == len(names) - 1 and math.isclose(sum(fractions.values()), 1.0):
            count = len(uids) - start
        out[name] = uids[start : start + count]
        start += count
    return out


def _set_aside(path: Path) -> Path:
    kept = path.with_suffix(f".stale-{os.getpid()}.json")
    with contextlib.suppress(OSError):
        os.replace(path, kept)
    return kept
