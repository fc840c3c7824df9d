"""Load datasets written by make_saved_datasets.py with the installed LeRobot, frame-exact.

Run with the Python that has the LeRobot to test: `python tools/compat/check_with_lerobot.py DIR`.
Needs only lerobot (and numpy) plus tools/frame_code.py. Every frame of every camera must decode to
the (episode, frame) code of its source frame; language columns must come through where present.
A dataset that needs a newer LeRobot than the installed one is reported as such, not failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.frame_code import read_frame_code  # noqa: E402


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2] if p.isdigit())


def check(root: Path, episodes: list[list[int]]) -> str:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    dataset = LeRobotDataset(f"local/{root.name}", root=root)
    cameras = dataset.meta.video_keys
    position = 0
    for new_ep, (code_ep, start, end) in enumerate(episodes):
        for i in range(end - start):
            item = dataset[position + i]
            assert int(item["episode_index"]) == new_ep and int(item["frame_index"]) == i
            assert float(item["timestamp"]) == np.float32(i / dataset.meta.fps)
            for cam in cameras:
                pixels = (item[cam].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
                code = read_frame_code(pixels)
                assert code == (code_ep, start + i), f"episode {new_ep} frame {i} {cam}: {code}"
            if "language_persistent" in dataset.meta.features:
                assert "language_persistent" in item and "language_events" in item
        position += end - start
    return f"{dataset.num_frames} frames x {len(cameras)} cameras frame-exact"


def main(folder: Path) -> int:
    import lerobot

    installed = _version(getattr(lerobot, "__version__", "0"))
    expected = json.loads((folder / "expected.json").read_text())
    failed = 0
    for name, spec in expected.items():
        needs = spec["readers"].removeprefix("lerobot >= ")
        if _version(needs) > installed:
            print(f"{name}: needs lerobot >= {needs}, installed {lerobot.__version__}: not loaded")
            continue
        try:
            print(f"{name}: OK with lerobot {lerobot.__version__}: {check(folder / name, spec['episodes'])}")
        except Exception as exc:
            failed += 1
            print(f"{name}: FAILED with lerobot {lerobot.__version__}: {type(exc).__name__}: {exc}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
