"""Doctor results cached per episode, keyed by the fingerprints (size, mtime) of the files the
episode reads, the dataset's metadata files, the thresholds and the checks' version: a second
run over unchanged files decodes nothing. Kept in the app's data folder, never in the dataset."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex
from leropilot_gl.paths import user_config_dir

CHECKS_VERSION = 2  # bump when a check changes what it reports


def doctor_dir() -> Path:
    return user_config_dir() / "doctor"


def fingerprint(path: Path, memo: dict[str, str]) -> str:
    name = str(path)  # str keys: Path equality is slow over 100,000 episodes
    hit = memo.get(name)
    if hit is None:
        try:
            st = os.stat(path)
            hit = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            hit = "missing"
        memo[name] = hit
    return hit


def meta_fingerprint(root: Path, memo: dict[str, str]) -> str:
    meta = (root / L.INFO_PATH).parent
    files = sorted(p for p in meta.rglob("*") if p.is_file()) if meta.is_dir() else []
    return "|".join(f"{p.relative_to(root)}={fingerprint(p, memo)}" for p in files)


def episode_keys(index: DatasetIndex, episodes: list[EpisodeIndex], salt: str) -> tuple[str, dict[int, str]]:
    """(dataset key, {episode_index: key})."""
    memo: dict[str, str] = {}
    base = f"{CHECKS_VERSION}|{salt}|{meta_fingerprint(index.root, memo)}"
    base_hash = hashlib.sha1(base.encode()).hexdigest()
    keys = {}
    for ep in episodes:
        parts = [base_hash, str(ep.row_start), str(ep.row_end), fingerprint(ep.data_path, memo)]
        for key in sorted(ep.videos):
            v = ep.videos[key]
            parts.append(f"{key}:{v.from_s}:{v.to_s}:{fingerprint(v.path, memo)}")
        keys[ep.episode_index] = hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]
    data_files = sorted({ep.data_path for ep in index.episodes})
    whole = base_hash + "|" + "|".join(fingerprint(p, memo) for p in data_files)
    return hashlib.sha1(whole.encode()).hexdigest()[:20], keys


class ResultCache:
    """One JSON file per dataset: {"dataset": {"key", "findings"}, "episodes": {ep: {"key", "findings"}}}."""

    def __init__(self, root: Path, folder: Path | None = None) -> None:
        name = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:16]
        self.path = (folder or doctor_dir() / "cache") / f"{name}.json"
        self.data: dict[str, Any] = {"root": str(Path(root).resolve()), "dataset": {}, "episodes": {}}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("episodes"), dict):
                self.data = loaded
        except (OSError, ValueError):
            pass  # no cache yet, or a damaged one: start over

    def episode(self, episode_index: int, key: str) -> list[dict] | None:
        entry = self.data["episodes"].get(str(episode_index))
        return entry["findings"] if isinstance(entry, dict) and entry.get("key") == key else None

    def dataset(self, key: str) -> list[dict] | None:
        entry = self.data.get("dataset") or {}
        return entry.get("findings") if entry.get("key") == key else None

    def store(
        self, dataset_key: str, dataset: list[dict], episodes: dict[int, tuple[str, list[dict]]]
    ) -> None:
        self.data["dataset"] = {"key": dataset_key, "findings": dataset}
        for ep, (key, findings) in episodes.items():
            self.data["episodes"][str(ep)] = {"key": key, "findings": findings}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.data), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only config folder only costs the next run its speed
