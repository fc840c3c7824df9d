"""The pending-edit journal: every edit is an operation over episode slices, replayed on demand.

A dataset's working episode list is its episodes on disk with the journal's applied operations
replayed over them. Nothing touches the dataset's files until Save (dataset/save.py). Each
journal is kept in files outside the dataset (keyed by the dataset's absolute path): a base
snapshot and an append-only log, one fsynced line per edit, so a crash or a restart loses nothing
and an edit costs what it changes, not the dataset's size.

One EditSession holds the journals of every open dataset. Operations that touch two datasets
(move, merge, split) share a group id, and undo/redo walk groups across journals in the order
they were made.

Modules: ops (episodes, operations, apply_op), working (Journal and its cached working lists),
fingerprint (which dataset on disk a journal applies to), store (journal files and the writer),
restore (reading a journal back at attach), operations and session (EditSession).
"""

from leropilot_gl.dataset.journal.fingerprint import (
    episode_signatures,
    meta_fingerprint,
    open_for_edit,
    read_fingerprint,
    remember_fingerprint,
)
from leropilot_gl.dataset.journal.ops import (
    COPIED,
    DUPLICATED,
    FRAME_MARK_FEATURES,
    MOVED,
    RETASKED,
    TRIMMED,
    EditError,
    EpisodeSlice,
    Schema,
    WorkingEpisode,
    apply_op,
    base_episodes,
    base_episodes_for,
    episode_label,
    episode_to_json,
    find_position,
    op_references,
    schema_key,
)
from leropilot_gl.dataset.journal.session import (
    Change,
    EditSession,
    PreparedAttach,
    PreparedSave,
    prepare_saved,
)
from leropilot_gl.dataset.journal.store import (
    JOURNAL_DIR_ENV,
    JournalWriter,
    default_journal_dir,
    journal_path,
    log_path,
    pending_roots,
    stored_cursor,
    write_saving_marker,
)
from leropilot_gl.dataset.journal.working import JOURNAL_FORMAT, Journal

_find = find_position  # the old private name, still imported by dataset/annotations.py

__all__ = [
    "COPIED",
    "DUPLICATED",
    "FRAME_MARK_FEATURES",
    "JOURNAL_DIR_ENV",
    "JOURNAL_FORMAT",
    "MOVED",
    "RETASKED",
    "TRIMMED",
    "Change",
    "EditError",
    "EditSession",
    "EpisodeSlice",
    "Journal",
    "JournalWriter",
    "PreparedAttach",
    "PreparedSave",
    "Schema",
    "WorkingEpisode",
    "apply_op",
    "base_episodes",
    "base_episodes_for",
    "default_journal_dir",
    "episode_label",
    "episode_signatures",
    "episode_to_json",
    "find_position",
    "journal_path",
    "log_path",
    "meta_fingerprint",
    "op_references",
    "open_for_edit",
    "pending_roots",
    "prepare_saved",
    "read_fingerprint",
    "remember_fingerprint",
    "schema_key",
    "stored_cursor",
    "write_saving_marker",
]
