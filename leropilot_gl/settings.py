"""The user's settings, one model for the whole program: the window's preferences, the Hub endpoint
that both dataset transfers and environments use, and the environment manager's indexes, mirrors
and proxies.

Saved as JSON in the data folder (`<data>/settings.json`; LEROPILOT_DATA_DIR, else ~/.leropilot).
Plain dataclasses and the standard library only: the window loads these before its first frame,
and pydantic must not be imported then. Older files stay readable: the environments' `hf_endpoint`
and the window's `hub_endpoint` (kept in hello_imgui's user prefs) become the one `hub_endpoint`.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

OFFICIAL_REPO_URL = "https://github.com/huggingface/lerobot"
SETTINGS_FILE = "settings.json"
DATA_DIR_ENV = "LEROPILOT_DATA_DIR"
DEFAULT_PYPI_INDEX = "https://pypi.org/simple"
INDEX_STRATEGIES = ("", "first-index", "unsafe-first-match", "unsafe-best-match")
LEGACY_ENDPOINT_KEYS = ("hf_endpoint",)  # the environments' name for the Hub endpoint before one model


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path.home() / ".leropilot"


@dataclass
class Proxies:
    http: str = ""
    https: str = ""
    no_proxy: str = ""


@dataclass
class Settings:
    """Everything the user can set. Empty strings mean "not set"."""

    # The window.
    frame_cache_mb: int = 1024
    recent_datasets: list[str] = field(default_factory=list)
    ui_scale: float = 1.0  # text and widget size on top of the screen's own DPI scale (View > UI scale)
    # The Hub, for dataset transfers and as HF_ENDPOINT in environments: a mirror, e.g.
    # https://hf-mirror.com; empty: HF_ENDPOINT from the environment, else huggingface.co.
    hub_endpoint: str = ""
    # Environments.
    data_dir: Path = field(default_factory=default_data_dir)
    git_path: str = ""  # empty: found on PATH with shutil.which
    pypi_index_url: str = ""  # empty: pip's configured index, else PyPI
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    # uv's --index-strategy: "" is uv's own default (first-index: a package comes from the first
    # index that has it); "unsafe-best-match" is what pip does across several indexes
    index_strategy: str = ""
    python_downloads: bool = True  # let uv download a Python that is not installed
    pytorch_index_base: str = "https://download.pytorch.org/whl"
    git_url_prefix_mirror: str = ""  # prepended to https://github.com/... URLs when set
    proxies: Proxies = field(default_factory=Proxies)
    network_timeout_s: float = 60.0
    offline: bool = False  # uv --offline: install only from the cache and local sources
    compat_table_url: str = ""
    ffmpeg_url: str = ""  # a binary, or a zip/wheel holding one, downloaded when the cache is empty
    repositories: dict[str, str] = field(default_factory=lambda: {"official": OFFICIAL_REPO_URL})
    # False until the environment manager saved these settings (its welcome is done): the window
    # saving its preferences at exit does not count.
    environments_set_up: bool = False

    MAX_RECENT: ClassVar[int] = 10
    UI_SCALES: ClassVar[tuple[float, ...]] = (0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)

    def __post_init__(self) -> None:
        # scripts and activate commands name this folder: relative would work from one folder only
        self.data_dir = Path(os.path.abspath(Path(self.data_dir).expanduser()))
        if isinstance(self.proxies, dict):
            self.proxies = Proxies(**self.proxies)
        for name, check in _CHECKS.items():
            check(getattr(self, name))

    # ------------------------------------------------------------------ the window
    def set_ui_scale(self, scale: float) -> None:
        self.ui_scale = min(self.UI_SCALES[-1], max(self.UI_SCALES[0], float(scale)))

    def remember_dataset(self, path: str) -> None:
        self.recent_datasets = [path] + [p for p in self.recent_datasets if p != path]
        del self.recent_datasets[self.MAX_RECENT :]

    # ------------------------------------------------------------------ environments
    @property
    def hf_endpoint(self) -> str:
        """The environments' older name for `hub_endpoint` (the same one value)."""
        return self.hub_endpoint

    @hf_endpoint.setter
    def hf_endpoint(self, value: str) -> None:
        self.hub_endpoint = value

    @property
    def envs_dir(self) -> Path:
        return self.data_dir / "envs"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    def mirrored_url(self, url: str) -> str:
        """The URL to fetch from: GitHub URLs go through the prefix mirror when one is set."""
        if self.git_url_prefix_mirror and url.startswith("https://github.com/"):
            return self.git_url_prefix_mirror.rstrip("/") + "/" + url
        return url

    def effective_index_url(self) -> str:
        return self.pypi_index_url or DEFAULT_PYPI_INDEX

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["data_dir"] = str(self.data_dir)
        return data

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, strict: bool = False) -> Settings:
        """Settings from a JSON object. Unknown keys are ignored; an old `hf_endpoint` becomes
        `hub_endpoint`. A bad value raises ValueError (naming the key) when strict, else falls back
        to its default: a damaged window-preferences file never stops the app."""
        raw = dict(raw)
        for old in LEGACY_ENDPOINT_KEYS:
            legacy = raw.pop(old, None)
            if isinstance(legacy, str) and legacy.strip() and not str(raw.get("hub_endpoint") or "").strip():
                raw["hub_endpoint"] = legacy
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            try:
                value = _coerce(f.name, raw[f.name])
                _CHECKS.get(f.name, _no_check)(value)
            except ValueError:
                if strict:
                    raise
                continue
            kwargs[f.name] = value
        settings = cls(**kwargs)
        settings.set_ui_scale(settings.ui_scale)  # a hand-edited 40x must not make the window unusable
        return settings

    @classmethod
    def from_json(cls, text: str, *, strict: bool = False) -> Settings:
        """Settings from JSON text; damaged text gives the defaults (or ValueError when strict)."""
        try:
            raw = json.loads(text) if text else {}
        except json.JSONDecodeError:
            if strict:
                raise ValueError("settings: not valid JSON") from None
            return cls()
        if not isinstance(raw, dict):
            if strict:
                raise ValueError("settings: expected a JSON object")
            return cls()
        return cls.from_dict(raw, strict=strict)

    def copy(self, **changes: Any) -> Settings:
        """A deep copy with `changes` applied (and checked)."""
        data = copy.deepcopy(self.to_dict())
        data.update(changes)
        return Settings.from_dict(data, strict=True)

    # The names the environments' code used when this was a pydantic model.
    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Settings:
        return self.copy(**(update or {}))

    def model_dump(self) -> dict[str, Any]:
        return self.to_dict()

    def model_dump_json(self, *, indent: int | None = None) -> str:
        return self.to_json(indent=indent)

    @classmethod
    def model_validate(cls, data: dict[str, Any]) -> Settings:
        return cls.from_dict(data, strict=True)

    @classmethod
    def model_validate_json(cls, text: str) -> Settings:
        return cls.from_json(text, strict=True)

    # ------------------------------------------------------------------ the file
    @property
    def path(self) -> Path:
        return self.data_dir / SETTINGS_FILE

    def save(self, *, environments: bool = True) -> Path:
        """Write <data>/settings.json atomically (a crash leaves the old file or the new one).
        The window saves with environments=False: that does not end the environments' first run."""
        if environments:
            self.environments_set_up = True
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.path
        tmp = path.with_name(f".{SETTINGS_FILE}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(self.to_json(indent=2))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        return path


def load_settings(data_dir: str | Path | None = None, *, legacy_prefs: str = "") -> Settings:
    """Settings from <data>/settings.json; first run (no file): the defaults.

    A damaged file is kept aside as settings.json.bad, never silently overwritten. `legacy_prefs`
    is the window's older preferences JSON (hello_imgui's user pref): its values fill the keys the
    file does not have yet, so the first start after the upgrade keeps recent datasets, the UI scale
    and the Hub mirror.
    """
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    root = Path(os.path.abspath(root))  # scripts and activate commands must work from any folder
    path = root / SETTINGS_FILE
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError("not a JSON object")
            Settings.from_dict(loaded, strict=True)  # refuse a damaged file as a whole
            raw = loaded
        except (ValueError, OSError):
            path.replace(path.with_name(SETTINGS_FILE + ".bad"))
            raw = {}
    old = _legacy_window_prefs(legacy_prefs)
    for key, value in old.items():
        if key == "hub_endpoint":
            if not str(raw.get("hub_endpoint") or raw.get("hf_endpoint") or "").strip():
                raw["hub_endpoint"] = value
        elif key not in raw:
            raw[key] = value
    raw["data_dir"] = str(root)
    return Settings.from_dict(raw)


def saved_hub_endpoint(data_dir: str | Path | None = None) -> str:
    """The Hub endpoint saved in <data>/settings.json, read without touching the file ("" when none
    or the file cannot be read): for commands that only need the endpoint."""
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    try:
        raw = json.loads((root / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(raw, dict):
        return ""
    for key in ("hub_endpoint", *LEGACY_ENDPOINT_KEYS):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _legacy_window_prefs(text: str) -> dict[str, Any]:
    """The valid values of the window's older preferences JSON (unknown keys and bad values dropped)."""
    if not text:
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        return {}
    if not isinstance(raw, dict):
        return {}
    parsed = Settings.from_dict(raw).to_dict()
    return {
        k: parsed[k] for k in ("frame_cache_mb", "recent_datasets", "ui_scale", "hub_endpoint") if k in raw
    }


def is_first_run(data_dir: str | Path | None = None) -> bool:
    """The environment manager has not saved settings yet (files from before the flag: it has)."""
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    try:
        raw = json.loads((root / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return not (root / SETTINGS_FILE).is_file()
    return isinstance(raw, dict) and raw.get("environments_set_up", True) is False


# ---------------------------------------------------------------------- values and their checks
_LIST_FIELDS = ("recent_datasets", "extra_index_urls", "find_links")


def _coerce(name: str, value: Any) -> Any:
    """A JSON value as the field's type; ValueError names the key when it cannot be one."""
    default = getattr(Settings, name, None)
    coerced: Any = None
    if name == "data_dir":
        coerced = Path(value) if isinstance(value, (str, Path)) and str(value).strip() else None
    elif name == "proxies":
        coerced = _proxies(value)
    elif name == "repositories":
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
        coerced = dict(value) if ok else None
    elif name in _LIST_FIELDS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        coerced = list(value) if ok else None
    elif isinstance(default, bool):
        coerced = value if isinstance(value, bool) else None
    elif isinstance(value, bool):
        coerced = None  # JSON true is no number
    elif isinstance(default, float):
        coerced = float(value) if isinstance(value, (int, float)) else None  # JSON may write 2.0 as 2
    elif isinstance(default, int):
        coerced = value if isinstance(value, int) else None
    elif isinstance(default, str):
        coerced = value if isinstance(value, str) else None
    if coerced is None:
        raise ValueError(f"{name}: {value!r} is not a valid value")
    return coerced


def _proxies(value: Any) -> Proxies | None:
    if isinstance(value, Proxies):
        return copy.copy(value)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        known = {f.name for f in fields(Proxies)}
        return Proxies(**{k: v for k, v in value.items() if k in known})
    return None


def _check_strategy(value: str) -> None:
    if value not in INDEX_STRATEGIES:
        raise ValueError(
            f"index strategy must be one of: {', '.join(s or '(empty)' for s in INDEX_STRATEGIES)}"
        )


def _check_timeout(value: float) -> None:
    if value <= 0:
        raise ValueError("network timeout must be positive")


def _no_check(value: Any) -> None:
    pass


_CHECKS = {"index_strategy": _check_strategy, "network_timeout_s": _check_timeout}
