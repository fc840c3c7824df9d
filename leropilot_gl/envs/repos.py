"""The repository cache: one bare mirror per repository URL, read without a checkout (pygit2).

Mirrors live under <data>/cache/repos/<md5 of the URL>, so two forks never share a cache. The
environment's source is cloned from the mirror by the install script (with the user's git).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygit2

DEFAULT_BRANCHES = ("main", "master")
_MIRROR_REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class RepoError(RuntimeError):
    """A repository or ref problem, with a message for the user."""


@dataclass(frozen=True)
class RepoRefs:
    branches: list[str]  # sorted
    tags: list[str]  # sorted, newest version last where names are versions
    default_branch: str | None


def cache_key(url: str) -> str:
    return hashlib.md5(url.strip().encode("utf-8")).hexdigest()


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(path), threading.Lock())


class _FetchCallbacks(pygit2.RemoteCallbacks):
    """Aborts a fetch past its deadline or when cancelled (raising inside a callback stops libgit2)."""

    def __init__(
        self,
        deadline: float,
        cancelled: Callable[[], bool] | None,
        progress: Callable[[float, str], None] | None,
    ) -> None:
        super().__init__()
        self._deadline = deadline
        self._cancelled = cancelled
        self._progress = progress

    def _check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise RepoError("fetch cancelled")
        if time.monotonic() > self._deadline:
            raise RepoError("fetch timed out")

    def transfer_progress(self, stats: pygit2.remotes.TransferProgress) -> None:
        self._check()
        if self._progress is not None and stats.total_objects:
            self._progress(stats.received_objects / stats.total_objects, "receiving objects")

    def sideband_progress(self, string: str) -> None:
        self._check()


class RepoCache:
    def __init__(self, cache_root: Path) -> None:
        self.root = Path(cache_root)

    def mirror_path(self, url: str) -> Path:
        return self.root / cache_key(url)

    def has_mirror(self, url: str) -> bool:
        return (self.mirror_path(url) / "HEAD").is_file()

    def _open(self, url: str) -> pygit2.Repository:
        path = self.mirror_path(url)
        if not (path / "HEAD").is_file():
            raise RepoError(f"{url} is not in the cache yet: fetch it first")
        return pygit2.Repository(str(path))

    def fetch(
        self,
        url: str,
        *,
        fetch_url: str | None = None,
        timeout_s: float = 60.0,
        proxy: str | None = None,
        cancelled: Callable[[], bool] | None = None,
        progress: Callable[[float, str], None] | None = None,
    ) -> Path:
        """Create or update the mirror of `url` (from `fetch_url`, e.g. a mirror prefix, when given)."""
        url = url.strip()
        if not url:
            raise RepoError("no repository URL given")
        path = self.mirror_path(url)
        source = fetch_url or url
        if not _looks_remote(source) and not Path(source).expanduser().exists():
            raise RepoError(f"cannot fetch {source}: no such folder (and not a URL)")
        with _lock_for(path):
            fresh = not (path / "HEAD").is_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            repo = pygit2.init_repository(str(path), bare=True) if fresh else pygit2.Repository(str(path))
            if "origin" in [r.name for r in repo.remotes]:
                repo.remotes.set_url("origin", source)
            else:
                repo.remotes.create("origin", source, _MIRROR_REFSPECS[0])
            # the URL that names this cache, for people looking inside the folder
            repo.config["leropilot.url"] = url
            callbacks = _FetchCallbacks(time.monotonic() + timeout_s, cancelled, progress)
            try:
                repo.remotes["origin"].fetch(
                    _MIRROR_REFSPECS,
                    callbacks=callbacks,
                    prune=pygit2.enums.FetchPrune.PRUNE,
                    proxy=proxy or None,
                )
            except (RepoError, pygit2.GitError, KeyError, OSError, ValueError) as exc:
                if fresh:  # a mirror that never received anything is only clutter in the cache
                    shutil.rmtree(path, ignore_errors=True)
                if isinstance(exc, RepoError):
                    raise
                raise RepoError(f"cannot fetch {source}: {exc}") from exc
            refs = _list_refs(repo)
            if not refs.branches and not refs.tags:
                raise RepoError(f"{source} has no branches or tags")
            if refs.default_branch:
                repo.set_head(f"refs/heads/{refs.default_branch}")
        return path

    def refs(self, url: str) -> RepoRefs:
        return _list_refs(self._open(url))

    def resolve(self, url: str, ref: str | None) -> tuple[str, str]:
        """(ref name, commit hash) for a branch, tag or commit; None means the default branch."""
        repo = self._open(url)
        if not ref:
            refs = _list_refs(repo)
            if refs.default_branch is None:
                raise RepoError(f"{url} has neither a main nor a master branch: choose a ref")
            ref = refs.default_branch
        for full in (f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if full in repo.references:
                return ref, str(repo.references[full].peel(pygit2.Commit).id)
        try:
            commit = repo.revparse_single(ref).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError) as exc:
            raise RepoError(f"{ref!r} is not a branch, tag or commit of {url}") from exc
        return ref, str(commit.id)

    def read_file(self, url: str, ref: str | None, path: str) -> str:
        """A text file at a ref, read straight from the mirror (no checkout)."""
        repo = self._open(url)
        _, commit_hash = self.resolve(url, ref)
        tree = repo[commit_hash].peel(pygit2.Commit).tree
        try:
            blob = tree[path]
        except KeyError as exc:
            raise RepoError(f"{path} does not exist at {ref or 'the default branch'} of {url}") from exc
        if not isinstance(blob, pygit2.Blob):
            raise RepoError(f"{path} is not a file at {ref} of {url}")
        return blob.data.decode("utf-8", errors="replace")


def _looks_remote(source: str) -> bool:
    return (
        "://" in source or source.startswith("git@") or (":" in source and not source.startswith(("/", ".")))
    )


def _version_key(name: str) -> tuple:
    parts = name.lstrip("vV").replace("-", ".").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _list_refs(repo: pygit2.Repository) -> RepoRefs:
    branches, tags = [], []
    for name in repo.references:
        if name.startswith("refs/heads/"):
            branches.append(name.removeprefix("refs/heads/"))
        elif name.startswith("refs/tags/"):
            tags.append(name.removeprefix("refs/tags/"))
    default = next((b for b in DEFAULT_BRANCHES if b in branches), None)
    return RepoRefs(sorted(branches), sorted(tags, key=_version_key), default)
