"""The doctor finds each planted defect in the right episode and frames, and nothing on clean data."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality import Cancelled, FlagStore, Thresholds, run_doctor
from tests.conftest import copy_dataset
from tests.quality import defects as D

SAMPLE = Path(__file__).resolve().parents[2] / "leropilot_gl" / "assets" / "sample" / "so101_sample"
FRONT, WRIST = "observation.images.front", "observation.images.wrist"


def _doctor(root: Path, tmp_path: Path, **kwargs):
    return run_doctor(open_dataset(root), cache_dir=tmp_path / "cache", **kwargs)


def _one(report, kind: str, episode: int | None, camera: str | None = None):
    hits = [
        f for f in report.findings if f.kind == kind and f.episode_index == episode and f.camera == camera
    ]
    assert hits, f"no {kind} finding for episode {episode} {camera or ''}: {report.findings}"
    return hits[0]


def _near(actual: int | None, expected: int, slack: int = 2) -> bool:
    return actual is not None and abs(actual - expected) <= slack


@pytest.fixture(scope="module")
def report(defects_dataset, tmp_path_factory):
    return run_doctor(open_dataset(defects_dataset), cache_dir=tmp_path_factory.mktemp("cache"))


def test_idle_start_and_end_with_suggested_trim(report) -> None:
    start = _one(report, "idle_start", D.IDLE)
    assert (start.frame_start, start.frame_end) == (0, D.IDLE_START_FRAMES)
    end = _one(report, "idle_end", D.IDLE)
    assert (end.frame_start, end.frame_end) == (D.IDLE_END_FROM, D.LENGTH)
    keep = round(Thresholds().idle_keep_s * D.FPS)
    assert report.suggested_trims()[D.IDLE] == (D.IDLE_START_FRAMES - keep, D.IDLE_END_FROM + keep)


def test_frozen_camera_while_the_robot_moves(report) -> None:
    f = _one(report, "frozen_video", D.FROZEN_CAMERA, FRONT)
    assert _near(f.frame_start, D.FROZEN_FROM) and _near(f.frame_end, D.FROZEN_TO)
    assert not [g for g in report.findings if g.kind == "frozen_video" and g.camera == WRIST]


def test_black_frames(report) -> None:
    f = _one(report, "black_frames", D.BLACK, WRIST)
    assert (f.frame_start, f.frame_end) == (D.BLACK_FROM, D.BLACK_TO)
    assert "black" in f.message


def test_frozen_actuator(report) -> None:
    f = _one(report, "frozen_actuator", D.STUCK_JOINT)
    assert f"[{D.STUCK_DIM}]" in f.message and (f.frame_start, f.frame_end) == (0, D.LENGTH)


def test_spike(report) -> None:
    f = _one(report, "spike", D.SPIKE)
    assert (f.frame_start, f.frame_end) == (D.SPIKE_FRAME, D.SPIKE_FRAME + 1)  # the frame that jumped


def test_dataset_level(report) -> None:
    dup = _one(report, "near_duplicate", D.DUPLICATE)
    assert f"episode {D.CLEAN}" in dup.message and dup.fix == {"action": "delete"}
    _one(report, "length_outlier", D.SHORT)
    task = [f for f in report.findings if f.kind == "task_text"]
    assert len(task) == 1 and "'todo'" in task[0].message and f"{D.SHORT}" in task[0].message


def test_clean_episodes_have_no_findings(report) -> None:
    for ep in (D.CLEAN, D.CLEAN_TOO):
        assert report.by_episode.get(ep, []) == []
    assert {f.episode_index for f in report.findings if f.episode_index is not None} == {
        D.IDLE,
        D.FROZEN_CAMERA,
        D.BLACK,
        D.STUCK_JOINT,
        D.SPIKE,
        D.DUPLICATE,
        D.SHORT,
    }


def test_bundled_sample_and_generated_fixture_are_clean(sample_h264, tmp_path) -> None:
    for root in (SAMPLE, sample_h264):
        report = _doctor(root, tmp_path)
        assert report.findings == [], report.findings
        assert report.decoded_frames > 0


def _rewrite_table(path: Path, change) -> None:  # noqa: ANN001
    table = pq.read_table(path)
    columns = {name: table.column(name) for name in table.schema.names}
    change(columns, table)
    pq.write_table(pa.table(columns, schema=table.schema), path)


def _set(columns, table, name: str, values: np.ndarray) -> None:  # noqa: ANN001
    columns[name] = pa.array(list(values) if values.ndim > 1 else values, type=table.schema.field(name).type)


def test_file_defects(defects_dataset, tmp_path) -> None:
    root = copy_dataset(defects_dataset, tmp_path)
    index = open_dataset(root)
    fps = index.fps
    rows = {e.episode_index: e.row_start for e in index.episodes}

    def damage_data(columns, table) -> None:  # noqa: ANN001
        ts = np.asarray(table.column("timestamp").to_numpy(), dtype=np.float32).copy()
        fi = table.column("frame_index").to_numpy().copy()
        r = rows[D.CLEAN_TOO]
        ts[r + 30 : r + D.LENGTH] += 3 / fps  # three dropped frames at frame 30
        r = rows[D.CLEAN]
        ts[r + 20], fi[r + 20] = ts[r + 19], fi[r + 19]  # a duplicated row
        r = rows[D.BLACK]
        ts[r + 40] = ts[r + 38]  # goes backwards
        action = np.stack(table.column("action").to_numpy(zero_copy_only=False)).astype(np.float32)
        action[rows[D.DUPLICATE] + 10, 1] = np.nan
        _set(columns, table, "timestamp", ts)
        _set(columns, table, "frame_index", fi)
        _set(columns, table, "action", action)

    _rewrite_table(index.episodes[0].data_path, damage_data)

    episodes_file = next((root / "meta" / "episodes").rglob("*.parquet"))

    def damage_ranges(columns, table) -> None:  # noqa: ANN001
        eps = table.column("episode_index").to_numpy()
        col = f"videos/{WRIST}/to_timestamp"
        to = table.column(col).to_numpy().copy()
        to[eps == D.STUCK_JOINT] -= 10 / fps  # the wrist range is 10 frames short
        _set(columns, table, col, to)
        for side in ("from_timestamp", "to_timestamp"):
            col = f"videos/{FRONT}/{side}"
            values = table.column(col).to_numpy().copy()
            values[eps == D.SPIKE] -= 1 / fps  # the front range starts one frame early
            _set(columns, table, col, values)

    _rewrite_table(episodes_file, damage_ranges)
    stats_path = root / "meta" / "stats.json"
    stats = json.loads(stats_path.read_text())
    stats["action"]["max"][0] += 50.0
    stats_path.write_text(json.dumps(stats))

    report = _doctor(root, tmp_path)
    gap = _one(report, "timestamp_gap", D.CLEAN_TOO)
    assert gap.frame_start == 30
    shifted = _one(report, "timestamps", D.CLEAN_TOO)
    assert shifted.frame_start == 30 and "tolerance_s" in shifted.message
    dup = _one(report, "duplicate_rows", D.CLEAN)
    assert dup.frame_start == 20 and dup.severity is Severity.ERROR
    back = _one(report, "timestamp_backwards", D.BLACK)
    assert back.frame_start == 40
    nan = _one(report, "non_finite", D.DUPLICATE)
    assert (nan.frame_start, nan.frame_end) == (10, 11)
    short = _one(report, "video_length", D.STUCK_JOINT, WRIST)
    assert short.severity is Severity.ERROR and (short.frame_start, short.frame_end) == (
        D.LENGTH - 10,
        D.LENGTH,
    )
    boundary = _one(report, "boundary_frame", D.SPIKE, FRONT)
    assert (boundary.frame_start, boundary.frame_end) == (0, 1)
    assert [f for f in report.findings if f.kind == "stats_mismatch" and "action" in f.message]


def test_video_cut_to_half_with_its_header_intact(defects_dataset, tmp_path) -> None:
    root = copy_dataset(defects_dataset, tmp_path)
    index = open_dataset(root)
    path = index.episodes[0].videos[FRONT].path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = _doctor(root, tmp_path)
    cut = [f for f in report.findings if f.kind == "video_truncated"]
    assert cut and {f.camera for f in cut} == {FRONT}
    assert all("cut short" in f.message and f.severity is Severity.ERROR for f in cut)
    assert D.EPISODES - 1 in {f.episode_index for f in cut} and D.CLEAN not in {f.episode_index for f in cut}
    assert cut[-1].frame_start == 0 and cut[-1].frame_end == D.LENGTH  # wholly past the cut


def test_second_run_comes_from_the_cache(defects_dataset, tmp_path) -> None:
    first = _doctor(defects_dataset, tmp_path)
    assert first.decoded_frames > 0
    second = _doctor(defects_dataset, tmp_path)
    assert second.decoded_frames == 0 and second.episodes_checked == 0
    assert second.episodes_from_cache == D.EPISODES
    assert second.findings == first.findings
    other = _doctor(defects_dataset, tmp_path, thresholds=Thresholds(idle_min_s=2.0))
    assert other.decoded_frames > 0  # other thresholds: checked again
    assert not [f for f in other.findings if f.kind == "idle_start"]


def test_thresholds_from_text() -> None:
    th = Thresholds().with_overrides({"idle_min_s": "1.5", "min_task_chars": "5"})
    assert th.idle_min_s == 1.5 and th.min_task_chars == 5
    with pytest.raises(ValueError, match="unknown threshold"):
        Thresholds().with_overrides({"nope": "1"})
    with pytest.raises(ValueError, match="not a float"):
        Thresholds().with_overrides({"idle_min_s": "soon"})


def test_cancel_stops_the_pixel_pass(sample_h264, tmp_path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        _doctor(sample_h264, tmp_path, cancel=cancel, use_cache=False)


def test_manual_flags_persist_outside_the_dataset(defects_dataset, tmp_path) -> None:
    store = FlagStore(tmp_path / "flags.json")
    store.set(defects_dataset, 3, "gripper slipped")
    again = FlagStore(tmp_path / "flags.json")
    assert again.for_dataset(defects_dataset) == {3: "gripper slipped"}
    report = _doctor(defects_dataset, tmp_path, manual_flags=again.for_dataset(defects_dataset))
    manual = _one(report, "manual", 3)
    assert "gripper slipped" in manual.message and 3 in report.flagged_episodes()
    again.clear(defects_dataset, 3)
    assert FlagStore(tmp_path / "flags.json").for_dataset(defects_dataset) == {}
