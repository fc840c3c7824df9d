"""The frame code and the sample dataset generator (tools/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageFilter

from tests.conftest import REPO_ROOT, SAMPLE_AV1_PARAMS, SAMPLE_H264_PARAMS, SAMPLE_UNEVEN_PARAMS
from tools.frame_code import MAX_EPISODE, MAX_FRAME, draw_frame_code, make_camera_frame, read_frame_code
from tools.make_sample_dataset import (
    ACTION_LEAD_FRAMES,
    JOINT_NAMES,
    JOINT_RANGES_DEG,
    TASKS,
    joint_trajectory,
    main as make_sample_main,
)

CODES = [(0, 0), (1, 2), (2, 29), (517, 9001), (MAX_EPISODE, MAX_FRAME), (MAX_EPISODE, 0), (0, MAX_FRAME)]


def _degrade(image: np.ndarray, *, seed: int) -> np.ndarray:
    """Blur, JPEG at low quality and sensor-like noise: worse than what the encoders do."""
    pil = Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius=1.0))
    import io

    buf = io.BytesIO()
    pil.save(buf, format="JPEG", quality=20)
    out = np.asarray(Image.open(buf).convert("RGB")).astype(np.int16)
    out += np.random.default_rng(seed).normal(0, 12, size=out.shape).astype(np.int16)
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("episode, frame", CODES)
def test_frame_code_round_trip_raw(episode: int, frame: int) -> None:
    image = make_camera_frame(96, 64, episode=episode, frame=frame, camera_index=1)
    assert read_frame_code(image) == (episode, frame)


@pytest.mark.parametrize("episode, frame", CODES)
def test_frame_code_survives_degradation_and_resizing(episode: int, frame: int) -> None:
    image = make_camera_frame(96, 64, episode=episode, frame=frame, camera_index=0, seed=3)
    assert read_frame_code(_degrade(image, seed=episode + frame)) == (episode, frame)
    for size in [(61, 40), (150, 100), (320, 240), (48, 32)]:
        resized = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
        assert read_frame_code(resized) == (episode, frame), size
    # A screenshot: RGBA, upscaled, then degraded.
    big = Image.fromarray(image).resize((333, 222), Image.Resampling.BILINEAR)
    rgba = np.asarray(big.convert("RGBA"))
    assert read_frame_code(rgba) == (episode, frame)
    assert read_frame_code(_degrade(np.asarray(big), seed=1)) == (episode, frame)


def test_frame_code_rejects_wrong_and_missing_codes() -> None:
    image = make_camera_frame(96, 64, episode=5, frame=77)
    assert read_frame_code(np.zeros_like(image)) is None
    assert read_frame_code(np.full_like(image, 128)) is None
    assert read_frame_code(image[:, ::-1]) is None  # mirrored: markers no longer match
    # Every single flipped data cell is caught by the CRC rather than read as another number.
    height, width = image.shape[:2]
    for row in range(4):
        for col in range(9):
            y0 = int(height / 2 + row * height / 8) + 2
            x0 = int(col * width / 9) + 3
            flipped = image.copy()
            flipped[y0 - 2 : y0 + 6, x0 - 3 : x0 + 8] = 255 - flipped[y0, x0]
            assert read_frame_code(flipped) in (None, (5, 77))
    rng = np.random.default_rng(0)
    noise_hits = sum(
        read_frame_code(rng.integers(0, 256, size=(64, 96, 3), dtype=np.uint8)) is not None for _ in range(50)
    )
    assert noise_hits == 0


def test_frame_code_rejects_out_of_range_values() -> None:
    image = np.zeros((64, 96, 3), np.uint8)
    with pytest.raises(ValueError):
        draw_frame_code(image, MAX_EPISODE + 1, 0)
    with pytest.raises(ValueError):
        draw_frame_code(image, 0, MAX_FRAME + 1)


def test_camera_frames_look_like_a_camera() -> None:
    a0 = make_camera_frame(96, 64, episode=0, frame=0, camera_index=0)
    a1 = make_camera_frame(96, 64, episode=0, frame=1, camera_index=0)
    b0 = make_camera_frame(96, 64, episode=0, frame=0, camera_index=1)
    top = slice(0, 32)
    assert a0[top].std() > 10  # texture, not flat colour
    assert np.abs(a0[top].astype(int) - a1[top].astype(int)).mean() > 1  # changes per frame
    # Cameras differ in hue.
    assert np.argmax(a0[top].reshape(-1, 3).mean(0)) != np.argmax(b0[top].reshape(-1, 3).mean(0))


def test_joint_trajectories_are_smooth_in_range_and_differ_per_episode() -> None:
    a, b = joint_trajectory(0, 200), joint_trajectory(1, 200)
    assert a.shape == (200, 6) and a.dtype == np.float32
    for j, (lo, hi) in enumerate(JOINT_RANGES_DEG):
        assert lo <= a[:, j].min() and a[:, j].max() <= hi
        assert a[:, j].max() - a[:, j].min() > 0.1 * (hi - lo)  # it really moves
    assert np.abs(np.diff(a, axis=0)).max() < 15.0  # degrees per frame at 30 fps: smooth
    assert not np.allclose(a, b)


def _data_table(root: Path):
    return pq.read_table(root / "data" / "chunk-000" / "file-000.parquet").to_pandas()


@pytest.mark.parametrize(
    "fixture, params", [("sample_av1", SAMPLE_AV1_PARAMS), ("sample_h264", SAMPLE_H264_PARAMS)]
)
def test_fixture_dataset_contents(fixture: str, params: dict, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(fixture)
    info = json.loads((root / "meta" / "info.json").read_text())
    assert info["codebase_version"] == "v3.0"
    assert info["robot_type"] == "so101_follower"
    assert info["total_episodes"] == params["episodes"]
    assert info["total_frames"] == params["episodes"] * params["frames"]
    cams = [k for k, f in info["features"].items() if f["dtype"] == "video"]
    assert len(cams) == params["cameras"]
    for key in ("observation.state", "action"):
        assert info["features"][key]["names"] == list(JOINT_NAMES)
    expected_codec = {"libsvtav1": "av1", "h264": "h264"}[params["vcodec"]]
    for cam in cams:
        assert info["features"][cam]["info"]["video.codec"] == expected_codec
        # All episodes share one mp4 per camera.
        assert sorted(p.name for p in (root / "videos" / cam).rglob("*.mp4")) == ["file-000.mp4"]
    data = _data_table(root)
    assert len(data) == info["total_frames"]
    for ep in range(params["episodes"]):
        rows = data[data.episode_index == ep]
        state, action = np.stack(rows["observation.state"]), np.stack(rows["action"])
        lead = ACTION_LEAD_FRAMES
        np.testing.assert_array_equal(state[lead:], action[:-lead])
        assert list(np.asarray(list(rows["next.done"])).reshape(-1)) == [False] * (len(rows) - 1) + [True]
    tasks = pq.read_table(root / "meta" / "tasks.parquet").to_pandas()
    assert len(tasks) == min(params["episodes"], len(TASKS))


def test_fixture_videos_carry_every_frame_code(
    sample_av1: Path, sample_h264: Path, sample_uneven: Path
) -> None:
    from torchcodec.decoders import VideoDecoder

    for root, lengths in [
        (sample_av1, [SAMPLE_AV1_PARAMS["frames"]] * SAMPLE_AV1_PARAMS["episodes"]),
        (sample_h264, [SAMPLE_H264_PARAMS["frames"]] * SAMPLE_H264_PARAMS["episodes"]),
        (sample_uneven, SAMPLE_UNEVEN_PARAMS["frames_per_episode"]),
    ]:
        expected = [(ep, f) for ep, n in enumerate(lengths) for f in range(n)]
        for mp4 in sorted((root / "videos").rglob("*.mp4")):
            decoder = VideoDecoder(str(mp4))
            frames = decoder.get_frames_in_range(0, len(decoder)).data.permute(0, 2, 3, 1).numpy()
            assert [read_frame_code(f) for f in frames] == expected, mp4


def test_cli_writes_a_dataset_and_refuses_an_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    args = "--episodes 2 --frames 5 --cameras 1 --width 64 --height 48 --vcodec h264 --task Wave."
    # In-process: LeRobot is already imported by the fixtures, a subprocess would import it again.
    assert make_sample_main([str(out), *args.split()]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    info = json.loads((out / "meta" / "info.json").read_text())
    assert (info["total_episodes"], info["total_frames"]) == (2, 10)
    assert list(pq.read_table(out / "meta" / "tasks.parquet").to_pandas().index) == ["Wave."]
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    # As a script: it refuses an existing folder before importing anything heavy.
    cmd = [sys.executable, str(REPO_ROOT / "tools" / "make_sample_dataset.py"), str(out)]
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_frame_code_corrects_one_grey_cell() -> None:
    """AV1 now and then smears one cell to grey; that cell alone is corrected."""
    image = make_camera_frame(320, 240, episode=3, frame=117)
    height, width = image.shape[:2]
    for row, col in [(3, 6), (1, 4), (2, 2)]:
        y0, x0 = int(height / 2 + row * height / 8), int(col * width / 9)
        grey = image.copy()
        # Just over the threshold on the wrong side, so the plain read is wrong.
        wrong_grey = 139 if image[y0 + height // 16, x0 + width // 18, 0] < 128 else 116
        grey[y0 + 3 : y0 + height // 8 - 3, x0 + 3 : x0 + width // 9 - 3] = wrong_grey
        assert read_frame_code(grey) == (3, 117)
        # Fully flipped, the same cell is a certain error: refused, not guessed.
        grey[y0 + 3 : y0 + height // 8 - 3, x0 + 3 : x0 + width // 9 - 3] = 255 if wrong_grey == 139 else 0
        assert read_frame_code(grey) is None


def test_bundled_sample_opens_and_carries_codes() -> None:
    from torchcodec.decoders import VideoDecoder

    from leropilot_gl.dataset import open_dataset

    root = REPO_ROOT / "leropilot_gl" / "assets" / "sample" / "so101_sample"
    index = open_dataset(root)
    assert index.problems == [] and index.robot_type == "so101_follower"
    assert [e.length for e in index.episodes] == [150] * 4
    assert {k: (c.width, c.height) for k, c in index.cameras.items()} == {
        "observation.images.front": (320, 240),
        "observation.images.wrist": (320, 240),
    }
    assert len({e.tasks for e in index.episodes}) == 4
    for key in index.video_keys:
        ep = index.episodes[2]
        decoder = VideoDecoder(str(ep.videos[key].path))
        for frame in (0, 75, 149):
            pixels = decoder[round((ep.videos[key].from_s + frame / 30) * 30)].permute(1, 2, 0).numpy()
            assert read_frame_code(pixels) == (2, frame)
    state = index.episodes[0].column("observation.state")
    action = index.episodes[0].column("action")
    np.testing.assert_array_equal(state[ACTION_LEAD_FRAMES:], action[:-ACTION_LEAD_FRAMES])
