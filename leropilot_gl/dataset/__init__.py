"""The LeRobot dataset format: open (v2.0, v2.1, v3.0), index, problems. No imgui, no GL."""

from leropilot_gl.dataset.journal import EditError, EditSession, EpisodeSlice, WorkingEpisode
from leropilot_gl.dataset.lock import DatasetLockedError, is_locked
from leropilot_gl.dataset.model import CameraInfo, DatasetIndex, EpisodeIndex, EpisodeVideo, Feature
from leropilot_gl.dataset.open import dimension_names, open_dataset
from leropilot_gl.dataset.problems import DatasetOpenError, DatasetProblem, Severity
from leropilot_gl.dataset.save import SavePlan, SaveResult, plan_save, save, save_all

__all__ = [
    "CameraInfo",
    "DatasetIndex",
    "DatasetLockedError",
    "DatasetOpenError",
    "DatasetProblem",
    "EditError",
    "EditSession",
    "EpisodeIndex",
    "EpisodeSlice",
    "EpisodeVideo",
    "Feature",
    "SavePlan",
    "SaveResult",
    "Severity",
    "WorkingEpisode",
    "dimension_names",
    "is_locked",
    "open_dataset",
    "plan_save",
    "save",
    "save_all",
]
