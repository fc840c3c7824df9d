"""Where the Hub is and who we are on it: endpoint, dataset ids, token, whoami/login/logout, and
one clear sentence for every error huggingface_hub or the network can raise.

The token is never printed, logged, put in a message or written to our files: only
`huggingface_hub` reads and stores it, in its standard places.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from leropilot_gl.dataset import hf_compat

if TYPE_CHECKING:
    from huggingface_hub import HfApi

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_TYPE = "dataset"
LIBRARY_NAME = "leropilot-gl"
TOKEN_NAME = "leropilot-gl"  # the name our login stores the token under (huggingface_hub's stored tokens)

_REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9_.-]{1,96}$")


class HubError(Exception):
    """A Hub operation that cannot go on; the message says why and what to do (never the token)."""


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


def current_token() -> str | None:
    """The token huggingface_hub would send (HF_TOKEN, else the stored one); never shown anywhere."""
    from huggingface_hub import get_token

    return get_token()


def hub_api(endpoint: str) -> HfApi:
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint, library_name=LIBRARY_NAME)


def whoami(*, endpoint: str, token: str | None = None) -> Identity:
    """Who the token (given, else the standard one) belongs to; HubError when none or rejected."""
    token = token or current_token()
    if not token:
        raise HubError("not logged in to the Hugging Face Hub: log in with a token (hub login, or HF: Login)")
    try:
        data = hub_api(endpoint).whoami(token=token)
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


# ---------------------------------------------------------------------- errors for people
def scrub(text: str) -> str:
    """Any message that might quote a token, with the token cut out."""
    token = current_token()
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
            if not current_token()
            else "check the name, or ask its owner for access"
        )
        return f"dataset{repo} not found on {endpoint}, or it is private: {hint}"
    if isinstance(exc, errors.RevisionNotFoundError):
        return f"revision not found in{repo}{where}"
    if isinstance(exc, errors.EntryNotFoundError):
        return f"a file is missing from{repo} on the Hub{where}: {first_line(exc)}"
    if status == 401:
        return f"the Hub rejected the token{where}: it is invalid or expired; log in again"
    if status == 403:
        return f"the token may not do this{where}{repo}: it needs write access to that namespace"
    if isinstance(exc, errors.HfHubHTTPError):
        return f"the Hub answered an error{where}: {first_line(exc)}"
    if hf_compat.is_network_error(exc):
        return f"cannot reach {endpoint}{where}: {_network_reason(exc)}"
    name = type(exc).__name__
    return scrub(f"{name}{where}: {first_line(exc)}")


def _network_reason(exc: BaseException) -> str:
    # requests nests the OS reason deep inside a repr of retry objects: keep only that reason
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\"()\]]+)", text)
    if match:
        return match.group(1).strip()
    if "timed out" in text.lower():
        return "the connection timed out"
    return first_line(exc)[:200]


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, token cut out."""
    text = str(exc).strip().splitlines()
    return scrub(text[0] if text else type(exc).__name__)
