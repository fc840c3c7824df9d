"""Ctrl+C during `leropilot-gl env create`: the whole install stops, the log says so, and
`env install <id>` resumes it. The install is held mid-download by a slow local index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from leropilot_gl.envs import EnvManager, Settings, read_status
from tests.envs.conftest import LEROBOTLIKE, PYTHON
from tests.envs.local_index import LocalIndex


def _group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return members


def test_sigint_stops_the_whole_install_and_install_resumes_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    index_root: Path,
    seed_wheels: Path,
    lerobotlike_repo: Path,
) -> None:
    repo_root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "UV_CACHE_DIR": str(tmp_path / "uv cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "PYTHONPATH": str(repo_root),
    }
    with LocalIndex(index_root, slow_project="slowdep") as index:
        settings = Settings(
            data_dir=tmp_path / "data",
            pypi_index_url=f"{index.url}/simple",
            find_links=[str(seed_wheels)],
        )
        settings.save()
        data = str(settings.data_dir)
        cli = [sys.executable, "-m", "leropilot_gl", "env", "--data-dir", data]
        create = subprocess.Popen(
            [*cli, "create", str(lerobotlike_repo), "--ref", "v1.1.0", "--name", "interrupted"]
            + ["--python", PYTHON, "--torch", "skip", "--no-ffmpeg", "--no-check"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=repo_root,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
        assert index.slow_seen.wait(120), "the install never reached the slow download"
        manager = EnvManager(Settings(data_dir=Path(data)))
        (record,) = manager.list_envs()
        status = read_status(record.path)
        assert status.status == "installing" and status.pgid is not None
        install_group = status.pgid
        started = psutil.Process(create.pid).children(recursive=True)
        names = {p.name() for p in started}
        assert "uv" in names and "bash" in names, names
        # a second install of the same environment is refused while this one runs
        second = subprocess.run(
            [*cli, "install", record.config.id], capture_output=True, text=True, env=env, cwd=repo_root
        )
        assert second.returncode == 2 and "already being installed" in second.stderr
        assert second.stderr.count("\n") == 1

        os.killpg(create.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        out, err = create.communicate(timeout=60)
        assert create.returncode == 130, (out, err)
        assert "Traceback" not in err and "resume with `leropilot-gl env install" in err
        time.sleep(0.5)
        assert _group_members(install_group) == []
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in started)
        log = (record.path / "install.log").read_text()
        assert "=== cancel requested" in log and "=== install cancelled" in log
        assert read_status(record.path).status == "cancelled"

        index.release()
        resumed = subprocess.run(
            [*cli, "install", record.config.id], capture_output=True, text=True, env=env, cwd=repo_root
        )
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert read_status(record.path).status == "ready"
    version = subprocess.run(
        [
            str(record.path / ".venv" / "bin" / "python"),
            "-c",
            f"import slowdep, {LEROBOTLIKE}; print({LEROBOTLIKE}.VERSION)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "1.1.0"
    assert (record.path / "install.log").read_text().count("=== install ready") == 1
