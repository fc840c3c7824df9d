"""Turn a copy of a generated v3.0 dataset into what LeRobot 0.6.1 and 0.4.4 write for annotations.

0.6.1 (`lerobot-annotate`, read in its source at tag v0.6.1: datasets/language.py and
annotations/steerable_pipeline/writer.py + executor.py):
- `language_persistent`: on every frame of an episode the same list of rows
  {role, content, style, timestamp, camera, tool_calls}, sorted by (timestamp, style, role);
- `language_events`: on the frame whose timestamp equals the event's, rows
  {role, content, style, camera, tool_calls}; a spoken line is role=assistant, style=None,
  content=None and a `say` tool call;
- the Arrow types are inferred from the Python rows (so a field that is always empty is `null`);
- one parquet row group per episode; `subtask_index` dropped;
- info.json: both columns as features {"dtype": "language", "shape": [1], "names": null}, and the
  `say` schema appended to `tools`.
0.4.4: an int64 `subtask_index` data column and `meta/subtasks.parquet`, a pandas frame indexed by
the subtask text with a `subtask_index` column (LeRobot reads row position = index).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leropilot_gl.dataset.pandas_table import write_indexed_table

SAY_TOOL = {
    "type": "function",
    "function": {
        "name": "say",
        "description": "Speak a short utterance to the user via the TTS executor.",
        "parameters": {
            "type": "object",
            "properties": {"text": {"type": "string", "description": "The verbatim text to speak."}},
            "required": ["text"],
        },
    },
}


def persistent_rows(episode: int, fps: float) -> list[dict[str, Any]]:
    """Subtasks at frames 0 and 12, a plan at 0, a memory at 20 (timestamps are frame times)."""
    rows = [
        {
            "role": "assistant",
            "content": f"reach the cube (ep {episode})",
            "style": "subtask",
            "timestamp": 0.0,
        },
        {"role": "assistant", "content": "1. reach 2. grasp", "style": "plan", "timestamp": 0.0},
        {
            "role": "assistant",
            "content": f"grasp it (ep {episode})",
            "style": "subtask",
            "timestamp": 12 / fps,
        },
        {"role": "assistant", "content": "the cube is held", "style": "memory", "timestamp": 20 / fps},
    ]
    for r in rows:
        r["camera"] = None
        r["tool_calls"] = None
    rows.sort(key=lambda r: (r["timestamp"], r["style"], r["role"]))
    return [
        {k: r[k] for k in ("role", "content", "style", "timestamp", "camera", "tool_calls")} for r in rows
    ]


def event_rows_by_frame(episode: int) -> dict[int, list[dict[str, Any]]]:
    """An interjection at frame 5 and the robot's spoken answer at frame 8."""
    return {
        5: [
            {
                "role": "user",
                "content": f"use the left cube (ep {episode})",
                "style": "interjection",
                "camera": None,
                "tool_calls": None,
            }
        ],
        8: [
            {
                "role": "assistant",
                "content": None,
                "style": None,
                "camera": None,
                "tool_calls": [
                    {"type": "function", "function": {"name": "say", "arguments": {"text": "ok"}}}
                ],
            }
        ],
    }


def add_language_columns(root: Path, *, extra_info: dict[str, Any] | None = None) -> None:
    info_path = root / "meta/info.json"
    info = json.loads(info_path.read_text())
    fps = float(info["fps"])
    for path in sorted((root / "data").rglob("*.parquet")):
        table = pq.read_table(path)
        episodes = table.column("episode_index").to_pylist()
        frames = table.column("frame_index").to_pylist()
        persistent = [persistent_rows(ep, fps) for ep in episodes]
        events = [event_rows_by_frame(ep).get(f, []) for ep, f in zip(episodes, frames, strict=True)]
        keep = [
            n
            for n in table.column_names
            if n not in ("subtask_index", "language_persistent", "language_events")
        ]
        table = table.select(keep)
        table = table.append_column("language_persistent", pa.array(persistent))  # types inferred, as 0.6.1
        table = table.append_column("language_events", pa.array(events))
        with pq.ParquetWriter(str(path), table.schema) as writer:  # one row group per episode
            start = 0
            for i in range(1, len(episodes) + 1):
                if i == len(episodes) or episodes[i] != episodes[start]:
                    writer.write_table(table.slice(start, i - start))
                    start = i
    for key in ("language_persistent", "language_events"):
        info["features"][key] = {"dtype": "language", "shape": [1], "names": None}
    info["tools"] = [SAY_TOOL]
    info.update(extra_info or {})
    info_path.write_text(json.dumps(info, indent=4))


SUBTASK_NAMES = ["approach", "grasp", "lift"]


def subtask_of(frame: int) -> int:
    return 0 if frame < 10 else (1 if frame < 20 else 2)


def add_subtasks_044(root: Path) -> None:
    info_path = root / "meta/info.json"
    info = json.loads(info_path.read_text())
    for path in sorted((root / "data").rglob("*.parquet")):
        table = pq.read_table(path)
        values = [subtask_of(f) for f in table.column("frame_index").to_pylist()]
        table = table.append_column("subtask_index", pa.array(values, pa.int64()))
        pq.write_table(table, path)
    info["features"]["subtask_index"] = {"dtype": "int64", "shape": [1], "names": None}
    info_path.write_text(json.dumps(info, indent=4))
    # as pandas writes DataFrame({"subtask_index": [...]}, index=names).to_parquet(...)
    write_indexed_table(
        root / "meta/subtasks.parquet",
        value_column="subtask_index",
        values=list(range(len(SUBTASK_NAMES))),
        index=pa.array(SUBTASK_NAMES, pa.string()),
    )
