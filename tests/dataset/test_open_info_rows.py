"""DatasetInfo keeps what it does not know; the episode rows filter and sort as columns."""

from __future__ import annotations

import json
from pathlib import Path

from leropilot_gl.dataset import EditSession, open_dataset
from leropilot_gl.dataset.episode_rows import EpisodeFilter, rows_on_disk, rows_working
from leropilot_gl.dataset.episodes_table import episode_row_v3, read_episodes_v3
from leropilot_gl.dataset.info import DatasetInfo
from tests.conftest import copy_dataset


def test_info_round_trip_keeps_unknown_keys(sample_av1: Path) -> None:
    raw = json.loads((sample_av1 / "meta" / "info.json").read_text())
    raw["tools"] = [{"name": "grasp", "args": {"force": 1.5}}]  # a key written by newer LeRobot
    info = DatasetInfo.from_dict(raw)
    assert (info.codebase_version, info.fps, info.total_episodes, info.chunks_size) == ("v3.0", 30.0, 3, 1000)
    assert info.extra["tools"] == raw["tools"] and "splits" in info.extra
    assert info.video_keys == ["observation.images.front", "observation.images.wrist"]
    assert info.data_template.format(chunk_index=0, file_index=2) == "data/chunk-000/file-002.parquet"
    out = info.to_dict()
    assert out == raw and list(out) == list(raw)  # same keys, same order, same values


def test_episodes_table_reader(sample_uneven: Path) -> None:
    table = read_episodes_v3(sample_uneven).table
    assert table.column("episode_index").to_pylist() == [0, 1, 2, 3]
    assert not any(n.startswith("stats/") for n in table.column_names)
    assert episode_row_v3(sample_uneven, 2)["length"] == 12
    assert episode_row_v3(sample_uneven)["episode_index"] == 0
    assert episode_row_v3(sample_uneven, 9) is None


def test_rows_filter_and_sort(sample_uneven: Path, tmp_path: Path) -> None:
    """Lengths 20, 45, 12, 33; the tasks cycle through the sample's four."""
    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    index = open_dataset(root)
    rows = rows_on_disk(index)
    assert rows.order(EpisodeFilter()).tolist() == [0, 1, 2, 3]
    assert rows.order(EpisodeFilter(), "length").tolist() == [2, 0, 3, 1]
    assert rows.order(EpisodeFilter(), "length", ascending=False).tolist() == [1, 3, 0, 2]
    assert rows.order(EpisodeFilter(text="DRAWER")).tolist() == [2]
    assert rows.order(EpisodeFilter(text="3")).tolist() == [3]  # digits match the index too
    assert rows.order(EpisodeFilter(min_length=15, max_length=40)).tolist() == [0, 3]
    assert rows.order(EpisodeFilter(problems_only=True)).tolist() == []
    assert rows.uid(1) == "e1" and rows.row_of("e3") == 3

    session = EditSession(tmp_path / "journals")
    session.attach(index)
    session.delete(root, ["e0"])
    dup = session.duplicate(root, "e2")
    working = rows_working(index, session.episodes(root))
    assert working.uids == ["e0", "e1", "e2", dup, "e3"]
    assert working.order(EpisodeFilter(text="drawer")).tolist() == [2, 3]  # the copy has the task too
    assert working.order(EpisodeFilter(), "length").tolist() == [2, 3, 0, 4, 1]
    assert working.row_of(dup) == 3
