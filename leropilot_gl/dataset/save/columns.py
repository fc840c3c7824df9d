"""Save's columnar tables: the new episodes table built a run of episodes at a time, and stats
columns (nested lists of one shape per row) to and from numpy (100,000 episodes cost numpy calls,
not 100,000 Python dicts)."""

from __future__ import annotations

from typing import Any

import numpy as np

from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")


def numpy_to_nested_lists(values: np.ndarray) -> pa.Array:
    """(rows, *shape) -> one nested list per row, as pa.Table.from_pylist makes of arr.tolist()."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        flat: pa.Array = pa.array(values.reshape(-1).astype(np.float64), pa.float64())
    elif values.dtype.kind == "b":
        flat = pa.array(values.reshape(-1), pa.bool_())
    else:
        flat = pa.array(values.reshape(-1).astype(np.int64), pa.int64())
    count = len(flat)
    for size in reversed(values.shape[1:]):
        count //= size
        flat = pa.ListArray.from_arrays(pa.array(np.arange(count + 1, dtype=np.int32) * size), flat)
    return flat


def nested_lists_to_numpy(column: pa.ChunkedArray | pa.Array, rows: int) -> np.ndarray | None:
    """A stats column (nested lists of equal shape per row) as (rows, *shape); None when ragged or null."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        return None
    shape: list[int] = []
    values = column
    while pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        if values.null_count:
            return None
        lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
        if len(lengths) == 0 or (lengths != lengths[0]).any():
            return None
        shape.append(int(lengths[0]))
        values = pc.list_flatten(values)
    flat = values.to_numpy(zero_copy_only=False)
    return flat.reshape(rows, *shape)


class EpisodeRows:
    """The new meta/episodes table, filled a run of episodes at a time."""

    def __init__(self) -> None:
        self.columns: dict[str, list[np.ndarray]] = {}
        self.tasks: list[pa.Array] = []
        self.stats: dict[tuple[str, str], list[tuple[int, np.ndarray]]] = {}
        self.count = 0

    def add(
        self, columns: dict[str, np.ndarray], tasks: pa.Array, stats: dict[str, dict[str, np.ndarray]]
    ) -> None:
        """A run of k episodes: plain columns as (k,) arrays, tasks as list<string>, stats (k, ...)."""
        k = len(tasks)
        for name, values in columns.items():
            self.columns.setdefault(name, []).append(np.asarray(values).reshape(k))
        self.tasks.append(tasks)
        for key, values in stats.items():
            for stat, value in values.items():
                self.stats.setdefault((key, stat), []).append((self.count, np.asarray(value)))
        self.count += k

    def stats_columns(self) -> dict[str, dict[str, np.ndarray]]:
        """key -> stat -> (episodes that have it, ...)."""
        out: dict[str, dict[str, np.ndarray]] = {}
        for (key, stat), parts in self.stats.items():
            if len({p.shape[1:] for _, p in parts}) != 1:
                continue
            out.setdefault(key, {})[stat] = np.concatenate([p for _, p in parts])
        return out

    def table(self, extra: dict[str, Any]) -> pa.Table:
        arrays: dict[str, pa.Array] = {}
        for name, parts in self.columns.items():
            values = np.concatenate(parts)
            arrays[name] = pa.array(values.astype(np.float64) if values.dtype.kind == "f" else values)
            if name == "episode_index":
                arrays["tasks"] = pa.concat_arrays([t.cast(pa.list_(pa.string())) for t in self.tasks])
        for (key, stat), parts in self.stats.items():
            name = f"stats/{key}/{stat}"
            whole = sum(len(p) for _, p in parts) == self.count and len({p.shape[1:] for _, p in parts}) == 1
            if whole:
                arrays[name] = numpy_to_nested_lists(np.concatenate([p for _, p in parts]))
            else:  # some episodes have no stats for this key: nulls there, as from_pylist writes
                rows: list[Any] = [None] * self.count
                for first, p in parts:
                    for i, v in enumerate(p):
                        rows[first + i] = np.asarray(v).tolist()
                arrays[name] = pa.array(rows)
        for name, value in extra.items():
            arrays[name] = pa.array(np.full(self.count, value, dtype=np.int64))
        return pa.table(arrays)
