"""Annotations as pending edits: add, move, retext and delete language spans, events and 0.4.4 subtasks.

An edit replaces one track of one working episode (the `annotate` journal operation) with its new
rows, in frames of the source episode; undo/redo are the journal's. Save writes each track in the
dataset's own layout: LeRobot 0.6 rows in `language_persistent` (a row starts at its `timestamp` and
holds until the next row of its style) or on their frame in `language_events`; LeRobot 0.4.4
subtasks as per-frame `subtask_index` values naming rows of meta/subtasks.parquet. Rows are written
in source time and then rebased with the rest of a trimmed slice (language.rebase_slice).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leropilot_gl.dataset import language
from leropilot_gl.dataset.language import (
    LANGUAGE_EVENTS,
    LANGUAGE_PERSISTENT,
    SPEECH_STYLE,
    SUBTASK_INDEX,
    SUBTASKS_PATH,
    LanguageLayers,
    LanguageRow,
    LanguageTrack,
)
from leropilot_gl.lazy import lazy_module

# pyarrow loads on first use: the window comes up before it (leropilot_gl/lazy.py)
pa = lazy_module("pyarrow")

if TYPE_CHECKING:
    from leropilot_gl.dataset.journal import EditSession, WorkingEpisode

SOURCES = (LANGUAGE_PERSISTENT, LANGUAGE_EVENTS, SUBTASKS_PATH)


@dataclass(frozen=True)
class Annotation:
    """One row of a track in frames of the source episode: [start, end) for spans, start == end for events."""

    start: int
    end: int
    content: str | None
    role: str = "assistant"
    camera: str | None = None
    tool_calls: Any = None  # the row's calls as LeRobot stores them (a list of dicts), or None

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "content": self.content,
            "role": self.role,
            "camera": self.camera,
            "tool_calls": self.tool_calls,
        }

    @staticmethod
    def from_json(d: dict[str, Any]) -> Annotation:
        return Annotation(
            int(d["start"]),
            int(d["end"]),
            d.get("content"),
            str(d.get("role") or ""),
            d.get("camera"),
            d.get("tool_calls"),
        )


def kind_of(source: str) -> str:
    return "event" if source == LANGUAGE_EVENTS else "span"


def overrides(episode: WorkingEpisode) -> dict[tuple[str, str], list[Annotation]]:
    """(source, track) -> its rows as edited; the last edit of a track wins."""
    out: dict[tuple[str, str], list[Annotation]] = {}
    for source, track, rows_json in episode.annotations:
        out[(source, track)] = [Annotation.from_json(d) for d in json.loads(rows_json)]
    return out


def sources_of(features: dict[str, Any]) -> list[str]:
    """Which annotation layouts the dataset has (where new tracks can be added)."""
    out = [c for c in language.language_columns(features)]
    if SUBTASK_INDEX in features:
        out.append(SUBTASKS_PATH)
    return out


def _from_row(row: LanguageRow, fps: float, kind: str) -> Annotation:
    start = round(row.start_s * fps)
    end = start if kind == "event" else max(start + 1, round(row.end_s * fps))
    calls = json.loads(row.tool_calls) if row.tool_calls else None
    return Annotation(start, end, row.content, row.role, row.camera, calls)


def base_rows(layers: LanguageLayers | None, source: str, track: str, fps: float) -> list[Annotation]:
    """The rows of a track as on disk, in source frames."""
    for t in layers.tracks if layers is not None else ():
        if t.source == source and t.name == track:
            return [_from_row(r, fps, t.kind) for r in t.rows]
    return []


def effective_layers(
    layers: LanguageLayers | None, episode: WorkingEpisode | None, fps: float, source_length: int
) -> LanguageLayers | None:
    """The source episode's tracks with the working episode's edits applied (source time)."""
    edits = overrides(episode) if episode is not None else {}
    if not edits:
        return layers
    tracks = {(t.source, t.name): t for t in (layers.tracks if layers is not None else ())}
    for (source, name), rows in edits.items():
        kind = kind_of(source)
        tracks[(source, name)] = LanguageTrack(
            name,
            kind,
            source,
            tuple(_to_row(a, name, kind, fps) for a in _display_rows(rows, source, source_length)),
        )
    ordered = sorted(
        (t for t in tracks.values() if t.rows), key=lambda t: (t.kind != "span", t.name != "subtask", t.name)
    )
    return LanguageLayers(ordered)


def _display_rows(rows: list[Annotation], source: str, source_length: int) -> list[Annotation]:
    if source != LANGUAGE_PERSISTENT:
        return sorted(rows, key=lambda a: a.start)
    # a persistent row holds until the next row of its style starts
    rows = sorted(rows, key=lambda a: a.start)
    out = []
    for i, a in enumerate(rows):
        end = rows[i + 1].start if i + 1 < len(rows) else source_length
        out.append(Annotation(a.start, max(end, a.start + 1), a.content, a.role, a.camera, a.tool_calls))
    return out


def _to_row(a: Annotation, style: str, kind: str, fps: float) -> LanguageRow:
    end = a.start if kind == "event" else a.end
    calls = json.dumps(a.tool_calls, default=str) if a.tool_calls else None
    return LanguageRow(a.start / fps, end / fps, style, a.role, a.content, a.camera, calls)


# ------------------------------------------------------------------ edits
def current_rows(
    session: EditSession, root: str | Path, uid: str, source: str, track: str
) -> list[Annotation]:
    """The rows of a track of a working episode, pending edits included, sorted by start."""
    from leropilot_gl.dataset.journal import _find

    episodes = session.episodes(root)
    e = episodes[_find(episodes, uid)]
    edited = overrides(e).get((source, track))
    if edited is not None:
        rows = edited
    else:
        index = session.indexes.get(e.slice.source_root)
        layers = index.language.get(e.slice.source_episode) if index is not None else None
        fps = float(index.fps) if index is not None else 1.0
        rows = base_rows(layers, source, track, fps)
    rows = _display_rows(rows, source, e.source_length)
    return rows


def add(
    session: EditSession,
    root: str | Path,
    uid: str,
    source: str,
    track: str,
    start: int,
    end: int,
    text: str,
) -> int:
    """Add a row to a track (a new track when none has that name); returns its position in the track."""
    text = text.strip()
    if not text:
        from leropilot_gl.dataset.journal import EditError

        raise EditError("an annotation needs some text")
    rows = current_rows(session, root, uid, source, track)
    role = "user" if track == "interjection" else "assistant"
    new = Annotation(int(start), int(start) if kind_of(source) == "event" else int(end), text, role)
    rows = _fit(rows + [new], source, new)
    where = f"frame {new.start}" if kind_of(source) == "event" else f"frames {new.start}..{new.end - 1}"
    _commit(session, root, uid, source, track, rows, f"add {track} {text!r} at {where}")
    return rows.index(new)


def move(
    session: EditSession,
    root: str | Path,
    uid: str,
    source: str,
    track: str,
    position: int,
    start: int,
    end: int,
) -> None:
    """Move a row's edges to frames [start, end) (an event to frame `start`); a neighbouring span that
    shared the moved edge follows it, one that would be overlapped is cut back."""
    rows = current_rows(session, root, uid, source, track)
    old = _row_at(rows, position, track)
    start, end = int(start), int(end)
    if kind_of(source) == "event":
        end = start
    moved = Annotation(start, end, old.content, old.role, old.camera, old.tool_calls)
    others = [r for i, r in enumerate(rows) if i != position]
    if kind_of(source) == "span":
        # a neighbour that touched the old edge keeps touching it
        others = [
            _retime(r, end=start)
            if r.end == old.start
            else _retime(r, start=end)
            if r.start == old.end
            else r
            for r in others
        ]
    rows = _fit(others + [moved], source, moved)
    what = f"frame {start}" if kind_of(source) == "event" else f"frames {start}..{end - 1}"
    _commit(session, root, uid, source, track, rows, f"move {track} {_short(old)} to {what}")


def retext(
    session: EditSession, root: str | Path, uid: str, source: str, track: str, position: int, text: str
) -> None:
    text = text.strip()
    rows = current_rows(session, root, uid, source, track)
    old = _row_at(rows, position, track)
    if not text:
        from leropilot_gl.dataset.journal import EditError

        raise EditError("an annotation needs some text (delete it instead)")
    rows[position] = Annotation(old.start, old.end, text, old.role, old.camera, old.tool_calls)
    _commit(session, root, uid, source, track, rows, f"retext {track} {_short(old)} to {text!r}")


def delete(session: EditSession, root: str | Path, uid: str, source: str, track: str, position: int) -> None:
    rows = current_rows(session, root, uid, source, track)
    old = _row_at(rows, position, track)
    del rows[position]
    _commit(session, root, uid, source, track, rows, f"delete {track} {_short(old)}")


def _short(a: Annotation) -> str:
    text = a.content or (json.dumps(a.tool_calls) if a.tool_calls else "")
    return repr(text if len(text) <= 30 else text[:29] + "…")


def _row_at(rows: list[Annotation], position: int, track: str) -> Annotation:
    if not 0 <= position < len(rows):
        from leropilot_gl.dataset.journal import EditError

        raise EditError(f"the {track} track has no row {position} (it has {len(rows)})")
    return rows[position]


def _retime(a: Annotation, *, start: int | None = None, end: int | None = None) -> Annotation:
    return Annotation(
        a.start if start is None else start,
        a.end if end is None else end,
        a.content,
        a.role,
        a.camera,
        a.tool_calls,
    )


def _fit(rows: list[Annotation], source: str, keep: Annotation) -> list[Annotation]:
    """Spans of one track never overlap: the row just placed wins, the others are cut back or dropped.
    Persistent rows have no end of their own (the next row ends them): only starts must differ."""
    if kind_of(source) == "event":
        return sorted(rows, key=lambda a: a.start)
    out = []
    for r in rows:
        if r is keep:
            out.append(r)
            continue
        if source == LANGUAGE_PERSISTENT:
            if r.start != keep.start:
                out.append(r)
            continue
        if r.end <= keep.start or r.start >= keep.end:
            out.append(r)
        elif r.start < keep.start:
            out.append(_retime(r, end=keep.start))
        elif r.end > keep.end:
            out.append(_retime(r, start=keep.end))
    return sorted(out, key=lambda a: a.start)


def _cover(rows: list[Annotation], source_length: int) -> list[Annotation]:
    """LeRobot 0.4.4 reads a subtask on every frame (a null subtask_index fails its __getitem__): the
    spans are kept end to end over the whole episode, a gap going to the span before it."""
    rows = sorted(rows, key=lambda a: a.start)
    out = []
    for i, a in enumerate(rows):
        start = 0 if i == 0 else a.start
        end = rows[i + 1].start if i + 1 < len(rows) else source_length
        if end > start:
            out.append(_retime(a, start=start, end=end))
    return out


def _commit(
    session: EditSession,
    root: str | Path,
    uid: str,
    source: str,
    track: str,
    rows: list[Annotation],
    label: str,
) -> None:
    if source == SUBTASKS_PATH:
        from leropilot_gl.dataset.journal import EditError, _find

        if not rows:
            raise EditError(
                "LeRobot 0.4.4 reads a subtask on every frame: retext the last subtask instead of deleting it"
            )
        episodes = session.episodes(root)
        rows = _cover(rows, episodes[_find(episodes, uid)].source_length)
    session.set_annotations(root, uid, source, track, [r.to_json() for r in rows], label)


# ------------------------------------------------------------------ saving
def apply_annotations(
    table: pa.Table, episode: WorkingEpisode, fps: float, subtasks: language.SubtaskRemap, source_root: Path
) -> pa.Table:
    """A sliced episode (source frames [slice.start, slice.end), still in source time) with the
    episode's annotation edits written in, then rebased to its first kept frame and its subtasks
    renumbered into the saved dataset's table."""
    edits = overrides(episode)
    s = episode.slice
    subtask_rows = edits.pop((SUBTASKS_PATH, "subtask"), None)
    if edits and table.num_rows:
        times = table.column("timestamp").to_pylist() if "timestamp" in table.column_names else None
        t0 = (float(times[0]) if times else s.start / fps) - s.start / fps  # the source episode's time 0
        for (source, track), rows in edits.items():
            if source == LANGUAGE_PERSISTENT and source in table.column_names:
                table = _write_persistent(table, track, rows, t0, fps)
            elif source == LANGUAGE_EVENTS and source in table.column_names:
                table = _write_events(table, track, rows, s.start)
    table = language.rebase_slice(table)
    if subtask_rows is None or SUBTASK_INDEX not in table.column_names:
        return subtasks.remap(table, source_root)
    texts: list[str | None] = [None] * table.num_rows
    for a in subtask_rows:
        for f in range(max(a.start, s.start), min(a.end, s.end)):
            texts[f - s.start] = a.content or ""
    return subtasks.assign(table, texts)


def _persistent_dict(a: Annotation, style: str, timestamp: float) -> dict[str, Any]:
    return {
        "role": a.role,
        "content": a.content,
        "style": style,
        "timestamp": timestamp,
        "camera": a.camera,
        "tool_calls": a.tool_calls,
    }


def _write_persistent(
    table: pa.Table, track: str, rows: Sequence[Annotation], t0: float, fps: float
) -> pa.Table:
    col = table.column(LANGUAGE_PERSISTENT)
    first = col.slice(0, 1).to_pylist()[0] or []
    kept = [r for r in first if str(r.get("style") or SPEECH_STYLE) != track]
    new = kept + [_persistent_dict(a, track, t0 + a.start / fps) for a in rows]
    new.sort(key=lambda r: (float(r.get("timestamp") or 0.0), str(r.get("style")), str(r.get("role"))))
    arr = pa.array([new] * table.num_rows, type=_open_type(col.type, new))
    return _set(table, LANGUAGE_PERSISTENT, arr)


def _write_events(table: pa.Table, track: str, rows: Sequence[Annotation], first_frame: int) -> pa.Table:
    col = table.column(LANGUAGE_EVENTS)
    per_frame = [
        [r for r in (v or []) if str(r.get("style") or SPEECH_STYLE) != track] for v in col.to_pylist()
    ]
    for a in rows:
        i = a.start - first_frame
        if 0 <= i < len(per_frame):
            per_frame[i].append(
                {
                    "role": a.role,
                    "content": a.content,
                    "style": None if track == SPEECH_STYLE else track,
                    "camera": a.camera,
                    "tool_calls": a.tool_calls,
                }
            )
    flat = [r for v in per_frame for r in v]
    return _set(table, LANGUAGE_EVENTS, pa.array(per_frame, type=_open_type(col.type, flat)))


def _open_type(old: pa.DataType, rows: list[dict[str, Any]]) -> pa.DataType:
    """The column's type, widened where an edit put a value in a field the writer typed as `null`
    (0.6.1 infers types from its rows; a field always empty there is null)."""
    if not rows:
        return old
    inferred = pa.array([rows]).type
    if not (pa.types.is_list(old) and pa.types.is_struct(old.value_type)):
        return inferred
    fields = []
    for f in old.value_type:
        if pa.types.is_null(f.type):
            idx = inferred.value_type.get_field_index(f.name)
            fields.append(f.with_type(inferred.value_type.field(idx).type) if idx >= 0 else f)
        else:
            fields.append(f)
    return pa.list_(pa.struct(fields))


def _set(table: pa.Table, name: str, arr: pa.Array) -> pa.Table:
    pos = table.column_names.index(name)
    return table.set_column(pos, pa.field(name, arr.type), arr)
