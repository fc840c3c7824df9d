"""Defects found in a dataset: reported, never raised."""

from __future__ import annotations

import enum
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

    def __str__(self) -> str:
        where = []
        if self.episode_index is not None:
            where.append(f"episode {self.episode_index}")
        if self.camera:
            where.append(self.camera)
        prefix = f"[{self.severity.label}] " + (f"({', '.join(where)}) " if where else "")
        return prefix + self.message


class DatasetOpenError(Exception):
    """The folder holds nothing usable as a LeRobot dataset; the message says what was expected."""
