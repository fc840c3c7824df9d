"""The FFmpeg cache: <data>/cache/ffmpeg/<version>/<platform>/ffmpeg[.exe].

Filled by download (a binary, or a zip/wheel holding one), from the imageio-ffmpeg wheel when it
is installed (an offline source), or by the user placing a binary there. Environments get a copy.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

DEFAULT_VERSION = "default"


class FfmpegError(RuntimeError):
    pass


def platform_tag() -> str:
    system = {"Darwin": "macos", "Windows": "windows"}.get(platform.system(), platform.system().lower())
    machine = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    return f"{system}-{machine}"


def binary_name() -> str:
    return "ffmpeg.exe" if platform.system() == "Windows" else "ffmpeg"


def cache_slot(cache_dir: Path, version: str = DEFAULT_VERSION) -> Path:
    """Where the binary for `version` on this platform lives (the wizard shows this path)."""
    if not re.fullmatch(r"[A-Za-z0-9._-]+", version):
        raise FfmpegError(f"{version!r} is not a valid FFmpeg version name")
    return cache_dir / "ffmpeg" / version / platform_tag() / binary_name()


def find_cached(cache_dir: Path, version: str = DEFAULT_VERSION) -> Path | None:
    path = cache_slot(cache_dir, version)
    return path if path.is_file() else None


def _make_executable(path: Path) -> None:
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _install_into_slot(source: Path, slot: Path) -> Path:
    slot.parent.mkdir(parents=True, exist_ok=True)
    tmp = slot.with_name(slot.name + ".tmp")
    shutil.copyfile(source, tmp)
    _make_executable(tmp)
    os.replace(tmp, slot)
    return slot


def fill_from_imageio(cache_dir: Path, version: str = DEFAULT_VERSION) -> Path | None:
    """Copy the ffmpeg binary that the imageio-ffmpeg wheel carries; None when it is not installed."""
    try:
        import imageio_ffmpeg

        source = Path(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None
    return _install_into_slot(source, cache_slot(cache_dir, version))


def download(url: str, cache_dir: Path, version: str, *, timeout_s: float = 60.0) -> Path:
    """Fetch a binary, or a zip/wheel that holds one named ffmpeg*, into the cache slot."""
    slot = cache_slot(cache_dir, version)
    slot.parent.mkdir(parents=True, exist_ok=True)
    part = slot.with_name(slot.name + ".download")
    import urllib.request  # http, email, ssl: only when a download runs, not at the app's start

    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, open(part, "wb") as out:  # noqa: S310
            shutil.copyfileobj(response, out)
        if zipfile.is_zipfile(part):
            with zipfile.ZipFile(part) as archive:
                members = [
                    m
                    for m in archive.namelist()
                    if re.search(r"(^|/)ffmpeg[^/]*$", m) and not m.endswith((".py", ".pyc", "/"))
                ]
                if not members:
                    raise FfmpegError(f"{url} holds no ffmpeg binary")
                extracted = slot.with_name(slot.name + ".extract")
                with archive.open(sorted(members, key=len)[0]) as src, open(extracted, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            part.unlink()
            part = extracted
        _make_executable(part)
        os.replace(part, slot)
    except OSError as exc:
        raise FfmpegError(f"cannot download FFmpeg from {url}: {exc}") from exc
    finally:
        part.unlink(missing_ok=True)
    return slot


def ensure_cached(cache_dir: Path, version: str = DEFAULT_VERSION) -> Path | None:
    """The cached binary, filled from imageio-ffmpeg when the slot is empty; None if no source."""
    return find_cached(cache_dir, version) or fill_from_imageio(cache_dir, version)


def install_into_env(binary: Path, venv: Path) -> Path:
    """Copy (never link: the cache may be cleaned) the binary into the venv's bin or Scripts."""
    bin_dir = venv / ("Scripts" if platform.system() == "Windows" else "bin")
    if not bin_dir.is_dir():
        raise FfmpegError(f"{venv} is not a virtual environment (no {bin_dir.name} folder)")
    return _install_into_slot(binary, bin_dir / binary_name())


def version_line(binary: Path) -> str:
    out = subprocess.run(
        [str(binary), "-hide_banner", "-version"], capture_output=True, text=True, timeout=20
    )
    if out.returncode != 0:
        raise FfmpegError(f"{binary} does not run: {out.stderr.strip()[:200]}")
    return out.stdout.splitlines()[0] if out.stdout else ""
