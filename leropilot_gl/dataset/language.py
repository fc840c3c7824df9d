"""Language and subtask layers of an episode: read them, and keep them right when rows are sliced.

Two layouts exist:
- LeRobot >= 0.6 (`lerobot-annotate`): data columns `language_persistent` (the same list of rows on
  every frame of an episode; each row has the `timestamp` it starts at and stays active until the
  next row of its style) and `language_events` (rows on the exact frame they fire), with features
  of dtype "language" and the tool schemas under `tools` in info.json.
- LeRobot 0.4.4: a per-frame `subtask_index` column naming a row of `meta/subtasks.parquet`.

Rows are read with pyarrow: only the first frame of each episode for the persistent column (it is
broadcast), only the non-empty frames for events. Writers that infer the Arrow type from the rows
store always-empty fields as Arrow `null`; that reads as None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset.pandas_table import write_indexed_table
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")
pq = lazy_module("pyarrow.parquet")

LANGUAGE_PERSISTENT = "language_persistent"
LANGUAGE_EVENTS = "language_events"
LANGUAGE_COLUMNS = (LANGUAGE_PERSISTENT, LANGUAGE_EVENTS)
LANGUAGE_DTYPE = "language"
SUBTASK_INDEX = "subtask_index"
SUBTASKS_PATH = "meta/subtasks.parquet"
TOOLS_KEY = "tools"
SPEECH_STYLE = "speech"  # the track of event rows without a style (tool calls such as `say`)


@dataclass(frozen=True)
class LanguageRow:
    """One annotation: a span [start_s, end_s) for persistent rows, a point (end_s == start_s) for events."""

    start_s: float
    end_s: float
    style: str
    role: str
    content: str | None
    camera: str | None = None
    tool_calls: str | None = None  # JSON text of the calls, for display

    @property
    def text(self) -> str:
        if self.content:
            return self.content
        return self.tool_calls or ""


@dataclass(frozen=True)
class LanguageTrack:
    name: str  # the style ("subtask", "plan", "interjection", ...), or "subtask" for 0.4.4 subtasks
    kind: str  # "span" or "event"
    source: str  # the column or file it comes from
    rows: tuple[LanguageRow, ...]


@dataclass
class LanguageLayers:
    tracks: list[LanguageTrack] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(t.rows for t in self.tracks)

    def count(self) -> int:
        return sum(len(t.rows) for t in self.tracks)


def language_columns(features: dict[str, Any]) -> list[str]:
    """The data columns holding language rows, from info.json's features (dicts) or Feature objects."""
    out = []
    for key, spec in features.items():
        dtype = spec.get("dtype") if isinstance(spec, dict) else getattr(spec, "dtype", None)
        if dtype == LANGUAGE_DTYPE or key in LANGUAGE_COLUMNS:
            out.append(key)
    return out


def has_subtasks(root: Path, features: dict[str, Any]) -> bool:
    return SUBTASK_INDEX in features and (root / SUBTASKS_PATH).is_file()


def read_subtask_names(root: Path) -> list[str]:
    """0.4.4's meta/subtasks.parquet: row position is the subtask index (a pandas frame indexed by name)."""
    table = pq.read_table(root / SUBTASKS_PATH)
    names = table.column_names
    text = next(
        (n for n in ("subtask", "__index_level_0__", "name") if n in names),
        next((n for n in names if n != SUBTASK_INDEX), None),
    )
    if text is None:
        return []
    values = [str(v) for v in table.column(text).to_pylist()]
    if SUBTASK_INDEX in names:
        order = table.column(SUBTASK_INDEX).to_pylist()
        by_index = dict(zip(order, values, strict=True))
        if sorted(by_index) == list(range(len(values))):
            return [by_index[i] for i in range(len(values))]
    return values


def read_layers(
    root: Path,
    features: dict[str, Any],
    fps: float,
    episodes: Iterable[tuple[int, Path, int, int]],
) -> tuple[dict[int, LanguageLayers], list[str]]:
    """Layers per episode index, and messages about what could not be read.

    episodes: (episode_index, data_path, row_start, row_end) for each episode.
    """
    columns = language_columns(features)
    subtask_names: list[str] | None = None
    problems: list[str] = []
    if has_subtasks(root, features):
        try:
            subtask_names = read_subtask_names(root)
        except Exception as exc:  # a damaged side file loses its track, never the dataset
            problems.append(f"{SUBTASKS_PATH} is unreadable ({exc}); subtasks not shown")
    if not columns and subtask_names is None:
        return {}, problems
    out: dict[int, LanguageLayers] = {}
    by_file: dict[Path, list[tuple[int, int, int]]] = {}
    for ep, path, start, end in episodes:
        by_file.setdefault(path, []).append((ep, start, end))
    for path, eps in by_file.items():
        if not path.is_file():  # not downloaded yet (Hub datasets open lazily), or reported already
            continue
        try:
            schema = pq.read_schema(path)
            wanted = [c for c in columns if c in schema.names]
            if subtask_names is not None and SUBTASK_INDEX in schema.names:
                wanted.append(SUBTASK_INDEX)
            if not wanted:
                continue
            stamps = "timestamp" in schema.names
            table = pq.read_table(path, columns=wanted + (["timestamp"] if stamps else []), memory_map=True)
        except Exception as exc:
            problems.append(f"language rows of {path.name} are unreadable ({exc})")
            continue
        for ep, start, end in eps:
            try:
                out[ep] = _episode_layers(table, start, end, fps, columns, subtask_names)
            except Exception as exc:  # rows of a shape no writer documents: say so, keep the dataset
                problems.append(f"language rows of episode {ep} are unreadable ({type(exc).__name__}: {exc})")
    return out, problems


def _episode_layers(
    table: pa.Table, start: int, end: int, fps: float, columns: list[str], subtask_names: list[str] | None
) -> LanguageLayers:
    stamps = "timestamp" in table.column_names
    part = table.slice(start, max(0, end - start))
    duration_s = (end - start) / fps
    times = (
        np.asarray(part.column("timestamp").to_pylist(), dtype=np.float64)
        if stamps
        else np.arange(part.num_rows) / fps
    )
    tracks: list[LanguageTrack] = []
    if LANGUAGE_PERSISTENT in part.column_names:
        tracks += _persistent_tracks(part.column(LANGUAGE_PERSISTENT), times, duration_s)
    for col in (c for c in part.column_names if c in columns and c != LANGUAGE_PERSISTENT):
        tracks += _event_tracks(part.column(col), times, col)
    if subtask_names is not None and SUBTASK_INDEX in part.column_names:
        tracks += _subtask_track(part.column(SUBTASK_INDEX), subtask_names, fps)
    # spans (what holds over time) before events, each in a stable order
    tracks.sort(key=lambda t: (t.kind != "span", t.name != "subtask", t.name))
    return LanguageLayers(tracks)


def _persistent_tracks(column: pa.ChunkedArray, times: np.ndarray, duration_s: float) -> list[LanguageTrack]:
    if len(column) == 0:
        return []
    rows = column.slice(0, 1).to_pylist()[0] or []  # broadcast: every frame holds the same list
    t0 = float(times[0]) if len(times) else 0.0
    by_style: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if isinstance(row, dict):
            by_style.setdefault(str(row.get("style") or SPEECH_STYLE), []).append(row)
    tracks = []
    for style, items in by_style.items():
        starts = sorted({float(r.get("timestamp") or 0.0) for r in items})
        out = []
        for r in sorted(items, key=lambda r: float(r.get("timestamp") or 0.0)):
            start = float(r.get("timestamp") or 0.0) - t0
            later = [s - t0 for s in starts if s - t0 > start]
            out.append(_row(r, style, max(0.0, start), later[0] if later else duration_s))
        tracks.append(LanguageTrack(style, "span", LANGUAGE_PERSISTENT, tuple(out)))
    return tracks


def _event_tracks(column: pa.ChunkedArray, times: np.ndarray, source: str) -> list[LanguageTrack]:
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
    hits = np.flatnonzero(lengths)
    if not len(hits):
        return []
    t0 = float(times[0]) if len(times) else 0.0
    by_style: dict[str, list[LanguageRow]] = {}
    values = column.take(pa.array(hits)).to_pylist()
    for frame, rows in zip(hits, values, strict=True):
        t = float(times[frame]) - t0
        for r in rows or []:
            if isinstance(r, dict):
                style = str(r.get("style") or SPEECH_STYLE)
                by_style.setdefault(style, []).append(_row(r, style, t, t))
    return [LanguageTrack(style, "event", source, tuple(rows)) for style, rows in by_style.items()]


def _subtask_track(column: pa.ChunkedArray, names: list[str], fps: float) -> list[LanguageTrack]:
    values = np.asarray(pc.fill_null(column, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    if not len(values):
        return []
    edges = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(values)]))
    rows = []
    for s, e in zip(starts, ends, strict=True):
        idx = int(values[s])
        if idx < 0:
            continue
        text = names[idx] if idx < len(names) else f"subtask {idx} (not in {SUBTASKS_PATH})"
        rows.append(LanguageRow(s / fps, e / fps, "subtask", "", text))
    return [LanguageTrack("subtask", "span", SUBTASKS_PATH, tuple(rows))]


def _row(r: dict[str, Any], style: str, start: float, end: float) -> LanguageRow:
    calls = r.get("tool_calls")
    return LanguageRow(
        start_s=start,
        end_s=end,
        style=style,
        role=str(r.get("role") or ""),
        content=None if r.get("content") is None else str(r.get("content")),
        camera=r.get("camera"),
        tool_calls=json.dumps(calls, default=str) if calls else None,
    )


def tools_summary(info: dict[str, Any]) -> list[str]:
    """One line per tool declared under info.json's `tools` (OpenAI-style function schemas)."""
    tools = info.get(TOOLS_KEY)
    if not isinstance(tools, list):
        return []
    lines = []
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict):
            params = sorted(((fn.get("parameters") or {}).get("properties") or {}).keys())
            lines.append(
                f"{fn.get('name', '?')}({', '.join(params)}): {fn.get('description') or ''}".rstrip(": ")
            )
        else:
            lines.append(json.dumps(tool, default=str)[:120])
    return lines


# ------------------------------------------------------------------------- saving
def rebase_slice(table: pa.Table) -> pa.Table:
    """A sliced episode whose first kept frame becomes time 0: language row timestamps follow.

    Persistent rows that started before the cut and are still active at it start at 0; rows
    superseded before the cut, or starting after the last kept frame, are dropped. Event rows sit
    on their frame and move with it (rows that carry a `timestamp` are shifted too).
    """
    present = [c for c in LANGUAGE_COLUMNS if c in table.column_names]
    if not present or table.num_rows == 0 or "timestamp" not in table.column_names:
        return table
    times = table.column("timestamp").to_pylist()
    t0, t_last = float(times[0]), float(times[-1])
    # Always rebuilt, never passed on as a slice: pyarrow's cast of a sliced list<struct> with a
    # `null` child (what 0.6.1's writer infers for always-empty fields) fails validation.
    for name in present:
        col = table.column(name)
        pos = table.column_names.index(name)
        if name == LANGUAGE_PERSISTENT:
            first = col.slice(0, 1).to_pylist()[0]
            arr = pa.array([_rebase_persistent(first, t0, t_last)] * table.num_rows, type=col.type)
        else:
            arr = pa.array([_shift_rows(rows, t0) for rows in col.to_pylist()], type=col.type)
        table = table.set_column(pos, table.schema.field(name), arr)
    return table


def _rebase_persistent(
    rows: list[dict[str, Any]] | None, t0: float, t_last: float
) -> list[dict[str, Any]] | None:
    if not rows:
        return rows
    eps = 1e-6
    # the row of each style active at the cut (the last one starting at or before it)
    active: dict[str, float] = {}
    for r in rows:
        ts = float(r.get("timestamp") or 0.0)
        style = str(r.get("style"))
        if ts <= t0 + eps:
            active[style] = max(active.get(style, -np.inf), ts)
    out = []
    for r in rows:
        ts = float(r.get("timestamp") or 0.0)
        style = str(r.get("style"))
        if ts < t0 - eps and active.get(style) != ts:
            continue  # superseded before the first kept frame
        if ts > t_last + eps:
            continue  # starts after the last kept frame
        out.append({**r, "timestamp": max(0.0, ts - t0)} if "timestamp" in r else r)
    return out


def _shift_rows(rows: list[dict[str, Any]] | None, t0: float) -> list[dict[str, Any]] | None:
    if not rows:
        return rows
    return [{**r, "timestamp": float(r["timestamp"]) - t0} if "timestamp" in r else r for r in rows]


class SubtaskRemap:
    """0.4.4 subtasks of a saved dataset: one table of names, each episode's indices renumbered into it."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self._sources: dict[str, list[str] | None] = {}

    def remap(self, table: pa.Table, source_root: Path) -> pa.Table:
        if SUBTASK_INDEX not in table.column_names:
            return table
        key = str(source_root)
        if key not in self._sources:
            path = source_root / SUBTASKS_PATH
            self._sources[key] = read_subtask_names(source_root) if path.is_file() else None
        names = self._sources[key]
        if names is None:
            return table
        old = table.column(SUBTASK_INDEX)
        values = np.asarray(pc.fill_null(old, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        mapping = {
            int(v): self.names.setdefault(names[v] if v < len(names) else f"subtask {v}", len(self.names))
            for v in np.unique(values)
            if v >= 0
        }
        new = np.array([mapping.get(int(v), -1) for v in values], dtype=np.int64)
        arr = pa.array(new, mask=new < 0).cast(old.type)
        pos = table.column_names.index(SUBTASK_INDEX)
        return table.set_column(pos, table.schema.field(SUBTASK_INDEX), arr)

    def assign(self, table: pa.Table, texts: Sequence[str | None]) -> pa.Table:
        """Set each row's subtask by its text (None: no subtask), numbered into the saved table."""
        if SUBTASK_INDEX not in table.column_names:
            return table
        old = table.column(SUBTASK_INDEX)
        new = np.array(
            [-1 if t is None else self.names.setdefault(t, len(self.names)) for t in texts], np.int64
        )
        arr = pa.array(new, mask=new < 0).cast(old.type)
        pos = table.column_names.index(SUBTASK_INDEX)
        return table.set_column(pos, table.schema.field(SUBTASK_INDEX), arr)

    def write(self, out_root: Path) -> bool:
        """meta/subtasks.parquet as 0.4.4 reads it (pandas frame indexed by name); False when none."""
        if not self.names:
            return False
        names = list(self.names)
        write_indexed_table(
            out_root / SUBTASKS_PATH,
            value_column=SUBTASK_INDEX,
            values=list(range(len(names))),
            index=pa.array(names, pa.string()),
        )
        return True


def write_data_file(path: Path, tables: Iterable[pa.Table], info: dict[str, Any]) -> None:
    """One data parquet: one row group per episode when the dataset has LeRobot 0.6 features
    (0.6 writes it so, to read an episode with one row-group read), one table otherwise."""
    tables = list(tables)
    if not language_columns(info.get("features") or {}) or len(tables) < 2:
        pq.write_table(pa.concat_tables(tables), path)
        return
    with pq.ParquetWriter(str(path), tables[0].schema) as writer:
        for t in tables:
            writer.write_table(t, row_group_size=max(1, t.num_rows))


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """table with schema's columns and types. Equal types are kept as they are, and nested
    columns are rebuilt from their rows: pyarrow's cast of a list<struct> with a `null` child
    (what 0.6.1's writer infers for always-empty fields) fails its own validation."""
    table = table.select(schema.names)
    if table.schema.equals(schema):
        return table
    arrays = []
    for f in schema:
        col = table.column(f.name)
        if col.type.equals(f.type):
            arrays.append(col)
        elif pa.types.is_nested(f.type):
            arrays.append(pa.array(col.to_pylist(), type=f.type))
        else:
            arrays.append(col.cast(f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def is_numeric_dtype(dtype: object) -> bool:
    """Feature dtypes whose columns have min/max/mean stats (not language, strings or unknown kinds)."""
    return isinstance(dtype, str) and dtype.startswith(("float", "int", "uint", "bool"))
