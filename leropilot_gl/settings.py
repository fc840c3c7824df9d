"""User settings kept between runs (small: saved as JSON through hello_imgui user prefs)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Settings:
    frame_cache_mb: int = 1024
    recent_datasets: list[str] = field(default_factory=list)
    show_problems_in_tree: bool = True
    hub_endpoint: str = ""  # a Hugging Face Hub mirror; empty: HF_ENDPOINT, else huggingface.co

    MAX_RECENT = 10

    def remember_dataset(self, path: str) -> None:
        self.recent_datasets = [path] + [p for p in self.recent_datasets if p != path]
        del self.recent_datasets[self.MAX_RECENT :]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        """Unknown keys are ignored and bad values fall back to defaults: a damaged file never stops the app."""
        try:
            raw: Any = json.loads(text) if text else {}
        except json.JSONDecodeError:
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name: f for f in fields(cls)}
        kwargs = {}
        default = cls()
        for key, value in raw.items():
            if key in known and isinstance(value, type(getattr(default, key))):
                kwargs[key] = value
        return cls(**kwargs)
