"""`leropilot-gl hub whoami | login | logout | download REPO [--local DIR] | upload DIR REPO`.

The token is read from the terminal without echo (or one line of stdin), checked against the Hub
and stored where huggingface_hub keeps it; it is never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("hub", help="Hugging Face Hub: login state, download and upload datasets")
    parser.add_argument(
        "--endpoint",
        default="",
        help="Hub endpoint or mirror (default: the one in the settings, else HF_ENDPOINT, else huggingface.co)",
    )
    actions = parser.add_subparsers(dest="hub_action", metavar="ACTION", required=True)
    actions.add_parser("whoami", help="who the stored token (or HF_TOKEN) belongs to")
    actions.add_parser("login", help="store a token: typed without echo, or one line on stdin")
    actions.add_parser("logout", help="forget the stored token")
    download = actions.add_parser("download", help="download a dataset, replacing the local copy")
    download.add_argument("repo_id", help="user/dataset on the Hub")
    download.add_argument("--local", default=None, help="local folder (default: HF_LEROBOT_HOME/<repo_id>)")
    download.add_argument("--yes", action="store_true", help="replace an existing local copy without asking")
    upload = actions.add_parser("upload", help="upload a local dataset, replacing the dataset on the Hub")
    upload.add_argument("path", help="local dataset folder")
    upload.add_argument("repo_id", help="user/dataset on the Hub")
    upload.add_argument("-m", "--message", default="", help="commit message")
    upload.add_argument(
        "--private", action="store_true", help="create the repo as private if it does not exist"
    )
    upload.add_argument("--yes", action="store_true", help="replace the remote dataset without asking")
    parser.set_defaults(func=run)


class _Printer:
    """Progress for a terminal: one line per file, nothing to cancel."""

    def __init__(self) -> None:
        self._last = ""

    def progress(self, fraction: float | None, text: str = "") -> None:
        if text and text != self._last and fraction is not None:
            self._last = text
            print(f"[{fraction * 100:5.1f}%] {text}", flush=True)

    def log(self, line: str) -> None:
        if not line.startswith("fetch "):  # progress already names each file
            print(line, flush=True)

    def check_cancelled(self) -> None:
        pass


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        print(f"{question} -- refusing without a terminal to ask; pass --yes to confirm")
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _read_token() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Hugging Face token (input hidden): ")
    return sys.stdin.readline()


def run(args: argparse.Namespace) -> int:
    from leropilot_gl.dataset import hub
    from leropilot_gl.settings import saved_hub_endpoint

    # the one endpoint of the settings, as the window and the environments use it
    endpoint = hub.resolve_endpoint(args.endpoint.strip() or saved_hub_endpoint())
    try:
        return _ACTIONS[args.hub_action](args, endpoint)
    except hub.HubError as exc:
        print(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        print("interrupted: the local copy is as it was")
        return 130


def _whoami(args: argparse.Namespace, endpoint: str) -> int:
    from leropilot_gl.dataset import hub

    source = hub.token_source()
    if source is None:
        print(f"not logged in to {endpoint} (run: leropilot-gl hub login)")
        return 1
    identity = hub.whoami(endpoint=endpoint)
    print(f"@{identity.name} on {endpoint} (token from {source}, role {identity.role or 'unknown'})")
    return 0


def _login(args: argparse.Namespace, endpoint: str) -> int:
    from leropilot_gl.dataset import hub

    identity = hub.login(_read_token(), endpoint=endpoint)
    print(f"logged in as @{identity.name} on {endpoint}; token stored for huggingface_hub")
    return 0


def _logout(args: argparse.Namespace, endpoint: str) -> int:
    from leropilot_gl.dataset import hub

    print(hub.logout())
    return 0


def _download(args: argparse.Namespace, endpoint: str) -> int:
    from leropilot_gl.dataset import hub

    root = (
        Path(args.local).expanduser() if args.local else hub.local_root_for(hub.check_repo_id(args.repo_id))
    )
    if root.exists():
        pending = hub.pending_edit_count(root)
        note = f" and its {pending} unsaved edit(s)" if pending else ""
        if not _confirm(f"replace the local copy {root}{note} with {args.repo_id} from the Hub?", args.yes):
            print("nothing changed")
            return 1
    out = hub.download_replace(args.repo_id, endpoint=endpoint, progress=_Printer(), local_root=root)
    print(f"downloaded {args.repo_id} into {out}")
    return 0


def _upload(args: argparse.Namespace, endpoint: str) -> int:
    from leropilot_gl.dataset import hub

    root = Path(args.path).expanduser()
    hub.check_repo_id(args.repo_id)
    hub.check_upload_allowed(root)
    if not _confirm(f"replace the dataset {args.repo_id} on {endpoint} with {root}?", args.yes):
        print("nothing sent")
        return 1
    result = hub.upload_replace(
        root,
        args.repo_id,
        endpoint=endpoint,
        commit_message=args.message,
        progress=_Printer(),
        private=args.private,
    )
    print(f"uploaded {result.uploaded} file(s), removed {result.deleted} stale file(s)")
    print(f"commit: {result.commit_url}")
    print(f"dataset: {result.repo_url}")
    return 0


_ACTIONS = {"whoami": _whoami, "login": _login, "logout": _logout, "download": _download, "upload": _upload}
