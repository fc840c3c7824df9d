"""User settings kept between runs (small: saved as JSON through hello_imgui user prefs)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Settings:
    frame_cache_mb: int = 1024
    recent_datasets: list[str] = field(default_factory=list)
    hub_endpoint: str = ""  # a Hugging Face Hub mirror; empty: HF_ENDPOINT, else huggingface.co
    ui_scale: float = 1.0  # text and widget size on top of the screen's own DPI scale (View > UI scale)

    MAX_RECENT = 10
    UI_SCALES = (0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)

    def set_ui_scale(self, scale: float) -> None:
        self.ui_scale = min(self.UI_SCALES[-1], max(self.UI_SCALES[0], float(scale)))

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
            expected = type(getattr(default, key)) if key in known else None
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)  # JSON writes 2.0 as 2 in some hands
            if expected is not None and isinstance(value, expected):
                kwargs[key] = value
        settings = cls(**kwargs)
        settings.set_ui_scale(settings.ui_scale)  # a hand-edited 40x must not make the window unusable
        return settings
