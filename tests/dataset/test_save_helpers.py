"""Checks shared by the save, crash and compact tests: a saved dataset, loaded by LeRobot itself,
must show exactly the expected source frames and rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from leropilot_gl.dataset import open_dataset
from tools.frame_code import read_frame_code
from tools.make_sample_dataset import cached_sample_dataset

# A second dataset, schema-compatible with the fixtures but with other joint values (seed), so a
# row copied from the wrong dataset is caught even where frame codes coincide.
OTHER_PARAMS = dict(
    repo_id="local/edit_other",
    episodes=2,
    frames=25,
    cameras=2,
    width=96,
    height=64,
    vcodec="libsvtav1",
    seed=5,
)


def other_dataset() -> Path:
    return cached_sample_dataset("edit_other", **OTHER_PARAMS)


def source_rows(root: Path) -> dict[int, dict[str, np.ndarray]]:
    """episode_index -> {observation.state, action} rows of a dataset on disk (read before saving)."""
    index = open_dataset(root)
    return {
        ep.episode_index: {k: ep.column(k).copy() for k in ("observation.state", "action")}
        for ep in index.episodes
    }


def lerobot_frames(root: Path, repo_id: str = "local/edited"):
    """Load with LeRobot's own LeRobotDataset and yield every item (every camera decoded)."""
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset(repo_id, root=root)
    return dataset


def assert_lerobot_exact(
    root: Path,
    expected: list[tuple[int, int, int, dict[str, np.ndarray]]],
    *,
    check_stats: bool = True,
) -> None:
    """expected: per saved episode, (source episode code, start, end, source rows of that episode).

    Every frame of every camera must decode (through LeRobot, without FrameTimestampError) to the
    code (source episode, start + i); every state/action row must equal the source row; indices
    contiguous and timestamps exactly frame_index / fps; stats.json consistent with the data.
    """
    dataset = lerobot_frames(root)
    fps = dataset.meta.fps
    cameras = dataset.meta.video_keys
    assert dataset.meta.total_episodes == len(expected)
    assert dataset.num_frames == sum(end - start for _, start, end, _ in expected)
    position = 0
    for new_ep, (code_ep, start, end, rows) in enumerate(expected):
        ep_meta = dataset.meta.episodes[new_ep]
        assert ep_meta["dataset_from_index"] == position
        assert ep_meta["length"] == end - start
        for i in range(end - start):
            item = dataset[position + i]
            assert int(item["episode_index"]) == new_ep
            assert int(item["frame_index"]) == i
            assert int(item["index"]) == position + i
            assert float(item["timestamp"]) == np.float32(i / fps)
            for key in ("observation.state", "action"):
                np.testing.assert_array_equal(item[key].numpy(), rows[key][start + i])
            for cam in cameras:
                pixels = (item[cam].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
                code = read_frame_code(pixels)
                assert code == (code_ep, start + i), (
                    f"episode {new_ep} frame {i} camera {cam}: decoded {code}, expected {(code_ep, start + i)}"
                )
        position += end - start
    if check_stats:  # off for datasets LeRobot's own tools wrote (they keep the source's stats)
        _assert_stats_consistent(root, dataset)


def _assert_stats_consistent(root: Path, dataset) -> None:
    tables = [pq.read_table(p) for p in sorted((root / "data").rglob("*.parquet"))]
    stats = dataset.meta.stats
    for key in ("observation.state", "action", "frame_index", "index"):
        values = np.concatenate([np.stack(t.column(key).to_numpy(zero_copy_only=False)) for t in tables])
        values = values.reshape(len(values), -1).astype(np.float64)
        np.testing.assert_allclose(stats[key]["min"], values.min(axis=0), rtol=1e-6)
        np.testing.assert_allclose(stats[key]["max"], values.max(axis=0), rtol=1e-6)
        np.testing.assert_allclose(stats[key]["mean"], values.mean(axis=0), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(stats[key]["std"], values.std(axis=0), rtol=1e-4, atol=1e-4)
        assert int(np.asarray(stats[key]["count"]).reshape(-1)[0]) == len(values)


def assert_lerobot_tools_exact(
    root: Path, expected: list[tuple[int, int, int, dict[str, np.ndarray]]], work: Path
) -> None:
    """LeRobot's own delete_episodes and split_dataset (lerobot.datasets.dataset_tools) on a saved
    dataset return exactly the frames of the episodes they keep: the dataset's video files hold
    their episodes in order, as those tools assume. Deletes the second episode; splits into even
    and odd positions (needs at least 3 episodes)."""
    from lerobot.datasets.dataset_tools import delete_episodes, split_dataset
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    assert len(expected) >= 3
    dataset = LeRobotDataset("local/saved", root=root)
    deleted = work / "lerobot_deleted"
    delete_episodes(dataset, [1], output_dir=deleted, repo_id="local/deleted")
    assert_lerobot_exact(deleted, [expected[0], *expected[2:]], check_stats=False)
    even = list(range(0, len(expected), 2))
    odd = list(range(1, len(expected), 2))
    split_dataset(dataset, {"even": even, "odd": odd}, output_dir=work / "lerobot_split")
    assert_lerobot_exact(work / "lerobot_split" / "even", [expected[i] for i in even], check_stats=False)
    assert_lerobot_exact(work / "lerobot_split" / "odd", [expected[i] for i in odd], check_stats=False)
