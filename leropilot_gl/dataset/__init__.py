"""The LeRobot dataset format: open (v2.0, v2.1, v3.0), index, problems. No imgui, no GL."""

from leropilot_gl.dataset.model import CameraInfo, DatasetIndex, EpisodeIndex, EpisodeVideo, Feature
from leropilot_gl.dataset.open import dimension_names, open_dataset
from leropilot_gl.dataset.problems import DatasetOpenError, DatasetProblem, Severity

__all__ = [
    "CameraInfo",
    "DatasetIndex",
    "DatasetOpenError",
    "DatasetProblem",
    "EpisodeIndex",
    "EpisodeVideo",
    "Feature",
    "Severity",
    "dimension_names",
    "open_dataset",
]
