"""The app's Hub state, plain data owned by `AppState.hub`: the login the header shows, where each
open dataset came from, the jobs being watched, and the dialogs' inputs.

It lives beside `state.py` (not in `dataset/hub/`, which keeps only headless Hub code) and imports
no imgui: `ui/hub_actions.py` changes it, `ui/hub_panel.py` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from leropilot_gl.dataset.hub import HubDataset, Identity, UploadResult


@dataclass
class HubLogin:
    """What the header shows: checked in the background, never holding the token."""

    source: str | None = None  # "environment", "stored" or None
    identity: Identity | None = None
    error: str | None = None
    checked: bool = False  # a check has finished at least once


class HubJob(Enum):
    """What a watched Hub job is for: decides what its result does when it lands."""

    LOGIN = "login"
    LOGOUT = "logout"
    OPEN = "open"
    FETCH = "fetch"
    META = "meta"  # the meta/ files a lazy open left on the Hub
    DOWNLOAD = "download"
    UPLOAD = "upload"


@dataclass(frozen=True)
class WatchedJob:
    kind: HubJob
    root: Path | None = None  # the local dataset a Download or Upload is about


@dataclass
class HubDialogs:
    """The Hub dialogs' inputs and which one opens next; transient (never saved)."""

    popup: str | None = None  # a popup to open on the next frame
    token_input: str = ""  # cleared as soon as the login job has taken it
    repo_input: str = ""
    upload_repo_input: str = ""
    commit_message_input: str = ""
    upload_private: bool = False
    local_or_fresh_repo: str | None = None  # repo id whose local copy exists: ask before opening
    download_root: Path | None = None  # local root the Download confirmation is about
    upload_root: Path | None = None  # local root the Upload confirmation is about
    last_upload: UploadResult | None = None


@dataclass
class HubSession:
    """The app's Hub state: the Hub panel draws it and `hub_actions.hub_tick` updates it."""

    login: HubLogin = field(default_factory=HubLogin)
    datasets: dict[Path, HubDataset] = field(default_factory=dict)  # local root -> where it came from
    open_requests: list[str] = field(default_factory=list)  # repo ids asked for (command line, menu)
    watched_jobs: dict[str, WatchedJob] = field(default_factory=dict)  # job name -> what it is for
    marked_indexes: set[int] = field(default_factory=set)  # ids of indexes mark_not_downloaded has seen
    last_fetch_check: tuple[Path, int, int] | None = None  # (root, episode, id(index)) looked at last
    meta_fetch_started: set[int] = field(default_factory=set)  # ids of partial indexes seen to
    dialogs: HubDialogs = field(default_factory=HubDialogs)

    def request_open(self, repo_id: str) -> None:
        if repo_id not in self.open_requests:
            self.open_requests.append(repo_id)

    def origin_of(self, root: Path | None) -> HubDataset | None:
        return self.datasets.get(Path(root)) if root is not None else None
