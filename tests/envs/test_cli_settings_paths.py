"""`env settings`, relative paths, offline use of the cache, one-line errors, and `env change`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leropilot_gl.cli import main
from leropilot_gl.envs import EnvManager, Settings, load_settings
from leropilot_gl.envs.settings import PipConfig, pip_suggestion
from tests.envs.conftest import PYTHON


def test_settings_show_set_and_one_line_errors(tmp_path: Path, capsys) -> None:
    data = str(tmp_path / "data")
    assert main(["env", "--data-dir", data, "settings", "set", "index_strategy", "unsafe-best-match"]) == 0
    assert (
        main(
            [
                "env",
                "--data-dir",
                data,
                "settings",
                "set",
                "extra-index-urls",
                "https://a/simple, https://b/simple",
            ]
        )
        == 0
    )
    assert main(["env", "--data-dir", data, "settings", "set", "https_proxy", "http://proxy:3128"]) == 0
    assert main(["env", "--data-dir", data, "settings", "set", "network_timeout_s", "90"]) == 0
    assert (
        main(["env", "--data-dir", data, "settings", "set", "hf_endpoint", "https://hf-mirror.example"]) == 0
    )
    capsys.readouterr()
    saved = load_settings(data)
    assert saved.index_strategy == "unsafe-best-match"
    assert saved.extra_index_urls == ["https://a/simple", "https://b/simple"]
    assert (saved.proxies.https, saved.network_timeout_s, saved.hf_endpoint) == (
        "http://proxy:3128",
        90.0,
        "https://hf-mirror.example",
    )
    assert main(["env", "--data-dir", data, "settings", "show"]) == 0
    shown = capsys.readouterr().out
    assert "index_strategy = unsafe-best-match" in shown and "https_proxy = http://proxy:3128" in shown
    for key, value, words in (
        ("index_strategy", "best", "index strategy must be one of"),
        ("network_timeout_s", "soon", "number of seconds"),
        ("network_timeout_s", "-1", "network timeout must be positive"),
        ("offline", "maybe", "true or false"),
        ("colour", "blue", "unknown setting"),
    ):
        assert main(["env", "--data-dir", data, "settings", "set", key, value]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and err.count("\n") == 1, err
    assert load_settings(data).index_strategy == "unsafe-best-match"  # a refused value loses nothing


def test_pip_config_is_a_suggestion_translated_for_uv(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "fresh")
    assert settings.pypi_index_url == "" and settings.extra_index_urls == []  # never applied silently
    pip = PipConfig("https://mirror/simple", ["https://extra/simple"], ["/opt/wheels"])
    assert pip_suggestion(settings, pip) == {
        "pypi_index_url": "https://mirror/simple",
        "extra_index_urls": ["https://extra/simple"],
        "find_links": ["/opt/wheels"],
        "index_strategy": "unsafe-best-match",  # pip's best-version-across-indexes, in uv's words
    }
    taken = settings.model_copy(update=pip_suggestion(settings, pip))
    assert pip_suggestion(taken, pip) == {}


def test_relative_paths_become_absolute_and_the_cache_works_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package_repo: Path, seed_wheels: Path, capsys
) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(package_repo, work / "repo")
    monkeypatch.chdir(work)
    Settings(data_dir=Path("data"), offline=True, find_links=[str(seed_wheels)]).save()
    assert (work / "data" / "settings.json").is_file()
    args = ["env", "--data-dir", "data"]
    assert main([*args, "inspect", "repo", "v0.1.0"]) == 0
    assert f"repository: {work / 'repo'}" in capsys.readouterr().out
    # the same repository through another relative spelling shares one cache
    (work / "sub").mkdir()
    monkeypatch.chdir(work / "sub")
    assert main(["env", "--data-dir", "../data", "inspect", "../repo", "v0.1.0", "--offline"]) == 0
    assert len(list((work / "data" / "cache" / "repos").iterdir())) == 1
    capsys.readouterr()
    # the source is gone: inspect and plan still work from the cache, and say so
    shutil.rmtree(work / "repo")
    settings = load_settings(work / "data")
    settings.offline = False
    settings.save()
    assert main(["env", "--data-dir", "../data", "inspect", "../repo", "v0.1.0"]) == 0
    captured = capsys.readouterr()
    assert "using the cached copy" in captured.err and "extras:     alpha, beta" in captured.out
    # a relative --data-dir and repo path make an environment whose script works from anywhere
    create = ["create", "../repo", "--ref", "v0.1.0", "--name", "rel", "--python", PYTHON, "--torch", "skip"]
    assert main(["env", "--data-dir", "../data", *create, "--no-ffmpeg", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "rel-" in out and "activate with: source '" + str(work / "data" / "envs") in out
    (record,) = EnvManager(load_settings(work / "data")).list_envs()
    assert record.status.status == "ready" and record.config.repo_url == str(work / "repo")
    monkeypatch.chdir(tmp_path)
    assert main(["env", "--data-dir", str(work / "data"), "install", record.config.id]) == 0
    capsys.readouterr()
    # ids are checked as ids: a path is one line, not a validation dump
    assert main(["env", "--data-dir", str(work / "data"), "delete", "../cache", "--yes"]) == 2
    err = capsys.readouterr().err
    assert err == "error: '../cache' is not an environment id (see `leropilot-gl env list`)\n"
    assert (work / "data" / "cache").is_dir()


def test_change_shows_a_diff_before_it_runs(data_dir_env: tuple[str, str], capsys) -> None:
    data, env_id = data_dir_env
    assert main(["env", "--data-dir", data, "change", env_id, "--ref", "v0.2.0", "--robots", "gamma"]) == 0
    out = capsys.readouterr().out
    assert '-  "ref": "v0.1.0"' in out and '+  "ref": "v0.2.0"' in out and '+    "gamma"' in out
    manager = EnvManager(load_settings(data))
    assert manager.get(env_id).config.ref == "v0.1.0"  # shown only, nothing written
    assert (
        main(["env", "--data-dir", data, "change", env_id, "--ref", "v0.2.0", "--robots", "gamma", "--yes"])
        == 0
    )
    record = manager.get(env_id)
    assert (record.config.ref, record.config.selected_robots, record.status.status) == (
        "v0.2.0",
        ["gamma"],
        "ready",
    )
    capsys.readouterr()
    assert main(["env", "--data-dir", data, "change", env_id]) == 0
    assert "no change" in capsys.readouterr().out


@pytest.fixture
def data_dir_env(settings: Settings, package_repo: Path, capsys) -> tuple[str, str]:
    settings.save()
    data = str(settings.data_dir)
    create = ["create", str(package_repo), "--ref", "v0.1.0", "--name", "changing", "--python", PYTHON]
    assert (
        main(["env", "--data-dir", data, *create, "--torch", "skip", "--robots", "beta", "--no-ffmpeg"]) == 0
    )
    capsys.readouterr()
    (record,) = EnvManager(settings).list_envs()
    return data, record.config.id
