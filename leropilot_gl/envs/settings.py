"""Environment-manager settings: the fields live in the program's one settings model
(`leropilot_gl/settings.py`: indexes, mirrors, proxies, and the Hub endpoint that dataset transfers
use too); this module adds pip's configuration, `env settings set/show`, and the git and data-folder
checks.

The data folder defaults to ~/.leropilot; LEROPILOT_DATA_DIR or an explicit argument override it
(tests always pass a tmp_path, so they never touch the user's folder).
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from leropilot_gl.settings import (
    DATA_DIR_ENV,
    DEFAULT_PYPI_INDEX,
    INDEX_STRATEGIES,
    OFFICIAL_REPO_URL,
    SETTINGS_FILE,
    Proxies,
    Settings,
    default_data_dir,
    is_first_run,
    load_settings,
)

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_PYPI_INDEX",
    "INDEX_STRATEGIES",
    "OFFICIAL_REPO_URL",
    "SETTABLE_KEYS",
    "SETTINGS_FILE",
    "PipConfig",
    "Proxies",
    "Settings",
    "ToolCheck",
    "canonical_key",
    "check_data_dir",
    "check_git",
    "default_data_dir",
    "is_first_run",
    "load_settings",
    "pip_config_files",
    "pip_suggestion",
    "read_pip_config",
    "set_setting",
    "setting_values",
]


def pip_suggestion(settings: Settings, pip: PipConfig | None = None) -> dict[str, object]:
    """The settings pip's configuration would give, translated for uv; {} when pip sets nothing
    new. pip takes the best version across all its indexes: with extra indexes, uv needs
    --index-strategy unsafe-best-match to do the same."""
    pip = read_pip_config() if pip is None else pip
    wanted: dict[str, object] = {}
    if pip.index_url and pip.index_url != settings.pypi_index_url:
        wanted["pypi_index_url"] = pip.index_url
    if pip.extra_index_urls and pip.extra_index_urls != settings.extra_index_urls:
        wanted["extra_index_urls"] = pip.extra_index_urls
    if pip.find_links and pip.find_links != settings.find_links:
        wanted["find_links"] = pip.find_links
    if pip.extra_index_urls and settings.index_strategy != "unsafe-best-match":
        wanted["index_strategy"] = "unsafe-best-match"
    return wanted


# `env settings set KEY VALUE`: the keys a user may set and how the text becomes a value
SETTABLE_KEYS = {
    "git_path": "git executable (empty: found on PATH)",
    "pypi_index_url": "package index URL (empty: https://pypi.org/simple)",
    "extra_index_urls": "extra index URLs, separated by spaces or commas",
    "find_links": "folders or URLs of wheels, separated by spaces or commas",
    "index_strategy": "uv --index-strategy: first-index, unsafe-first-match, unsafe-best-match (empty: uv's default)",
    "pytorch_index_base": "PyTorch wheel index base (<this>/cu128, /cpu ...)",
    "hub_endpoint": "Hub endpoint or mirror: dataset downloads and uploads, and HF_ENDPOINT in environments",
    "git_url_prefix_mirror": "prefix for https://github.com/... URLs when fetching",
    "http_proxy": "HTTP proxy",
    "https_proxy": "HTTPS proxy",
    "no_proxy": "hosts reached without a proxy",
    "network_timeout_s": "network timeout in seconds",
    "offline": "true/false: install only from caches and local sources",
    "python_downloads": "true/false: let uv download a Python that is not installed",
    "compat_table_url": "URL of a refreshed compatibility table",
    "ffmpeg_url": "FFmpeg download URL",
}


KEY_ALIASES = {"hf_endpoint": "hub_endpoint"}  # older names still accepted by `env settings set`


def canonical_key(key: str) -> str:
    """A settable key as typed (`hf-endpoint`, `HF_ENDPOINT`) in its one spelling (`hub_endpoint`)."""
    key = key.strip().lower().replace("-", "_")
    return KEY_ALIASES.get(key, key)


def set_setting(settings: Settings, key: str, text: str) -> Settings:
    """A copy of settings with KEY set from its text form; ValueError names what is wrong."""
    key = canonical_key(key)
    if key not in SETTABLE_KEYS:
        raise ValueError(f"unknown setting {key!r}; one of: {', '.join(SETTABLE_KEYS)}")
    data = settings.to_dict()
    value: object = text.strip()
    if key in ("extra_index_urls", "find_links"):
        value = [v for v in text.replace(",", " ").split() if v]
    elif key in ("offline", "python_downloads"):
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
            raise ValueError(f"{key} takes true or false, not {text!r}")
        value = lowered in ("true", "yes", "1", "on")
    elif key == "network_timeout_s":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"network_timeout_s takes a number of seconds, not {text!r}") from None
    if key in ("http_proxy", "https_proxy", "no_proxy"):
        data["proxies"][key.removesuffix("_proxy") if key != "no_proxy" else "no_proxy"] = value
    else:
        data[key] = value
    try:
        return Settings.from_dict(data, strict=True)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if message.startswith(key) else f"{key}: {message}") from None


def setting_values(settings: Settings) -> dict[str, str]:
    """Every settable key with its current value as text (for `env settings show`)."""
    values = {}
    for key in SETTABLE_KEYS:
        if key in ("http_proxy", "https_proxy", "no_proxy"):
            value = getattr(settings.proxies, "no_proxy" if key == "no_proxy" else key.removesuffix("_proxy"))
        else:
            value = getattr(settings, key)
        if isinstance(value, list):
            value = " ".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        values[key] = str(value)
    return values


@dataclass
class PipConfig:
    index_url: str = ""
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)


def pip_config_files(env: dict[str, str] | None = None) -> list[Path]:
    """pip's configuration files, lowest priority first (global, user, then PIP_CONFIG_FILE)."""
    env = os.environ if env is None else env
    xdg_dirs = env.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d] + [Path("/etc/pip.conf")]
    home = Path(env.get("HOME", str(Path.home())))
    files += [
        home / ".pip" / "pip.conf",
        Path(env.get("XDG_CONFIG_HOME", home / ".config")) / "pip" / "pip.conf",
    ]
    if env.get("PIP_CONFIG_FILE"):
        files.append(Path(env["PIP_CONFIG_FILE"]))
    return files


def read_pip_config(files: list[Path] | None = None, env: dict[str, str] | None = None) -> PipConfig:
    """Index URLs and find-links from pip's config files and PIP_* variables.

    uv does not read pip's configuration, so the plan passes these to uv explicitly.
    """
    env = os.environ if env is None else env
    values: dict[str, str] = {}
    for path in pip_config_files(env) if files is None else files:
        parser = configparser.ConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key in ("index-url", "extra-index-url", "find-links"):
                    if parser.has_option(section, key):
                        values[key] = parser.get(section, key)
    for key in ("index-url", "extra-index-url", "find-links"):
        env_key = "PIP_" + key.upper().replace("-", "_")
        if env.get(env_key):
            values[key] = env[env_key]
    return PipConfig(
        index_url=values.get("index-url", "").strip(),
        extra_index_urls=values.get("extra-index-url", "").split(),
        find_links=values.get("find-links", "").split(),
    )


@dataclass(frozen=True)
class ToolCheck:
    name: str
    path: str | None
    version: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_git(git_path: str = "") -> ToolCheck:
    """Find git (the given path, else PATH) and prove it runs: `git --version`."""
    path = git_path.strip() or shutil.which("git")
    if not path:
        return ToolCheck("git", None, None, "git was not found on PATH; install git or give its path")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolCheck("git", path, None, f"{path} cannot run: {exc}")
    text = out.stdout.strip()
    if out.returncode != 0 or not text.startswith("git version"):
        return ToolCheck(
            "git",
            path,
            None,
            f"{path} is not a working git (`git --version` said: {text or out.stderr.strip()})",
        )
    return ToolCheck("git", path, text.removeprefix("git version ").strip(), None)


def check_data_dir(data_dir: Path) -> ToolCheck:
    """Can we create and write files in the data folder?"""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return ToolCheck(
            "data folder", str(data_dir), None, f"cannot write to {data_dir}: {exc.strerror or exc}"
        )
    return ToolCheck("data folder", str(data_dir), None, None)
