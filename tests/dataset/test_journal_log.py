"""The journal's append-only log: one line per edit, replayed at restore; torn and damaged lines,
compaction, format 1 files, and a base replaced under the session (a saving marker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import (
    EditSession,
    journal_path,
    log_path,
    meta_fingerprint,
    pending_roots,
    store as journal_store,
    stored_cursor,
    write_saving_marker,
)
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "data" / "journals"


def state(session: EditSession) -> tuple:
    """Everything a user sees of the session: each working list and the pending-edits panel."""
    lists = {
        str(root): [
            (
                e.uid,
                e.slice.source_root,
                e.slice.source_episode,
                e.slice.start,
                e.slice.end,
                e.deleted,
                sorted(e.badges),
                e.task,
            )
            for e in j.working()
        ]
        for root, j in sorted(session.journals.items())
    }
    return lists, [(str(c.root), c.label, c.applied) for c in session.changes()]


def log_lines(root: Path, journals: Path) -> list[str]:
    return log_path(journal_path(journals, root)).read_text().splitlines()


def many_edits(s: EditSession, uneven: Path, av1: Path) -> None:
    """Edits of every kind over two datasets, with undo, redo and a redo branch cut off."""
    s.delete(uneven, ["e2"])
    s.trim(uneven, "e1", 5, 40)
    dup = s.duplicate(uneven, "e0")
    s.move(uneven, dup, 3)
    s.copy(av1, ["e1"], uneven, position=0)
    s.set_task(uneven, ["e3"], "stack the cubes")
    s.undo()
    s.undo()
    s.redo()  # the copy is back; the task change stays undone ...
    s.swap(uneven, "e0", "e3")  # ... and this edit cuts it off
    for start in range(1, 8):
        s.trim(av1, "e0", start, 30 - start)
    s.undo()
    s.carve(uneven, "e3", [(0, 10), (15, 33)])
    s.copy(av1, ["e2"], uneven, move=True)


def test_each_edit_appends_one_line_and_a_restart_restores_the_live_state(
    uneven: Path, av1: Path, tmp_path: Path
) -> None:
    journals = tmp_path / "journals"
    s = EditSession(journals)
    s.attach(open_dataset(uneven))
    s.attach(open_dataset(av1))
    s.delete(uneven, ["e2"])
    base_text = journal_path(journals, uneven).read_text()
    assert len(log_lines(uneven, journals)) == 1  # the header: the first edit is in the base
    s.trim(uneven, "e1", 5, 40)
    s.undo()
    s.redo()
    many_edits(s, uneven, av1)
    assert journal_path(journals, uneven).read_text() == base_text, "the base is written once"
    assert s.writer.bases_written == 2  # one per dataset, at its first edit
    lines = log_lines(uneven, journals)
    assert len(lines) > 10 and all(len(line) < 2000 for line in lines)
    live = state(s)

    again = EditSession(journals)
    assert "restored" in again.attach(open_dataset(uneven))
    again.attach(open_dataset(av1))
    assert state(again) == live
    # Restored journals go on appending to the same log, and undo and redo work after the restart.
    assert again.undo() is not None and again.redo() is not None
    again.delete(uneven, ["e0"])
    assert again.writer.bases_written == 0
    live = state(again)
    third = EditSession(journals)
    third.attach(open_dataset(uneven))
    third.attach(open_dataset(av1))
    assert state(third) == live
    assert sorted(pending_roots(journals)) == sorted([uneven.resolve(), av1.resolve()])
    assert stored_cursor(journals, uneven.resolve()) == len(third.journal(uneven).applied)


def test_a_torn_last_line_is_dropped_with_a_notice_and_earlier_edits_stay(
    uneven: Path, tmp_path: Path
) -> None:
    journals = tmp_path / "journals"
    s = EditSession(journals)
    s.attach(open_dataset(uneven))
    s.delete(uneven, ["e2"])
    s.trim(uneven, "e1", 5, 40)
    s.duplicate(uneven, "e0")
    before_last = state(s)
    s.move(uneven, "e3", 0)
    log = log_path(journal_path(journals, uneven))
    text = log.read_bytes()
    log.write_bytes(text[: -len(text.splitlines()[-1]) // 2 - 1])  # a crash half way through the last line

    again = EditSession(journals)
    notice = again.attach(open_dataset(uneven)) or ""
    assert "last pending edit of uneven was cut short" in notice and "restored 3 pending edit(s)" in notice
    assert state(again) == before_last
    # The torn line is gone from disk: the journal was rewritten clean, and later edits append.
    again.swap(uneven, "e0", "e1")
    live = state(again)
    third = EditSession(journals)
    assert "cut short" not in (third.attach(open_dataset(uneven)) or "")
    assert state(third) == live


def test_a_damaged_line_in_the_middle_keeps_the_edits_before_it(uneven: Path, tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    s = EditSession(journals)
    s.attach(open_dataset(uneven))
    s.delete(uneven, ["e2"])
    s.trim(uneven, "e1", 5, 40)
    after_two = state(s)
    s.duplicate(uneven, "e0")
    s.move(uneven, "e3", 0)
    log = log_path(journal_path(journals, uneven))
    lines = log.read_text().splitlines()
    lines[2] = lines[2][:10] + "#" + lines[2][11:]  # header, trim, then the duplicate's line
    log.write_text("\n".join(lines) + "\n")

    again = EditSession(journals)
    notice = again.attach(open_dataset(uneven)) or ""
    assert "log of uneven is damaged after 2 edit(s)" in notice, notice
    assert state(again) == after_two
    kept = list(journals.glob("*.stale-*.log"))
    assert len(kept) == 1 and "#" in kept[0].read_text(), "the damaged log is kept, not deleted"


def test_the_log_is_folded_into_a_new_base_when_it_outgrows_it(
    uneven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_store, "COMPACT_MIN_BYTES", 0)  # compact as soon as the log passes the base
    journals = tmp_path / "journals"
    s = EditSession(journals)
    s.attach(open_dataset(uneven))
    for k in range(60):
        s.trim(uneven, f"e{k % 4}", 1, 8 + k % 4)
        if k % 7 == 0:
            s.undo()
    assert s.writer.bases_written >= 3, "the log was compacted"
    base = journal_path(journals, uneven)
    assert log_path(base).stat().st_size <= base.stat().st_size + 2000
    live = state(s)
    again = EditSession(journals)
    assert f"restored {len(s.journal(uneven).applied)} pending edit(s)" in again.attach(open_dataset(uneven))
    assert state(again) == live


def test_a_format_1_journal_written_before_the_log_still_restores(uneven: Path, tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    data = json.loads((FIXTURES / "format1_uneven.json").read_text())
    assert data["format"] == 1 and "epoch" not in data
    root = uneven.resolve()
    data["root"], data["fingerprint"] = str(root), meta_fingerprint(root)
    path = journal_path(journals, root)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    assert stored_cursor(journals, root) == 4 and pending_roots(journals) == [root]

    s = EditSession(journals)
    assert "restored 4 pending edit(s) of uneven" in s.attach(open_dataset(uneven))
    expected = json.loads((FIXTURES / "format1_uneven.expected.json").read_text())
    assert [
        [e.uid, e.slice.source_episode, e.slice.start, e.slice.end, e.deleted] for e in s.episodes(root)
    ] == expected
    assert s.redo() == "set the task of episode 1 [5:40] to 'pick the cube'"
    # The next write turns it into a base with a log; a restart sees the same.
    live = state(s)
    again = EditSession(journals)
    again.attach(open_dataset(uneven))
    assert state(again) == live and json.loads(path.read_text())["format"] == 2


def test_edits_after_a_saving_marker_replaced_the_base_are_not_lost(uneven: Path, tmp_path: Path) -> None:
    """A save wrote its marker (a base of its own) and then failed: the session's next edits must
    not go into a log the marker's base disowns."""
    journals = tmp_path / "journals"
    s = EditSession(journals)
    s.attach(open_dataset(uneven))
    s.delete(uneven, ["e2"])
    s.trim(uneven, "e1", 5, 40)
    write_saving_marker(
        journals, json.loads(json.dumps(s.journal(uneven).to_json())), "a-save-that-never-landed"
    )
    s.duplicate(uneven, "e0")
    live = state(s)
    again = EditSession(journals)
    assert "restored 3 pending edit(s)" in again.attach(open_dataset(uneven))
    assert state(again) == live


def test_mark_saved_hashes_nothing_when_the_save_gives_its_fingerprint(
    uneven: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leropilot_gl.dataset.journal import session as session_module
    from leropilot_gl.dataset.save import save

    s = EditSession(tmp_path / "journals")
    s.attach(open_dataset(uneven))
    s.delete(uneven, ["e2"])

    def no_hashing(root: Path) -> str:
        raise AssertionError(f"mark_saved hashed meta/ of {root} on the session's thread")

    monkeypatch.setattr(session_module, "meta_fingerprint", no_hashing)
    result = save(s, uneven)  # calls mark_saved with the job's fingerprint
    assert result.fingerprint and s.journal(uneven).fingerprint == result.fingerprint
    assert not s.journal(uneven).dirty and not journal_path(s.journal_dir, uneven).exists()
    assert not log_path(journal_path(s.journal_dir, uneven)).exists()
