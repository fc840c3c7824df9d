"""The Hugging Face Hub, over `huggingface_hub`: login state, lazy open, download, upload. No imgui.

The rule: the local copy (`HF_LEROBOT_HOME/<repo_id>`) is the one that is edited. Download
replaces the local copy, Upload replaces the remote one; both are explicit. A lazy open fetches
`meta/` first, then only the files the selected episode needs. Transfers take a JobContext-like
object (progress, log, check_cancelled) so they run as jobs in the app and from the CLI.

The token is never printed, logged, put in a message or written to our files: only
`huggingface_hub` reads and stores it, in its standard places.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from leropilot_gl.dataset import hf_compat, layout as L
from leropilot_gl.dataset.episodes_table import episode_row_v3
from leropilot_gl.dataset.info import DatasetInfo
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import DatasetProblem, Severity

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_TYPE = "dataset"
LIBRARY_NAME = "leropilot-gl"
TOKEN_NAME = "leropilot-gl"  # the name our login stores the token under (huggingface_hub's stored tokens)
# Folders of a LeRobot dataset that Upload replaces on the Hub (README.md, .gitattributes stay).
META_PREFIX = L.INFO_PATH.split("/")[0] + "/"
DATASET_FOLDERS = (META_PREFIX, L.DATA_DIR + "/", L.VIDEO_DIR + "/", "images/")
LOCAL_SKIP_PREFIXES = (".cache/",)  # huggingface_hub's download bookkeeping inside a local_dir
NOT_DOWNLOADED = "not downloaded yet: fetched from the Hub when the episode is selected"
FILE_RETRIES = 2  # a dropped connection is retried; huggingface_hub resumes with a ranged GET

_REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9_.-]{1,96}$")


class HubError(Exception):
    """A Hub operation that cannot go on; the message says why and what to do (never the token)."""


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


# ---------------------------------------------------------------------- where things are
def resolve_endpoint(setting: str | None = None) -> str:
    """The Hub to talk to: the settings' mirror, else HF_ENDPOINT, else huggingface.co."""
    chosen = (setting or "").strip() or os.environ.get("HF_ENDPOINT", "").strip() or DEFAULT_ENDPOINT
    return chosen.rstrip("/")


def lerobot_home() -> Path:
    """LeRobot's dataset home: HF_LEROBOT_HOME, else <HF_HOME>/lerobot (~/.cache/huggingface/lerobot)."""
    if os.environ.get("HF_LEROBOT_HOME"):
        return Path(os.environ["HF_LEROBOT_HOME"]).expanduser()
    hf_home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
    )
    return Path(hf_home).expanduser() / "lerobot"


def local_root_for(repo_id: str) -> Path:
    check_repo_id(repo_id)
    return lerobot_home() / repo_id


def looks_like_repo_id(text: str) -> bool:
    """`user/dataset` that is not a path on this disk."""
    text = text.strip()
    if not _REPO_ID_RE.match(text) or ".." in text or "--" in text or text.endswith("."):
        return False
    return not Path(text).expanduser().exists()


def check_repo_id(repo_id: str) -> str:
    if not _REPO_ID_RE.match(repo_id) or ".." in repo_id or "--" in repo_id:
        raise HubError(
            f"{repo_id!r} is not a Hub dataset id: expected 'user/dataset' (letters, digits, - _ .)"
        )
    return repo_id


def repo_url(repo_id: str, endpoint: str) -> str:
    return f"{endpoint}/datasets/{repo_id}"


# ---------------------------------------------------------------------- login state
@dataclass(frozen=True)
class Identity:
    name: str
    fullname: str | None
    role: str | None  # "read", "write", "fineGrained" or None


def token_source() -> str | None:
    """Where huggingface_hub finds a token: "environment" (HF_TOKEN), "stored" (hf auth login), or None."""
    if hf_compat.token_from_environment():
        return "environment"
    if hf_compat.token_from_file():
        return "stored"
    return None


def _token() -> str | None:
    from huggingface_hub import get_token

    return get_token()


def _api(endpoint: str):
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint, library_name=LIBRARY_NAME)


def whoami(*, endpoint: str, token: str | None = None) -> Identity:
    """Who the token (given, else the standard one) belongs to; HubError when none or rejected."""
    token = token or _token()
    if not token:
        raise HubError("not logged in to the Hugging Face Hub: log in with a token (hub login, or HF: Login)")
    try:
        data = _api(endpoint).whoami(token=token)
    except Exception as exc:
        raise HubError(describe_error(exc, endpoint=endpoint, action="checking the login")) from None
    access = ((data.get("auth") or {}).get("accessToken") or {}) if isinstance(data, dict) else {}
    return Identity(str(data.get("name", "?")), data.get("fullname"), access.get("role"))


def login(token: str, *, endpoint: str) -> Identity:
    """Check the token against the Hub, then store it the standard way (huggingface_hub's token file)."""
    from huggingface_hub import constants

    token = token.strip()
    if not token:
        raise HubError("empty token: paste a Hugging Face access token (Settings > Access Tokens on the Hub)")
    identity = whoami(endpoint=endpoint, token=token)
    hf_compat.save_named_token(token, TOKEN_NAME)
    path = Path(constants.HF_TOKEN_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token)
    path.chmod(0o600)
    return identity


def logout() -> str:
    """Forget the stored token (the one HF_TOKEN holds cannot be removed from here)."""
    from huggingface_hub import constants

    Path(constants.HF_TOKEN_PATH).unlink(missing_ok=True)
    hf_compat.forget_named_token(TOKEN_NAME)
    if hf_compat.token_from_environment():
        return "stored token removed; HF_TOKEN is still set in the environment, so you stay logged in"
    return "logged out"


def scrub(text: str) -> str:
    """Any message that might quote a token, with the token cut out."""
    token = _token()
    return text.replace(token, "hf_***") if token and len(token) >= 8 else text


def describe_error(exc: BaseException, *, endpoint: str, repo_id: str | None = None, action: str = "") -> str:
    """One clear sentence for the user from a huggingface_hub / network exception."""
    from huggingface_hub import errors

    where = f" while {action}" if action else ""
    repo = f" {repo_id}" if repo_id else ""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(exc, HubError):
        return str(exc)
    if isinstance(exc, errors.GatedRepoError):
        return (
            f"dataset{repo} is gated: accept its access conditions on {repo_url(repo_id or '', endpoint)} "
            "with the account you are logged in as, then retry"
        )
    if isinstance(exc, errors.RepositoryNotFoundError):
        hint = (
            "log in with a token that can read it"
            if not _token()
            else "check the name, or ask its owner for access"
        )
        return f"dataset{repo} not found on {endpoint}, or it is private: {hint}"
    if isinstance(exc, errors.RevisionNotFoundError):
        return f"revision not found in{repo}{where}"
    if isinstance(exc, errors.EntryNotFoundError):
        return f"a file is missing from{repo} on the Hub{where}: {_first_line(exc)}"
    if status == 401:
        return f"the Hub rejected the token{where}: it is invalid or expired; log in again"
    if status == 403:
        return f"the token may not do this{where}{repo}: it needs write access to that namespace"
    if isinstance(exc, errors.HfHubHTTPError):
        return f"the Hub answered an error{where}: {_first_line(exc)}"
    if hf_compat.is_network_error(exc):
        return f"cannot reach {endpoint}{where}: {_network_reason(exc)}"
    name = type(exc).__name__
    return scrub(f"{name}{where}: {_first_line(exc)}")


def _network_reason(exc: BaseException) -> str:
    # requests nests the OS reason deep inside a repr of retry objects: keep only that reason
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\"()\]]+)", text)
    if match:
        return match.group(1).strip()
    if "timed out" in text.lower():
        return "the connection timed out"
    return _first_line(exc)[:200]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return scrub(text[0] if text else type(exc).__name__)


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
    api = _api(endpoint)
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
            if attempt < FILE_RETRIES and _is_transient(exc):
                progress.log(f"retry {rel}: {_first_line(exc)}")
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


def _is_transient(exc: BaseException) -> bool:
    return hf_compat.is_transient(exc)


def format_size(size: int) -> str:
    """Bytes for people: kB below 0.1 MB."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def _staging_dir(final: Path, kind: str) -> Path:
    """A sibling of `final`, hidden and named so nothing takes it for a finished dataset."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return final.parent / f".{final.name}.{kind}-{os.getpid()}-{time.time_ns()}"


def _swap_in(staged: Path, final: Path) -> None:
    """Replace `final` by `staged` with renames; the old copy is removed only once the new one is in."""
    old = None
    if final.exists():
        old = _staging_dir(final, "old")
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


# ---------------------------------------------------------------------- episodes' files
def episode_files(root: Path, episode_index: int | None = None) -> list[str]:
    """Relative paths of the data and video files one episode needs (None: the first episode),
    read from the local meta/ alone (the files themselves may not be here yet)."""
    meta = DatasetInfo.read(root)
    if meta.is_v3:
        row = episode_row_v3(root, episode_index)
        if row is None:
            raise HubError(f"episode {episode_index} is not in {root / L.EPISODES_V3_DIR}")
        paths = [
            meta.data_template.format(
                chunk_index=int(row[L.EP_DATA_CHUNK]), file_index=int(row[L.EP_DATA_FILE])
            )
        ]
        for key in meta.video_keys:
            chunk, file = (
                row.get(L.ep_video_column(key, "chunk_index")),
                row.get(L.ep_video_column(key, "file_index")),
            )
            if chunk is not None and file is not None:
                paths.append(
                    meta.video_template.format(video_key=key, chunk_index=int(chunk), file_index=int(file))
                )
        return paths
    ep = 0 if episode_index is None else episode_index
    fields = dict(episode_chunk=ep // meta.chunks, episode_index=ep)
    return [meta.data_template.format(**fields)] + [
        meta.video_template.format(video_key=k, **fields) for k in meta.video_keys
    ]


def missing_files(index: DatasetIndex, episode_index: int) -> list[str]:
    """Files of one episode that are not on the local disk yet (relative to the dataset root)."""
    episode = index.episode(episode_index)
    wanted = [episode.data_path] + [v.path for v in episode.videos.values()]
    return sorted({p.relative_to(index.root).as_posix() for p in wanted if not p.exists()})


def mark_not_downloaded(index: DatasetIndex, listing: RemoteListing) -> DatasetIndex:
    """Missing-file problems for files the Hub has become INFO notes: they are fetched on demand."""

    def soften(p: DatasetProblem) -> DatasetProblem:
        if p.path is None or p.severity is Severity.INFO or p.path.exists():
            return p
        try:
            rel = p.path.relative_to(index.root).as_posix()
        except ValueError:
            return p
        return (
            replace(p, severity=Severity.INFO, message=f"{rel}: {NOT_DOWNLOADED}")
            if rel in listing.files
            else p
        )

    index.problems = [soften(p) for p in index.problems]  # episodes read theirs from this list
    return index


# ---------------------------------------------------------------------- open lazily
@dataclass
class HubDataset:
    """A dataset opened from the Hub: where it came from and what the Hub holds."""

    repo_id: str
    root: Path
    endpoint: str
    listing: RemoteListing | None  # None when opened offline from the local copy
    fetched_episodes: set[int] = field(default_factory=set)


def open_lazy(
    repo_id: str,
    *,
    endpoint: str,
    progress: Progress,
    fresh: bool = False,
    local_root: Path | None = None,
) -> tuple[DatasetIndex, HubDataset]:
    """Open a Hub dataset: meta/ and the first episode's files, nothing more.

    With a local copy and fresh=False the local copy is used as it is (the Hub is only asked for its
    file list, so later episodes can be fetched). Otherwise meta/ and the first episode land in a
    staging folder that replaces the local copy only when complete.
    """
    from leropilot_gl.dataset.journal import open_for_edit  # fingerprinted before the read

    root = Path(local_root) if local_root is not None else local_root_for(repo_id)
    note = recover_interrupted(root)
    if note:
        progress.log(note)
    remove_stale_partials(root)
    if root.exists() and not fresh:
        try:
            listing: RemoteListing | None = list_remote(repo_id, endpoint=endpoint)
        except HubError as exc:
            progress.log(f"working offline from the local copy: {exc}")
            listing = None
        index = open_for_edit(root)
        if listing is not None:
            mark_not_downloaded(index, listing)
        return index, HubDataset(repo_id, root, endpoint, listing)

    listing = list_remote(repo_id, endpoint=endpoint)
    staged = _staging_dir(root, "partial")
    try:
        meta = listing.under(META_PREFIX)
        progress.log(
            f"{repo_id}: {len(listing.files)} files on the Hub, {format_size(listing.size_of(listing.files))}"
        )
        fetch_files(listing, meta, staged, endpoint=endpoint, progress=progress, span=(0.0, 0.5))
        first = [p for p in episode_files(staged) if p in listing.files]
        fetch_files(listing, first, staged, endpoint=endpoint, progress=progress, span=(0.5, 1.0))
        _swap_in(staged, root)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    index = mark_not_downloaded(open_for_edit(root), listing)
    first_ep = int(index.table.episode_index.min())
    return index, HubDataset(repo_id, root, endpoint, listing, {first_ep})


def fetch_episode(
    hub: HubDataset, index: DatasetIndex, episode_index: int, *, progress: Progress
) -> DatasetIndex | None:
    """Fetch the files one episode needs that are not here yet, then re-read the local copy.
    Returns the new index, or None when nothing was missing."""
    from leropilot_gl.dataset.journal import open_for_edit  # fingerprinted before the read

    missing = missing_files(index, episode_index)
    if not missing:
        hub.fetched_episodes.add(episode_index)
        return None
    if hub.listing is None:
        raise HubError(f"episode {episode_index} is not downloaded and the Hub could not be reached")
    available = [p for p in missing if p in hub.listing.files]
    for rel in sorted(set(missing) - set(available)):
        progress.log(f"episode {episode_index}: {rel} is missing on the Hub too (the dataset lacks it)")
    if not available:
        hub.fetched_episodes.add(episode_index)
        return None
    fetch_files(hub.listing, available, hub.root, endpoint=hub.endpoint, progress=progress)
    hub.fetched_episodes.add(episode_index)
    return mark_not_downloaded(open_for_edit(hub.root), hub.listing)


# ---------------------------------------------------------------------- pending edits
def pending_edit_count(root: Path, edits: Any = None) -> int:
    """Unsaved edits of a dataset: from the app's EditSession when given, else its journal on disk."""
    from leropilot_gl.dataset import journal

    resolved = Path(root).resolve()
    journals = getattr(edits, "journals", None)
    if journals is not None:  # the app's session is the authority (and reading it costs no disk access)
        j = journals.get(resolved)
        return 0 if j is None else len(j.applied) + (0 if j.on_disk else 1)
    return journal.stored_cursor(journal.default_journal_dir(), resolved)  # base and its log


def clear_pending_edits(root: Path, edits: Any = None) -> None:
    """After a download replaced the local copy: its pending edits no longer apply."""
    from leropilot_gl.dataset import journal

    resolved = Path(root).resolve()
    journals = getattr(edits, "journals", None)
    if journals is not None and resolved in journals:
        try:
            edits.discard(resolved)
        except journal.EditError as exc:
            raise HubError(f"the local copy was replaced, but its pending edits stay: {exc}") from None
        return
    journal.journal_path(journal.default_journal_dir(), resolved).unlink(missing_ok=True)


# ---------------------------------------------------------------------- download (replace local)
def download_replace(
    repo_id: str,
    *,
    endpoint: str,
    progress: Progress,
    local_root: Path | None = None,
    edits: Any = None,
    clear_edits: bool = True,
) -> Path:
    """Every file of the dataset into a staging folder, then swapped in place of the local copy.
    A failure or a cancel leaves the previous local copy as it was. Clears pending edits (the app
    passes clear_edits=False and clears them on its UI thread, where its EditSession lives)."""
    root = Path(local_root) if local_root is not None else local_root_for(repo_id)
    note = recover_interrupted(root)
    if note:
        progress.log(note)
    remove_stale_partials(root)
    listing = list_remote(repo_id, endpoint=endpoint)
    paths = sorted(listing.files)
    progress.log(f"download {repo_id}: {len(paths)} files, {format_size(listing.size_of(paths))} -> {root}")
    staged = _staging_dir(root, "partial")
    try:
        fetch_files(listing, paths, staged, endpoint=endpoint, progress=progress)
        progress.check_cancelled()
        _swap_in(staged, root)
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


def check_upload_allowed(root: Path, *, edits: Any = None) -> None:
    """Refuse with a clear message: no login, unsaved edits, or not a dataset folder."""
    if not _token():
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
    edits: Any = None,
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
    api = _api(endpoint)
    message = commit_message.strip() or f"Upload {root.name} from {LIBRARY_NAME}"
    try:
        api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True, private=private)
        progress.log(f"upload {root} -> {repo_id} as @{identity.name}")
        paths = local_files(root)
        sizes = {p: (root / p).stat().st_size for p in paths}
        total = max(1, sum(sizes.values()))
        operations: list[Any] = []
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


def _commit(api: Any, repo_id: str, operations: list[Any], message: str, endpoint: str) -> str:
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


def _retag(api: Any, repo_id: str, version: str) -> None:
    from huggingface_hub import errors

    try:
        api.delete_tag(repo_id, tag=version, repo_type=REPO_TYPE)
    except (errors.RevisionNotFoundError, errors.HfHubHTTPError) as exc:
        if getattr(getattr(exc, "response", None), "status_code", 404) != 404:
            raise
    api.create_tag(repo_id, tag=version, repo_type=REPO_TYPE)


# ---------------------------------------------------------------------- the app's Hub state
@dataclass
class HubLogin:
    """What the header shows: checked in the background, never holding the token."""

    source: str | None = None  # "environment", "stored" or None
    identity: Identity | None = None
    error: str | None = None
    checked: bool = False  # a check has finished at least once


@dataclass
class HubSession:
    """The app's Hub state, plain data: the Hub panel draws it and its tick hook updates it."""

    login: HubLogin = field(default_factory=HubLogin)
    datasets: dict[Path, HubDataset] = field(default_factory=dict)  # local root -> where it came from
    open_requests: list[str] = field(default_factory=list)  # repo ids asked for (command line, menu)
    watched_jobs: dict[str, str] = field(default_factory=dict)  # job name -> what it is for
    marked_indexes: set[int] = field(default_factory=set)  # ids of indexes mark_not_downloaded has seen
    last_fetch_check: tuple[Path, int, int] | None = None  # (root, episode, id(index)) looked at last
    # Dialogs (transient).
    popup: str | None = None  # a popup to open on the next frame
    token_input: str = ""
    repo_input: str = ""
    upload_repo_input: str = ""
    commit_message_input: str = ""
    upload_private: bool = False
    local_or_fresh_repo: str | None = None  # repo id whose local copy exists: ask before opening
    download_root: Path | None = None  # local root the Download confirmation is about
    upload_root: Path | None = None  # local root the Upload confirmation is about
    last_upload: UploadResult | None = None

    def request_open(self, repo_id: str) -> None:
        if repo_id not in self.open_requests:
            self.open_requests.append(repo_id)

    def origin_of(self, root: Path | None) -> HubDataset | None:
        return self.datasets.get(Path(root)) if root is not None else None
