"""The few huggingface_hub names that differ between 0.3x (requests) and 1.x (httpx), in one place.

Everything else the app uses from huggingface_hub (HfApi, hf_hub_download, errors, constants,
get_token, commit operations) has the same name and signature in both lines.
"""

from __future__ import annotations

_NETWORK_MODULES = ("requests", "urllib3", "httpx", "httpcore")


def hub_version() -> str:
    import huggingface_hub

    return str(huggingface_hub.__version__)


def token_from_environment() -> str | None:
    from huggingface_hub.utils import _auth

    return _auth._get_token_from_environment()


def token_from_file() -> str | None:
    from huggingface_hub.utils import _auth

    return _auth._get_token_from_file()


def save_named_token(token: str, token_name: str) -> None:
    """Add the token to huggingface_hub's stored tokens under token_name."""
    from huggingface_hub.utils import _auth

    _auth._save_token(token=token, token_name=token_name)


def forget_named_token(token_name: str) -> bool:
    """Remove token_name from the stored tokens; True when it was there."""
    from huggingface_hub.utils import _auth

    if token_name not in _auth.get_stored_tokens():
        return False
    if hasattr(_auth, "_save_stored_tokens_full"):  # 1.x: sections carry more than the token
        full = _auth._read_stored_tokens_full()
        full.pop(token_name, None)
        _auth._save_stored_tokens_full(full)
    else:  # 0.3x: name -> token
        stored = _auth.get_stored_tokens()
        stored.pop(token_name, None)
        _auth._save_stored_tokens(stored)
    return True


def is_network_error(exc: BaseException) -> bool:
    """A failure of the HTTP client itself (no answer from the server), whichever client it is."""
    return any(
        cls.__module__.split(".")[0] in _NETWORK_MODULES for cls in type(exc).__mro__ if cls is not object
    ) and not hasattr(getattr(exc, "response", None), "status_code")


def is_transient(exc: BaseException) -> bool:
    """A dropped connection or a timeout: worth retrying (the download resumes)."""
    try:
        import requests

        if isinstance(
            exc,
            requests.exceptions.ChunkedEncodingError
            | requests.exceptions.ConnectionError
            | requests.exceptions.Timeout,
        ):
            return True
    except ImportError:  # huggingface_hub 1.x does not need requests
        pass
    try:
        import httpx

        if isinstance(exc, httpx.TransportError):  # connect/read errors, timeouts, protocol breaks
            return True
    except ImportError:  # huggingface_hub 0.3x does not need httpx
        pass
    return isinstance(exc, OSError) and "Consistency check failed" in str(exc)
