"""What the Hub's menu items and buttons do: start jobs (login, open, fetch, download, upload) and,
once per frame in `hub_tick`, collect what finished. No drawing here (that is `ui/hub_panel.py`)
and no waiting: every network or disk step is a job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from leropilot_gl.dataset import DatasetIndex, hub
from leropilot_gl.hub_state import HubJob, HubLogin, WatchedJob
from leropilot_gl.jobs import JobContext
from leropilot_gl.state import AppState, OpenDataset

LOGIN_POPUP = "Log in to Hugging Face###hub_login"
OPEN_POPUP = "Open from the Hub###hub_open"
LOCAL_OR_FRESH_POPUP = "Local copy found###hub_local_or_fresh"
DOWNLOAD_POPUP = "Download from the Hub###hub_download"
UPLOAD_POPUP = "Upload to the Hub###hub_upload"
UPLOAD_DONE_POPUP = "Upload done###hub_upload_done"

JOB_CHECK = "hub-check-login"
JOB_LOGIN = "hub-login"
JOB_LOGOUT = "hub-logout"
JOB_FETCH = "hub-fetch-episode"
JOB_META = "hub-fetch-meta"
JOB_DOWNLOAD = "hub-download"
JOB_UPLOAD = "hub-upload"
JOB_OPEN_PREFIX = "hub-open:"

T = TypeVar("T")


def endpoint_of(state: AppState) -> str:
    """The Hub every action talks to: the one endpoint of the settings, else HF_ENDPOINT."""
    return hub.resolve_endpoint(state.settings.hub_endpoint)


def _start(
    state: AppState, name: str, title: str, fn: Callable[[JobContext], T], watched: WatchedJob
) -> bool:
    # Login failures are shown in the header and the login dialog, not as a notice too.
    job = state.jobs.start(name, title, fn, reports_own_errors=watched.kind is HubJob.LOGIN)
    if job is None:
        state.notify("info", f"{title}: already running")
        return False
    state.hub.watched_jobs[name] = watched
    return True


# ---------------------------------------------------------------------- login
def start_login_check(state: AppState) -> None:
    endpoint = endpoint_of(state)

    def check(ctx: JobContext) -> HubLogin:
        source = hub.token_source()
        if source is None:
            return HubLogin(None, None, None, True)
        try:
            return HubLogin(source, hub.whoami(endpoint=endpoint), None, True)
        except hub.HubError as exc:
            return HubLogin(source, None, str(exc), True)

    _start(state, JOB_CHECK, "Hub: checking login", check, WatchedJob(HubJob.LOGIN))


def start_login(state: AppState) -> None:
    dialogs = state.hub.dialogs
    token, endpoint = dialogs.token_input, endpoint_of(state)
    dialogs.token_input = ""  # the token lives only in this closure until huggingface_hub stores it
    state.hub.login.error = None

    def login(ctx: JobContext) -> HubLogin:
        try:
            identity = hub.login(token, endpoint=endpoint)
        except hub.HubError as exc:
            return HubLogin(hub.token_source(), None, str(exc), True)
        return HubLogin(hub.token_source(), identity, None, True)

    _start(state, JOB_LOGIN, "Hub: logging in", login, WatchedJob(HubJob.LOGIN))


def start_logout(state: AppState) -> None:
    def logout(ctx: JobContext) -> HubLogin:
        ctx.log(hub.logout())
        return HubLogin(hub.token_source(), None, None, False)

    _start(state, JOB_LOGOUT, "Hub: logging out", logout, WatchedJob(HubJob.LOGOUT))


def endpoint_changed(state: AppState) -> None:
    """Another Hub (a mirror) was typed: who we are there is checked again."""
    state.hub.login = HubLogin()


# ---------------------------------------------------------------------- open, download, upload
def request_open(state: AppState, repo_id: str) -> None:
    """Open `user/dataset`: ask first when a local copy exists, else open lazily."""
    try:
        root = hub.local_root_for(repo_id)
    except hub.HubError as exc:
        state.notify("error", str(exc))
        return
    if state.find_dataset(root) is not None:
        state.open_dataset_async(root)  # already open: selects it
        return
    if root.exists():
        state.hub.dialogs.local_or_fresh_repo = repo_id
        state.hub.dialogs.popup = LOCAL_OR_FRESH_POPUP
    else:
        start_open(state, repo_id, fresh=False)


def start_open(state: AppState, repo_id: str, *, fresh: bool) -> None:
    endpoint = endpoint_of(state)

    def open_job(ctx: JobContext) -> tuple[DatasetIndex, hub.HubDataset]:
        return hub.open_lazy(repo_id, endpoint=endpoint, progress=ctx, fresh=fresh)

    _start(state, JOB_OPEN_PREFIX + repo_id, f"Hub: opening {repo_id}", open_job, WatchedJob(HubJob.OPEN))


def open_fresh(state: AppState, repo_id: str) -> None:
    """ "Download fresh" in the local-copy question: the old copy's pending edits no longer apply."""
    try:
        hub.clear_pending_edits(hub.local_root_for(repo_id), state.edits.session)
        start_open(state, repo_id, fresh=True)
    except hub.HubError as exc:
        state.notify("error", str(exc))


def ask_download(state: AppState, root: Path) -> None:
    state.hub.dialogs.download_root = root
    state.hub.dialogs.popup = DOWNLOAD_POPUP


def start_download(state: AppState, root: Path) -> None:
    origin = state.hub.origin_of(root)
    if origin is None:
        state.notify("error", f"{root.name} was not opened from the Hub: nothing to download it from")
        return
    endpoint = endpoint_of(state)

    def download(ctx: JobContext) -> Path:
        return hub.download_replace(
            origin.repo_id, endpoint=endpoint, progress=ctx, local_root=root, clear_edits=False
        )

    _start(
        state, JOB_DOWNLOAD, f"Hub: downloading {origin.repo_id}", download, WatchedJob(HubJob.DOWNLOAD, root)
    )


def ask_upload(state: AppState, root: Path) -> None:
    """The Upload dialog for a local dataset: to where it came from, else <user>/<folder name>."""
    dialogs, origin = state.hub.dialogs, state.hub.origin_of(root)
    user = state.hub.login.identity.name if state.hub.login.identity else "user"
    dialogs.upload_root = root
    dialogs.upload_repo_input = origin.repo_id if origin else f"{user}/{root.name}"
    dialogs.commit_message_input = dialogs.commit_message_input or f"Update {root.name}"
    dialogs.popup = UPLOAD_POPUP


def pending_edits(state: AppState, root: Path) -> int:
    return hub.pending_edit_count(root, state.edits.session)


def upload_refusal(state: AppState, root: Path) -> str | None:
    """Why Upload cannot go now (shown in the dialog), or None."""
    if state.hub.login.identity is None:
        return "Not logged in: log in with a token that can write to the dataset's namespace."
    pending = pending_edits(state, root)
    if pending:
        return f"{root.name} has {pending} unsaved edit(s): save or discard them before uploading."
    try:
        hub.check_repo_id(state.hub.dialogs.upload_repo_input.strip())
    except hub.HubError as exc:
        return str(exc)
    return None


def upload_order_warnings(state: AppState, root: Path) -> list[str]:
    """Video files of the dataset to upload that hold episodes out of order (a fast save): whoever
    downloads it would get wrong frames from LeRobot's delete/split tools."""
    from leropilot_gl.ui.edit_actions import video_order_of

    dataset = state.find_dataset(root)
    return video_order_of(dataset.index, state) if dataset is not None else []


def compact_before_upload(state: AppState, root: Path) -> None:
    from leropilot_gl.ui.edit_actions import request_compact

    request_compact(state, root)  # its own confirmation; Upload again once it landed


def start_upload(state: AppState, root: Path) -> None:
    dialogs = state.hub.dialogs
    repo_id, endpoint = dialogs.upload_repo_input.strip(), endpoint_of(state)
    message, private, edits = dialogs.commit_message_input, dialogs.upload_private, state.edits.session

    def upload(ctx: JobContext) -> hub.UploadResult:
        return hub.upload_replace(
            root,
            repo_id,
            endpoint=endpoint,
            commit_message=message,
            progress=ctx,
            private=private,
            edits=edits,
        )

    _start(state, JOB_UPLOAD, f"Hub: uploading to {repo_id}", upload, WatchedJob(HubJob.UPLOAD, root))


def _start_episode_fetch(state: AppState, dataset: OpenDataset, episode_index: int) -> None:
    origin = state.hub.origin_of(dataset.root)
    if origin is None:
        return
    root, index = dataset.root, dataset.index

    def fetch(ctx: JobContext) -> tuple[Path, int, DatasetIndex | None]:
        return root, episode_index, hub.fetch_episode(origin, index, episode_index, progress=ctx)

    _start(state, JOB_FETCH, f"Hub: fetching episode {episode_index}", fetch, WatchedJob(HubJob.FETCH, root))


def _start_meta_fetch(state: AppState, dataset: OpenDataset) -> None:
    """A partial index (a lazy open): fetch the rest of meta/, then the complete index replaces it."""
    origin = state.hub.origin_of(dataset.root)
    if origin is None or origin.listing is None:
        return
    root = dataset.root

    def fetch(ctx: JobContext) -> tuple[Path, DatasetIndex]:
        return root, hub.fetch_remaining_meta(origin, progress=ctx)

    _start(
        state,
        JOB_META,
        f"Hub: listing all episodes of {origin.repo_id}",
        fetch,
        WatchedJob(HubJob.META, root),
    )


def _complete_partial_indexes(state: AppState) -> None:
    """Each partial index of a Hub dataset gets the rest of meta/ fetched once; a partial index that
    lands after the complete one (an episode fetch that read the copy mid-way) is completed again."""
    session = state.hub
    if state.jobs.is_running(JOB_META) or JOB_META in session.watched_jobs:
        return
    for dataset in state.datasets:
        index = dataset.index
        if index.partial and id(index) not in session.meta_fetch_started:
            session.meta_fetch_started.add(id(index))
            _start_meta_fetch(state, dataset)
            return


# ---------------------------------------------------------------------- tick (once per frame)
def hub_tick(state: AppState) -> None:
    """Once per frame: start what was asked for and collect what finished. Never waits."""
    session = state.hub
    if (
        not session.login.checked
        and JOB_CHECK not in session.watched_jobs
        and not state.jobs.is_running(JOB_CHECK)
    ):
        start_login_check(state)
    while session.open_requests and session.dialogs.popup is None:
        request_open(state, session.open_requests.pop(0))
    for name, watched in list(session.watched_jobs.items()):
        job = state.jobs.get(name)
        if job is None or not job.done:
            continue
        del session.watched_jobs[name]
        if job.status == "done":
            _job_finished(state, name, watched, job.result)
        elif watched.kind is HubJob.LOGIN:
            session.login.error = job.error or "cancelled"
            session.login.checked = True  # an unexpected failure is shown, not retried every frame
    _mark_reloaded_indexes(state)
    _complete_partial_indexes(state)
    _fetch_selected_episode(state)


def _job_finished(state: AppState, name: str, watched: WatchedJob, result: object) -> None:
    session = state.hub
    kind = watched.kind
    if kind in (HubJob.LOGIN, HubJob.LOGOUT) and isinstance(result, HubLogin):
        session.login = result
        if name == JOB_LOGIN and result.identity is not None:
            state.notify("info", f"Logged in to the Hub as @{result.identity.name}")
    elif kind is HubJob.OPEN and isinstance(result, tuple):
        index, origin = result
        session.datasets[index.root] = origin
        session.marked_indexes.add(id(index))
        state.replace_index(index, select_episode=index.episodes[0].episode_index)
        state.settings.remember_dataset(origin.repo_id)
        state.notify("info", open_summary(origin))
    elif kind is HubJob.FETCH and isinstance(result, tuple):
        root, episode_index, new_index = result
        dataset = state.find_dataset(root)
        if new_index is not None and dataset is not None:
            session.marked_indexes.add(id(new_index))
            here = state.selection.dataset_root == root and state.selection.episode_index == episode_index
            state.replace_index(new_index, select_episode=episode_index if here else None)
    elif kind is HubJob.META and isinstance(result, tuple):
        root, new_index = result
        if state.find_dataset(root) is not None:
            session.marked_indexes.add(id(new_index))
            state.replace_index(new_index)  # the selection stays; its episode is still listed
    elif kind is HubJob.DOWNLOAD and watched.root is not None:
        root = watched.root
        try:
            hub.clear_pending_edits(root, state.edits.session)
        except hub.HubError as exc:
            state.notify("warning", str(exc))
        state.close_dataset(root)
        state.open_dataset_async(root)  # reload from disk; the new index gets marked when it lands
        state.notify("info", f"Downloaded {root.name}: reloaded from disk, pending edits cleared")
    elif kind is HubJob.UPLOAD and isinstance(result, hub.UploadResult):
        session.dialogs.last_upload = result
        session.dialogs.popup = UPLOAD_DONE_POPUP


def open_summary(origin: hub.HubDataset) -> str:
    """What an open from the Hub downloaded, against the dataset's whole size."""
    if origin.listing is None:
        return f"Opened {origin.repo_id} from its local copy (the Hub could not be reached)"
    total = hub.format_size(origin.listing.size_of(origin.listing.files))
    if not origin.fetched_bytes:
        return f"Opened {origin.repo_id} from its local copy; {total} on the Hub"
    return f"Opened {origin.repo_id}: fetched {hub.format_size(origin.fetched_bytes)} of {total}"


def _mark_reloaded_indexes(state: AppState) -> None:
    """A Hub dataset reloaded from disk (tree > Reload) gets its not-downloaded files marked again."""
    session = state.hub
    for dataset in state.datasets:
        origin = session.datasets.get(dataset.root)
        if (
            origin is not None
            and origin.listing is not None
            and id(dataset.index) not in session.marked_indexes
        ):
            hub.mark_not_downloaded(dataset.index, origin.listing)
            session.marked_indexes.add(id(dataset.index))


def _fetch_selected_episode(state: AppState) -> None:
    """The selected episode of a lazily opened dataset: fetch its files if they are not here."""
    dataset, episode = state.selected_dataset, state.selected_episode
    if dataset is None or episode is None or state.hub.origin_of(dataset.root) is None:
        return
    key = (dataset.root, episode.episode_index, id(dataset.index))
    if key == state.hub.last_fetch_check or state.jobs.is_running(JOB_FETCH):
        return
    state.hub.last_fetch_check = key
    files = [episode.data_path] + [v.path for v in episode.videos.values()]
    if any(not v.exists for v in episode.videos.values()) or not all(p.exists() for p in files[:1]):
        _start_episode_fetch(state, dataset, episode.episode_index)
