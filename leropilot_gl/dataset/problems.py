"""Defects found in a dataset: reported, never raised."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1  # data is inconsistent but usable
    ERROR = 2  # part of the dataset (an episode, a camera) cannot be used

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class DatasetProblem:
    severity: Severity
    message: str
    episode_index: int | None = None
    camera: str | None = None
    path: Path | None = None
    # A problem shared by many episodes is reported once and lists them all here (sorted).
    episodes: tuple[int, ...] = ()

    def covers(self, episode_index: int) -> bool:
        return self.episode_index == episode_index or episode_index in self.episodes

    def __str__(self) -> str:
        where = []
        if self.episode_index is not None:
            where.append(f"episode {self.episode_index}")
        if self.camera:
            where.append(self.camera)
        prefix = f"[{self.severity.label}] " + (f"({', '.join(where)}) " if where else "")
        return prefix + self.message


def list_some(values: Sequence[int], limit: int = 8) -> str:
    """`0, 3, 6, ...` : the first few of many episode indices, for one-line messages."""
    shown = ", ".join(str(int(v)) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


class DatasetOpenError(Exception):
    """The folder holds nothing usable as a LeRobot dataset; the message says what was expected."""
