"""Write LeRobot v3.0 sample datasets through LeRobot's own recording API.

Every video frame carries a readable (episode, frame) code (tools/frame_code.py), so tests can check
which frame a decoder, a cache or a screenshot really shows. Joint values follow smooth SO-101-like
trajectories in degrees within the arm's limits; `action` leads `observation.state` by
ACTION_LEAD_FRAMES frames: state[t] == action[t - ACTION_LEAD_FRAMES] for t >= ACTION_LEAD_FRAMES.

    python tools/make_sample_dataset.py OUT --episodes 3 --frames 60 --cameras 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.frame_code import make_camera_frame

ACTION_LEAD_FRAMES = 3
# Bump when the generated content changes in a way the parameters do not show.
GENERATOR_VERSION = 1
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "leropilot-gl"
CAMERA_NAMES = ("front", "wrist", "top", "side", "back")
JOINT_NAMES = (
    "shoulder_pan.pos",
    "shoulder_lift.pos",
    "elbow_flex.pos",
    "wrist_flex.pos",
    "wrist_roll.pos",
    "gripper.pos",
)
# Ranges the trajectories stay inside, in degrees (gripper: 0..100 % open), within SO-101 limits.
JOINT_RANGES_DEG = (
    (-100.0, 100.0),
    (-95.0, 95.0),
    (-90.0, 90.0),
    (-90.0, 90.0),
    (-150.0, 150.0),
    (0.0, 100.0),
)
TASKS = (
    "Pick up the red cube and place it in the bin.",
    "Push the blue block to the left edge.",
    "Open the drawer.",
    "Stack the green cube on the yellow cube.",
)


def camera_key(name: str) -> str:
    return f"observation.images.{name}"


def sample_features(*, cameras: int, width: int, height: int) -> dict:
    """The LeRobot `features` dict of a sample dataset."""
    if not 0 <= cameras <= len(CAMERA_NAMES):
        raise ValueError(f"cameras must be 0..{len(CAMERA_NAMES)}, got {cameras}")
    features: dict = {}
    for name in CAMERA_NAMES[:cameras]:
        features[camera_key(name)] = {
            "dtype": "video",
            "shape": (height, width, 3),
            "names": ["height", "width", "channels"],
        }
    for key in ("observation.state", "action"):
        features[key] = {"dtype": "float32", "shape": (len(JOINT_NAMES),), "names": list(JOINT_NAMES)}
    features["next.reward"] = {"dtype": "float32", "shape": (1,), "names": None}
    features["next.done"] = {"dtype": "bool", "shape": (1,), "names": None}
    return features


def joint_trajectory(episode: int, length: int, *, seed: int = 0) -> np.ndarray:
    """(length, 6) float32 joint positions in degrees: smooth, different per episode, within range."""
    rng = np.random.default_rng((seed, 7919, episode))
    t = np.arange(length, dtype=np.float64) / 30.0
    out = np.empty((length, len(JOINT_NAMES)), dtype=np.float32)
    for j, (lo, hi) in enumerate(JOINT_RANGES_DEG):
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        # Two slow sines whose amplitudes sum to < 0.9 of the half range: never at the limits.
        a1, a2 = rng.uniform(0.25, 0.5), rng.uniform(0.05, 0.35)
        f1, f2 = rng.uniform(0.1, 0.4), rng.uniform(0.4, 0.9)
        p1, p2 = rng.uniform(0, 2 * np.pi, size=2)
        centre = mid + rng.uniform(-0.05, 0.05) * half
        wave = a1 * np.sin(2 * np.pi * f1 * t + p1) + a2 * np.sin(2 * np.pi * f2 * t + p2)
        out[:, j] = np.clip(centre + half * wave, lo, hi)
    return out


def episode_task(episode: int) -> str:
    return TASKS[episode % len(TASKS)]


def make_sample_dataset(
    root: str | Path,
    *,
    repo_id: str = "local/sample",
    episodes: int = 3,
    frames: int = 60,
    cameras: int = 2,
    width: int = 160,
    height: int = 120,
    fps: int = 30,
    vcodec: str = "libsvtav1",
    robot_type: str = "so101_follower",
    task: str | None = None,
    seed: int = 0,
    frames_per_episode: list[int] | None = None,
) -> Path:
    """Write a LeRobot v3.0 dataset at root (which must not exist yet) and return root.

    task: one task for every episode; None cycles through TASKS. frames_per_episode overrides
    `frames` with one length per episode (for uneven episodes).
    """
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    root = Path(root)
    lengths = list(frames_per_episode) if frames_per_episode is not None else [frames] * episodes
    if len(lengths) != episodes or min(lengths, default=1) < 1:
        raise ValueError(f"need {episodes} episode lengths >= 1, got {lengths}")
    features = sample_features(cameras=cameras, width=width, height=height)
    keys = [camera_key(n) for n in CAMERA_NAMES[:cameras]]
    dataset = LeRobotDataset.create(
        repo_id,
        fps,
        features=features,
        root=root,
        robot_type=robot_type,
        use_videos=True,
        vcodec=vcodec,
        # Frames go straight to an encoder thread per camera (no PNG round trip). The queue holds
        # a whole episode, because a full queue makes LeRobot drop frames.
        streaming_encoding=cameras > 0,
        encoder_queue_maxsize=max(lengths) + 8,
    )
    try:
        for ep, length in enumerate(lengths):
            joints = joint_trajectory(ep, length + ACTION_LEAD_FRAMES, seed=seed)
            ep_task = task if task is not None else episode_task(ep)
            for i in range(length):
                frame = {
                    "observation.state": joints[i],
                    "action": joints[i + ACTION_LEAD_FRAMES],
                    "next.reward": np.array([1.0 if i == length - 1 else 0.0], dtype=np.float32),
                    "next.done": np.array([i == length - 1], dtype=bool),
                    "task": ep_task,
                }
                for cam, key in enumerate(keys):
                    frame[key] = make_camera_frame(
                        width, height, episode=ep, frame=i, camera_index=cam, seed=seed
                    )
                dataset.add_frame(frame)
            dataset.save_episode()
    finally:
        dataset.finalize()
    return root


def cache_key(params: dict, *, hash_sources: bool = True) -> str:
    """A short hash of the generator parameters, GENERATOR_VERSION and (optionally) the generator's
    source, so that an edit of the generator rebuilds test fixtures."""
    digest = hashlib.sha256()
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    digest.update(str(GENERATOR_VERSION).encode())
    if hash_sources:
        here = Path(__file__).resolve().parent
        for source in ("make_sample_dataset.py", "frame_code.py"):
            digest.update((here / source).read_bytes())
    return digest.hexdigest()[:12]


def cached_sample_dataset(
    name: str, *, cache_dir: str | Path | None = None, hash_sources: bool = True, **params
) -> Path:
    """A sample dataset built once and reused: <cache_dir>/<name>-<hash of params>/.

    It is written to a temporary folder beside the final one and renamed into place, so a killed
    run never leaves a half-written dataset under the final name; concurrent runs each build and
    the first rename wins. Treat the result as read-only (copy it before modifying).
    """
    base = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR / "test-datasets"
    final = base / f"{name}-{cache_key(params, hash_sources=hash_sources)}"
    if final.is_dir():  # only ever created by the rename of a finished dataset
        return final
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
    try:
        make_sample_dataset(work / "dataset", **params)
        try:
            os.rename(work / "dataset", final)
        except OSError:
            if not final.is_dir():  # not another run winning the race
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--repo-id", default="local/sample")
    parser.add_argument("--episodes", type=int, default=3)
    parser.add_argument("--frames", type=int, default=60, help="frames per episode")
    parser.add_argument("--cameras", type=int, default=2)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--vcodec", default="libsvtav1", help="libsvtav1, h264 or hevc")
    parser.add_argument("--robot-type", default="so101_follower")
    parser.add_argument("--task", default=None, help="one task for all episodes (default: several)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"error: {args.out} already exists; choose a new folder", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    make_sample_dataset(
        args.out,
        repo_id=args.repo_id,
        episodes=args.episodes,
        frames=args.frames,
        cameras=args.cameras,
        width=args.width,
        height=args.height,
        fps=args.fps,
        vcodec=args.vcodec,
        robot_type=args.robot_type,
        task=args.task,
        seed=args.seed,
    )
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
