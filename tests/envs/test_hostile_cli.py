"""Hostile names, refs, URLs and paths through the CLI: plans, printed commands and PowerShell
scripts carry them as data. A canary file that any of them would create never appears."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from leropilot_gl.cli import main
from leropilot_gl.envs import EnvManager, Settings, load_settings, powershell_quote
from leropilot_gl.envs.manager import activate_command
from tests.envs.conftest import PYTHON


def _evil(canary: Path) -> str:
    return f"-x $(touch {canary}) `touch {canary}`; touch {canary} 'q\" \u2019 \\"


def test_hostile_paths_names_and_refs_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package_repo: Path, seed_wheels: Path, capsys
) -> None:
    canary = tmp_path / "canary"
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    # the repository lives in a folder whose name starts with a dash and holds a newline
    repo = tmp_path / (_evil(canary) + "\nnext line")
    shutil.copytree(package_repo, repo)
    data = tmp_path / ("data " + _evil(canary))
    Settings(data_dir=data, offline=True, find_links=[str(seed_wheels)], hub_endpoint=_evil(canary)).save()
    base = ["env", "--data-dir", str(data)]
    name = "--name=" + _evil(canary)
    assert (
        main(
            [
                *base,
                "create",
                str(repo),
                "--ref",
                "v0.1.0",
                name,
                "--python",
                PYTHON,
                "--torch",
                "skip",
                "--no-ffmpeg",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    (record,) = EnvManager(load_settings(data)).list_envs()
    assert record.status.status == "ready" and record.config.name == _evil(canary)
    assert record.config.repo_url == str(repo)
    printed = next(line for line in out.splitlines() if line.startswith("activate with: "))
    command = printed.removeprefix("activate with: ")
    assert command == activate_command(record.path, shell="bash")
    ran = subprocess.run(
        ["bash", "-c", command + ' && printf "%s|%s" "$VIRTUAL_ENV" "$HF_ENDPOINT"'],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0 and ran.stdout == f"{record.path / '.venv'}|{_evil(canary)}"
    # refs that look like options are refused, one line each
    for ref in ("--upload-pack=touch " + str(canary), "-c", f"main\n$(touch {canary})"):
        assert (
            main(
                [
                    *base,
                    "plan",
                    str(repo),
                    "--ref=" + ref,
                    "--name",
                    "x",
                    "--python",
                    PYTHON,
                    "--torch",
                    "skip",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        error = err[err.index("error: ") :]  # after the note that the cached copy is used
        assert "must not start with '-'" in error or "is not a branch, tag or commit" in error
        assert err.count("error: ") == 1 and "Traceback" not in err
    # PowerShell: the plan and the activate command carry every value as one literal
    assert (
        main(
            [
                *base,
                "plan",
                str(repo),
                "--ref",
                "v0.1.0",
                name,
                "--python",
                PYTHON,
                "--torch",
                "skip",
                "--shell",
                "powershell",
            ]
        )
        == 0
    )
    ps = capsys.readouterr().out
    assert f"$RepoUrl = {powershell_quote(str(repo))}" in ps
    assert "-LiteralPath" in ps and " -Path " not in ps
    assert activate_command(record.path, shell="powershell") == "& " + powershell_quote(
        str(record.path / ".venv" / "Scripts" / "Activate.ps1")
    )
    assert main([*base, "list"]) == 0
    capsys.readouterr()
    assert not canary.exists()
