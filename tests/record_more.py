"""Add episodes to an existing dataset the way `lerobot-record --resume=true` does, from its own process.

    python -m tests.record_more ROOT COUNT [--frames N] [--pause S] [--task TEXT]

A ROOT that does not exist yet is created with LeRobotDataset.create (a new recording).

Opens the dataset with LeRobot 0.4.4's `LeRobotDataset(repo_id, root=...)` (what lerobot_record.py
does on resume), adds COUNT episodes with add_frame/save_episode (streaming video encoding, as the
recorder offers), pausing S seconds after each (a user resetting the scene), then finalize() (once --finalize-after exists, when given).
Prints `saved EPISODE TIME` after each save_episode and `finalized TIME` at the end (time.time()).
Frames carry tools.frame_code, so a test can tell which episode and frame it decoded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--task", default="Record one more episode.")
    parser.add_argument("--start-after", type=Path, help="wait until this file exists before recording")
    parser.add_argument("--finalize-after", type=Path, help="wait until this file exists before finalize()")
    args = parser.parse_args(argv)

    import numpy as np
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    from tools.frame_code import make_camera_frame
    from tools.make_sample_dataset import ACTION_LEAD_FRAMES, joint_trajectory

    if args.root.exists():
        dataset = LeRobotDataset(
            "local/recording",
            root=args.root,
            streaming_encoding=True,
            encoder_queue_maxsize=args.frames + 8,  # a full queue makes LeRobot drop frames
        )
    else:  # a new dataset, as lerobot-record without --resume makes it
        from tools.make_sample_dataset import sample_features

        dataset = LeRobotDataset.create(
            "local/recording",
            30,
            features=sample_features(cameras=1, width=96, height=64),
            root=args.root,
            robot_type="so101_follower",
            use_videos=True,
            streaming_encoding=True,
            encoder_queue_maxsize=args.frames + 8,
        )
    video_keys = list(dataset.meta.video_keys)
    print(f"resumed {dataset.meta.total_episodes} {time.time():.3f}", flush=True)
    while args.start_after is not None and not args.start_after.exists():
        time.sleep(0.05)
    try:
        for _ in range(args.count):
            ep = dataset.meta.total_episodes
            joints = joint_trajectory(ep, args.frames + ACTION_LEAD_FRAMES)
            for i in range(args.frames):
                frame = {
                    "observation.state": joints[i],
                    "action": joints[i + ACTION_LEAD_FRAMES],
                    "task": args.task,
                }
                for name in ("next.reward", "next.done"):
                    if name in dataset.meta.features:
                        last = i == args.frames - 1
                        frame[name] = np.array([last], dtype=np.float32 if name == "next.reward" else bool)
                for cam, key in enumerate(video_keys):
                    height, width = dataset.meta.features[key]["shape"][:2]
                    frame[key] = make_camera_frame(width, height, episode=ep, frame=i, camera_index=cam)
                dataset.add_frame(frame)
            dataset.save_episode()
            print(f"saved {ep} {time.time():.3f}", flush=True)
            time.sleep(args.pause)
        if args.finalize_after is not None:
            while not args.finalize_after.exists():
                time.sleep(0.05)
    finally:
        dataset.finalize()
    print(f"finalized {time.time():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
