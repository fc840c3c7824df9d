"""Settings in the data folder, pip config discovery, git/uv checks, and the FFmpeg cache."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from leropilot_gl.envs import (
    OFFICIAL_REPO_URL,
    Settings,
    check_data_dir,
    check_git,
    check_uv,
    ffmpeg,
    find_uv,
    is_first_run,
    load_settings,
    read_pip_config,
)
from leropilot_gl.envs.uvtool import UvNotFound, ensure_executable


def test_settings_round_trip_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEROPILOT_DATA_DIR", str(tmp_path / "from-env"))
    assert Settings().data_dir == tmp_path / "from-env"  # never the real ~/.leropilot in tests
    data = tmp_path / "data"
    assert is_first_run(data)
    settings = load_settings(data)
    assert settings.repositories == {"official": OFFICIAL_REPO_URL}
    settings.hub_endpoint = "https://hf-mirror.example"
    settings.repositories["fork"] = "https://github.com/me/lerobot"
    settings.network_timeout_s = 12
    settings.save()
    assert not is_first_run(data)
    again = load_settings(data)
    assert again.hub_endpoint == "https://hf-mirror.example" and again.repositories["fork"].endswith(
        "me/lerobot"
    )
    assert again.network_timeout_s == 12
    assert again.mirrored_url("https://github.com/a/b") == "https://github.com/a/b"
    again.git_url_prefix_mirror = "https://ghproxy.example/"
    assert again.mirrored_url("https://github.com/a/b") == "https://ghproxy.example/https://github.com/a/b"
    with pytest.raises(ValueError):
        Settings(data_dir=data, network_timeout_s=0)


def test_damaged_settings_are_kept_aside_not_lost(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    settings = load_settings(tmp_path)
    assert settings.data_dir == tmp_path
    assert (tmp_path / "settings.json.bad").read_text() == "{not json"


def test_pip_config_files_and_env_feed_uv(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = https://mirror.example/simple\n"
        "extra-index-url = file:///opt/a/simple file:///opt/b/simple\nfind-links = /opt/wheels\n"
    )
    pip = read_pip_config([conf], env={})
    assert pip.index_url == "https://mirror.example/simple"
    assert pip.extra_index_urls == ["file:///opt/a/simple", "file:///opt/b/simple"]
    assert pip.find_links == ["/opt/wheels"]
    assert (
        read_pip_config([conf], env={"PIP_INDEX_URL": "https://env.example/simple"}).index_url
        == "https://env.example/simple"
    )
    assert read_pip_config([tmp_path / "missing.conf"], env={}).index_url == ""


def test_git_and_data_dir_checks(tmp_path: Path) -> None:
    assert check_git().ok and check_git().version
    fake = tmp_path / "notgit"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    bad = check_git(str(fake))
    assert not bad.ok and "not a working git" in bad.error
    assert "cannot run" in check_git(str(tmp_path / "missing-git")).error
    assert check_data_dir(tmp_path / "new").ok
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not check_data_dir(blocker / "sub").ok


def test_uv_is_found_and_made_executable(tmp_path: Path) -> None:
    assert check_uv().ok and find_uv().is_file()
    copy = tmp_path / "uv"
    copy.write_bytes(find_uv().read_bytes())
    copy.chmod(0o644)
    assert find_uv(str(copy)) == copy and os.access(copy, os.X_OK)
    out = subprocess.run([str(copy), "--version"], capture_output=True, text=True)
    assert out.stdout.startswith("uv ")
    with pytest.raises(UvNotFound, match="not executable"):
        ensure_executable(Path("/proc/self/status"))


def test_ffmpeg_cache_from_imageio_download_and_user_binary(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    slot = ffmpeg.cache_slot(cache, "7.1")
    assert slot.parts[-4:-1] == ("ffmpeg", "7.1", ffmpeg.platform_tag())
    assert ffmpeg.find_cached(cache, "7.1") is None
    filled = ffmpeg.ensure_cached(cache)
    assert filled is not None and "ffmpeg version" in ffmpeg.version_line(filled)
    # a zip holding a binary, fetched by URL (file:// keeps the test offline)
    archive = tmp_path / "ffmpeg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(filled, "pkg/binaries/ffmpeg-linux64")
        zf.writestr("pkg/ffmpeg_helpers.py", "x = 1\n")
    got = ffmpeg.download(archive.as_uri(), cache, "7.1")
    assert got == slot and got.read_bytes() == filled.read_bytes() and os.access(got, os.X_OK)
    # the user placing a binary in the slot is enough
    user_slot = ffmpeg.cache_slot(cache, "6.0")
    user_slot.parent.mkdir(parents=True)
    user_slot.write_bytes(filled.read_bytes())
    assert ffmpeg.find_cached(cache, "6.0") == user_slot
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    copied = ffmpeg.install_into_env(user_slot, venv)
    assert copied == venv / "bin" / "ffmpeg" and not copied.is_symlink() and os.access(copied, os.X_OK)
    with pytest.raises(ffmpeg.FfmpegError):
        ffmpeg.cache_slot(cache, "../../x")
    with pytest.raises(ffmpeg.FfmpegError, match="no ffmpeg binary"):
        empty = tmp_path / "empty.zip"
        with zipfile.ZipFile(empty, "w") as zf:
            zf.writestr("readme.txt", "x")
        ffmpeg.download(empty.as_uri(), cache, "8.0")
