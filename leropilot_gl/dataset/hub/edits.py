"""Pending edits of a dataset the Hub is about to touch: Upload refuses while there are some, and
Download (which replaces the local copy) clears them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from leropilot_gl.dataset.hub.auth import HubError

if TYPE_CHECKING:
    from leropilot_gl.dataset import EditSession


def pending_edit_count(root: Path, edits: EditSession | None = None) -> int:
    """Unsaved edits of a dataset: from the app's EditSession when given, else its journal on disk."""
    from leropilot_gl.dataset import journal

    resolved = Path(root).resolve()
    if edits is not None:  # the app's session is the authority (and reading it costs no disk access)
        j = edits.journals.get(resolved)
        return 0 if j is None else len(j.applied) + (0 if j.on_disk else 1)
    return journal.stored_cursor(journal.default_journal_dir(), resolved)  # base and its log


def clear_pending_edits(root: Path, edits: EditSession | None = None) -> None:
    """After a download replaced the local copy: its pending edits no longer apply."""
    from leropilot_gl.dataset import journal

    resolved = Path(root).resolve()
    if edits is not None and resolved in edits.journals:
        try:
            edits.discard(resolved)
        except journal.EditError as exc:
            raise HubError(f"the local copy was replaced, but its pending edits stay: {exc}") from None
        return
    journal.journal_path(journal.default_journal_dir(), resolved).unlink(missing_ok=True)
