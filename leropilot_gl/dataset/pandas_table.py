"""Parquet tables that LeRobot reads with pandas as a frame indexed by a text column
(`meta/tasks.parquet`, 0.4.4's `meta/subtasks.parquet`), written without importing pandas."""

from __future__ import annotations

import json
from pathlib import Path

from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")
pq = lazy_module("pyarrow.parquet")


INDEX_COLUMN = "__index_level_0__"


def write_indexed_table(path: Path, *, value_column: str, values: list[int], index: pa.Array) -> None:
    """Write {value_column: values} indexed by `index` (strings), as pandas' to_parquet would."""
    table = pa.table({value_column: pa.array(values, pa.int64()), INDEX_COLUMN: index})
    columns = [
        {"name": value_column, "field_name": value_column, "pandas_type": "int64", "numpy_type": "int64"},
        {"name": None, "field_name": INDEX_COLUMN, "pandas_type": "unicode", "numpy_type": "object"},
    ]
    pandas_meta = {
        "index_columns": [INDEX_COLUMN],
        "column_indexes": [],
        "columns": [dict(c, metadata=None) for c in columns],
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.0",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata({b"pandas": json.dumps(pandas_meta).encode()}), path)
