"""The LeRobot dataset format: open (v2.0, v2.1, v3.0), index, problems. No imgui, no GL.

The names below load their module on first use: the app's window comes up before pyarrow and the
readers are imported, and a worker pays for them when it opens the first dataset.
"""

import sys
import types
from typing import TYPE_CHECKING

from leropilot_gl.lazy import lazy_exports

_LAZY = {
    "CameraInfo": "model",
    "DatasetIndex": "model",
    "DatasetLockedError": "lock",
    "DatasetOpenError": "problems",
    "DatasetProblem": "problems",
    "EditError": "journal",
    "EditSession": "journal",
    "EpisodeIndex": "model",
    "EpisodeSlice": "journal",
    "EpisodeVideo": "model",
    "Feature": "model",
    "SavePlan": "save",
    "SaveResult": "save",
    "Severity": "problems",
    "WorkingEpisode": "journal",
    "dimension_names": "open",
    "is_locked": "lock",
    "open_dataset": "open",
    "plan_save": "save",
    "save_all": "save",
}

if TYPE_CHECKING:
    from leropilot_gl.dataset.journal import EditError, EditSession, EpisodeSlice, WorkingEpisode
    from leropilot_gl.dataset.lock import DatasetLockedError, is_locked
    from leropilot_gl.dataset.model import CameraInfo, DatasetIndex, EpisodeIndex, EpisodeVideo, Feature
    from leropilot_gl.dataset.open import dimension_names, open_dataset
    from leropilot_gl.dataset.problems import DatasetOpenError, DatasetProblem, Severity
    from leropilot_gl.dataset.save import SavePlan, SaveResult, plan_save, save, save_all


__getattr__ = lazy_exports(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"save"})


class _Package(types.ModuleType):
    """`save` names both the function and its module: importing the module binds the module here,
    so the name is a property that always gives the function (as the eager imports used to)."""

    @property
    def save(self):  # noqa: ANN202
        from leropilot_gl.dataset.save import save

        return save

    @save.setter
    def save(self, _module: object) -> None:
        pass


sys.modules[__name__].__class__ = _Package

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
