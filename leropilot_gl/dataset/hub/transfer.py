"""Moving files between the Hub and this disk: the remote listing, per-file fetches with retries
and progress, Download (replace the local copy) and Upload (replace the remote one).

Transfers take a Progress (a JobContext fits) so they run as jobs in the app and from the CLI. A
whole-dataset transfer lands in a hidden staging folder beside the local copy and is swapped in
only when complete: a failure or a cancel leaves the previous copy as it was.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from leropilot_gl.dataset import hf_compat, layout as L
from leropilot_gl.dataset.hub.auth import (
    LIBRARY_NAME,
    REPO_TYPE,
    HubError,
    check_repo_id,
    current_token,
    describe_error,
    first_line,
    hub_api,
    local_root_for,
    repo_url,
    whoami,
)
from leropilot_gl.dataset.hub.edits import clear_pending_edits, pending_edit_count

if TYPE_CHECKING:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    from leropilot_gl.dataset import EditSession

# Folders of a LeRobot dataset that Upload replaces on the Hub (README.md, .gitattributes stay).
META_PREFIX = L.INFO_PATH.split("/")[0] + "/"
DATASET_FOLDERS = (META_PREFIX, L.DATA_DIR + "/", L.VIDEO_DIR + "/", "images/")
LOCAL_SKIP_PREFIXES = (".cache/",)  # huggingface_hub's download bookkeeping inside a local_dir
FILE_RETRIES = 2  # a dropped connection is retried; huggingface_hub resumes with a ranged GET


class Progress(Protocol):
    """What transfers report to: jobs.JobContext fits, and so does a CLI printer."""

    def progress(self, fraction: float | None, text: str = "") -> None: ...
    def log(self, line: str) -> None: ...
    def check_cancelled(self) -> None: ...


class SilentProgress:
    def progress(self, fraction: float | None, text: str = "") -> None:
        pass

    def log(self, line: str) -> None:
        pass

    def check_cancelled(self) -> None:
        pass


def format_size(size: int) -> str:
    """Bytes for people: kB below 0.1 MB."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


# ---------------------------------------------------------------------- remote listing
@dataclass(frozen=True)
class RemoteListing:
    repo_id: str
    revision: str  # the commit every file of one transfer is read at
    files: dict[str, int]  # path -> size in bytes
    private: bool = False
    gated: bool = False

    def under(self, prefix: str) -> list[str]:
        return sorted(p for p in self.files if p.startswith(prefix))

    def size_of(self, paths: Iterable[str]) -> int:
        return sum(self.files.get(p, 0) for p in paths)


def list_remote(repo_id: str, *, endpoint: str, revision: str = "main") -> RemoteListing:
    """Repo info (commit, private, gated) and every file with its size."""
    from huggingface_hub.hf_api import RepoFile

    check_repo_id(repo_id)
    api = hub_api(endpoint)
    try:
        info = api.repo_info(repo_id, repo_type=REPO_TYPE, revision=revision)
        tree = api.list_repo_tree(repo_id, repo_type=REPO_TYPE, revision=info.sha or revision, recursive=True)
        files = {entry.path: int(entry.size or 0) for entry in tree if isinstance(entry, RepoFile)}
    except Exception as exc:
        raise HubError(
            describe_error(exc, endpoint=endpoint, repo_id=repo_id, action="listing the dataset")
        ) from None
    if L.INFO_PATH not in files:
        raise HubError(f"{repo_id} has no {L.INFO_PATH}: it is not a LeRobot dataset")
    return RemoteListing(repo_id, info.sha or revision, files, bool(info.private), bool(info.gated))


# ---------------------------------------------------------------------- file transfers
def fetch_files(
    listing: RemoteListing,
    paths: list[str],
    local_dir: Path,
    *,
    endpoint: str,
    progress: Progress,
    span: tuple[float, float] = (0.0, 1.0),
) -> list[str]:
    """Download `paths` into local_dir (each file lands whole or not at all); returns those fetched.

    Progress is reported per file and by bytes. A dropped connection is retried and resumes where it
    stopped. Cancellation is honoured between files and between retries.
    """
    from huggingface_hub import hf_hub_download

    total = max(1, listing.size_of(paths))
    done_bytes = 0
    fetched = []
    for n, rel in enumerate(paths, start=1):
        progress.check_cancelled()
        size = listing.files.get(rel, 0)
        label = f"{rel} ({n}/{len(paths)}, {format_size(size)})"
        progress.progress(span[0] + (span[1] - span[0]) * done_bytes / total, label)
        progress.log(f"fetch {rel} ({format_size(size)})")
        for attempt in range(FILE_RETRIES + 1):
            error: list[BaseException] = []

            def run(rel: str = rel, error: list[BaseException] = error) -> None:
                try:
                    hf_hub_download(
                        listing.repo_id,
                        rel,
                        repo_type=REPO_TYPE,
                        revision=listing.revision,
                        local_dir=str(local_dir),
                        endpoint=endpoint,
                        library_name=LIBRARY_NAME,
                    )
                except BaseException as failure:  # handed to the job thread, reported once there
                    error.append(failure)

            worker = threading.Thread(target=run, name=f"hub-fetch:{rel}", daemon=True)
            worker.start()
            partial_dir = local_dir / ".cache" / "huggingface" / "download" / Path(rel).parent
            while worker.is_alive():
                worker.join(0.1)
                partial = _partial_bytes(partial_dir)
                fraction = (done_bytes + min(partial, size)) / total
                progress.progress(span[0] + (span[1] - span[0]) * fraction, label)
            if not error:
                break
            exc = error[0]
            if attempt < FILE_RETRIES and hf_compat.is_transient(exc):
                progress.log(f"retry {rel}: {first_line(exc)}")
                progress.check_cancelled()
                continue
            raise HubError(
                describe_error(exc, endpoint=endpoint, repo_id=listing.repo_id, action=f"fetching {rel}")
            )
        got = (local_dir / rel).stat().st_size
        if got != size:
            raise HubError(f"{rel}: received {got} bytes, the Hub lists {size}")
        done_bytes += size
        fetched.append(rel)
    progress.progress(span[1], f"{len(fetched)} file(s), {format_size(done_bytes)}")
    return fetched


def _partial_bytes(folder: Path) -> int:
    try:
        return max((p.stat().st_size for p in folder.glob("*.incomplete")), default=0)
    except OSError:
        return 0


# ---------------------------------------------------------------------- staging and the swap
def staging_dir(final: Path, kind: str) -> Path:
    """A sibling of `final`, hidden and named so nothing takes it for a finished dataset."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return final.parent / f".{final.name}.{kind}-{os.getpid()}-{time.time_ns()}"


def swap_in(staged: Path, final: Path) -> None:
    """Replace `final` by `staged` with renames; the old copy is removed only once the new one is in."""
    old = None
    if final.exists():
        old = staging_dir(final, "old")
        final.rename(old)
    try:
        staged.rename(final)
    except OSError:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def recover_interrupted(final: Path) -> str | None:
    """After a crash between the two renames of a swap: put the old copy back. Returns a note or None."""
    if final.exists() or not final.parent.is_dir():
        return None
    olds = sorted(final.parent.glob(f".{final.name}.old-*"))
    if not olds:
        return None
    olds[-1].rename(final)
    return f"restored the previous local copy of {final.name} after an interrupted download"


def remove_stale_partials(final: Path) -> None:
    """Partial downloads left by a crash (ours only: hidden siblings named .<name>.partial-*)."""
    for stale in final.parent.glob(f".{final.name}.partial-*") if final.parent.is_dir() else ():
        shutil.rmtree(stale, ignore_errors=True)


def prepare_local_root(root: Path, progress: Progress) -> None:
    """Before a transfer into `root`: undo a half-done swap and drop partial downloads of a crash."""
    note = recover_interrupted(root)
    if note:
        progress.log(note)
    remove_stale_partials(root)


# ---------------------------------------------------------------------- download (replace local)
def download_replace(
    repo_id: str,
    *,
    endpoint: str,
    progress: Progress,
    local_root: Path | None = None,
    edits: EditSession | None = None,
    clear_edits: bool = True,
) -> Path:
    """Every file of the dataset into a staging folder, then swapped in place of the local copy.
    A failure or a cancel leaves the previous local copy as it was. Clears pending edits (the app
    passes clear_edits=False and clears them on its UI thread, where its EditSession lives)."""
    root = Path(local_root) if local_root is not None else local_root_for(repo_id)
    prepare_local_root(root, progress)
    listing = list_remote(repo_id, endpoint=endpoint)
    paths = sorted(listing.files)
    progress.log(f"download {repo_id}: {len(paths)} files, {format_size(listing.size_of(paths))} -> {root}")
    staged = staging_dir(root, "partial")
    try:
        fetch_files(listing, paths, staged, endpoint=endpoint, progress=progress)
        progress.check_cancelled()
        swap_in(staged, root)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    if clear_edits:
        clear_pending_edits(root, edits)
    progress.log(f"downloaded {repo_id} at {listing.revision[:12]} into {root}")
    return root


# ---------------------------------------------------------------------- upload (replace remote)
@dataclass(frozen=True)
class UploadResult:
    repo_id: str
    commit_url: str
    repo_url: str
    uploaded: int
    deleted: int


def local_files(root: Path) -> list[str]:
    """Files of a local dataset to upload: everything but huggingface_hub's .cache/ bookkeeping."""
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if not rel.startswith(LOCAL_SKIP_PREFIXES) and not path.name.startswith(".lock"):
            out.append(rel)
    return out


def check_upload_allowed(root: Path, *, edits: EditSession | None = None) -> None:
    """Refuse with a clear message: no login, unsaved edits, or not a dataset folder."""
    if not current_token():
        raise HubError("not logged in to the Hugging Face Hub: log in with a token before uploading")
    pending = pending_edit_count(root, edits)
    if pending:
        raise HubError(f"{root.name} has {pending} unsaved edit(s): save or discard them before uploading")
    if not (Path(root) / L.INFO_PATH).is_file():
        raise HubError(f"{root} is not a LeRobot dataset folder (no {L.INFO_PATH})")


def upload_replace(
    root: Path,
    repo_id: str,
    *,
    endpoint: str,
    commit_message: str,
    progress: Progress,
    private: bool = False,
    edits: EditSession | None = None,
) -> UploadResult:
    """Make the Hub's dataset folders equal the local copy in one commit, then tag the codebase
    version (LeRobot loads a Hub dataset at that tag)."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    from leropilot_gl.dataset.open import open_dataset

    root = Path(root)
    check_repo_id(repo_id)
    check_upload_allowed(root, edits=edits)
    identity = whoami(endpoint=endpoint)
    index = open_dataset(root)  # refuse a folder that does not open
    api = hub_api(endpoint)
    message = commit_message.strip() or f"Upload {root.name} from {LIBRARY_NAME}"
    try:
        api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True, private=private)
        progress.log(f"upload {root} -> {repo_id} as @{identity.name}")
        paths = local_files(root)
        sizes = {p: (root / p).stat().st_size for p in paths}
        total = max(1, sum(sizes.values()))
        operations: list[CommitOperationAdd | CommitOperationDelete] = []
        sent = 0
        for n, rel in enumerate(paths, start=1):
            progress.check_cancelled()
            progress.progress(0.95 * sent / total, f"{rel} ({n}/{len(paths)}, {format_size(sizes[rel])})")
            op = CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(root / rel))
            api.preupload_lfs_files(repo_id, additions=[op], repo_type=REPO_TYPE)
            operations.append(op)
            sent += sizes[rel]
            progress.log(f"sent {rel} ({format_size(sizes[rel])})")
        local = set(paths)
        remote = api.list_repo_files(repo_id, repo_type=REPO_TYPE)
        stale = sorted(p for p in remote if p.startswith(DATASET_FOLDERS) and p not in local)
        operations += [CommitOperationDelete(path_in_repo=p) for p in stale]
        progress.check_cancelled()
        progress.progress(0.96, "commit")
        commit_url = _commit(api, repo_id, operations, message, endpoint)
        _retag(api, repo_id, index.version)
    except HubError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "JobCancelled":
            raise
        raise HubError(describe_error(exc, endpoint=endpoint, repo_id=repo_id, action="uploading")) from None
    progress.log(f"committed {commit_url}")
    return UploadResult(repo_id, commit_url, repo_url(repo_id, endpoint), len(paths), len(stale))


def _commit(
    api: HfApi,
    repo_id: str,
    operations: list[CommitOperationAdd | CommitOperationDelete],
    message: str,
    endpoint: str,
) -> str:
    """create_commit; returns the commit URL.

    huggingface_hub parses the returned commit URL against its import-time endpoint (HF_ENDPOINT),
    which fails for a mirror chosen in our settings after the commit is made: then the URL is built
    from the repo's new head instead.
    """
    try:
        return str(
            api.create_commit(
                repo_id, operations=operations, commit_message=message, repo_type=REPO_TYPE
            ).commit_url
        )
    except ValueError as exc:
        if "Unable to retrieve user and repo ID" not in str(exc):
            raise
    sha = api.repo_info(repo_id, repo_type=REPO_TYPE).sha
    return f"{repo_url(repo_id, endpoint)}/commit/{sha}"


def _retag(api: HfApi, repo_id: str, version: str) -> None:
    from huggingface_hub import errors

    try:
        api.delete_tag(repo_id, tag=version, repo_type=REPO_TYPE)
    except (errors.RevisionNotFoundError, errors.HfHubHTTPError) as exc:
        if getattr(getattr(exc, "response", None), "status_code", 404) != 404:
            raise
    api.create_tag(repo_id, tag=version, repo_type=REPO_TYPE)
