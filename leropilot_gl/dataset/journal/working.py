"""Journal: the ordered operations on one dataset, and the working list replayed from them, cached
per cursor so an undo or a redo replays only the operations between two cached lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leropilot_gl.dataset.journal.fingerprint import episode_signatures
from leropilot_gl.dataset.journal.ops import (
    EditError,
    WorkingEpisode,
    apply_op,
    find_position,
    paused_gc,
    schema_key,
)
from leropilot_gl.dataset.model import DatasetIndex

CACHED_LISTS = 8  # working lists kept per journal: 100,000 episodes cost 0.8 MB of pointers each
JOURNAL_FORMAT = 2  # 1: one JSON file rewritten per edit; 2: a base snapshot plus an append-only log


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
    # the index the signatures are read from when first needed (a base write, a re-apply): not
    # on the thread that attaches or marks a save, and not at all when the journal stays empty
    sig_source: DatasetIndex | None = field(default=None, repr=False)
    # cursor -> the working list at that cursor, for the few most recent cursors (undo and redo
    # walk between them without replaying every op from the base)
    _lists: dict[int, list[WorkingEpisode]] = field(default_factory=dict, repr=False)
    # uid -> position, and (source root, source episode) -> first kept position, of one working
    # list: each made on first use per version (an edit needs neither)
    _uid_lookup: tuple[list[WorkingEpisode], dict[str, int]] | None = field(default=None, repr=False)
    _source_lookup: tuple[list[WorkingEpisode], dict[tuple[str, int], int]] | None = field(
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
        cached = self._lists.get(self.cursor)
        if cached is not None:
            return cached
        # replay from the nearest cached list below the cursor (the base when there is none)
        start = max((c for c in self._lists if c < self.cursor), default=0)
        # the base itself at cursor 0 (nothing changes a working list in place): no copy
        episodes = self._lists[start] if start else self.base
        for op in self.ops[start : self.cursor]:
            episodes = apply_op(episodes, op)
        self.remember(self.cursor, episodes)
        return episodes

    def remember(self, cursor: int, episodes: list[WorkingEpisode]) -> None:
        """Keep the working list at cursor (an edit's preview becomes its list without a replay)."""
        self._lists[cursor] = episodes
        if len(self._lists) > CACHED_LISTS:
            del self._lists[_farthest(self._lists, cursor)]

    def forget_lists(self, above: int = -1) -> None:
        """Drop the cached working lists past cursor `above` (all of them by default): the ops
        there changed (a new edit ended a redo branch) or the base did (a reload)."""
        for c in [c for c in self._lists if c > above]:
            del self._lists[c]

    def cut_redo(self) -> None:
        """A new edit ends the redo branch: the undone ops go."""
        del self.ops[self.cursor :]
        self.forget_lists(self.cursor)

    @property
    def version(self) -> tuple[int, int, int]:
        """Changes whenever the working list may have changed (an edit, an undo, a redo, a reload)."""
        working = self.working()
        return (id(working), self.cursor, len(self.ops))

    def _by_uid(self) -> dict[str, int]:
        working = self.working()
        if self._uid_lookup is None or self._uid_lookup[0] is not working:
            self._uid_lookup = (working, {e.uid: i for i, e in enumerate(working)})
        return self._uid_lookup[1]

    def position_of(self, uid: str) -> int | None:
        """Where uid is in the working list; O(1) after the first call per version."""
        return self._by_uid().get(uid)

    def locate(self, uid: str) -> int | None:
        """position_of for one lookup: a scan unless the lookup of this version is made already
        (an edit of a 100,000-episode list should not pay for a dict the UI may never ask for)."""
        working = self.working()
        if self._uid_lookup is not None and self._uid_lookup[0] is working:
            return self._uid_lookup[1].get(uid)
        try:
            return find_position(working, uid)
        except EditError:
            return None

    def first_playing(self, source_root: str, source_episode: int) -> int | None:
        """The first kept working episode cut from that source episode, O(1) per version."""
        working = self.working()
        if self._source_lookup is None or self._source_lookup[0] is not working:
            by_source: dict[tuple[str, int], int] = {}
            for i, e in enumerate(working):
                if not e.deleted:
                    by_source.setdefault((e.slice.source_root, e.slice.source_episode), i)
            self._source_lookup = (working, by_source)
        return self._source_lookup[1].get((str(source_root), int(source_episode)))

    def warm(self) -> None:
        """Make what the UI reads on its first frame (the working list, the kept episodes and the
        lookups): on a worker, before the journal is handed to the thread that owns the session."""
        with paused_gc():
            self.working()
            self.kept_view()
            self._by_uid()
            self.first_playing("", -1)

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
        return {e.slice.source_root for e in self.working() if e.slice.source_root != own}

    def signatures(self) -> dict[str, list[Any]]:
        """sigs, read from sig_source on first use (safe on any thread: the result is the same)."""
        if not self.sigs and self.sig_source is not None:
            self.sigs = episode_signatures(self.sig_source)
        return self.sigs

    def to_json(self, *, sigs: bool = True) -> dict[str, Any]:
        """The whole journal as JSON data; sigs=False leaves out the per-episode signatures."""
        out = {
            "format": JOURNAL_FORMAT,
            "root": str(self.root),
            "on_disk": self.on_disk,
            "fingerprint": self.fingerprint,
            "info": None if self.on_disk else self.info,
            "template_root": self.template_root,
            "ops": self.ops,
            "cursor": self.cursor,
            "schema": schema_key(self.info),
        }
        if sigs:
            out["sigs"] = self.signatures()
        return out


def _farthest(lists: dict[int, list[WorkingEpisode]], cursor: int) -> int:
    """The cached cursor farthest from the current one (the least likely to be walked back to)."""
    return max(lists, key=lambda c: abs(c - cursor))
