"""Save's stats: per-episode stats of the numeric features (one episode, or many at once by
segments), camera stats carried from the source episodes (never decoded), and the dataset stats
aggregated from them as LeRobot estimates them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset import language, layout as L
from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex, column_to_numpy
from leropilot_gl.dataset.save.columns import nested_lists_to_numpy
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pq = lazy_module("pyarrow.parquet")

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)


def numeric_run_stats(
    table: pa.Table, info: dict[str, Any], lengths: np.ndarray
) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for key, spec in info["features"].items():
        if not language.is_numeric_dtype(spec.get("dtype")) or key not in table.column_names:
            continue
        values = column_to_numpy(table.column(key))
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        out[key] = segment_stats(values, lengths)
    return out


def numeric_stats(table: pa.Table, info: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    from leropilot_gl.dataset.model import column_to_numpy

    out = {}
    for key, spec in info["features"].items():
        if not language.is_numeric_dtype(spec.get("dtype")) or key not in table.column_names:
            continue  # language rows, strings, images and unknown kinds have no numeric stats
        values = column_to_numpy(table.column(key))
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        out[key] = feature_stats(values)
    return out


def feature_stats(values: np.ndarray) -> dict[str, np.ndarray]:
    """min, max, mean, std, count and quantiles of (rows, dim) values, per dimension (LeRobot's keys)."""
    as_float = values.astype(np.float64)
    stats = {
        "min": values.min(axis=0),
        "max": values.max(axis=0),
        "mean": as_float.mean(axis=0),
        "std": as_float.std(axis=0),
        "count": np.array([len(values)], dtype=np.int64),
    }
    for q in QUANTILES:
        stats[f"q{round(q * 100):02d}"] = np.quantile(as_float, q, axis=0)
    return stats


class ImageStats:
    """Per-episode stats of camera features, taken from the source episode (not recomputed: that
    would mean decoding every frame). For a trimmed episode they describe the whole source episode."""

    def __init__(self, indexes: dict[str, DatasetIndex]) -> None:
        self.indexes = indexes
        self._columns: dict[str, tuple[np.ndarray, dict[str, dict[str, np.ndarray]]] | None] = {}
        self._cache: dict[str, dict[int, dict[str, dict[str, np.ndarray]]]] = {}
        self._global: dict[str, dict[str, dict[str, np.ndarray]]] = {}

    def _load(self, index: DatasetIndex, keys: list[str]) -> str:
        root = str(index.root)
        if root not in self._columns:
            self._columns[root] = _read_episode_stats_columns(index, keys)
            self._global[root] = _read_global_stats(index.root, keys)
        return root

    def for_episode(
        self, src: EpisodeIndex, keys: list[str], length: int
    ) -> dict[str, dict[str, np.ndarray]]:
        root = self._load(src.dataset, keys)
        columns = self._columns[root]
        if columns is not None:
            episodes, stats = columns
            pos = int(np.searchsorted(episodes, src.episode_index)) if len(episodes) else 0
            found = pos < len(episodes) and episodes[pos] == src.episode_index
            per_ep = {k: {n: v[pos] for n, v in d.items()} for k, d in stats.items()} if found else {}
        else:
            if root not in self._cache:
                self._cache[root] = _read_episode_stats(src.dataset, keys)
            per_ep = self._cache[root].get(src.episode_index, {})
        out = {}
        for key in keys:
            stats = per_ep.get(key) or self._global[root].get(key)
            if not stats:
                continue
            stats = {k: np.asarray(v) for k, v in stats.items()}
            stats["count"] = np.array([length], dtype=np.int64)
            out[key] = stats
        return out

    def for_run(
        self, index: DatasetIndex, source_episodes: np.ndarray, lengths: np.ndarray, keys: list[str]
    ) -> dict[str, dict[str, np.ndarray]] | None:
        """The same for many episodes of one dataset, as (episodes, ...) columns; None when the
        dataset's stats are not columns of one shape (the caller goes one by one)."""
        root = self._load(index, keys)
        columns = self._columns[root]
        if columns is None:
            return None
        episodes, stats = columns
        pos = np.clip(np.searchsorted(episodes, source_episodes), 0, max(len(episodes) - 1, 0))
        found = (episodes[pos] == source_episodes) if len(episodes) else np.zeros(len(lengths), bool)
        out = {}
        for key in keys:
            have = stats.get(key)
            fallback = self._global[root].get(key)
            if have and found.all():
                values = {n: v[pos] for n, v in have.items()}
            elif fallback and not (have and found.any()):
                values = {
                    n: np.repeat(np.asarray(v)[None], len(lengths), axis=0) for n, v in fallback.items()
                }
            elif not have and not fallback:
                continue
            else:
                return None  # a mix of episodes with and without their own stats
            values["count"] = lengths.astype(np.int64).reshape(-1, 1)
            out[key] = values
        return out


def _read_episode_stats_columns(
    index: DatasetIndex, keys: list[str]
) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]] | None:
    """v3.0 per-episode stats of keys as columns (sorted by episode), or None (older layout,
    ragged or null values: the caller reads rows)."""
    if index.version != L.V30:
        return None
    parts = []
    for path in sorted((index.root / L.EPISODES_V3_DIR).glob("chunk-*/file-*.parquet")):
        names = pq.read_schema(path).names
        wanted = [n for n in names if any(n.startswith(f"stats/{k}/") for k in keys)]
        parts.append(pq.read_table(path, columns=["episode_index", *wanted]))
    if not parts:
        return np.zeros(0, dtype=np.int64), {}
    try:
        table = pa.concat_tables(parts, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    episodes = column_to_numpy(table.column("episode_index")).astype(np.int64)
    order = np.argsort(episodes, kind="stable")
    out: dict[str, dict[str, np.ndarray]] = {}
    for name in table.column_names[1:]:
        values = nested_lists_to_numpy(table.column(name), table.num_rows)
        if values is None:
            return None
        key, stat = name[len("stats/") :].rsplit("/", 1)
        out.setdefault(key, {})[stat] = values[order]
    return episodes[order], out


def _read_episode_stats(index: DatasetIndex, keys: list[str]) -> dict[int, dict[str, dict[str, np.ndarray]]]:
    out: dict[int, dict[str, dict[str, np.ndarray]]] = {}
    if index.version == L.V30:
        for path in sorted((index.root / L.EPISODES_V3_DIR).glob("chunk-*/file-*.parquet")):
            names = pq.read_schema(path).names
            wanted = [n for n in names if any(n.startswith(f"stats/{k}/") for k in keys)]
            rows = pq.read_table(path, columns=["episode_index", *wanted]).to_pylist()
            for row in rows:
                ep = out.setdefault(int(row["episode_index"]), {})
                for name in wanted:
                    if row[name] is None:
                        continue
                    key, stat = name[len("stats/") :].rsplit("/", 1)
                    ep.setdefault(key, {})[stat] = np.asarray(row[name])
    else:
        path = index.root / L.EPISODES_STATS_V21_PATH
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                    stats = row["stats"]
                except (ValueError, KeyError, TypeError):
                    continue
                out[int(row["episode_index"])] = {
                    k: {s: np.asarray(v) for s, v in stats[k].items()} for k in keys if k in stats
                }
    return out


def _read_global_stats(root: Path, keys: list[str]) -> dict[str, dict[str, np.ndarray]]:
    path = root / L.STATS_PATH
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        k: {s: np.asarray(v) for s, v in stats[k].items()} for k in keys if isinstance(stats.get(k), dict)
    }


def aggregate_stats(per_episode: list[dict[str, dict[str, np.ndarray]]]) -> dict[str, dict[str, np.ndarray]]:
    """Dataset stats from per-episode stats: count-weighted mean, pooled variance, min/max, and
    count-weighted quantiles (the estimate LeRobot itself writes)."""
    keys = dict.fromkeys(k for stats in per_episode for k in stats)
    out = {}
    for key in keys:
        items = [s[key] for s in per_episode if key in s]
        counts = np.array([float(np.asarray(i["count"]).reshape(-1)[0]) for i in items])
        total = counts.sum()
        means = np.stack([np.asarray(i["mean"], dtype=np.float64) for i in items])
        shape = (-1,) + (1,) * (means.ndim - 1)
        w = counts.reshape(shape)
        mean = (means * w).sum(axis=0) / total
        var = (
            np.stack([np.asarray(i["std"], dtype=np.float64) ** 2 for i in items]) + (means - mean) ** 2
        ) * w
        agg = {
            "min": np.min(np.stack([np.asarray(i["min"]) for i in items]), axis=0),
            "max": np.max(np.stack([np.asarray(i["max"]) for i in items]), axis=0),
            "mean": mean,
            "std": np.sqrt(var.sum(axis=0) / total),
            "count": np.array([int(total)], dtype=np.int64),
        }
        for q in (k for k in items[0] if k.startswith("q") and k[1:].isdigit()):
            if all(q in i for i in items):
                agg[q] = (np.stack([np.asarray(i[q], dtype=np.float64) for i in items]) * w).sum(
                    axis=0
                ) / total
        out[key] = agg
    return out


def stats_to_json(stats: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    return {k: {s: np.asarray(v).tolist() for s, v in d.items()} for k, d in stats.items()}


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
