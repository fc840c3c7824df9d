"""Plans run for real: uv venv + install of a package cloned from the git cache, offline.

Also: cancel mid-install, a failing install, and hostile values that must never execute.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from leropilot_gl.envs import (
    EnvError,
    EnvironmentConfig,
    EnvManager,
    Settings,
    bash_quote,
    new_env_id,
    powershell_quote,
    read_status,
)
from leropilot_gl.envs.installer import InstallError
from leropilot_gl.envs.plan import _powershell_activate_extra
from leropilot_gl.jobs import JobRunner
from tests.envs.conftest import PACKAGE, PYTHON


def _config(
    manager: EnvManager,
    url: str,
    ref: str,
    *,
    robots: list[str],
    ffmpeg: bool = False,
    name: str = "test env",
) -> EnvironmentConfig:
    manager.fetch_repo(url)
    ref_name, commit, inspection = manager.inspect(url, ref)
    assert PYTHON in inspection.python_choices
    return EnvironmentConfig(
        id=new_env_id(name),
        name=name,
        display_name=name,
        repo_url=url,
        ref=ref_name,
        commit_hash=commit,
        python_version=PYTHON,
        torch_build="skip",
        selected_robots=robots,
        project_name=inspection.project_name,
        install_ffmpeg=ffmpeg,
    )


def _venv_python(manager: EnvManager, env_id: str) -> Path:
    return manager.env_dir(env_id) / ".venv" / "bin" / "python"


def _import_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-c", f"import {PACKAGE}; print({PACKAGE}.VERSION)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_plan_runs_for_real_and_the_env_imports_the_package(manager: EnvManager, package_repo: Path) -> None:
    config = _config(manager, str(package_repo), "v0.2.0", robots=["alpha", "gamma"], ffmpeg=True)
    script = manager.generate_plan(config)
    assert "--offline" in script and '-e ".$EXTRAS_TARGET_SUFFIX"' in script
    manager.save_plan(config, script)
    assert read_status(manager.env_dir(config.id)).status == "planned"
    jobs = JobRunner()
    job = manager.start_install(jobs, config.id)
    assert job is not None and job.wait(240) and job.status == "done", job.log_lines()
    record = manager.get(config.id)
    assert record.status.status == "ready" and record.status.step == record.status.steps == 6
    assert _import_version(_venv_python(manager, config.id)) == "0.2.0"
    # the clone points at the real upstream, at the chosen commit, editable from src
    src = manager.env_dir(config.id) / "src"
    head = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert head.stdout.strip() == config.commit_hash
    origin = subprocess.run(
        ["git", "-C", str(src), "remote", "get-url", "origin"], capture_output=True, text=True
    )
    assert origin.stdout.strip() == str(package_repo)
    # ffmpeg copied (not linked) into the venv and runnable
    ffmpeg_bin = manager.env_dir(config.id) / ".venv" / "bin" / "ffmpeg"
    assert ffmpeg_bin.is_file() and not ffmpeg_bin.is_symlink()
    log = (manager.env_dir(config.id) / "install.log").read_text()
    assert "##[step 6/6]" in log and f"{PACKAGE} 0.2.0 on Python {PYTHON}" in log and "ffmpeg version" in log
    assert any("##[step 4/6]" in line for line in job.log_lines())
    assert [r.config.id for r in manager.list_envs()] == [config.id]
    assert record.activate_command.startswith("source ") and ".venv/bin/activate" in record.activate_command


def test_older_tag_installs_its_own_version(manager: EnvManager, package_repo: Path) -> None:
    config = _config(manager, str(package_repo), "v0.1.0", robots=["beta"])
    manager.save_plan(config, manager.generate_plan(config))
    status = manager.install(config.id)
    assert status.status == "ready"
    assert _import_version(_venv_python(manager, config.id)) == "0.1.0"


def test_cancel_mid_install_leaves_a_clear_recoverable_state(manager: EnvManager, package_repo: Path) -> None:
    config = _config(manager, str(package_repo), "main", robots=[])
    script = manager.generate_plan(config)
    # the user may edit the script: a slow step stands in for a long download
    slow = script.replace(
        'step "Installing $PROJECT', 'echo "waiting for the network"; sleep 60\nstep "Installing $PROJECT'
    )
    manager.save_plan(config, slow)
    jobs = JobRunner()
    job = manager.start_install(jobs, config.id)
    assert job is not None
    deadline = time.monotonic() + 120
    while "waiting for the network" not in job.log_lines() and time.monotonic() < deadline and not job.done:
        time.sleep(0.1)
    assert "waiting for the network" in job.log_lines()
    job.cancel()
    assert job.wait(30) and job.status == "cancelled"
    record = manager.get(config.id)
    assert record.status.status == "cancelled" and "step 2/5" in record.status.message
    assert "cancel requested" in (record.path / "install.log").read_text()
    # retry with the original script: it reuses the clone and finishes
    manager.save_plan(config, script)
    assert manager.install(config.id).status == "ready"
    assert _import_version(_venv_python(manager, config.id)) == "0.2.0"
    log = (record.path / "install.log").read_text()
    assert "install cancelled" in log and "install ready" in log  # both attempts kept


def test_failed_install_keeps_its_log_and_can_be_removed(manager: EnvManager, package_repo: Path) -> None:
    config = _config(manager, str(package_repo), "main", robots=[])
    config = config.model_copy(update={"commit_hash": "0123456789abcdef0123456789abcdef01234567"})
    manager.save_plan(config, manager.generate_plan(config))
    with pytest.raises(InstallError, match="step 1/5"):
        manager.install(config.id)
    record = manager.get(config.id)
    assert record.status.status == "failed"
    assert "install failed" in (record.path / "install.log").read_text()
    with pytest.raises(EnvError, match="not an environment"):
        manager.delete("not-made-here")
    manager.delete(config.id)
    assert not record.path.exists() and manager.list_envs() == []


def _hostile(canary: Path) -> str:
    return (
        f"x' ; touch {canary} ; '\" ; touch {canary} ; \"$(touch {canary})`touch {canary}`"
        f"\ntouch {canary}\n$HOME ${{IFS}}\\ \u2019; touch {canary}"
    )


def test_hostile_values_never_execute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package_repo: Path, seed_wheels: Path
) -> None:
    canary = tmp_path / "canary"
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    hostile_dir = tmp_path / f"d $(touch {canary}) `touch {canary}` ; touch {canary} 'q\" \u2019"
    manager = EnvManager(
        Settings(
            data_dir=hostile_dir,
            offline=True,
            hub_endpoint=_hostile(canary),
            extra_index_urls=[f"file:///nowhere/$(touch {canary})"],
            find_links=[str(seed_wheels)],
        )
    )
    url = "https://example.com/r.git" + _hostile(canary)
    # the cache for the hostile URL is filled from the real repository
    manager.repos.fetch(url, fetch_url=str(package_repo))
    _, commit, inspection = manager.inspect(url, "main")
    config = EnvironmentConfig(
        id=new_env_id(_hostile(canary)),
        name=_hostile(canary),
        display_name=_hostile(canary),
        repo_url=url,
        ref="main" + _hostile(canary),
        commit_hash=commit,
        python_version=PYTHON,
        torch_build="skip",
        project_name=inspection.project_name,
        install_ffmpeg=False,
    )
    script = manager.generate_plan(config)
    manager.save_plan(config, script)
    assert manager.install(config.id).status == "ready"
    assert not canary.exists()
    origin = subprocess.run(
        ["git", "-C", str(manager.env_dir(config.id) / "src"), "remote", "get-url", "origin"],
        capture_output=True,
        text=True,
    )
    assert origin.stdout.rstrip("\n") == url  # stored as data, byte for byte
    # the Hub mirror is set by the activate script, as data too
    activate = manager.env_dir(config.id) / ".venv" / "bin" / "activate"
    shown = subprocess.run(
        ["bash", "-c", 'source "$1" && printf "%s" "$HF_ENDPOINT"', "_", str(activate)],
        capture_output=True,
        text=True,
    )
    assert shown.stdout == _hostile(canary) and not canary.exists()
    # deactivate puts back what was there: unset stays unset, a value comes back byte for byte
    for before, expected in (("unset HF_ENDPOINT", "<unset>"), ("export HF_ENDPOINT='a b$(x)'", "a b$(x)")):
        restored = subprocess.run(
            [
                "bash",
                "-c",
                before + '; source "$1" && deactivate && printf "%s" "${HF_ENDPOINT-<unset>}"',
                "_",
                str(activate),
            ],
            capture_output=True,
            text=True,
        )
        assert restored.stdout == expected, restored.stderr
    # pip is in the environment, as LeRobot's instructions expect
    pip = subprocess.run(
        [str(_venv_python(manager, config.id)), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert pip.returncode == 0 and pip.stdout.startswith("pip ")
    # the printed activate command is one shell word after `source`: it runs nothing else
    shown = subprocess.run(
        ["bash", "-c", manager.get(config.id).activate_command + ' && printf "%s" "$VIRTUAL_ENV"'],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0 and not canary.exists()
    ps = manager.generate_plan(config, shell="powershell")
    for value in (
        url,
        str(manager.env_dir(config.id).resolve()),
        f"file:///nowhere/$(touch {canary})",
        _powershell_activate_extra(_hostile(canary)),
    ):
        assert _ps_literal_roundtrip(ps, powershell_quote(value)) == value


def _ps_literal_roundtrip(script: str, literal: str) -> str:
    """Decode the single-quoted PowerShell literal found in the script; fail if it ends early."""
    start = script.index(literal)
    quotes = "'\u2018\u2019\u201a\u201b"
    i, out = start + 1, []
    while True:
        c = script[i]
        if c in quotes:
            if script[i + 1] in quotes:
                out.append(c)
                i += 2
                continue
            break
        out.append(c)
        i += 1
    assert i == start + len(literal) - 1
    return "".join(out)


def test_quoting_round_trips_through_bash(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    value = _hostile(canary)
    out = subprocess.run(["bash", "-c", f"V={bash_quote(value)}; printf '%s' \"$V\""], capture_output=True)
    assert out.stdout.decode() == value and not canary.exists()
    with pytest.raises(ValueError, match="NUL"):
        bash_quote("a\0b")


def test_config_rejects_unsafe_fields() -> None:
    base = {"id": "ok-1", "name": "n", "repo_url": "u", "ref": "main", "python_version": "3.11"}
    EnvironmentConfig(**base)
    for bad in (
        {"id": "../up"},
        {"ref": "--upload-pack=evil"},
        {"python_version": "3.11; rm"},
        {"torch_build": "cu128 && x"},
        {"selected_robots": ["a,b]"]},
        {"commit_hash": "HEAD~1"},
        {"torch_version": "2.7.1 ; x"},
    ):
        with pytest.raises(ValueError):
            EnvironmentConfig(**{**base, **bad})


def _stand_in_wheel(index_dir: Path, name: str, version: str, requires: list[str]) -> None:
    """A tiny real wheel in a PEP 503 folder index: what the PyTorch index serves, minus the 2 GB."""
    import base64
    import hashlib
    import zipfile

    project = index_dir / name
    project.mkdir(parents=True)
    filename = f"{name}-{version}-py3-none-any.whl"
    dist_info = f"{name}-{version}.dist-info/"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        dist_info + "METADATA": meta.encode(),
        dist_info
        + "WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = []
    with zipfile.ZipFile(project / filename, "w") as zf:
        for arc, data in files.items():
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{arc},sha256={digest},{len(data)}")
        zf.writestr(dist_info + "RECORD", "\n".join([*rows, dist_info + "RECORD,,"]) + "\n")
    (project / "index.html").write_text(f'<html><body><a href="{filename}">{filename}</a></body></html>\n')


def test_torch_step_installs_the_chosen_build_and_the_project_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pinned_repo: Path, seed_wheels: Path
) -> None:
    """The package at main depends on torch>=2.2,<2.8 like LeRobot; the CPU build comes from the
    "PyTorch index" (a local folder index here) and the project install must not replace it."""
    from leropilot_gl.envs import HardwareInfo, recommended_option, torch_options

    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    _stand_in_wheel(tmp_path / "whl" / "cpu", "torch", "2.7.1+cpu", [])
    _stand_in_wheel(tmp_path / "whl" / "cpu", "torchvision", "0.22.1+cpu", ["torch==2.7.1"])
    (tmp_path / "empty-index").mkdir()
    settings = Settings(
        data_dir=tmp_path / "data",
        pypi_index_url=(tmp_path / "empty-index").as_uri(),
        pytorch_index_base=(tmp_path / "whl").as_uri(),
        find_links=[str(seed_wheels)],
    )
    manager = EnvManager(settings)
    manager.fetch_repo(str(pinned_repo))
    ref, commit, inspection = manager.inspect(str(pinned_repo), "main")
    assert inspection.torch_constraints == {"torch": "<2.8,>=2.2"}
    option = recommended_option(
        torch_options(HardwareInfo("cpu"), inspection, PYTHON, manager.compat_table())
    )
    assert option is not None and (option.torch_version, option.build) == ("2.7.1", "cpu")
    config = manager.make_config(
        repo=str(pinned_repo),
        ref=ref,
        commit=commit,
        inspection=inspection,
        name="torch env",
        python_version=PYTHON,
        torch=option,
        robots=["gamma"],
        install_ffmpeg=False,
    )
    manager.save_plan(config, manager.generate_plan(config))
    assert manager.install(config.id).status == "ready"
    python = _venv_python(manager, config.id)
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import torch, torchvision, robotpkg; "
            "print(torch.__version__, torchvision.__version__, robotpkg.VERSION)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["2.7.1+cpu", "0.22.1+cpu", "0.2.0"]
    log = (manager.env_dir(config.id) / "install.log").read_text()
    assert "##[step 3/6] Installing PyTorch" in log and "torch 2.7.1+cpu" in log
