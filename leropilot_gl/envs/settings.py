"""Environment-manager settings: a pydantic model saved as JSON in the data folder.

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

from pydantic import BaseModel, Field, field_validator

OFFICIAL_REPO_URL = "https://github.com/huggingface/lerobot"
SETTINGS_FILE = "settings.json"
DATA_DIR_ENV = "LEROPILOT_DATA_DIR"
DEFAULT_PYPI_INDEX = "https://pypi.org/simple"


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path.home() / ".leropilot"


class Proxies(BaseModel):
    http: str = ""
    https: str = ""
    no_proxy: str = ""


class Settings(BaseModel):
    """Everything the user can set for environments. Empty strings mean "not set"."""

    data_dir: Path = Field(default_factory=default_data_dir)
    git_path: str = ""  # empty: found on PATH with shutil.which
    pypi_index_url: str = ""  # empty: pip's configured index, else PyPI
    extra_index_urls: list[str] = Field(default_factory=list)
    find_links: list[str] = Field(default_factory=list)
    pytorch_index_base: str = "https://download.pytorch.org/whl"
    hf_endpoint: str = ""  # Hub mirror, e.g. https://hf-mirror.com
    git_url_prefix_mirror: str = ""  # prepended to https://github.com/... URLs when set
    proxies: Proxies = Field(default_factory=Proxies)
    network_timeout_s: float = 60.0
    offline: bool = False  # uv --offline: install only from the cache and local sources
    compat_table_url: str = ""
    ffmpeg_url: str = ""  # a binary, or a zip/wheel holding one, downloaded when the cache is empty
    repositories: dict[str, str] = Field(default_factory=lambda: {"official": OFFICIAL_REPO_URL})

    @field_validator("network_timeout_s")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("network timeout must be positive")
        return value

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

    def save(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / SETTINGS_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, path)
        return path


def load_settings(data_dir: str | Path | None = None) -> Settings:
    """Settings from <data>/settings.json; first run (no file): defaults seeded from pip's config.

    A damaged file is kept aside as settings.json.bad, never silently overwritten.
    """
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    path = root / SETTINGS_FILE
    if path.is_file():
        try:
            settings = Settings.model_validate_json(path.read_text(encoding="utf-8"))
            settings.data_dir = root
            return settings
        except ValueError:
            path.replace(path.with_name(SETTINGS_FILE + ".bad"))
    pip = read_pip_config()
    return Settings(
        data_dir=root,
        pypi_index_url=pip.index_url,
        extra_index_urls=pip.extra_index_urls,
        find_links=pip.find_links,
    )


def is_first_run(data_dir: str | Path | None = None) -> bool:
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    return not (root / SETTINGS_FILE).is_file()


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
