"""State/action found under the spellings writers use (action/actions, observation.state/state/groups)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.render.motion_inputs import motion_features_for, read_motion_columns
from leropilot_gl.render.view3d_state import load_episode_motion, load_episode_sync_rows
from leropilot_gl.robot import BUNDLED_SO101_URDF, RobotPrefs, align_names, find_motion_features, load_robot
from tests.conftest import copy_dataset


def test_spellings_are_found_in_order() -> None:
    f = find_motion_features({"observation.state": 6, "action": 6})
    assert (f.state, f.action) == (("observation.state",), ("action",))
    f = find_motion_features({"state": 7, "actions": 7, "reward": 1})
    assert (f.state, f.action) == (("state",), ("actions",))
    f = find_motion_features({"observation.state.arm": 5, "observation.state.gripper": 1, "action": 6})
    assert f.state == ("observation.state.arm", "observation.state.gripper") and f.action == ("action",)
    f = find_motion_features({"reward": 1})
    assert (f.state, f.action) == ((), ())


def test_a_saved_choice_wins_and_a_stale_one_is_reported() -> None:
    sizes = {"observation.state": 6, "action": 6, "observation.velocity": 6}
    f = find_motion_features(sizes, state=["observation.velocity"], action=None)
    assert f.state == ("observation.velocity",) and f.chosen and f.action == ("action",)
    f = find_motion_features(sizes, state=["gone"])
    assert f.state == ("observation.state",) and "not in this dataset" in f.notes[0]


def test_made_up_names_pair_by_position_real_names_do_not() -> None:
    names, note = align_names(["state[0]", "state[1]"], ["actions[0]", "actions[1]"], ["state"], ["actions"])
    assert names == ["state[0]", "state[1]"] and "position" in note
    names, note = align_names(["a.pos", "b.pos"], ["x.pos", "y.pos"], ["state"], ["actions"])
    assert names == ["x.pos", "y.pos"] and note is None


def _rename(root: Path, renames: dict[str, str], *, drop_names: bool, split_state: bool = False) -> None:
    info_path = root / "meta/info.json"
    info = json.loads(info_path.read_text())
    feats = info["features"]
    for path in sorted((root / "data").rglob("*.parquet")):
        table = pq.read_table(path)
        cols = {n: table.column(n) for n in table.column_names}
        if split_state:
            state = np.stack(cols.pop("observation.state").to_numpy(zero_copy_only=False))
            cols["observation.state.arm"] = pa.array(list(state[:, :5].astype(np.float32)))
            cols["observation.state.gripper"] = pa.array(list(state[:, 5:].astype(np.float32)))
        table = pa.table({renames.get(n, n): c for n, c in cols.items()})
        pq.write_table(table, path)
    if split_state:
        spec = feats.pop("observation.state")
        feats["observation.state.arm"] = {**spec, "shape": [5], "names": spec["names"][:5]}
        feats["observation.state.gripper"] = {**spec, "shape": [1], "names": spec["names"][5:]}
    for old, new in renames.items():
        feats[new] = feats.pop(old)
        if drop_names:
            feats[new]["names"] = None
    info_path.write_text(json.dumps(info, indent=4))


@pytest.fixture
def actions_state(sample_av1: Path, tmp_path: Path) -> Path:
    root = copy_dataset(sample_av1, tmp_path, "actions_state")
    _rename(root, {"observation.state": "state", "action": "actions"}, drop_names=True)
    return root


def test_actions_state_dataset_gets_sync_numbers(actions_state: Path) -> None:
    index = open_dataset(actions_state)
    features = motion_features_for(index, None)
    assert (features.state, features.action) == (("state",), ("actions",))
    rows = load_episode_sync_rows(index, index.episodes[0], features)
    assert [r.name for r in rows] == [f"state[{i}]" for i in range(6)]
    assert all(np.isfinite(r.lag_frames) for r in rows)
    cols = read_motion_columns(index, index.episodes[0], features)
    assert cols.note and "position" in cols.note


def test_state_groups_pose_the_robot_and_sync(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "groups")
    _rename(root, {"action": "actions"}, drop_names=False, split_state=True)
    index = open_dataset(root)
    features = motion_features_for(index, None)
    assert features.state == ("observation.state.arm", "observation.state.gripper")
    original = open_dataset(sample_av1)
    motion = load_episode_motion(
        load_robot(BUNDLED_SO101_URDF), index, index.episodes[1], None, None, features
    )
    assert len(motion.mapping.targets) == 6 and motion.action is not None
    assert [r.name for r in motion.sync_rows] == list(original.features["observation.state"].names)
    np.testing.assert_allclose(
        read_motion_columns(index, index.episodes[1], features).state_values,
        original.episodes[1].column("observation.state"),
    )


def test_the_choice_is_remembered_per_robot_type(tmp_path: Path, actions_state: Path) -> None:
    from leropilot_gl.robot import RobotPrefsStore

    store = RobotPrefsStore(tmp_path)
    store.put("so101_follower", RobotPrefs(state_features=["actions"], action_features=["state"]))
    prefs = RobotPrefsStore(tmp_path).get("so101_follower")
    index = open_dataset(actions_state)
    f = motion_features_for(index, prefs)
    assert (f.state, f.action, f.chosen) == (("actions",), ("state",), True)
