"""A generated dataset with one planted defect per episode, written through LeRobot's API.

File defects (cut mp4, shifted camera ranges, NaN, bad stats) are made by tests on copies.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from tools.frame_code import make_camera_frame
from tools.make_sample_dataset import (
    ACTION_LEAD_FRAMES,
    DEFAULT_CACHE_DIR,
    camera_key,
    joint_trajectory,
    sample_features,
)

FPS = 30
LENGTH = 60
WIDTH, HEIGHT = 96, 64
VERSION = 1  # bump when the planted defects change

# episode -> what is planted (tests check each is found where it was put)
CLEAN = 0
IDLE = 1  # frames 0..29 and 45..59: robot and images still
IDLE_START_FRAMES, IDLE_END_FROM = 30, 45
FROZEN_CAMERA = 2  # camera 0 repeats frame 20 for frames 20..44
FROZEN_FROM, FROZEN_TO = 20, 45
BLACK = 3  # camera 1 frames 10..14 are black
BLACK_FROM, BLACK_TO = 10, 15
STUCK_JOINT = 4  # state[2] never moves while action[2] does
STUCK_DIM = 2
SPIKE = 5  # action[0] jumps at frame 30 for one frame
SPIKE_FRAME = 30
DUPLICATE = 6  # the same actions as episode CLEAN
SHORT = 7  # 8 frames, task "todo"
SHORT_LENGTH = 8
CLEAN_TOO = 8  # a second clean episode (tests damage its timestamps on a copy)
EPISODES = 9


def _episode(ep: int) -> tuple[np.ndarray, np.ndarray, int, str]:
    """(state, action, length, task) of a planted episode."""
    length = SHORT_LENGTH if ep == SHORT else LENGTH
    joints = joint_trajectory(CLEAN if ep == DUPLICATE else ep, length + ACTION_LEAD_FRAMES)
    state = joints[:length].copy()
    action = joints[ACTION_LEAD_FRAMES : length + ACTION_LEAD_FRAMES].copy()
    if ep == IDLE:
        state[:IDLE_START_FRAMES] = state[IDLE_START_FRAMES]
        action[:IDLE_START_FRAMES] = action[IDLE_START_FRAMES]
        state[IDLE_END_FROM:] = state[IDLE_END_FROM - 1]
        action[IDLE_END_FROM:] = action[IDLE_END_FROM - 1]
    if ep == STUCK_JOINT:
        state[:, STUCK_DIM] = state[0, STUCK_DIM]
    if ep == SPIKE:
        action[SPIKE_FRAME, 0] += 150.0
    task = "todo" if ep == SHORT else "Pick up the red cube and place it in the bin."
    return state, action, length, task


def _image(ep: int, frame: int, cam: int) -> np.ndarray:
    source = frame
    if ep == IDLE:
        source = min(max(frame, IDLE_START_FRAMES), IDLE_END_FROM - 1)
    if ep == FROZEN_CAMERA and cam == 0 and FROZEN_FROM <= frame < FROZEN_TO:
        source = FROZEN_FROM
    if ep == BLACK and cam == 1 and BLACK_FROM <= frame < BLACK_TO:
        return np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    return make_camera_frame(WIDTH, HEIGHT, episode=ep, frame=source, camera_index=cam)


def make_defects_dataset(root: Path) -> Path:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    features = sample_features(cameras=2, width=WIDTH, height=HEIGHT)
    keys = [camera_key(n) for n in ("front", "wrist")]
    dataset = LeRobotDataset.create(
        "local/doctor_defects",
        FPS,
        features=features,
        root=root,
        robot_type="so101_follower",
        use_videos=True,
        vcodec="h264",
        streaming_encoding=True,
        encoder_queue_maxsize=LENGTH + 8,
    )
    try:
        for ep in range(EPISODES):
            state, action, length, task = _episode(ep)
            for i in range(length):
                frame = {
                    "observation.state": state[i],
                    "action": action[i],
                    "next.reward": np.array([0.0], dtype=np.float32),
                    "next.done": np.array([i == length - 1], dtype=bool),
                    "task": task,
                }
                for cam, key in enumerate(keys):
                    frame[key] = _image(ep, i, cam)
                dataset.add_frame(frame)
            dataset.save_episode()
    finally:
        dataset.finalize()
    return root


def cached_defects_dataset() -> Path:
    """Built once under ~/.cache/leropilot-gl/test-datasets (temp folder, then rename)."""
    base = DEFAULT_CACHE_DIR / "test-datasets"
    final = base / f"doctor_defects-v{VERSION}"
    if final.is_dir():
        return final
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".doctor_defects-", dir=base))
    try:
        make_defects_dataset(work / "dataset")
        try:
            os.rename(work / "dataset", final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
