"""Which LeRobot releases can load a dataset, and why: from info.json and the files beside it.

What each release reads (checked against their sources):
- 0.1 to 0.3 read v2.0/v2.1 (one parquet and one mp4 per episode); 0.4 and later read only v3.0 and
  refuse older versions with a conversion command.
- 0.6 added the language columns (features of dtype "language", written by `lerobot-annotate`),
  the `tools` list in info.json, and depth cameras (`is_depth_map`, `depth_unit`, quantization
  under `video.*`); it dropped 0.4's `meta/subtasks.parquet` reader (the `subtask_index` column
  still loads, as a plain integer).
- 0.4.x and 0.5.x fail to load a dataset with a "language" feature: their Hugging Face features
  conversion knows no such dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.language import SUBTASK_INDEX, SUBTASKS_PATH, TOOLS_KEY, language_columns

KNOWN_DTYPES = ("video", "image", "string", "bool", "language")


@dataclass(frozen=True)
class Compatibility:
    readers: str  # the LeRobot releases that load the dataset as it is, e.g. "lerobot >= 0.6"
    reasons: tuple[str, ...]  # one line per fact that decides it
    flavour: str  # "v2.x", "v3.0" (0.4.4-loadable) or "v3.0 + 0.6 features"

    def lines(self) -> list[str]:
        return [f"readable by: {self.readers}", *self.reasons]


def is_depth_feature(spec: dict[str, Any]) -> bool:
    info = spec.get("info") if isinstance(spec.get("info"), dict) else {}
    video_info = spec.get("video_info") if isinstance(spec.get("video_info"), dict) else {}
    return bool(
        info.get("is_depth_map") or info.get("video.is_depth_map") or video_info.get("video.is_depth_map")
    )


def _is_known_dtype(dtype: str) -> bool:
    return dtype in KNOWN_DTYPES or dtype.startswith(("float", "int", "uint"))


def compatibility(info: dict[str, Any], root: Path | None = None) -> Compatibility:
    """The releases of LeRobot that load this dataset, with the reasons."""
    version = str(info.get("codebase_version", ""))
    features = info.get("features") if isinstance(info.get("features"), dict) else {}
    reasons: list[str] = []
    if version.startswith("v2"):
        reasons.append(
            f"{version}: lerobot 0.1 to 0.3 read it; lerobot >= 0.4 must convert it to v3.0 first "
            "(this app reads it directly, and saving writes v3.0)"
        )
        return Compatibility("lerobot 0.1 to 0.3", tuple(reasons), "v2.x")
    lowest, highest = (0, 4), None
    language = language_columns(features)
    if language:
        reasons.append(f"language columns ({', '.join(language)}): lerobot >= 0.6")
        lowest = (0, 6)
    if isinstance(info.get(TOOLS_KEY), list):
        reasons.append(f"'{TOOLS_KEY}' in info.json ({len(info[TOOLS_KEY])} tool(s)): used by lerobot >= 0.6")
    depth = sorted(k for k, spec in features.items() if isinstance(spec, dict) and is_depth_feature(spec))
    if depth:
        reasons.append(
            f"depth camera(s) {', '.join(depth)}: lerobot >= 0.6 de-quantizes them; "
            "older releases decode them as plain video"
        )
    if SUBTASK_INDEX in features and (root is None or (root / SUBTASKS_PATH).is_file()):
        reasons.append(
            f"subtasks ({SUBTASKS_PATH}): named by lerobot 0.4 and 0.5; lerobot >= 0.6 loads "
            f"{SUBTASK_INDEX} as a plain number"
        )
    unknown = sorted(
        f"{k} ({spec.get('dtype')})"
        for k, spec in features.items()
        if isinstance(spec, dict) and not _is_known_dtype(str(spec.get("dtype", "")))
    )
    if unknown:
        reasons.append(f"feature dtype(s) no LeRobot release knows: {', '.join(unknown)}")
        highest = "none"
    if version != L.V30:
        reasons.append(f"codebase_version {version!r}: read here as v3.0")
    if highest == "none":
        readers = "no LeRobot release as it is"
    else:
        readers = f"lerobot >= {lowest[0]}.{lowest[1]}"
    if not reasons:
        reasons.append("v3.0 with LeRobot 0.4 features only")
    flavour = "v3.0 + 0.6 features" if lowest >= (0, 6) or depth else "v3.0"
    return Compatibility(readers, tuple(reasons), flavour)
