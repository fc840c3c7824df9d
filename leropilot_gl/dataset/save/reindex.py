"""Where the episodes of a plan come from, as columns, and their rows re-indexed for the new
dataset (episode_index, frame_index, index, timestamp, task_index)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.journal import EditError, WorkingEpisode
from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pq = lazy_module("pyarrow.parquet")


class PlanSources:
    """Where each episode of a plan comes from, as columns (checked once, vectorized)."""

    def __init__(self, episodes: list[WorkingEpisode], indexes: dict[str, DatasetIndex]) -> None:
        n = len(episodes)
        self.indexes = indexes
        self.roots = list(dict.fromkeys(e.slice.source_root for e in episodes))
        ids = {r: i for i, r in enumerate(self.roots)}
        self.root_id = np.fromiter((ids[e.slice.source_root] for e in episodes), np.int64, n)
        self.source_episode = np.fromiter((e.slice.source_episode for e in episodes), np.int64, n)
        self.start = np.fromiter((e.slice.start for e in episodes), np.int64, n)
        self.end = np.fromiter((e.slice.end for e in episodes), np.int64, n)
        self.plain = np.fromiter((not e.annotations and not e.frame_values for e in episodes), bool, n)
        self.pos = np.zeros(n, dtype=np.int64)
        self._indexes: list[DatasetIndex] = []
        bad = np.zeros(n, dtype=bool)
        for i, root in enumerate(self.roots):
            index = indexes.get(root)
            if index is None:
                raise EditError(f"{root} is not open")
            self._indexes.append(index)
            here = np.flatnonzero(self.root_id == i)
            eps = index.table.episode_index
            pos = np.clip(np.searchsorted(eps, self.source_episode[here]), 0, max(len(eps) - 1, 0))
            if len(eps) == 0 or (eps[pos] != self.source_episode[here]).any():
                p = here[eps[pos] != self.source_episode[here]][0] if len(eps) else here[0]
                raise EditError(f"episode {self.source_episode[p]} is not in {index.root}")
            self.pos[here] = pos
            unusable = [
                p.episode_index
                for p in index.problems
                if p.severity is Severity.ERROR and p.camera is None and p.episode_index is not None
            ]
            bad[here] = np.isin(self.source_episode[here], np.array(unusable, dtype=np.int64))
        if bad.any():
            p = int(np.flatnonzero(bad)[0])
            raise EditError(
                f"episode {self.source_episode[p]} of {self.index_of(p).root.name} has unreadable data; delete it first"
            )
        lengths = np.zeros(n, dtype=np.int64)
        for i, index in enumerate(self._indexes):
            here = self.root_id == i
            lengths[here] = index.table.length[self.pos[here]]
        over = np.flatnonzero(self.end > lengths)
        if len(over):
            p = int(over[0])
            raise EditError(
                f"episode {self.source_episode[p]} of {self.index_of(p).root.name} has {lengths[p]} frames, "
                f"not {self.end[p]}"
            )
        self.data_file = np.zeros(n, dtype=np.int64)
        for i, index in enumerate(self._indexes):
            here = self.root_id == i
            self.data_file[here] = index.table.data_file[self.pos[here]]

    def index_of(self, p: int) -> DatasetIndex:
        return self._indexes[int(self.root_id[p])]

    def episode(self, p: int) -> EpisodeIndex:
        return self.index_of(p).episodes[int(self.pos[p])]

    def video_files(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Per plan episode: its file id for camera key (-1: none) and its source start there."""
        files = np.full(len(self.pos), -1, dtype=np.int64)
        starts = np.zeros(len(self.pos), dtype=np.float64)
        for i, index in enumerate(self._indexes):
            vc = index.table.videos.get(key)
            if vc is None:
                continue
            here = self.root_id == i
            files[here] = vc.file[self.pos[here]]
            starts[here] = vc.from_s[self.pos[here]]
        return files, starts

    def runs(
        self, episodes: list[WorkingEpisode], tables: TableCache, data_limit: float
    ) -> Iterator[tuple[int, int]]:
        """(first, last): consecutive plan episodes of one data file and one task naming, short
        enough for one output data file; an episode with its own edits is a run of one."""
        n = len(episodes)
        if n == 0:
            return
        # Where a run must stop whatever its size: an episode with its own edits (before and
        # after it), or another dataset, data file or task naming than the episode before.
        naming = [(e.task, e.task_renames) for e in episodes]
        same = np.fromiter((a == b for a, b in zip(naming, naming[1:], strict=False)), bool, n - 1)
        same &= (self.root_id[1:] == self.root_id[:-1]) & (self.data_file[1:] == self.data_file[:-1])
        same &= self.plain[1:] & self.plain[:-1]
        stops = np.r_[np.flatnonzero(~same) + 1, n]
        rows = np.cumsum(self.end - self.start)  # rows of episodes 0..i
        first = 0
        for stop in stops.tolist():
            while first < stop:
                if not self.plain[first]:
                    yield first, first + 1
                    first += 1
                    continue
                whole = tables.get(self.index_of(first).table.data_paths[int(self.data_file[first])])
                max_rows = max(1, int(data_limit / max(whole.nbytes / max(whole.num_rows, 1), 1e-9)))
                # the longest run from first whose rows fit (always at least one episode)
                before = int(rows[first - 1]) if first else 0
                last = int(np.searchsorted(rows, before + max_rows, side="right"))
                last = min(max(last, first + 1), stop)
                yield first, last
                first = last


def set_columns(table: pa.Table, columns: dict[str, pa.Array]) -> pa.Table:
    for key, values in columns.items():
        if key in table.column_names:
            pos = table.column_names.index(key)
            field_type = table.schema.field(key).type
            table = table.set_column(pos, pa.field(key, field_type), values.cast(field_type))
        else:
            table = table.append_column(key, values)
    return table


class TableCache:
    """The last data file read (episodes of one file come one after another)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.table: pa.Table | None = None

    def get(self, path: Path) -> pa.Table:
        if path != self.path:
            self.table = pq.read_table(path, memory_map=True)
            self.path = path
        assert self.table is not None
        return self.table


def reindex_episode(
    table: pa.Table,
    episode_index: int,
    first_index: int,
    fps: float,
    task_names: dict[int, str],
    tasks: dict[str, int],
    src: EpisodeIndex,
    info: dict[str, Any],
) -> tuple[pa.Table, list[str]]:
    n = table.num_rows
    frame = np.arange(n, dtype=np.int64)
    ts_type = pa.float32() if info["features"][L.TIMESTAMP].get("dtype") == "float32" else pa.float64()
    ep_tasks: list[str] = []
    if L.TASK_INDEX in table.column_names:
        old = table.column(L.TASK_INDEX).to_numpy()
        mapping = {}
        for value in np.unique(old):
            name = task_names.get(int(value)) or (src.tasks[0] if src.tasks else f"task {int(value)}")
            mapping[int(value)] = tasks.setdefault(name, len(tasks))
        new_tasks = np.array([mapping[int(v)] for v in old], dtype=np.int64) if n else old.astype(np.int64)
        seen = dict.fromkeys(old.tolist())
        ep_tasks = [next(k for k, v in tasks.items() if v == mapping[int(t)]) for t in seen]
    else:
        name = src.tasks[0] if src.tasks else "unknown task"
        new_tasks = np.full(n, tasks.setdefault(name, len(tasks)), dtype=np.int64)
        ep_tasks = [name]
    columns = {
        L.TIMESTAMP: pa.array(frame / fps, pa.float64()).cast(ts_type),
        L.FRAME_INDEX: pa.array(frame),
        L.EPISODE_INDEX: pa.array(np.full(n, episode_index, dtype=np.int64)),
        L.INDEX: pa.array(frame + first_index),
        L.TASK_INDEX: pa.array(new_tasks),
    }
    return set_columns(table, columns), ep_tasks
