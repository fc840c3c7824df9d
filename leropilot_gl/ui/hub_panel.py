"""The Hugging Face Hub in the app: header login status, login dialog, File > Open from Hub, the
"local copy or fresh?" question, Download / Upload confirmations, and transfer progress.

`gui_hub_panel` runs as a menu hook (inside the main menu bar: its File items, the "HF: ..." header
and its popups). `hub_tick_hook` runs once per frame: it starts jobs and collects their results.
Every network or disk step is a job; nothing here waits.
"""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui

from leropilot_gl.dataset import hub
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
JOB_DOWNLOAD = "hub-download"
JOB_UPLOAD = "hub-upload"
JOB_OPEN_PREFIX = "hub-open:"

ERROR_COLOR = imgui.ImVec4(0.95, 0.35, 0.30, 1.0)
OK_COLOR = imgui.ImVec4(0.55, 0.80, 0.55, 1.0)


def _endpoint(state: AppState) -> str:
    return hub.resolve_endpoint(state.settings.hub_endpoint)


# ---------------------------------------------------------------------- jobs
def _start(state: AppState, name: str, title: str, fn, purpose: str) -> bool:
    # Login failures are shown in the header and the login dialog, not as a notice too.
    job = state.jobs.start(name, title, fn, reports_own_errors=purpose == "login")
    if job is None:
        state.notify("info", f"{title}: already running")
        return False
    state.hub.watched_jobs[name] = purpose
    return True


def start_login_check(state: AppState) -> None:
    endpoint = _endpoint(state)

    def check(ctx: JobContext) -> hub.HubLogin:
        source = hub.token_source()
        if source is None:
            return hub.HubLogin(None, None, None, True)
        try:
            return hub.HubLogin(source, hub.whoami(endpoint=endpoint), None, True)
        except hub.HubError as exc:
            return hub.HubLogin(source, None, str(exc), True)

    _start(state, JOB_CHECK, "Hub: checking login", check, "login")


def start_login(state: AppState) -> None:
    token, endpoint = state.hub.token_input, _endpoint(state)
    state.hub.token_input = ""  # the token lives only in this closure until huggingface_hub stores it
    state.hub.login.error = None

    def login(ctx: JobContext) -> hub.HubLogin:
        try:
            identity = hub.login(token, endpoint=endpoint)
        except hub.HubError as exc:
            return hub.HubLogin(hub.token_source(), None, str(exc), True)
        return hub.HubLogin(hub.token_source(), identity, None, True)

    _start(state, JOB_LOGIN, "Hub: logging in", login, "login")


def start_logout(state: AppState) -> None:
    def logout(ctx: JobContext) -> hub.HubLogin:
        ctx.log(hub.logout())
        return hub.HubLogin(hub.token_source(), None, None, False)

    _start(state, JOB_LOGOUT, "Hub: logging out", logout, "logout")


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
        state.hub.local_or_fresh_repo = repo_id
        state.hub.popup = LOCAL_OR_FRESH_POPUP
    else:
        start_open(state, repo_id, fresh=False)


def start_open(state: AppState, repo_id: str, *, fresh: bool) -> None:
    endpoint = _endpoint(state)

    def open_job(ctx: JobContext):
        return hub.open_lazy(repo_id, endpoint=endpoint, progress=ctx, fresh=fresh)

    _start(state, JOB_OPEN_PREFIX + repo_id, f"Hub: opening {repo_id}", open_job, "open")


def start_download(state: AppState, root: Path) -> None:
    origin = state.hub.origin_of(root)
    if origin is None:
        state.notify("error", f"{root.name} was not opened from the Hub: nothing to download it from")
        return
    endpoint = _endpoint(state)

    def download(ctx: JobContext) -> Path:
        return hub.download_replace(
            origin.repo_id, endpoint=endpoint, progress=ctx, local_root=root, clear_edits=False
        )

    _start(state, JOB_DOWNLOAD, f"Hub: downloading {origin.repo_id}", download, str(root))


def upload_refusal(state: AppState, root: Path) -> str | None:
    """Why Upload cannot go now (shown in the dialog), or None."""
    if state.hub.login.identity is None:
        return "Not logged in: log in with a token that can write to the dataset's namespace."
    pending = hub.pending_edit_count(root, state.edits.session)
    if pending:
        return f"{root.name} has {pending} unsaved edit(s): save or discard them before uploading."
    try:
        hub.check_repo_id(state.hub.upload_repo_input.strip())
    except hub.HubError as exc:
        return str(exc)
    return None


def upload_order_warnings(state: AppState, root: Path) -> list[str]:
    """Video files of the dataset to upload that hold episodes out of order (a fast save): whoever
    downloads it would get wrong frames from LeRobot's delete/split tools."""
    from leropilot_gl.ui.edit_actions import video_order_of

    dataset = state.find_dataset(root)
    return video_order_of(dataset.index) if dataset is not None else []


def start_upload(state: AppState, root: Path) -> None:
    repo_id, endpoint = state.hub.upload_repo_input.strip(), _endpoint(state)
    message, private, edits = state.hub.commit_message_input, state.hub.upload_private, state.edits.session

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

    _start(state, JOB_UPLOAD, f"Hub: uploading to {repo_id}", upload, str(root))


def _start_episode_fetch(state: AppState, dataset: OpenDataset, episode_index: int) -> None:
    origin = state.hub.origin_of(dataset.root)
    index = dataset.index

    def fetch(ctx: JobContext):
        return dataset.root, episode_index, hub.fetch_episode(origin, index, episode_index, progress=ctx)

    _start(state, JOB_FETCH, f"Hub: fetching episode {episode_index}", fetch, "fetch")


# ---------------------------------------------------------------------- tick (no imgui)
def hub_tick_hook(state: AppState) -> None:
    """Once per frame: start what was asked for and collect what finished. Never waits."""
    session = state.hub
    if (
        not session.login.checked
        and JOB_CHECK not in session.watched_jobs
        and not state.jobs.is_running(JOB_CHECK)
    ):
        start_login_check(state)
    while session.open_requests and session.popup is None:
        request_open(state, session.open_requests.pop(0))
    for name, purpose in list(session.watched_jobs.items()):
        job = state.jobs.get(name)
        if job is None or not job.done:
            continue
        del session.watched_jobs[name]
        if job.status == "done":
            _job_finished(state, name, purpose, job.result)
        elif name in (JOB_LOGIN, JOB_CHECK):
            session.login.error = job.error or "cancelled"
            session.login.checked = True  # an unexpected failure is shown, not retried every frame
    _mark_reloaded_indexes(state)
    _fetch_selected_episode(state)


def _job_finished(state: AppState, name: str, purpose: str, result) -> None:
    session = state.hub
    if purpose in ("login", "logout"):
        session.login = result
        if name == JOB_LOGIN and result.identity is not None:
            state.notify("info", f"Logged in to the Hub as @{result.identity.name}")
    elif purpose == "open":
        index, origin = result
        session.datasets[index.root] = origin
        session.marked_indexes.add(id(index))
        state.replace_index(index, select_episode=index.episodes[0].episode_index)
        state.settings.remember_dataset(origin.repo_id)
    elif purpose == "fetch":
        root, episode_index, new_index = result
        dataset = state.find_dataset(root)
        if new_index is not None and dataset is not None:
            session.marked_indexes.add(id(new_index))
            here = state.selection.dataset_root == root and state.selection.episode_index == episode_index
            state.replace_index(new_index, select_episode=episode_index if here else None)
    elif name == JOB_DOWNLOAD:
        root = Path(purpose)
        try:
            hub.clear_pending_edits(root, state.edits.session)
        except hub.HubError as exc:
            state.notify("warning", str(exc))
        state.close_dataset(root)
        state.open_dataset_async(root)  # reload from disk; the new index gets marked when it lands
        state.notify("info", f"Downloaded {root.name}: reloaded from disk, pending edits cleared")
    elif name == JOB_UPLOAD:
        session.last_upload = result
        session.popup = UPLOAD_DONE_POPUP


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


# ---------------------------------------------------------------------- drawing (menu hook)
def gui_hub_panel(state: AppState) -> None:
    """File menu items, the header status, and the Hub dialogs. Runs inside the main menu bar."""
    _gui_file_menu(state)
    _gui_header(state)
    _gui_popups(state)


def _hub_jobs_running(state: AppState) -> list:
    return [j for j in state.jobs.running() if j.name.startswith("hub-") and j.name not in (JOB_CHECK,)]


def _gui_file_menu(state: AppState) -> None:
    if not imgui.begin_menu("File"):
        return
    imgui.separator()
    if imgui.menu_item(f"{fa.ICON_FA_CLOUD_ARROW_DOWN} Open from Hub...", "", False)[0]:
        state.hub.popup = OPEN_POPUP
    dataset = state.selected_dataset
    origin = state.hub.origin_of(dataset.root) if dataset else None
    if imgui.menu_item("Download from Hub (replace local)...", "", False, origin is not None)[0] and origin:
        state.hub.download_root = dataset.root
        state.hub.popup = DOWNLOAD_POPUP
    if imgui.menu_item("Upload to Hub (replace remote)...", "", False, dataset is not None)[0] and dataset:
        state.hub.upload_root = dataset.root
        user = state.hub.login.identity.name if state.hub.login.identity else "user"
        state.hub.upload_repo_input = origin.repo_id if origin else f"{user}/{dataset.root.name}"
        state.hub.commit_message_input = state.hub.commit_message_input or f"Update {dataset.root.name}"
        state.hub.popup = UPLOAD_POPUP
    imgui.end_menu()


def _gui_header(state: AppState) -> None:
    login = state.hub.login
    if login.identity is not None:
        label = f"HF: @{login.identity.name}"
    elif not login.checked:
        label = "HF: checking..."
    elif login.error:
        label = "HF: login problem"
    else:
        label = "HF: not logged in"
    running = _hub_jobs_running(state)
    # Inline after the menus (other features add menus after this hook: no right alignment).
    imgui.text_disabled("|")
    if running:
        snap = running[0].snapshot()
        imgui.progress_bar(snap.progress or 0.0, hello_imgui.em_to_vec2(8, 0), "")
        if imgui.is_item_hovered():
            imgui.set_tooltip(f"{snap.title}\n{snap.status_text}")
        imgui.text_disabled(_short(snap.status_text or snap.title))  # the file being transferred
        if imgui.small_button(f"{fa.ICON_FA_XMARK} Cancel##hub_transfer"):
            running[0].cancel()
    if login.identity is not None:
        if imgui.begin_menu(f"{label}###hf_account"):
            imgui.text_disabled(f"token from {login.source or 'nowhere'} ({_endpoint(state)})")
            if imgui.menu_item("Log out", "", False)[0]:
                start_logout(state)
            imgui.end_menu()
        return
    if login.error:
        imgui.text_colored(ERROR_COLOR, label)
    else:
        imgui.text_disabled(label)
    if login.error and imgui.is_item_hovered():
        imgui.set_tooltip(login.error)
    if imgui.small_button("Login##hub_header"):
        state.hub.popup = LOGIN_POPUP


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else "..." + text[-(limit - 3) :]


def _begin_modal(name: str) -> bool:
    viewport = imgui.get_main_viewport()
    imgui.set_next_window_pos(viewport.get_center(), imgui.Cond_.appearing, imgui.ImVec2(0.5, 0.5))
    return imgui.begin_popup_modal(name, None, imgui.WindowFlags_.always_auto_resize)[0]


def _wrapped(text: str) -> None:
    imgui.push_text_wrap_pos(hello_imgui.em_size(34))
    imgui.text_wrapped(text)
    imgui.pop_text_wrap_pos()


def _gui_popups(state: AppState) -> None:
    session = state.hub
    if session.popup is not None:
        imgui.open_popup(session.popup)
        session.popup = None
    _gui_login_popup(state)
    _gui_open_popup(state)
    _gui_local_or_fresh_popup(state)
    _gui_download_popup(state)
    _gui_upload_popup(state)
    _gui_upload_done_popup(state)


def _gui_login_popup(state: AppState) -> None:
    if not _begin_modal(LOGIN_POPUP):
        return
    session = state.hub
    _wrapped(
        "Paste a Hugging Face access token (on the Hub: Settings > Access Tokens). It is stored where "
        "huggingface_hub keeps it and never shown again."
    )
    imgui.set_next_item_width(hello_imgui.em_size(30))
    entered, session.token_input = imgui.input_text(
        "##token",
        session.token_input,
        imgui.InputTextFlags_.password | imgui.InputTextFlags_.enter_returns_true,
    )
    imgui.set_next_item_width(hello_imgui.em_size(22))
    _, state.settings.hub_endpoint = imgui.input_text_with_hint(
        "Endpoint##hub_endpoint", hub.resolve_endpoint(None), state.settings.hub_endpoint
    )
    if imgui.is_item_deactivated_after_edit():  # another Hub (a mirror): check who we are there
        session.login = hub.HubLogin()
    busy = state.jobs.is_running(JOB_LOGIN)
    if session.login.error and not busy:
        imgui.text_colored(ERROR_COLOR, session.login.error)
    if busy:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} checking the token...")
    imgui.begin_disabled(busy or not session.token_input.strip())
    if imgui.button("Log in") or (entered and session.token_input.strip() and not busy):
        start_login(state)
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Close##login") or imgui.is_key_pressed(imgui.Key.escape):
        session.token_input = ""
        imgui.close_current_popup()
    if session.login.identity is not None and not busy and session.watched_jobs.get(JOB_LOGIN) is None:
        imgui.text_colored(OK_COLOR, f"Logged in as @{session.login.identity.name}")
    imgui.end_popup()


def _gui_open_popup(state: AppState) -> None:
    if not _begin_modal(OPEN_POPUP):
        return
    session = state.hub
    imgui.text("Dataset on the Hub (user/dataset):")
    imgui.set_next_item_width(hello_imgui.em_size(26))
    entered, session.repo_input = imgui.input_text(
        "##repo_id", session.repo_input, imgui.InputTextFlags_.enter_returns_true
    )
    _wrapped(
        f"Opens lazily: meta/ first, then only the files of the episode you select. "
        f"Local copy: {hub.lerobot_home()}/<user>/<dataset>."
    )
    repo_id = session.repo_input.strip()
    imgui.begin_disabled(not repo_id)
    if imgui.button("Open##hub_open") or (entered and repo_id):
        imgui.close_current_popup()
        session.request_open(repo_id)
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Cancel##hub_open") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_local_or_fresh_popup(state: AppState) -> None:
    if not _begin_modal(LOCAL_OR_FRESH_POPUP):
        return
    session = state.hub
    repo_id = session.local_or_fresh_repo or ""
    root = hub.local_root_for(repo_id) if repo_id else None
    _wrapped(
        f"A local copy of {repo_id} exists at {root}. Use the local copy, or download fresh from the Hub? "
        "Fresh replaces the local copy (its local changes and pending edits are lost) once the new "
        "meta/ and first episode have arrived."
    )
    if imgui.button("Use local copy"):
        start_open(state, repo_id, fresh=False)
        imgui.close_current_popup()
    imgui.same_line()
    if imgui.button("Download fresh"):
        try:
            if root is not None:
                hub.clear_pending_edits(root, state.edits.session)
            start_open(state, repo_id, fresh=True)
        except hub.HubError as exc:
            state.notify("error", str(exc))
        imgui.close_current_popup()
    imgui.same_line()
    if imgui.button("Cancel##local_or_fresh") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_download_popup(state: AppState) -> None:
    if not _begin_modal(DOWNLOAD_POPUP):
        return
    session = state.hub
    root = session.download_root
    origin = session.origin_of(root)
    if root is None or origin is None:
        imgui.close_current_popup()
        imgui.end_popup()
        return
    pending = hub.pending_edit_count(root, state.edits.session)
    size = hub.format_size(origin.listing.size_of(origin.listing.files)) if origin.listing else "unknown size"
    _wrapped(f"Replace the local copy {root} with {origin.repo_id} from {origin.endpoint} ({size})?")
    imgui.text_colored(
        ERROR_COLOR, f"Local changes and {pending} pending edit(s) of this dataset will be lost."
    )
    _wrapped(
        "Files land in a temporary folder and replace the local copy only when all have arrived; "
        "then the dataset reloads from disk."
    )
    if imgui.button("Download and replace"):
        start_download(state, root)
        imgui.close_current_popup()
    imgui.same_line()
    if imgui.button("Cancel##download") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_upload_popup(state: AppState) -> None:
    if not _begin_modal(UPLOAD_POPUP):
        return
    session = state.hub
    root = session.upload_root
    if root is None:
        imgui.close_current_popup()
        imgui.end_popup()
        return
    imgui.set_next_item_width(hello_imgui.em_size(22))
    _, session.upload_repo_input = imgui.input_text("Hub dataset##upload_repo", session.upload_repo_input)
    imgui.set_next_item_width(hello_imgui.em_size(22))
    _, session.commit_message_input = imgui.input_text(
        "Commit message##upload_msg", session.commit_message_input
    )
    _, session.upload_private = imgui.checkbox("Private (when the repo is created)", session.upload_private)
    _wrapped(
        f"Replace the dataset {session.upload_repo_input.strip() or '?'} on {_endpoint(state)} with the "
        f"local copy {root}? Files on the Hub under meta/, data/, videos/ that are not here are removed."
    )
    refusal = upload_refusal(state, root)
    if refusal:
        imgui.text_colored(ERROR_COLOR, refusal)
    out_of_order = upload_order_warnings(state, root)
    if out_of_order:
        _wrapped(
            f"{len(out_of_order)} video file(s) hold episodes out of order (a fast save): LeRobot's "
            "delete/split tools would return wrong frames for whoever downloads it. Compact it first?"
        )
        if imgui.button("Compact first"):
            from leropilot_gl.ui.edit_actions import request_compact

            imgui.close_current_popup()
            request_compact(state, root)  # its own confirmation; Upload again once it landed
        imgui.same_line()
    imgui.begin_disabled(refusal is not None)
    if imgui.button("Upload and replace"):
        start_upload(state, root)
        imgui.close_current_popup()
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Cancel##upload") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    if refusal and state.hub.login.identity is None:
        imgui.same_line()
        if imgui.button("Login##upload"):
            imgui.close_current_popup()
            session.popup = LOGIN_POPUP
    imgui.end_popup()


def _gui_upload_done_popup(state: AppState) -> None:
    if not _begin_modal(UPLOAD_DONE_POPUP):
        return
    result = state.hub.last_upload
    if result is not None:
        imgui.text_colored(OK_COLOR, f"Uploaded {result.uploaded} file(s) to {result.repo_id}")
        if result.deleted:
            imgui.text(f"Removed {result.deleted} stale file(s) from the Hub")
        imgui.text("Commit:")
        imgui.same_line()
        imgui.text_link_open_url(result.commit_url, result.commit_url)
        imgui.text("Dataset:")
        imgui.same_line()
        imgui.text_link_open_url(result.repo_url, result.repo_url)
        if imgui.small_button("Copy URL"):
            imgui.set_clipboard_text(result.repo_url)
    if imgui.button("Close##upload_done") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    imgui.end_popup()
