"""EpisodeColumns.tasks_at reads the same texts as the list column itself, whatever its shape:
null lists, empty lists, null texts, several tasks, a sliced array, several chunks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from leropilot_gl.dataset.model import EpisodeColumns


def _columns(tasks: pa.Array | pa.ChunkedArray) -> EpisodeColumns:
    n = len(tasks)
    zeros = np.zeros(n, dtype=np.int64)
    return EpisodeColumns(np.arange(n), zeros + 1, zeros, zeros + 1, np.zeros(n, np.int32), [], tasks)


def _as_py(tasks: pa.Array | pa.ChunkedArray, pos: int) -> tuple[str, ...]:
    value = tasks[pos].as_py()
    return tuple(str(t) for t in value) if value else ()


def test_tasks_at_matches_the_column() -> None:
    rows = [["pick", "place"], None, [], ["stack", None], ["pick"], ["a" * 300]]
    plain = pa.array(rows, pa.list_(pa.string()))
    shapes = {
        "plain": plain,
        "sliced": plain.slice(1, 4),
        "chunked": pa.chunked_array([plain.slice(0, 2), plain.slice(2)]),
        "large strings": pa.array(rows, pa.list_(pa.large_string())),
        "all null": pa.nulls(3, pa.list_(pa.string())),
    }
    for name, tasks in shapes.items():
        columns = _columns(tasks)
        for pos in range(len(tasks)):
            assert columns.tasks_at(pos) == _as_py(tasks, pos), (name, pos)


def test_tasks_at_after_with_rows_reads_the_new_rows() -> None:
    tasks = pa.array([["a"], ["b"], ["c"]], pa.list_(pa.string()))
    columns = _columns(tasks)
    assert columns.tasks_at(2) == ("c",)  # builds the lookup of the old rows
    kept = columns.with_rows(np.array([True, False, True]), [(7, 4, ["new", "two"])], data_path=None)
    assert [kept.tasks_at(i) for i in range(len(kept))] == [("a",), ("c",), ("new", "two")]
