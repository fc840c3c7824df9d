"""The Hugging Face Hub, over `huggingface_hub`: login, lazy open, download, upload. No imgui.

The rule: the local copy (`HF_LEROBOT_HOME/<repo_id>`) is the one that is edited. Download
replaces the local copy, Upload replaces the remote one; both are explicit. A lazy open fetches
info.json, the tasks and the first `meta/episodes` file (a partial index, not editable), the rest of
`meta/` next, then only the files the selected episode needs.

- `auth.py`: endpoint, dataset ids, token, whoami/login/logout, errors in one sentence.
- `transfer.py`: the remote listing, file fetches, staging and swap, Download and Upload.
- `lazy.py`: open lazily, fetch one episode, which files an episode needs.
- `edits.py`: the pending edits Upload refuses and Download clears.

The app's Hub state (login shown, dialogs, origins of open datasets) is not here: it is
`leropilot_gl/hub_state.py`, owned by `AppState.hub`.
"""

from leropilot_gl.dataset.hub.auth import (
    DEFAULT_ENDPOINT,
    LIBRARY_NAME,
    REPO_TYPE,
    TOKEN_NAME,
    HubError,
    Identity,
    check_repo_id,
    current_token,
    describe_error,
    first_line,
    hub_api,
    lerobot_home,
    local_root_for,
    login,
    logout,
    looks_like_repo_id,
    repo_url,
    resolve_endpoint,
    scrub,
    token_source,
    whoami,
)
from leropilot_gl.dataset.hub.edits import clear_pending_edits, pending_edit_count
from leropilot_gl.dataset.hub.lazy import (
    NOT_DOWNLOADED,
    HubDataset,
    episode_files,
    fetch_episode,
    fetch_remaining_meta,
    first_meta,
    mark_not_downloaded,
    missing_files,
    open_lazy,
    open_local,
    remaining_meta,
)
from leropilot_gl.dataset.hub.transfer import (
    DATASET_FOLDERS,
    FILE_RETRIES,
    LOCAL_SKIP_PREFIXES,
    META_PREFIX,
    Progress,
    RemoteListing,
    SilentProgress,
    UploadResult,
    check_upload_allowed,
    download_replace,
    fetch_files,
    format_size,
    list_remote,
    local_files,
    recover_interrupted,
    remove_stale_partials,
    staging_dir,
    swap_in,
    upload_replace,
)

__all__ = [
    "DATASET_FOLDERS",
    "DEFAULT_ENDPOINT",
    "FILE_RETRIES",
    "LIBRARY_NAME",
    "LOCAL_SKIP_PREFIXES",
    "META_PREFIX",
    "NOT_DOWNLOADED",
    "REPO_TYPE",
    "TOKEN_NAME",
    "HubDataset",
    "HubError",
    "Identity",
    "Progress",
    "RemoteListing",
    "SilentProgress",
    "UploadResult",
    "check_repo_id",
    "check_upload_allowed",
    "clear_pending_edits",
    "current_token",
    "describe_error",
    "download_replace",
    "episode_files",
    "fetch_episode",
    "fetch_files",
    "fetch_remaining_meta",
    "first_meta",
    "first_line",
    "format_size",
    "hub_api",
    "lerobot_home",
    "list_remote",
    "local_files",
    "local_root_for",
    "login",
    "logout",
    "looks_like_repo_id",
    "mark_not_downloaded",
    "missing_files",
    "open_lazy",
    "open_local",
    "pending_edit_count",
    "recover_interrupted",
    "remaining_meta",
    "remove_stale_partials",
    "repo_url",
    "resolve_endpoint",
    "scrub",
    "staging_dir",
    "swap_in",
    "token_source",
    "upload_replace",
    "whoami",
]
