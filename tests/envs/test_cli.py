"""`leropilot-gl env ...` end to end on the local test repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from leropilot_gl.cli import main
from leropilot_gl.envs import Settings
from tests.envs.conftest import PACKAGE, PYTHON


@pytest.fixture
def data_dir(settings: Settings) -> str:
    settings.save()  # offline settings in the tmp data folder
    return str(settings.data_dir)


def test_inspect_prints_refs_pythons_extras_and_torch_choices(
    data_dir: str, package_repo: Path, capsys
) -> None:
    assert main(["env", "--data-dir", data_dir, "inspect", str(package_repo), "v0.1.0"]) == 0
    out = capsys.readouterr().out
    assert "branches:   dev, main" in out and "tags:       v0.1.0, v0.2.0" in out
    assert ">=3.9 -> 3.9, 3.10" in out and "extras:     alpha, beta" in out
    assert "  * torch" in out and "Skip PyTorch" in out


def test_plan_create_list_delete(data_dir: str, package_repo: Path, capsys) -> None:
    repo = str(package_repo)
    assert (
        main(
            [
                "env",
                "--data-dir",
                data_dir,
                "plan",
                repo,
                "--name",
                "cli env",
                "--python",
                PYTHON,
                "--torch",
                "skip",
                "--robots",
                "alpha",
                "--no-ffmpeg",
            ]
        )
        == 0
    )
    script = capsys.readouterr().out
    assert script.startswith("#!/usr/bin/env bash") and "EXTRAS_TARGET_SUFFIX='[alpha]'" in script
    assert main(["env", "--data-dir", data_dir, "plan", repo, "--name", "x", "--robots", "nope"]) == 2
    assert "not among this version's extras" in capsys.readouterr().err
    assert (
        main(
            [
                "env",
                "--data-dir",
                data_dir,
                "create",
                repo,
                "--ref",
                "v0.1.0",
                "--name",
                "cli env",
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
    assert f"{PACKAGE} 0.1.0 on Python {PYTHON}" in out and "ready" in out
    assert main(["env", "--data-dir", data_dir, "list"]) == 0
    listing = capsys.readouterr().out
    env_id = listing.split()[0]
    assert env_id.startswith("cli-env-") and "ready" in listing and "v0.1.0@" in listing
    assert main(["env", "--data-dir", data_dir, "delete", env_id]) == 2
    assert "--yes" in capsys.readouterr().err
    assert (Path(data_dir) / "envs" / env_id).is_dir()
    assert main(["env", "--data-dir", data_dir, "delete", env_id, "--yes"]) == 0
    assert not (Path(data_dir) / "envs" / env_id).exists()
