"""Per-frame values set by hand (next.reward / next.success / next.done) written into data rows."""

from __future__ import annotations

from collections.abc import Iterable

from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")


def apply_frame_values(
    table: pa.Table, marks: Iterable[tuple[str, int, int, float]], start: int, end: int
) -> pa.Table:
    """table holds source frames [start, end) of one episode; each mark (feature, a, b, value) sets
    source frames [a, b) of that feature, in order (a later mark wins). Scalar and one-element
    list columns both keep their type."""
    for feature, a, b, value in marks:
        if feature not in table.column_names:
            continue
        lo, hi = max(a, start) - start, min(b, end) - start
        if lo >= hi:
            continue
        field = table.schema.field(feature)
        rows = table.column(feature).to_pylist()
        for i in range(lo, hi):
            rows[i] = (
                [_cast(value, field.type.value_type)] * len(rows[i])
                if isinstance(rows[i], list)
                else _cast(value, field.type)
            )
        pos = table.column_names.index(feature)
        table = table.set_column(pos, field, pa.array(rows, type=field.type))
    return table


def _cast(value: float, arrow_type: pa.DataType) -> float | int | bool:
    if pa.types.is_boolean(arrow_type):
        return bool(value)
    if pa.types.is_integer(arrow_type):
        return int(value)
    return float(value)
