"""The Hugging Face Hub in the menu bar: File > Open from / Download from / Upload to the Hub, the
"HF: ..." header with the login status and transfer progress, and the Hub dialogs.

Drawing only: what the items and buttons do is `ui/hub_actions.py`, and `hub_actions.hub_tick`
runs once per frame before any panel. `gui_hub_panel` runs inside the main menu bar.
"""

from __future__ import annotations

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui

from leropilot_gl.dataset import hub
from leropilot_gl.jobs import Job
from leropilot_gl.state import AppState
from leropilot_gl.ui import hub_actions as actions
from leropilot_gl.ui.hub_actions import (
    DOWNLOAD_POPUP,
    JOB_CHECK,
    JOB_LOGIN,
    LOCAL_OR_FRESH_POPUP,
    LOGIN_POPUP,
    OPEN_POPUP,
    UPLOAD_DONE_POPUP,
    UPLOAD_POPUP,
    start_download,
    start_login,
    start_logout,
    start_open,
    start_upload,
    upload_order_warnings,
    upload_refusal,
)

ERROR_COLOR = imgui.ImVec4(0.95, 0.35, 0.30, 1.0)
OK_COLOR = imgui.ImVec4(0.55, 0.80, 0.55, 1.0)


def gui_hub_panel(state: AppState) -> None:
    """File menu items, the header status, and the Hub dialogs. Runs inside the main menu bar."""
    _gui_file_menu(state)
    _gui_header(state)
    _gui_popups(state)


def _hub_jobs_running(state: AppState) -> list[Job]:
    return [j for j in state.jobs.running() if j.name.startswith("hub-") and j.name != JOB_CHECK]


def _gui_file_menu(state: AppState) -> None:
    if not imgui.begin_menu("File"):
        return
    imgui.separator()
    if imgui.menu_item(f"{fa.ICON_FA_CLOUD_ARROW_DOWN} Open from Hub...", "", False)[0]:
        state.hub.dialogs.popup = OPEN_POPUP
    dataset = state.selected_dataset
    origin = state.hub.origin_of(dataset.root) if dataset else None
    if imgui.menu_item("Download from Hub (replace local)...", "", False, origin is not None)[0] and dataset:
        actions.ask_download(state, dataset.root)
    if imgui.menu_item("Upload to Hub (replace remote)...", "", False, dataset is not None)[0] and dataset:
        actions.ask_upload(state, dataset.root)
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
            imgui.text_disabled(f"token from {login.source or 'nowhere'} ({actions.endpoint_of(state)})")
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
        state.hub.dialogs.popup = LOGIN_POPUP


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
    dialogs = state.hub.dialogs
    if dialogs.popup is not None:
        imgui.open_popup(dialogs.popup)
        dialogs.popup = None
    _gui_login_popup(state)
    _gui_open_popup(state)
    _gui_local_or_fresh_popup(state)
    _gui_download_popup(state)
    _gui_upload_popup(state)
    _gui_upload_done_popup(state)


def _gui_login_popup(state: AppState) -> None:
    if not _begin_modal(LOGIN_POPUP):
        return
    session, dialogs = state.hub, state.hub.dialogs
    _wrapped(
        "Paste a Hugging Face access token (on the Hub: Settings > Access Tokens). It is stored where "
        "huggingface_hub keeps it and never shown again."
    )
    imgui.set_next_item_width(hello_imgui.em_size(30))
    entered, dialogs.token_input = imgui.input_text(
        "##token",
        dialogs.token_input,
        imgui.InputTextFlags_.password | imgui.InputTextFlags_.enter_returns_true,
    )
    imgui.set_next_item_width(hello_imgui.em_size(22))
    _, state.settings.hub_endpoint = imgui.input_text_with_hint(
        "Endpoint##hub_endpoint", hub.resolve_endpoint(None), state.settings.hub_endpoint
    )
    imgui.set_item_tooltip("the same Hub endpoint as in Environment settings (datasets and environments)")
    if imgui.is_item_deactivated_after_edit():  # another Hub (a mirror): check who we are there
        actions.endpoint_changed(state)
    busy = state.jobs.is_running(JOB_LOGIN)
    if session.login.error and not busy:
        imgui.text_colored(ERROR_COLOR, session.login.error)
    if busy:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} checking the token...")
    imgui.begin_disabled(busy or not dialogs.token_input.strip())
    if imgui.button("Log in") or (entered and dialogs.token_input.strip() and not busy):
        start_login(state)
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Close##login") or imgui.is_key_pressed(imgui.Key.escape):
        dialogs.token_input = ""
        imgui.close_current_popup()
    if session.login.identity is not None and not busy and JOB_LOGIN not in session.watched_jobs:
        imgui.text_colored(OK_COLOR, f"Logged in as @{session.login.identity.name}")
    imgui.end_popup()


def _gui_open_popup(state: AppState) -> None:
    if not _begin_modal(OPEN_POPUP):
        return
    dialogs = state.hub.dialogs
    imgui.text("Dataset on the Hub (user/dataset):")
    imgui.set_next_item_width(hello_imgui.em_size(26))
    entered, dialogs.repo_input = imgui.input_text(
        "##repo_id", dialogs.repo_input, imgui.InputTextFlags_.enter_returns_true
    )
    _wrapped(
        f"Opens lazily: meta/ first, then only the files of the episode you select. "
        f"Local copy: {hub.lerobot_home()}/<user>/<dataset>."
    )
    repo_id = dialogs.repo_input.strip()
    imgui.begin_disabled(not repo_id)
    if imgui.button("Open##hub_open") or (entered and repo_id):
        imgui.close_current_popup()
        state.hub.request_open(repo_id)
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Cancel##hub_open") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_local_or_fresh_popup(state: AppState) -> None:
    if not _begin_modal(LOCAL_OR_FRESH_POPUP):
        return
    repo_id = state.hub.dialogs.local_or_fresh_repo or ""
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
        if repo_id:
            actions.open_fresh(state, repo_id)
        imgui.close_current_popup()
    imgui.same_line()
    if imgui.button("Cancel##local_or_fresh") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_download_popup(state: AppState) -> None:
    if not _begin_modal(DOWNLOAD_POPUP):
        return
    root = state.hub.dialogs.download_root
    origin = state.hub.origin_of(root)
    if root is None or origin is None:
        imgui.close_current_popup()
        imgui.end_popup()
        return
    pending = actions.pending_edits(state, root)
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
    dialogs = state.hub.dialogs
    root = dialogs.upload_root
    if root is None:
        imgui.close_current_popup()
        imgui.end_popup()
        return
    imgui.set_next_item_width(hello_imgui.em_size(22))
    _, dialogs.upload_repo_input = imgui.input_text("Hub dataset##upload_repo", dialogs.upload_repo_input)
    imgui.set_next_item_width(hello_imgui.em_size(22))
    _, dialogs.commit_message_input = imgui.input_text(
        "Commit message##upload_msg", dialogs.commit_message_input
    )
    _, dialogs.upload_private = imgui.checkbox("Private (when the repo is created)", dialogs.upload_private)
    _wrapped(
        f"Replace the dataset {dialogs.upload_repo_input.strip() or '?'} on {actions.endpoint_of(state)} "
        f"with the local copy {root}? Files on the Hub under meta/, data/, videos/ that are not here are "
        "removed."
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
            imgui.close_current_popup()
            actions.compact_before_upload(state, root)
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
            dialogs.popup = LOGIN_POPUP
    imgui.end_popup()


def _gui_upload_done_popup(state: AppState) -> None:
    if not _begin_modal(UPLOAD_DONE_POPUP):
        return
    result = state.hub.dialogs.last_upload
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
