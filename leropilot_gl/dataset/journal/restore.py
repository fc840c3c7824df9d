"""Bringing a journal back from disk at attach: restored as it was, re-applied in part when the
dataset changed on disk under it, set aside when it no longer applies; and the journals of new
datasets (not saved yet) that use the attached dataset's episodes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leropilot_gl.dataset.journal.ops import EditError, apply_op, op_references, schema_key
from leropilot_gl.dataset.journal.store import (
    JournalUnreadable,
    LogState,
    journal_path,
    load_sigs,
    peek_field,
    read_journal,
    remove_journal,
    set_aside,
)
from leropilot_gl.dataset.journal.working import Journal


@dataclass
class Restored:
    """What attach learnt from a journal on disk: a notice, and how to go on writing it."""

    notice: str | None = None
    log: LogState | None = None  # the log to go on appending to
    rewrite: bool = False  # write a new base now (edits re-applied, a damaged log left behind)


def restore_journal(j: Journal, journal_dir: Path) -> Restored:
    """Fill j (built over the dataset as it is on disk) from its journal files, if any."""
    path = journal_path(journal_dir, j.root)
    if not path.is_file():
        return Restored()
    try:
        stored = read_journal(path, keep_damaged_log=True)
    except (OSError, JournalUnreadable) as exc:
        set_aside(path)
        return Restored(f"the pending edits of {j.root.name} could not be read ({exc}); they were set aside")
    data = stored.data
    ops, cursor = data["ops"], data["cursor"]
    if data.get("saving") and data["saving"] == j.fingerprint:
        remove_journal(path)  # the save landed; its journal is done
        return Restored(f"the last save of {j.root.name} completed")
    if data.get("fingerprint") != j.fingerprint:
        notice, rewrite = _reapply(j, path, data, ops, cursor)
        return Restored(_join(stored.notice, notice), None, rewrite)
    j.ops, j.cursor = ops, min(cursor, len(ops))
    j.forget_lists()
    try:
        j.working()
    except EditError as exc:
        j.ops, j.cursor = [], 0
        j.forget_lists()
        kept = set_aside(path, data)
        return Restored(
            _join(
                stored.notice,
                f"the pending edits of {j.root.name} no longer apply ({exc}); kept in {kept.name}",
            )
        )
    notice = _join(stored.notice, f"restored {j.cursor} pending edit(s) of {j.root.name}")
    return Restored(notice, stored.log, rewrite=stored.log is None and stored.notice is not None)


def _reapply(
    j: Journal, path: Path, data: dict[str, Any], ops: list[dict[str, Any]], cursor: int
) -> tuple[str, bool]:
    """The dataset changed on disk under its journal: say what changed, re-apply the edits
    whose episodes are unchanged, and set the others aside (listed, kept in a file). Returns the
    notice and whether the re-applied edits must be written."""
    old = load_sigs(path, data)
    kept_file = set_aside(path, data)  # the whole journal stays recoverable, whatever follows
    if data.get("schema") != schema_key(j.info):
        return (
            f"{j.root.name} changed on disk (its fps, robot or features) since its {len(ops)} pending "
            f"edit(s) were made; they were not applied (kept in {kept_file.name})"
        ), False
    if not isinstance(old, dict):
        return (
            f"{j.root.name} changed on disk since its {len(ops)} pending edit(s) were made; "
            f"they were not applied (kept in {kept_file.name})"
        ), False
    new = j.signatures()
    added = sorted(set(new) - set(old), key=lambda u: int(u[1:]))
    removed = sorted(set(old) - set(new), key=lambda u: int(u[1:]))
    rewritten = sorted((u for u in set(old) & set(new) if old[u] != new[u]), key=lambda u: int(u[1:]))
    changed = set(removed) | set(rewritten)
    applied: list[dict[str, Any]] = []
    aside: list[str] = []
    episodes = list(j.base)
    for op in ops[:cursor]:
        if op_references(op, str(j.root)) & changed:
            aside.append(op.get("label", op.get("kind", "?")))
            continue
        try:
            episodes = apply_op(episodes, op)
        except (EditError, KeyError, TypeError, ValueError):
            aside.append(op.get("label", op.get("kind", "?")))
            continue
        applied.append(op)
    j.ops, j.cursor = applied, len(applied)
    j.forget_lists()

    def names(uids: list[str]) -> str:
        return ", ".join(u[1:] for u in uids[:8]) + (" ..." if len(uids) > 8 else "")

    what = [
        f"{label} {names(uids)}"
        for label, uids in (
            ("episodes added:", added),
            ("removed:", removed),
            ("rewritten:", rewritten),
        )
        if uids
    ]
    text = f"{j.root.name} changed on disk ({'; '.join(what) or 'files rewritten'})"
    text += f"; re-applied {len(applied)} of {cursor} pending edit(s)"
    if aside:
        text += f"; set aside: {', '.join(aside)} (kept in {kept_file})"
    return text, bool(applied)


def pending_new_datasets(journal_dir: Path, root: Path) -> list[tuple[Journal, LogState | None]]:
    """Journals of datasets not written yet whose episodes come from root, with their logs."""
    out: list[tuple[Journal, LogState | None]] = []
    if not journal_dir.is_dir():
        return out
    for path in sorted(journal_dir.glob("*.json")):
        if ".stale-" in path.name or path.name.startswith("txn-") or peek_field(path, "on_disk") is not False:
            continue  # set aside, a save transaction, or the journal of a dataset on disk: not parsed
        try:
            stored = read_journal(path)
        except (OSError, JournalUnreadable):
            continue
        data = stored.data
        if data.get("on_disk", True) or not isinstance(data.get("info"), dict):
            continue
        try:
            j = Journal(
                Path(data["root"]),
                data["info"],
                [],
                on_disk=False,
                ops=list(data["ops"]),
                cursor=int(data["cursor"]),
                template_root=data.get("template_root"),
            )
            used = {d["source_root"] for op in j.ops for d in op.get("episodes", ())}
            if str(root) in used | {j.template_root} and not j.root.exists():
                j.working()
                out.append((j, stored.log))
        except (EditError, KeyError, TypeError, ValueError):
            continue
    return out


def _join(*notices: str | None) -> str | None:
    return "; ".join(n for n in notices if n) or None
