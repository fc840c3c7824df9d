"""Plans are resolved with uv before they are written: a local HTTP index (tests/envs/local_index.py)
stands in for PyPI and the PyPI-hosted PyTorch CPU index; the repository's tags carry different
requires-python, torch pins, extras and a [tool.uv.sources] entry (tests/envs/conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from leropilot_gl.cli import main
from leropilot_gl.envs import EnvManager, Settings
from tests.envs.conftest import LEROBOTLIKE, PYTHON, UNREACHABLE_INDEX
from tests.envs.local_index import LocalIndex


@pytest.fixture
def index(index_root: Path):
    with LocalIndex(index_root) as served:
        yield served


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index: LocalIndex, seed_wheels: Path) -> str:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    settings = Settings(
        data_dir=tmp_path / "data",
        pypi_index_url=f"{index.url}/simple",
        pytorch_index_base=f"{index.url}/whl",
        find_links=[str(seed_wheels)],
    )
    settings.save()
    return str(settings.data_dir)


def _env(data_dir: str, *args: str) -> list[str]:
    return ["env", "--data-dir", data_dir, *args]


def test_unsatisfiable_plan_is_refused_with_the_conflict_named(
    data_dir: str, lerobotlike_repo: Path, capsys
) -> None:
    # v1.0.0 pins torch>=2.7,<2.8 and torchvision>=0.22: torch 2.6.0 cannot install
    args = ["plan", str(lerobotlike_repo), "--ref", "v1.0.0", "--name", "old torch", "--python", PYTHON]
    assert main(_env(data_dir, *args, "--torch", "2.6.0+cpu", "--no-ffmpeg")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: this plan cannot install:") and err.count("\n") == 1
    # the matching set for torch 2.6 (torchcodec 0.2.1) meets the tag's torchcodec>=0.4
    assert "torchcodec>=0.4" in err and "torchcodec==0.2.1" in err and "Traceback" not in err
    assert not (Path(data_dir) / "envs").exists() or not any((Path(data_dir) / "envs").iterdir())
    # a Python the tag does not allow is refused before uv runs, with the choices
    assert (
        main(
            _env(
                data_dir, "plan", str(lerobotlike_repo), "--ref", "v0.9.0", "--name", "x", "--python", PYTHON
            )
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "requires-python '>=3.13'" in err and err.count("\n") == 1


def test_satisfiable_plan_installs_the_matching_set_and_imports(
    data_dir: str, lerobotlike_repo: Path, capsys
) -> None:
    args = ["create", str(lerobotlike_repo), "--ref", "v1.0.0", "--name", "cpu bot", "--python", PYTHON]
    assert main(_env(data_dir, *args, "--torch", "auto", "--robots", "feetech", "--no-ffmpeg")) == 0
    out = capsys.readouterr().out
    assert "plan checked:" in out and "--no-sources" in out
    manager = EnvManager(Settings(data_dir=Path(data_dir)))
    (record,) = manager.list_envs()
    assert record.status.status == "ready" and record.config.torch_build == "cpu"
    python = record.path / ".venv" / "bin" / "python"
    versions = subprocess.run(
        [
            str(python),
            "-c",
            f"import torch, torchvision, torchcodec, feetechsdk, {LEROBOTLIKE}; "
            f"print(torch.__version__, torchvision.__version__, torchcodec.__version__, "
            f"feetechsdk.__version__, {LEROBOTLIKE}.VERSION)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # the CPU build from the PyTorch index, and torchcodec pinned to torch 2.7's (not the newest)
    assert versions == ["2.7.1+cpu", "0.22.1+cpu", "0.4.0", "1.0.0", "1.0.0"]
    log = (record.path / "install.log").read_text()
    assert "[tool.uv.sources] are switched off (--no-sources)" in log
    assert (record.path / "torch-constraints.txt").read_text().split() == [
        "torch==2.7.1",
        "torchvision==0.22.1",
        "torchcodec==0.4.0",
    ]


def test_the_projects_uv_sources_are_used_only_on_purpose(
    data_dir: str, lerobotlike_repo: Path, capsys
) -> None:
    # torch skipped: the project decides, through its own [tool.uv.sources] (an unreachable
    # CUDA index here), and the check says so instead of writing a plan that fails later
    base = [
        "plan",
        str(lerobotlike_repo),
        "--ref",
        "v1.0.0",
        "--name",
        "src",
        "--python",
        PYTHON,
        "--no-ffmpeg",
    ]
    assert main(_env(data_dir, *base, "--torch", "skip")) == 2
    err = capsys.readouterr().err
    assert "cannot check the plan" in err and UNREACHABLE_INDEX.split("/whl")[0] in err
    # --sources on with a CPU build: the same index is asked for, on purpose
    assert main(_env(data_dir, *base, "--torch", "2.7.1+cpu", "--sources", "on")) == 2
    assert UNREACHABLE_INDEX.split("/whl")[0] in capsys.readouterr().err
    # --sources off with skip: torch from the package index as the pins allow
    assert main(_env(data_dir, *base, "--torch", "skip", "--sources", "off")) == 0
    captured = capsys.readouterr()
    assert "plan checked:" in captured.err and "SOURCES_ARGS=('--no-sources')" in captured.out
