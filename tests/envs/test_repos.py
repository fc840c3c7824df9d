"""The git cache on a real repository: mirror, refs, read at a ref, fork isolation, inspection."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from leropilot_gl.envs import EnvManager, InspectError, RepoCache, RepoError, inspect_pyproject
from leropilot_gl.envs.repos import cache_key


def test_mirror_lists_refs_and_reads_files_at_each_tag(tmp_path: Path, package_repo: Path) -> None:
    cache = RepoCache(tmp_path / "repos")
    url = str(package_repo)
    mirror = cache.fetch(url)
    assert mirror == tmp_path / "repos" / cache_key(url)
    assert pygit2.Repository(str(mirror)).is_bare
    refs = cache.refs(url)
    assert refs.branches == ["dev", "main"]
    assert refs.tags == ["v0.1.0", "v0.2.0"]
    assert refs.default_branch == "main"
    old = inspect_pyproject(cache.read_file(url, "v0.1.0", "pyproject.toml"))
    new = inspect_pyproject(cache.read_file(url, "v0.2.0", "pyproject.toml"))
    assert (old.version, old.requires_python, old.extras) == ("0.1.0", ">=3.9", ["alpha", "beta"])
    assert (new.version, new.requires_python, new.extras) == ("0.2.0", ">=3.10", ["alpha", "gamma"])
    assert "3.9" in old.python_choices and "3.9" not in new.python_choices
    # default ref is main; an annotated tag resolves to its commit
    assert cache.resolve(url, None)[0] == "main"
    assert cache.resolve(url, "v0.2.0")[1] == cache.resolve(url, "main")[1]
    dev_text = cache.read_file(url, "dev", "pyproject.toml")
    assert 'version = "0.3.0.dev0"' in dev_text


def test_fetch_updates_the_mirror_with_new_commits(tmp_path: Path) -> None:
    from tests.envs.conftest import _commit, make_package_repo

    source = make_package_repo(tmp_path / "src")
    cache = RepoCache(tmp_path / "repos")
    cache.fetch(str(source))
    before = cache.resolve(str(source), "main")[1]
    repo = pygit2.Repository(str(source))
    (source / "NEWS").write_text("more\n")
    repo.references.create("refs/tags/v0.2.1", _commit(repo, "news", [repo.head.target]))
    cache.fetch(str(source))
    assert cache.resolve(str(source), "main")[1] != before
    assert "v0.2.1" in cache.refs(str(source)).tags


def test_forks_never_share_a_cache(tmp_path: Path, package_repo: Path) -> None:
    from tests.envs.conftest import make_package_repo

    fork = make_package_repo(tmp_path / "fork")
    cache = RepoCache(tmp_path / "repos")
    cache.fetch(str(package_repo))
    cache.fetch(str(fork))
    assert cache.mirror_path(str(package_repo)) != cache.mirror_path(str(fork))
    assert len(list((tmp_path / "repos").iterdir())) == 2


def test_clear_errors_for_bad_url_ref_and_path(tmp_path: Path, package_repo: Path) -> None:
    cache = RepoCache(tmp_path / "repos")
    with pytest.raises(RepoError, match="no such folder"):
        cache.fetch(str(tmp_path / "no such repo"))
    not_a_repo = tmp_path / "plain folder"
    not_a_repo.mkdir()
    with pytest.raises(RepoError, match="cannot fetch"):
        cache.fetch(str(not_a_repo))
    assert not cache.has_mirror(str(not_a_repo))  # the failed first fetch left nothing behind
    with pytest.raises(RepoError, match="not in the cache"):
        cache.refs(str(package_repo))
    cache.fetch(str(package_repo))
    with pytest.raises(RepoError, match="not a branch, tag or commit"):
        cache.resolve(str(package_repo), "v9.9.9")
    with pytest.raises(RepoError, match="does not exist"):
        cache.read_file(str(package_repo), "main", "setup.cfg")


def test_fetch_cancel_and_timeout_abort(tmp_path: Path, package_repo: Path) -> None:
    cache = RepoCache(tmp_path / "repos")
    with pytest.raises(RepoError, match="cancelled"):
        cache.fetch(str(package_repo), cancelled=lambda: True)
    with pytest.raises(RepoError, match="timed out"):
        cache.fetch(str(package_repo), timeout_s=1e-9)
    # a later fetch works
    cache.fetch(str(package_repo))
    assert cache.refs(str(package_repo)).default_branch == "main"


def test_manager_inspects_aliases_and_torch_pins(settings, pinned_repo: Path) -> None:
    settings.repositories["mine"] = str(pinned_repo)
    manager = EnvManager(settings)
    manager.fetch_repo("mine")
    ref, commit, inspection = manager.inspect("mine", "v0.2.0")
    assert ref == "v0.2.0" and len(commit) == 40
    assert inspection.torch_constraints == {"torch": "<2.8,>=2.2"}
    _, _, old = manager.inspect("mine", "v0.1.0")
    assert old.torch_constraints == {}


LEROBOT_LIKE = """
[project]
name = "lerobot"
version = "0.4.4"
requires-python = ">=3.10"
dependencies = ["torch>=2.2.1,<2.8.0", "torchvision>=0.21.0,<0.23.0", "torchcodec>=0.2.1,<0.6.0; sys_platform != 'win32'", "numpy"]
[project.optional-dependencies]
feetech = ["feetech-servo-sdk>=1.0.0"]
aloha = ["gym-aloha>=0.1.1"]
"""


def test_inspector_reads_pythons_torch_stack_and_extras() -> None:
    info = inspect_pyproject(LEROBOT_LIKE)
    assert info.python_choices == ["3.10", "3.11", "3.12", "3.13", "3.14"]
    assert info.torch_constraints == {
        "torch": "<2.8.0,>=2.2.1",
        "torchvision": "<0.23.0,>=0.21.0",
        "torchcodec": "<0.6.0,>=0.2.1",
    }
    assert info.extras == ["aloha", "feetech"]
    with pytest.raises(InspectError, match="TOML"):
        inspect_pyproject("[project\nname=")
    with pytest.raises(InspectError, match=r"\[project\]"):
        inspect_pyproject("[tool.x]\na = 1\n")
