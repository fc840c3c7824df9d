"""Episode tables as other writers make them: one video file per source after a merge, no from/to
timestamps (a custom writer), a video whose fps differs from the data's, and 100,000 episodes."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leropilot_gl.dataset import Severity, open_dataset
from leropilot_gl.media.decoders import PyAVDecoder
from tests.conftest import SAMPLE_AV1_PARAMS, copy_dataset
from tools.frame_code import read_frame_code
from tools.make_sample_dataset import camera_key

EPISODES = Path("meta/episodes/chunk-000/file-000.parquet")
FRONT, WRIST = camera_key("front"), camera_key("wrist")


def _frame_code_at(index, episode_index: int, key: str, frame: int) -> tuple[int, int] | None:
    """Decode the mp4 frame our index points at for (episode, frame), read its painted code."""
    ep = index.episode(episode_index)
    video = ep.videos[key]
    fps = index.cameras[key].fps
    decoder = PyAVDecoder(video.path)
    try:
        image = decoder.get_frame(round((video.from_s + frame / index.fps) * fps))
    finally:
        decoder.close()
    return read_frame_code(image)


def _write_episodes(root: Path, table: pa.Table) -> None:
    pq.write_table(table, root / EPISODES)


def _set_column(table: pa.Table, name: str, values: list) -> pa.Table:
    i = table.column_names.index(name)
    return table.set_column(i, name, pa.array(values, type=table.schema.field(name).type))


def test_each_camera_reads_its_own_file_indices(sample_av1: Path, tmp_path: Path) -> None:
    """A merge that keeps one video file per source: episode 2's wrist video is a file of its own."""
    root = copy_dataset(sample_av1, tmp_path)
    frames = SAMPLE_AV1_PARAMS["frames"]
    src = root / "videos" / WRIST / "chunk-000" / "file-000.mp4"
    dst = src.with_name("file-001.mp4")
    # Re-encode episode 2's wrist frames into file-001, as the second source's own file.
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream_in = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = stream_in.width, stream_in.height, "yuv420p"
        stream.options = {"crf": "0", "g": "2"}
        for i, frame in enumerate(inp.decode(stream_in)):
            if 2 * frames <= i < 3 * frames:
                img = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
                out.mux(stream.encode(img))
        out.mux(stream.encode())
    table = pq.read_table(root / EPISODES)
    table = _set_column(table, f"videos/{WRIST}/file_index", [0, 0, 1])
    table = _set_column(table, f"videos/{WRIST}/from_timestamp", [0.0, 1.0, 0.0])
    table = _set_column(table, f"videos/{WRIST}/to_timestamp", [1.0, 2.0, 1.0])
    _write_episodes(root, table)

    index = open_dataset(root)
    assert index.problems == []
    ep2 = index.episode(2)
    assert (ep2.videos[WRIST].path.name, ep2.videos[WRIST].from_s) == ("file-001.mp4", 0.0)
    assert (ep2.videos[FRONT].path.name, ep2.videos[FRONT].from_s) == ("file-000.mp4", 2.0)
    assert index.episode(1).videos[WRIST].path.name == "file-000.mp4"
    for frame in (0, 7, frames - 1):
        assert _frame_code_at(index, 2, WRIST, frame) == (2, frame)
        assert _frame_code_at(index, 2, FRONT, frame) == (2, frame)
        assert _frame_code_at(index, 1, WRIST, frame) == (1, frame)


def test_positions_inferred_when_the_table_has_no_timestamps(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path)
    expected = {
        (e.episode_index, k): (v.from_s, v.to_s)
        for e in open_dataset(root).episodes
        for k, v in e.videos.items()
    }
    table = pq.read_table(root / EPISODES)
    drop = [n for n in table.column_names if n.endswith(("/from_timestamp", "/to_timestamp"))]
    _write_episodes(root, table.drop_columns(drop))

    index = open_dataset(root)
    got = {(e.episode_index, k): (v.from_s, v.to_s) for e in index.episodes for k, v in e.videos.items()}
    assert got.keys() == expected.keys()
    for key, (from_s, to_s) in expected.items():
        assert np.allclose(got[key], (from_s, to_s)), key
    notes = [p for p in index.problems if "inferred" in p.message]
    assert sorted(p.camera for p in notes) == sorted([FRONT, WRIST])
    assert all(p.severity is Severity.INFO for p in notes)
    assert "3 of 3 episodes" in notes[0].message and "starts at 0 s" in notes[0].message
    assert all(e.usable and all(v.exists for v in e.videos.values()) for e in index.episodes)
    assert _frame_code_at(index, 2, FRONT, 29) == (2, 29)


def test_custom_writer_one_episode_video_fps_differs(sample_av1: Path, tmp_path: Path) -> None:
    """One episode of 10 fps data beside a 30 fps mp4 of the same duration, no timestamps."""
    root = copy_dataset(sample_av1, tmp_path)
    data_path = root / "data" / "chunk-000" / "file-000.parquet"
    data = pq.read_table(data_path)
    n = data.num_rows // 3  # 90 frames at 30 fps = 3 s = 30 rows at 10 fps
    data = data.take(pa.array(np.arange(n) * 3))
    data = _set_column(data, "episode_index", [0] * n)
    data = _set_column(data, "frame_index", list(range(n)))
    data = _set_column(data, "index", list(range(n)))
    data = _set_column(data, "timestamp", [i / 10 for i in range(n)])
    pq.write_table(data, data_path)
    table = pq.read_table(root / EPISODES).slice(0, 1)
    keep = [
        n_ for n_ in table.column_names if not n_.endswith(("_timestamp",)) and not n_.startswith("stats/")
    ]
    table = table.select(keep)
    table = _set_column(table, "length", [n])
    table = _set_column(table, "dataset_to_index", [n])
    _write_episodes(root, table)
    info = json.loads((root / "meta" / "info.json").read_text())
    info.update(fps=10, total_episodes=1, total_frames=n)
    for key in (FRONT, WRIST):
        info["features"][key]["info"]["video.fps"] = 10  # the writer copied the data's rate
    (root / "meta" / "info.json").write_text(json.dumps(info))

    index = open_dataset(root)
    ep = index.episode(0)
    assert {k: (v.from_s, v.to_s) for k, v in ep.videos.items()} == {FRONT: (0.0, 3.0), WRIST: (0.0, 3.0)}
    messages = [(p.severity, p.camera, p.message) for p in index.problems]
    assert any(s is Severity.INFO and c == FRONT and "inferred" in m for s, c, m in messages)
    assert any(
        s is Severity.WARNING and c == FRONT and "the video runs at 30 fps, the dataset at 10 fps" in m
        for s, c, m in messages
    )
    assert index.cameras[FRONT].fps == 30.0
    # Data frame 15 is at 1.5 s: video frame 45, which the sample painted as episode 1, frame 15.
    assert _frame_code_at(index, 0, FRONT, 15) == (1, 15)
    assert _frame_code_at(index, 0, WRIST, 29) == (2, 27)


def test_missing_videos_reported_once_per_file(sample_av1: Path, tmp_path: Path) -> None:
    """Two of three episodes point at a file that is not there: one problem naming both."""
    root = copy_dataset(sample_av1, tmp_path)
    table = pq.read_table(root / EPISODES)
    _write_episodes(root, _set_column(table, f"videos/{FRONT}/file_index", [0, 5, 5]))
    index = open_dataset(root)
    problems = [p for p in index.problems if p.camera == FRONT]
    assert len(problems) == 1
    assert problems[0].severity is Severity.ERROR
    assert problems[0].message.startswith("2 of 3 episodes: video file missing: videos/")
    assert problems[0].episodes == (1, 2)
    assert [len(e.problems) for e in index.episodes] == [0, 1, 1]
    assert all(e.usable for e in index.episodes)  # data still readable


def test_100k_episodes_open_columnar() -> None:
    """The benchmark's 100,000-episode dataset: every episode indexed, objects made only when read."""
    from tools.scale_dataset import cached_scale_dataset

    root = cached_scale_dataset(100_000)
    index = open_dataset(root)
    assert len(index.episodes) == 100_000 and index.total_frames == 1_000_000
    assert index.problems == []
    assert len(index.episodes._made) == 0  # nothing built per episode by the open itself
    last = index.episode(99_999)
    assert (last.episode_index, last.length, last.data_path.name) == (99_999, 10, "file-009.parquet")
    assert last.column("episode_index").tolist() == [99_999] * 10
    assert last.column("frame_index").tolist() == list(range(10))
    assert len(index.episodes._made) == 1
    hits = index.table.task_text_matches("DRAWER")
    assert hits.sum() == 20_000 and bool(hits[2]) and not hits[0]
    assert pc.sum(pc.list_value_length(index.table.tasks)).as_py() == 100_000
