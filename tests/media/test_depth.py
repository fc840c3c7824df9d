"""Depth cameras: 12-bit gray HEVC decoded whole, de-quantized with the dataset's parameters.

The fixture adds a depth camera, written the way LeRobot 0.6 does (lossless libx265, gray12le,
log-quantized 12-bit codes, `is_depth_map` / `depth_unit` / `video.depth_*` in the feature's
info), to a copy of a LeRobot-written sample dataset.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.media import DecodePool, EpisodeMedia, FrameCache
from leropilot_gl.media.depth import DepthColormap, DepthParams, is_depth_feature
from tests.conftest import copy_dataset

DEPTH_KEY = "observation.images.depth"
WIDTH, HEIGHT = 96, 64
PARAMS = DepthParams(depth_min_m=0.01, depth_max_m=10.0, shift_m=3.5, use_log=True, unit="mm")


def depth_scene_mm(episode: int, frame: int) -> np.ndarray:
    """A depth map in mm: a ramp from 150 mm to 9 m across the image, shifted per frame."""
    x = np.linspace(0.0, 1.0, WIDTH)[None, :]
    y = np.linspace(0.0, 1.0, HEIGHT)[:, None]
    phase = (episode * 30 + frame) / 90.0
    return (150.0 + 8850.0 * ((0.8 * x + 0.2 * y + phase) % 1.0)).astype(np.float32)


def write_gray12_video(path: Path, frames: list[np.ndarray], fps: int = 30) -> None:
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx265", rate=fps)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "gray12le"
        stream.options = {"x265-params": "lossless=1:log-level=error", "g": "2"}
        for codes in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(codes, format="gray12le")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def add_depth_camera(root: Path, *, info_overrides: dict | None = None) -> dict[tuple[int, int], np.ndarray]:
    """Add DEPTH_KEY to the dataset at root; returns the codes written per (episode, frame)."""
    info_path = root / "meta" / "info.json"
    info = json.loads(info_path.read_text())
    fps = int(info["fps"])
    episodes_path = next((root / "meta" / "episodes").rglob("*.parquet"))
    table = pq.read_table(episodes_path)
    lengths = table.column("length").to_pylist()
    written, frames, starts = {}, [], []
    for episode, length in enumerate(lengths):
        starts.append(len(frames) / fps)
        for frame in range(length):
            codes = PARAMS.to_codes(depth_scene_mm(episode, frame))
            written[(episode, frame)] = codes
            frames.append(codes)
    write_gray12_video(root / "videos" / DEPTH_KEY / "chunk-000" / "file-000.mp4", frames, fps)
    feature_info = {
        "video.height": HEIGHT,
        "video.width": WIDTH,
        "video.codec": "hevc",
        "video.pix_fmt": "gray12le",
        "video.fps": fps,
        "video.channels": 1,
        "has_audio": False,
        "is_depth_map": True,
        "depth_unit": "mm",
        "video.depth_min": PARAMS.depth_min_m,
        "video.depth_max": PARAMS.depth_max_m,
        "video.shift": PARAMS.shift_m,
        "video.use_log": PARAMS.use_log,
    }
    feature_info.update(info_overrides or {})
    info["features"][DEPTH_KEY] = {
        "dtype": "video",
        "shape": [HEIGHT, WIDTH, 1],
        "names": ["height", "width", "channels"],
        "info": feature_info,
    }
    info_path.write_text(json.dumps(info, indent=4))
    n = len(lengths)
    prefix = f"videos/{DEPTH_KEY}/"
    columns = {
        prefix + "chunk_index": pa.array([0] * n, pa.int64()),
        prefix + "file_index": pa.array([0] * n, pa.int64()),
        prefix + "from_timestamp": pa.array(starts, pa.float64()),
        prefix + "to_timestamp": pa.array(
            [s + length / fps for s, length in zip(starts, lengths, strict=True)], pa.float64()
        ),
    }
    for name, column in columns.items():
        table = table.append_column(name, column)
    pq.write_table(table, episodes_path)
    return written


@pytest.fixture(scope="module")
def depth_dataset(sample_av1, tmp_path_factory) -> tuple[Path, dict]:
    root = copy_dataset(sample_av1, tmp_path_factory.mktemp("depth"), "with_depth")
    return root, add_depth_camera(root)


def test_depth_params_follow_the_quantization_formula():
    """Ends and middle of the code range, computed by hand from the documented mapping."""
    log_params = DepthParams(depth_min_m=0.01, depth_max_m=10.0, shift_m=3.5, use_log=True, unit="mm")
    assert log_params.depth_at(0) == pytest.approx(10.0, abs=1e-3)  # 0.01 m in mm
    assert log_params.depth_at(4095) == pytest.approx(10000.0, rel=1e-6)
    middle_m = math.exp((math.log(0.01 + 3.5) + math.log(10.0 + 3.5)) / 2) - 3.5
    assert log_params.to_depth(np.array([4095 / 2]))[0] == pytest.approx(middle_m * 1000, rel=1e-5)
    linear = DepthParams(depth_min_m=0.5, depth_max_m=4.5, shift_m=0.0, use_log=False, unit="m")
    assert linear.depth_at(0) == pytest.approx(0.5)
    assert linear.depth_at(4095) == pytest.approx(4.5)
    assert linear.depth_at(1024) == pytest.approx(0.5 + 4.0 * 1024 / 4095, rel=1e-6)
    # Codes -> depth -> codes is the identity: nothing is lost but the 12-bit step.
    codes = np.arange(4096, dtype=np.uint16)
    for params in (log_params, linear):
        assert np.array_equal(params.to_codes(params.to_depth(codes)), codes)


def test_depth_params_from_feature_defaults_and_bad_values():
    assert is_depth_feature({"info": {"is_depth_map": True}})
    assert is_depth_feature({"info": {"video.is_depth_map": True}})  # the legacy spelling
    assert not is_depth_feature({"info": {"video.is_depth_map": False}})
    defaults = DepthParams.from_feature({"info": {"is_depth_map": True}})
    assert (defaults.depth_min_m, defaults.depth_max_m, defaults.shift_m, defaults.use_log) == (
        0.01,
        10.0,
        3.5,
        True,
    )
    with pytest.raises(ValueError, match="depth_max"):
        DepthParams.from_feature({"info": {"video.depth_min": 2.0, "video.depth_max": 1.0}})
    with pytest.raises(ValueError, match="depth_unit"):
        DepthParams.from_feature({"info": {"depth_unit": "furlong"}})


def test_depth_camera_decodes_full_12_bit_codes_and_round_trips(depth_dataset):
    root, written = depth_dataset
    index = open_dataset(root)
    assert DEPTH_KEY in index.video_keys
    pool = DecodePool(FrameCache(64 * 1024 * 1024), workers=2)
    try:
        for episode, frame in [(0, 0), (1, 17), (2, 29), (0, 5), (2, 3)]:
            media = EpisodeMedia(pool, index.episode(episode))
            tiles = media.wait_frame(frame, timeout_s=60)
            tile = tiles[DEPTH_KEY]
            assert tile.problem is None and tile.depth is not None
            # The codes come out exactly as written: lossless, 12 bits, this very frame.
            assert tile.depth_codes.dtype == np.uint16 and tile.depth_codes.shape == (HEIGHT, WIDTH)
            assert np.array_equal(tile.depth_codes, written[(episode, frame)])
            assert len(np.unique(tile.depth_codes)) > 256  # more levels than 8 bits could hold
            # De-quantized with the dataset's own parameters: the scene's depth within one step.
            depth_mm = tile.depth.to_depth(tile.depth_codes)
            truth = depth_scene_mm(episode, frame)
            step_mm = truth * (math.exp(math.log(13.5 / 3.51) / 4095) - 1) + 3.5 * 1000 * (
                math.exp(math.log(13.5 / 3.51) / 4095) - 1
            )
            assert np.all(np.abs(depth_mm - truth) <= step_mm / 2 + 1e-2)
            # The value under a cursor, in mm.
            assert media.depth_at(DEPTH_KEY, frame, 40, 10) == pytest.approx(float(depth_mm[10, 40]))
            assert media.depth_at(DEPTH_KEY, frame, WIDTH, 0) is None  # outside the image
            # The tile shows a colormap: RGBA, opaque, the colour the code's table entry says.
            assert tile.image.shape == (HEIGHT, WIDTH, 4) and np.all(tile.image[..., 3] == 255)
            lut = DepthColormap(12)(np.arange(4096, dtype=np.uint16).reshape(64, 64)).reshape(-1, 4)
            assert np.array_equal(tile.image[10, 40], lut[tile.depth_codes[10, 40]])
            # The colour cameras beside it decode as before.
            assert tiles["observation.images.front"].depth is None
            assert tiles["observation.images.front"].image.shape == (64, 96, 4)
    finally:
        pool.close()


def test_bad_depth_parameters_are_a_tile_problem_not_a_crash(sample_av1, tmp_path):
    root = copy_dataset(sample_av1, tmp_path, "bad_depth")
    add_depth_camera(root, info_overrides={"video.depth_min": 5.0, "video.depth_max": 1.0})
    index = open_dataset(root)
    pool = DecodePool(FrameCache(16 * 1024 * 1024), workers=1)
    try:
        media = EpisodeMedia(pool, index.episode(0))
        tiles = media.wait_frame(0, timeout_s=60)
        problem = tiles[DEPTH_KEY].problem
        assert problem is not None and "depth_max" in problem and "\n" not in problem
        assert tiles["observation.images.front"].image is not None
    finally:
        pool.close()
