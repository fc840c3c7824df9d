"""The one reader of LeRobot's episodes table (v3.0 `meta/episodes/`, v2.x `meta/episodes.jsonl`).

Returns Arrow tables: callers take whole columns as numpy, never one dict per episode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leropilot_gl.dataset import layout as L
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")
pq = lazy_module("pyarrow.parquet")


@dataclass
class EpisodesTable:
    table: pa.Table | None  # sorted by episode_index; None when no file could be read
    files: list[Path] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)  # (file, why it was skipped)


def episode_table_files(root: Path) -> list[Path]:
    """The v3.0 episode table's parquet files, sorted."""
    return sorted((root / L.EPISODES_V3_DIR).glob(L.PARQUET_CHUNK_FILE_GLOB))


def read_episodes_v3(
    root: Path, *, with_stats: bool = False, files: list[Path] | None = None
) -> EpisodesTable:
    """All rows of meta/episodes/ (stats columns left out unless asked for), one table."""
    files = episode_table_files(root) if files is None else files
    tables: list[pa.Table] = []
    errors: list[tuple[Path, str]] = []
    for path in files:
        try:
            parquet = pq.ParquetFile(path, memory_map=True)
            names = parquet.schema_arrow.names
            wanted = names if with_stats else [n for n in names if not n.startswith(L.EP_STATS_PREFIX)]
            # One thread: as fast on 2 cores, less CPU on a busy machine, and pyarrow's worker
            # heaps cost 25 MB of resident memory at 100,000 episodes.
            tables.append(parquet.read(columns=wanted, use_threads=False))
        except Exception as exc:  # pyarrow raises several types for damaged files
            errors.append((path, f"unreadable ({exc})"))
    if not tables:
        return EpisodesTable(None, files, errors)
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")
    if L.EP_EPISODE_INDEX in table.column_names and not _ascending(table.column(L.EP_EPISODE_INDEX)):
        table = table.take(pc.sort_indices(table.column(L.EP_EPISODE_INDEX)))
    return EpisodesTable(table, files, errors)


def _ascending(column: pa.ChunkedArray) -> bool:
    """True when the episode indices are already in order (the usual table): no sort needed."""
    from leropilot_gl.dataset.model import numbers_to_numpy

    if column.null_count:
        return False
    values = numbers_to_numpy(column, dtype="int64", fill=-1)
    return bool((values[1:] >= values[:-1]).all())


def episode_row_v3(root: Path, episode_index: int | None = None) -> dict[str, Any] | None:
    """One episode's row of the v3.0 table (None: the lowest episode index), or None if absent."""
    read = read_episodes_v3(root)
    if read.table is None or read.table.num_rows == 0:
        return None
    table = read.table
    if episode_index is None:
        return table.slice(0, 1).to_pylist()[0]
    hits = pc.indices_nonzero(pc.equal(table.column(L.EP_EPISODE_INDEX), episode_index))
    if len(hits) == 0:
        return None
    return table.slice(int(hits[0].as_py()), 1).to_pylist()[0]


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]] | None, list[int]]:
    """Rows of a .jsonl file (None when the file is absent) and the line numbers that were not JSON."""
    if not path.is_file():
        return None, []
    rows: list[dict[str, Any]] = []
    bad: list[int] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            bad.append(lineno)
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows, bad
