"""The rows of the episode list as columns: filter and sort them in numpy, whatever their number.

Two sources give rows: the episodes on disk (a DatasetIndex) and the journal's working list (pending
edits). Both become RowColumns, so the tree filters, sorts and selects them the same way. Row ids
are the journal's uids: `e<N>` is episode N on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from leropilot_gl.dataset.journal import WorkingEpisode
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.paths import resolved

SORT_KEYS = ("order", "episode", "length", "task", "problems", "doctor")


@dataclass(frozen=True)
class EpisodeFilter:
    text: str = ""  # digits match the episode index; any text matches the tasks (case-insensitive)
    min_length: int = 0
    max_length: int = 0  # 0: no upper limit
    problems_only: bool = False

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or self.min_length > 0 or self.max_length > 0 or self.problems_only


@dataclass
class RowColumns:
    """One entry per row, in list order."""

    index: DatasetIndex  # the dataset the rows belong to
    episode_index: np.ndarray  # int64: the source episode (on disk) of each row
    length: np.ndarray  # int64
    problem_count: np.ndarray  # int64: problems of the source episode (0 for other datasets' rows)
    worst: np.ndarray  # int8: worst severity of those problems, -1 when none
    source_pos: np.ndarray  # int64: row of the source episode in its dataset's table, -1 elsewhere
    uids: Sequence[str] | None = None  # None: `e<episode_index>` (episodes on disk)
    working: Sequence[WorkingEpisode] | None = None
    _uid_rows: dict[str, int] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.episode_index)

    def uid(self, row: int) -> str:
        return self.uids[row] if self.uids is not None else f"e{int(self.episode_index[row])}"

    def row_of(self, uid: str) -> int | None:
        if self.uids is None:
            if not uid.startswith("e") or not uid[1:].isdigit():
                return None
            return self.index.table.position(int(uid[1:]))
        if self._uid_rows is None:
            self._uid_rows = {u: i for i, u in enumerate(self.uids)}
        return self._uid_rows.get(uid)

    def order(
        self,
        flt: EpisodeFilter,
        sort_key: str = "order",
        *,
        ascending: bool = True,
        visible: np.ndarray | None = None,
        doctor: np.ndarray | None = None,
    ) -> np.ndarray:
        """Rows that pass the filter, sorted (stable), as row numbers.

        visible: a row mask from elsewhere (the Tasks tab's filter); doctor: per row the worst
        severity of the doctor's findings (-1: none), what the "doctor" key sorts by."""
        n = len(self)
        keep = np.ones(n, dtype=bool) if visible is None else np.asarray(visible, dtype=bool).copy()
        if flt.min_length > 0:
            keep &= self.length >= flt.min_length
        if flt.max_length > 0:
            keep &= self.length <= flt.max_length
        if flt.problems_only:
            keep &= self.problem_count > 0
        text = flt.text.strip()
        if text:
            keep &= self._text_matches(text)
        rows = np.flatnonzero(keep)
        if sort_key == "order" or sort_key not in SORT_KEYS:
            values = None
        elif sort_key == "episode":
            values = self.episode_index[rows]
        elif sort_key == "length":
            values = self.length[rows]
        elif sort_key == "doctor":
            values = (doctor if doctor is not None else np.full(n, -1, dtype=np.int64))[rows].astype(np.int64)
        elif sort_key == "problems":
            values = self.worst[rows].astype(np.int64) * (1 << 32) + self.problem_count[rows]
        else:
            ranks = self.index.table.first_task_rank()
            values = np.where(self.source_pos[rows] >= 0, ranks[np.maximum(self.source_pos[rows], 0)], -1)
        if values is not None:
            rows = rows[np.argsort(values if ascending else -values, kind="stable")]
        elif not ascending:
            rows = rows[::-1]
        return rows

    def _text_matches(self, text: str) -> np.ndarray:
        hit = np.zeros(len(self), dtype=bool)
        if text.isdigit():
            hit |= np.char.find(self.episode_index.astype(str), text) >= 0
        tasks = self.index.table.task_text_matches(text)
        own = self.source_pos >= 0
        hit[own] |= tasks[self.source_pos[own]]
        return hit


def _problem_columns(index: DatasetIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per table row: how many problems its episode has, and the worst severity (-1: none)."""
    n = len(index.table)
    count = np.zeros(n, dtype=np.int64)
    worst = np.full(n, -1, dtype=np.int8)
    for episode_index in index.episodes_with_problems():
        pos = index.table.position(episode_index)
        if pos is None:
            continue
        problems = index.problems_for(episode_index)
        count[pos] = len(problems)
        worst[pos] = max(int(p.severity) for p in problems)
    return count, worst


def rows_on_disk(index: DatasetIndex) -> RowColumns:
    count, worst = _problem_columns(index)
    return RowColumns(
        index=index,
        episode_index=index.table.episode_index,
        length=index.table.length,
        problem_count=count,
        worst=worst,
        source_pos=np.arange(len(index.table), dtype=np.int64),
    )


def rows_working(index: DatasetIndex, working: Sequence[WorkingEpisode]) -> RowColumns:
    """Rows of the journal's working list of `index`'s dataset (deleted ones kept, struck through)."""
    own = str(resolved(index.root))
    n = len(working)
    base_columns = getattr(working, "columns", None)  # journal.BaseEpisodes: an untouched base list
    if base_columns is not None and len(base_columns[1]) == n and str(resolved(base_columns[0])) == own:
        # No edits yet: the rows are the columns the base was made from (no walk over every episode).
        episode_index, length = base_columns[1], base_columns[2]
        is_own = np.ones(n, dtype=bool)
    else:
        episode_index = np.fromiter((e.slice.source_episode for e in working), dtype=np.int64, count=n)
        length = np.fromiter((e.length for e in working), dtype=np.int64, count=n)
        is_own = np.fromiter((e.slice.source_root == own for e in working), dtype=bool, count=n)
    table = index.table
    source_pos = np.full(n, -1, dtype=np.int64)
    if n and is_own.any():
        eps = episode_index[is_own]
        pos = np.searchsorted(table.episode_index, eps)
        pos = np.minimum(pos, max(len(table) - 1, 0))
        found = table.episode_index[pos] == eps if len(table) else np.zeros(len(eps), dtype=bool)
        source_pos[np.flatnonzero(is_own)[found]] = pos[found]
    count_all, worst_all = _problem_columns(index)
    has = source_pos >= 0
    count = np.zeros(n, dtype=np.int64)
    worst = np.full(n, -1, dtype=np.int8)
    count[has] = count_all[source_pos[has]]
    worst[has] = worst_all[source_pos[has]]
    return RowColumns(
        index=index,
        episode_index=episode_index,
        length=length,
        problem_count=count,
        worst=worst,
        source_pos=source_pos,
        uids=[e.uid for e in working],
        working=working,
    )


def worst_label(worst: int) -> str:
    return Severity(worst).label if worst >= 0 else ""
