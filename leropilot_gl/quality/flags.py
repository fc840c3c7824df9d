"""Episodes flagged by hand, with a note. Stored in the app's data folder; the dataset is never touched."""

from __future__ import annotations

import json
import os
from pathlib import Path

from leropilot_gl.paths import resolved
from leropilot_gl.quality.cache import doctor_dir


class FlagStore:
    """{dataset root: {episode_index: note}} in one JSON file, written after every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or doctor_dir() / "flags.json"
        self.flags: dict[str, dict[str, str]] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                self.flags = {
                    str(k): {str(e): str(n) for e, n in v.items()}
                    for k, v in raw.items()
                    if isinstance(v, dict)
                }
        except (OSError, ValueError):
            pass

    @staticmethod
    def _key(root: Path | str) -> str:
        return str(resolved(root))  # asked per tree row: resolved once per path

    def for_dataset(self, root: Path | str) -> dict[int, str]:
        return {
            int(e): n for e, n in sorted(self.flags.get(self._key(root), {}).items(), key=lambda i: int(i[0]))
        }

    def note(self, root: Path | str, episode_index: int) -> str | None:
        return self.flags.get(self._key(root), {}).get(str(episode_index))

    def set(self, root: Path | str, episode_index: int, note: str, *, write: bool = True) -> None:
        """write=False: change memory only; the UI then writes snapshot() off its thread with write_snapshot."""
        self.flags.setdefault(self._key(root), {})[str(episode_index)] = note
        if write:
            self.write_snapshot(self.snapshot())

    def clear(self, root: Path | str, episode_index: int, *, write: bool = True) -> None:
        entry = self.flags.get(self._key(root), {})
        if entry.pop(str(episode_index), None) is not None:
            if not entry:
                self.flags.pop(self._key(root), None)
            if write:
                self.write_snapshot(self.snapshot())

    def snapshot(self) -> dict[str, dict[str, str]]:
        return {k: dict(v) for k, v in self.flags.items()}

    def write_snapshot(self, flags: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.{id(flags)}.tmp")
        tmp.write_text(json.dumps(flags, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
