"""Action/state lag from cross-correlation, and the per-robot-type settings file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.robot import RobotPrefs, RobotPrefsStore, estimate_lag, sync_table
from tools.make_sample_dataset import ACTION_LEAD_FRAMES


def test_lag_recovers_the_generators_lead(sample_av1):
    ds = open_dataset(sample_av1)
    names = list(ds.features["action"].names)
    for ep in ds.episodes:
        rows = sync_table(names, ep.column("action"), ep.column("observation.state"), ds.fps)
        assert [r.name for r in rows] == names
        for row in rows:
            assert row.lag_frames == pytest.approx(ACTION_LEAD_FRAMES, abs=0.25), row
            assert row.lag_s == pytest.approx(ACTION_LEAD_FRAMES / ds.fps, abs=0.01)
            assert row.correlation > 0.95 and not row.flagged


def _smooth_signal(length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(length) / 30.0
    return sum(
        rng.uniform(5, 20) * np.sin(2 * np.pi * rng.uniform(0.2, 1.5) * t + rng.uniform(0, 6))
        for _ in range(4)
    )


def test_negative_and_large_lags_are_flagged():
    signal = _smooth_signal(400, seed=1)
    action = signal[20:320]
    state_late = signal[8:308]  # state[t] = action[t - 12]: 0.4 s at 30 fps
    state_early = signal[25:325]  # state[t] = action[t + 5]: state before its command
    lag, corr = estimate_lag(action, state_late, max_lag_frames=30)
    assert lag == pytest.approx(12, abs=0.2) and corr > 0.99
    rows = sync_table(["late", "early"], np.c_[action, action], np.c_[state_late, state_early], 30.0)
    assert rows[0].flagged and "lag over 250 ms" in rows[0].note
    assert rows[1].lag_frames == pytest.approx(-5, abs=0.2)
    assert rows[1].flagged and "state leads" in rows[1].note


def test_still_joint_is_not_measured():
    rows = sync_table(["still"], np.zeros((50, 1)), np.zeros((50, 1)), 30.0)
    assert (
        np.isnan(rows[0].lag_frames)
        and not rows[0].flagged
        and rows[0].note == "too little motion to measure"
    )


def test_prefs_round_trip_per_robot_type(tmp_path):
    store = RobotPrefsStore(tmp_path)
    assert store.get("koch_follower") == RobotPrefs()
    store.put("koch_follower", RobotPrefs("/robots/koch.urdf", ["/pkgs"], {"a.pos": ["", "a"]}, "range_100"))
    store.put("so101_follower", RobotPrefs(units="degrees"))
    again = RobotPrefsStore(tmp_path)
    assert again.problem is None
    assert again.get("koch_follower") == RobotPrefs(
        "/robots/koch.urdf", ["/pkgs"], {"a.pos": ["", "a"]}, "range_100"
    )
    assert again.get("so101_follower").units == "degrees"


def test_damaged_prefs_file_is_kept_aside(tmp_path):
    (tmp_path / "robot_prefs.json").write_text("{not json")
    store = RobotPrefsStore(tmp_path)
    assert "unreadable" in store.problem and store.get("x") == RobotPrefs()
    store.put("x", RobotPrefs(units="radians"))
    assert (tmp_path / "robot_prefs.json.bad").read_text() == "{not json"
    assert json.loads((tmp_path / "robot_prefs.json").read_text())["x"]["units"] == "radians"
