"""What the user chose per robot type (URDF, package folders, joint mapping, units), as JSON.

Kept in the app's config folder; tests point the store at tmp_path. A damaged file is never
overwritten silently: it is set aside as `<name>.bad` before the next write.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Executor, Future
from dataclasses import asdict, dataclass, field
from pathlib import Path

from leropilot_gl.paths import user_config_dir

PREFS_FILENAME = "robot_prefs.json"


def default_config_dir() -> Path:
    return user_config_dir()


@dataclass
class RobotPrefs:
    urdf_path: str | None = None
    package_dirs: list[str] = field(default_factory=list)
    mapping: dict[str, list[str]] | None = None  # feature name -> [arm, joint]
    units: str | None = None  # a JointUnits value, or None to guess
    state_features: list[str] | None = None  # feature keys making the state; None: found by name
    action_features: list[str] | None = None

    @classmethod
    def from_json(cls, data: dict) -> RobotPrefs:
        mapping = data.get("mapping")
        return cls(
            urdf_path=data.get("urdf_path") if isinstance(data.get("urdf_path"), str) else None,
            package_dirs=[str(p) for p in data.get("package_dirs") or [] if isinstance(p, str)],
            mapping={str(k): [str(x) for x in v] for k, v in mapping.items()}
            if isinstance(mapping, dict)
            else None,
            units=data.get("units") if isinstance(data.get("units"), str) else None,
            state_features=_keys(data.get("state_features")),
            action_features=_keys(data.get("action_features")),
        )


def _keys(value: object) -> list[str] | None:
    return [str(k) for k in value] if isinstance(value, list) and value else None


class RobotPrefsStore:
    """The file is read when the store is made (the app makes it on its executor) and written after
    each `put`: on `writer` when one is set, so a click in the UI never waits on the disk."""

    def __init__(
        self, config_dir: Path | None = None, writer: Executor | None = None, *, read: bool = True
    ) -> None:
        self.path = (config_dir or default_config_dir()) / PREFS_FILENAME
        self.problem: str | None = None
        self.writer = writer
        self._entries: dict[str, dict] = {}
        self._damaged = False
        self._write_lock = threading.Lock()
        self._version = 0  # of the entries; a write never replaces a newer one on disk
        self._written = 0
        self._last_write: Future | None = None
        if read and self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                self._entries = {str(k): v for k, v in data.items() if isinstance(v, dict)}
            except (OSError, ValueError) as exc:
                self.problem = f"robot settings in {self.path} are unreadable ({exc}); starting fresh"
                self._damaged = True

    def set_aside_before_write(self) -> None:
        """The file could not be read: the next write keeps it as `<name>.bad` first."""
        self._damaged = True

    def get(self, robot_type: str | None) -> RobotPrefs:
        return RobotPrefs.from_json(self._entries.get(robot_type or "", {}))

    def put(self, robot_type: str | None, prefs: RobotPrefs) -> None:
        self._entries[robot_type or ""] = asdict(prefs)
        self._version += 1
        text = json.dumps(self._entries, indent=2, sort_keys=True)  # a snapshot: the UI goes on editing
        if self.writer is None:
            self._write(text, self._version)
        else:
            self._last_write = self.writer.submit(self._write, text, self._version)

    def flush(self) -> None:
        """Wait for the last write (tests, and before reading the file back)."""
        if self._last_write is not None:
            self._last_write.result()

    def _write(self, text: str, version: int) -> None:
        with self._write_lock:
            if version <= self._written:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._damaged and self.path.exists():
                self.path.replace(self.path.with_name(self.path.name + ".bad"))
                self._damaged = False
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(self.path)
            self._written = version
