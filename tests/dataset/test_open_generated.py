"""open_dataset on generated LeRobot v3.0 datasets, damaged copies of them, and the real shared data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from leropilot_gl.dataset import DatasetOpenError, Severity, open_dataset
from tests.conftest import (
    SAMPLE_AV1_PARAMS,
    SAMPLE_H264_PARAMS,
    SAMPLE_UNEVEN_PARAMS,
    copy_dataset,
    tree_checksum,
)
from tools.frame_code import read_frame_code
from tools.make_sample_dataset import CAMERA_NAMES, JOINT_NAMES, camera_key, episode_task

SHARED_DATASETS = (
    "gr00t_pnp_sim_v2.0",
    "koch_screwdriver_v2.1_novideo",
    "reachy2_apple_storage_v3.0_novideo",
)


def open_unchanged(root: Path):
    """open_dataset, asserting the folder's bytes are identical before and after."""
    before = tree_checksum(root)
    index = open_dataset(root)
    assert tree_checksum(root) == before, f"opening {root} changed its files"
    return index


def _messages(index, severity: Severity | None = None) -> list[str]:
    return [p.message for p in index.problems if severity is None or p.severity is severity]


@pytest.mark.parametrize(
    "fixture, params, codec",
    [("sample_av1", SAMPLE_AV1_PARAMS, "av1"), ("sample_h264", SAMPLE_H264_PARAMS, "h264")],
)
def test_generated_dataset_index(
    fixture: str, params: dict, codec: str, request: pytest.FixtureRequest
) -> None:
    root: Path = request.getfixturevalue(fixture)
    index = open_unchanged(root)
    assert index.version == "v3.0" and index.fps == 30.0 and index.robot_type == "so101_follower"
    assert index.problems == []
    assert [e.episode_index for e in index.episodes] == list(range(params["episodes"]))
    assert [e.length for e in index.episodes] == [params["frames"]] * params["episodes"]
    assert index.total_frames == params["episodes"] * params["frames"]
    assert [e.tasks for e in index.episodes] == [(episode_task(i),) for i in range(params["episodes"])]
    for key in ("observation.state", "action"):
        assert index.features[key].names == JOINT_NAMES
        assert index.features[key].shape == (6,)
    assert {f.key for f in index.numeric_features()} == {
        "observation.state",
        "action",
        "next.reward",
        "next.done",
    }
    keys = [camera_key(n) for n in CAMERA_NAMES[: params["cameras"]]]
    assert index.video_keys == sorted(keys)
    for key in keys:
        cam = index.cameras[key]
        assert (cam.storage, cam.width, cam.height, cam.fps) == (
            "video",
            params["width"],
            params["height"],
            30.0,
        )
        assert codec in (cam.codec or "").lower()
    # All episodes share one data parquet and one mp4 per camera, in consecutive ranges.
    assert len({e.data_path for e in index.episodes}) == 1
    for i, ep in enumerate(index.episodes):
        assert (ep.row_start, ep.row_end) == (i * params["frames"], (i + 1) * params["frames"])
        for key in keys:
            video = ep.videos[key]
            assert video.exists and video.path == index.episodes[0].videos[key].path
            assert video.to_s - video.from_s == pytest.approx(ep.length / index.fps, abs=0.5 / index.fps)
            if i:
                assert video.from_s == pytest.approx(index.episodes[i - 1].videos[key].to_s)


def test_time_ranges_point_at_the_episode_frames(sample_uneven: Path) -> None:
    """Decoding at round((from_s + frame / fps) * video_fps) shows that (episode, frame)'s code."""
    from torchcodec.decoders import VideoDecoder

    index = open_unchanged(sample_uneven)
    assert [e.length for e in index.episodes] == SAMPLE_UNEVEN_PARAMS["frames_per_episode"]
    for key in index.video_keys:
        decoders = {}
        for ep in index.episodes:
            video = ep.videos[key]
            decoder = decoders.setdefault(video.path, VideoDecoder(str(video.path)))
            fps = index.cameras[key].fps
            for frame in (0, ep.length // 2, ep.length - 1):
                pixels = decoder[round((video.from_s + frame / index.fps) * fps)].permute(1, 2, 0).numpy()
                assert read_frame_code(pixels) == (ep.episode_index, frame), (key, ep.episode_index, frame)


def test_columns_match_lerobot(sample_av1: Path) -> None:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    index = open_unchanged(sample_av1)
    before = tree_checksum(sample_av1)
    lerobot = LeRobotDataset(SAMPLE_AV1_PARAMS["repo_id"], root=sample_av1)
    assert lerobot.num_episodes == len(index.episodes)
    for global_index in (0, 31, 59, 89):
        item = lerobot[global_index]
        ep = index.episode(int(item["episode_index"]))
        frame = int(item["frame_index"])
        for key in ("observation.state", "action", "timestamp", "next.reward", "next.done"):
            ours = np.asarray(ep.column(key)[frame]).reshape(-1)
            theirs = item[key].numpy().reshape(-1)
            np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), err_msg=key)
        for key in index.video_keys:  # LeRobot's decoded frame is the one our index points at
            pixels = (item[key].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            assert read_frame_code(pixels) == (ep.episode_index, frame)
    assert tree_checksum(sample_av1) == before


# ------------------------------------------------------------------ damaged copies


def test_truncated_data_parquet(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path)
    data = root / "data" / "chunk-000" / "file-000.parquet"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    with pytest.raises(DatasetOpenError) as err:
        open_dataset(root)
    assert "none of the 3 episodes has readable data" in str(err.value)
    assert "data/chunk-000/file-000.parquet: unreadable parquet" in str(err.value)


def test_truncated_data_parquet_of_one_file_keeps_the_others(sample_av1: Path, tmp_path: Path) -> None:
    """With a second data file, only the episodes of the damaged file become unusable."""
    import pyarrow.parquet as pq

    root = copy_dataset(sample_av1, tmp_path)
    data = root / "data" / "chunk-000" / "file-000.parquet"
    episodes = root / "meta" / "episodes" / "chunk-000" / "file-000.parquet"
    # Move episode 2's rows to file-001 and point its episode row there, as LeRobot does
    # when a file reaches data_files_size_in_mb.
    table = pq.read_table(data)
    pq.write_table(table.slice(0, 60), data)
    pq.write_table(table.slice(60), data.with_name("file-001.parquet"))
    eps = pq.read_table(episodes).to_pandas()
    eps.loc[eps.episode_index == 2, "data/file_index"] = 1
    eps.to_parquet(episodes)
    broken = data.with_name("file-001.parquet")
    broken.write_bytes(broken.read_bytes()[:100])
    index = open_dataset(root)
    usable = {e.episode_index: e.usable for e in index.episodes}
    assert usable == {0: True, 1: True, 2: False}
    errors = [p for p in index.problems if p.severity is Severity.ERROR]
    assert [(p.episode_index, "file-001.parquet: unreadable parquet" in p.message) for p in errors] == [
        (2, True)
    ]
    assert index.episode(1).column("observation.state").shape == (30, 6)


def test_garbage_info_json(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path)
    (root / "meta" / "info.json").write_bytes(b"\x00\xffnot json{{")
    before = tree_checksum(root)
    with pytest.raises(DatasetOpenError, match=r"meta/info.json is not valid JSON"):
        open_dataset(root)
    assert tree_checksum(root) == before


def test_missing_episodes_table(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path)
    shutil.rmtree(root / "meta" / "episodes")
    index = open_dataset(root)
    assert [e.length for e in index.episodes] == [30, 30, 30]  # rebuilt from the data rows
    errors = _messages(index, Severity.ERROR)
    assert any(
        "meta/episodes/ holds no episode table" in m and "camera positions unknown" in m for m in errors
    )
    assert index.episode(2).column("frame_index").tolist() == list(range(30))


def test_deleted_mp4(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path)
    wrist = camera_key("wrist")
    (root / "videos" / wrist / "chunk-000" / "file-000.mp4").unlink()
    index = open_dataset(root)
    assert all(e.usable for e in index.episodes)  # the data and the other camera stay usable
    assert not any(e.videos[wrist].exists for e in index.episodes)
    assert all(e.videos[camera_key("front")].exists for e in index.episodes)
    problems = [p for p in index.problems if p.camera == wrist]
    assert [p.severity for p in problems] == [Severity.WARNING]
    assert "none of its 3 episode videos exist" in problems[0].message


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DatasetOpenError, match="no meta/info.json"):
        open_dataset(tmp_path)
    with pytest.raises(DatasetOpenError, match="is not a folder"):
        open_dataset(tmp_path / "missing")


# ------------------------------------------------------------------ real shared datasets


@pytest.mark.parametrize("name", SHARED_DATASETS)
def test_shared_datasets_open_without_change(real_data: Path, name: str) -> None:
    index = open_unchanged(real_data / "datasets" / name)
    assert index.episodes and index.usable
    assert all(e.column("timestamp").shape == (e.length,) for e in index.episodes)


def test_gr00t_defects_reported(real_data: Path) -> None:
    index = open_unchanged(real_data / "datasets" / "gr00t_pnp_sim_v2.0")
    assert (index.version, len(index.episodes), index.total_frames, index.fps) == ("v2.0", 5, 2096, 20.0)
    msgs = _messages(index)
    assert any("no 'frame_index' column" in m for m in msgs)
    assert any("under 'video_info' instead of 'info'" in m for m in msgs)
    assert any("total_chunks=0" in m for m in msgs)
    assert any("split 'train' = '0:100' reaches past the 5 episodes" in m for m in msgs)
    assert any("5 of 5 episodes list more than one task" in m for m in msgs)
    assert any("modality.json" in m for m in msgs)
    missing = [p for p in index.problems if p.camera == "observation.images.egoview"]
    assert any("none of its 5 episode videos exist" in p.message for p in missing)
    assert (
        index.cameras["observation.images.egoview"].width,
        index.cameras["observation.images.egoview"].height,
    ) == (
        1280,
        800,
    )
    ego = index.cameras["observation.images.ego_view"]
    assert (ego.width, ego.height) == (256, 256) and "h264" in (ego.codec or "")
    assert all(len(e.tasks) == 2 for e in index.episodes)


def test_koch_defects_reported(real_data: Path) -> None:
    index = open_unchanged(real_data / "datasets" / "koch_screwdriver_v2.1_novideo")
    assert (index.version, len(index.episodes), index.total_frames) == ("v2.1", 5, 1217)
    for key in ("observation.images.screwdriver", "observation.images.side", "observation.images.top"):
        assert any(
            p.camera == key and "none of its 5 episode videos exist" in p.message for p in index.problems
        )
    names = index.features["observation.state"].names
    assert "shoulder_pan.pos" in names and "screwdriver.vel" in names and "gripper.pos" not in names
    body = index.episodes[0].column("observation.state")[:, : names.index("screwdriver.vel")]
    assert body.min() >= -100.0 and body.max() <= 100.0  # LeRobot's -100..100 scale, not degrees


def test_reachy2_defects_reported(real_data: Path) -> None:
    index = open_unchanged(real_data / "datasets" / "reachy2_apple_storage_v3.0_novideo")
    assert (index.version, len(index.episodes), index.total_frames) == ("v3.0", 3, 899)
    msgs = _messages(index)
    assert any("total_frames=14983, the episodes hold 899" in m for m in msgs)
    assert any("split 'train' = '0:50' reaches past the 3 episodes" in m for m in msgs)
    assert any("channel-first" in m for m in msgs)
    cam = index.cameras["observation.image"]
    assert (cam.width, cam.height) == (960, 720)
    assert any(
        p.camera == "observation.image" and "none of its 3 episode videos exist" in p.message
        for p in index.problems
    )
    state = index.features["observation.state"]
    assert state.names == tuple(f"observation.state[{i}]" for i in range(19))  # names: null -> generated
    assert index.episodes[1].column("observation.state").shape == (300, 19)
