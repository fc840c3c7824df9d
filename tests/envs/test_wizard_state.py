"""The panels' UI-free model: the welcome gate on git, and the FFmpeg cache filled by download."""

from __future__ import annotations

import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leropilot_gl.envs import EnvManager, Settings, ffmpeg
from leropilot_gl.envs.wizard import EnvManagerState
from leropilot_gl.jobs import JobRunner


def _poll_until(envs: EnvManagerState, pool, jobs, condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        envs.poll(pool, jobs)
        time.sleep(0.02)
    return condition()


def test_welcome_refuses_to_continue_without_a_working_git(tmp_path: Path) -> None:
    envs = EnvManagerState(data_dir=tmp_path / "data")
    envs.ensure_loaded()
    assert envs.first_run and not envs.welcome_done
    envs.settings.git_path = str(tmp_path / "no-git-here")
    jobs = JobRunner()
    with ThreadPoolExecutor(2) as pool:
        envs.start_checks(pool)
        assert _poll_until(envs, pool, jobs, lambda: bool(envs.checks))
        assert not envs.git_ok and "cannot run" in envs.checks["git"].error
        envs.finish_welcome(pool)
        assert not envs.welcome_done and not envs.pending
        assert not (tmp_path / "data" / "settings.json").exists()
        envs.settings.git_path = ""  # back to the git on PATH
        envs.checks = {}
        envs.start_checks(pool)
        assert _poll_until(envs, pool, jobs, lambda: bool(envs.checks))
        envs.finish_welcome(pool)
        assert envs.welcome_done
        assert _poll_until(envs, pool, jobs, lambda: not envs.pending)
    assert (tmp_path / "data" / "settings.json").is_file()


def test_ffmpeg_cache_filled_by_download_when_no_local_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ffmpeg, "fill_from_imageio", lambda cache, version: None
    )  # as if the wheel were absent
    archive = tmp_path / "ffmpeg-build.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ffmpeg-7.1/bin/ffmpeg", "#!/bin/sh\necho 'ffmpeg version 7.1 stand-in'\n")
    manager = EnvManager(Settings(data_dir=tmp_path / "data"))
    assert manager.ensure_ffmpeg("7.1") is None  # no source at all: the wizard shows where to put one
    manager.settings.ffmpeg_url = archive.as_uri()
    got = manager.ensure_ffmpeg("7.1")
    assert got == ffmpeg.cache_slot(manager.settings.cache_dir, "7.1")
    assert ffmpeg.version_line(got) == "ffmpeg version 7.1 stand-in"
