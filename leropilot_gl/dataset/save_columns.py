"""Save's columnar helpers: per-episode stats over many episodes at once, and the episodes table
built as columns (100,000 episodes cost numpy calls, not 100,000 Python dicts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)


def segment_stats(values: np.ndarray, lengths: np.ndarray) -> dict[str, np.ndarray]:
    """feature_stats of consecutive segments of (rows, dim) values: each stat as (segments, dim).

    The same numbers np.min/max/mean/std/quantile give per segment (linear quantiles)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    k, dim = len(lengths), values.shape[1]
    as_float = values.astype(np.float64)
    mean = np.add.reduceat(as_float, starts, axis=0) / lengths[:, None]
    centred = as_float - np.repeat(mean, lengths, axis=0)
    std = np.sqrt(np.add.reduceat(centred * centred, starts, axis=0) / lengths[:, None])
    out = {
        "min": np.minimum.reduceat(values, starts, axis=0),
        "max": np.maximum.reduceat(values, starts, axis=0),
        "mean": mean,
        "std": std,
        "count": lengths.reshape(-1, 1).copy(),
    }
    # Sorted within each segment: one lexsort per dimension (segment id as the primary key).
    seg = np.repeat(np.arange(k), lengths)
    ordered = np.empty_like(as_float)
    for d in range(dim):
        ordered[:, d] = as_float[np.lexsort((as_float[:, d], seg)), d]
    n = lengths.astype(np.float64)
    for q in QUANTILES:
        # numpy's "linear" method: virtual index q*(n-1), then its lerp (exact at both ends)
        virtual = n * q + (1 + q * (1 - 1 - 1)) - 1
        lo = np.floor(virtual)
        gamma = (virtual - lo)[:, None]
        lo_i = np.clip(lo.astype(np.int64), 0, lengths - 1)
        hi_i = np.clip(lo_i + 1, 0, lengths - 1)
        a, b = ordered[starts + lo_i], ordered[starts + hi_i]
        diff = b - a
        value = a + diff * gamma
        value = np.where(gamma >= 0.5, b - diff * (1 - gamma), value)
        out[f"q{round(q * 100):02d}"] = value
    return out


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


def aggregate_columns(stats: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """Dataset stats from per-episode stats columns: count-weighted mean, pooled variance, min/max,
    count-weighted quantiles (the estimate LeRobot itself writes)."""
    out = {}
    for key, items in stats.items():
        if not {"count", "mean", "std", "min", "max"} <= items.keys():
            continue
        counts = items["count"].reshape(len(items["count"]), -1)[:, 0].astype(np.float64)
        total = counts.sum()
        w = counts.reshape(-1, *([1] * (items["mean"].ndim - 1)))
        means = items["mean"].astype(np.float64)
        mean = (means * w).sum(axis=0) / total
        var = ((items["std"].astype(np.float64) ** 2 + (means - mean) ** 2) * w).sum(axis=0) / total
        agg = {
            "min": items["min"].min(axis=0),
            "max": items["max"].max(axis=0),
            "mean": mean,
            "std": np.sqrt(var),
            "count": np.array([int(total)], dtype=np.int64),
        }
        for q in (k for k in items if k.startswith("q") and k[1:].isdigit()):
            if len(items[q]) == len(counts):
                agg[q] = (items[q].astype(np.float64) * w).sum(axis=0) / total
        out[key] = agg
    return out
