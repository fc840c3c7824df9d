"""`leropilot-gl export-frames DATASET --episode E --frames 0,5,9 [--camera KEY] --out DIR`.

Writes DIR/<camera>/<frame>.png through the app's own decode path (decode pool, frame lookup by
the video's frame rate), for reports and scripts; no window needed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from leropilot_gl.dataset import DatasetOpenError, open_dataset

TIMEOUT_S = 120.0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export-frames", help="write chosen frames of an episode's cameras as PNG files")
    parser.add_argument("dataset", help="dataset folder")
    parser.add_argument("--episode", type=int, required=True, help="episode index")
    parser.add_argument(
        "--frames", required=True, help="comma-separated frame indices in the episode, e.g. 0,5,9"
    )
    parser.add_argument(
        "--camera", action="append", help="camera key or short name (repeatable; default: every camera)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument(
        "--backend",
        choices=("auto", "torchcodec", "pyav"),
        default="auto",
        help="video decoder (auto: PyAV, which needs no torch import for a few frames)",
    )
    parser.set_defaults(func=run)


def parse_frames(text: str) -> list[int]:
    frames = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            frames.append(int(part))
        except ValueError:
            raise ValueError(f"--frames: {part!r} is not a frame number") from None
    if not frames:
        raise ValueError("--frames: give at least one frame number")
    return frames


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    from leropilot_gl.media import DecodePool, EpisodeMedia, FrameCache

    try:
        frames = parse_frames(args.frames)
        index = open_dataset(args.dataset)
    except (ValueError, DatasetOpenError) as exc:
        print(f"error: {exc}")
        return 2
    try:
        episode = index.episode(args.episode)
    except KeyError:
        episodes = [e.episode_index for e in index.episodes]
        print(
            f"error: episode {args.episode} is not in the dataset (episodes {min(episodes)}..{max(episodes)})"
        )
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out} is a file, not a folder")
        return 2
    outside = [f for f in frames if not 0 <= f < episode.length]
    if outside:
        print(
            f"error: frame(s) {', '.join(map(str, outside))} outside episode {args.episode}, "
            f"which has frames 0..{episode.length - 1}"
        )
        return 2
    # A few frames never pay for torch (seconds to import, ~1 GB of RSS): "auto" is PyAV here.
    backend = "pyav" if args.backend == "auto" else args.backend
    pool = DecodePool(FrameCache(256 * 1024 * 1024), backend=backend)
    try:
        media = EpisodeMedia(pool, episode)
        cameras = media.video_keys
        if args.camera:
            chosen = []
            for name in args.camera:
                match = [k for k in cameras if k == name or k.removeprefix("observation.images.") == name]
                if not match:
                    print(
                        f"error: no camera {name!r} in this dataset (cameras: {', '.join(cameras) or 'none'})"
                    )
                    return 2
                chosen += [m for m in match if m not in chosen]
            cameras = chosen
        if not cameras:
            print("error: this dataset has no cameras")
            return 2
        failures = 0
        for frame in frames:
            tiles = media.wait_frame(frame, timeout_s=TIMEOUT_S)
            for key in cameras:
                tile = tiles[key]
                if tile.image is None:
                    failures += 1
                    print(f"error: {key} frame {frame}: {tile.problem or 'not decoded in time'}")
                    continue
                target = args.out / key / f"{frame}.png"
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    Image.fromarray(np.ascontiguousarray(tile.image[..., :3])).save(target)
                except OSError as exc:  # a full disk, a read-only or clashing output folder
                    print(f"error: cannot write {target}: {exc.strerror or exc}")
                    return 2
                print(f"wrote {target}")
        return 1 if failures else 0
    finally:
        pool.close()
