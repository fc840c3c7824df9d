"""The pending-edit journal: every operation, undo/redo, persistence, and refusals that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import (
    COPIED,
    DUPLICATED,
    MOVED,
    TRIMMED,
    EditError,
    EditSession,
    journal_path,
)
from tests.conftest import copy_dataset, tree_checksum


def session_with(tmp_path: Path, *roots: Path) -> EditSession:
    session = EditSession(tmp_path / "journals")
    for root in roots:
        assert session.attach(open_dataset(root)) is None
    return session


def summary(session: EditSession, root: Path) -> list[tuple[str, int, int, int, bool]]:
    return [
        (e.uid, e.slice.source_episode, e.slice.start, e.slice.end, e.deleted) for e in session.episodes(root)
    ]


def test_every_single_dataset_operation_and_undo_redo(uneven: Path, tmp_path: Path) -> None:
    s = session_with(tmp_path, uneven)
    start = summary(s, uneven)
    assert [x[1:4] for x in start] == [(0, 0, 20), (1, 0, 45), (2, 0, 12), (3, 0, 33)]

    s.delete(uneven, ["e2"])
    s.trim(uneven, "e1", 5, 40)
    s.move(uneven, "e3", 0)
    s.swap(uneven, "e0", "e1")
    dup = s.duplicate(uneven, "e0")
    carved = s.carve(uneven, "e3", [(0, 10), (20, 33)])
    after = summary(s, uneven)
    assert after == [
        ("e3", 3, 0, 33, False),
        *[(u, 3, a, b, False) for u, (a, b) in zip(carved, [(0, 10), (20, 33)], strict=True)],
        ("e1", 1, 5, 40, False),
        ("e0", 0, 0, 20, False),
        (dup, 0, 0, 20, False),
        ("e2", 2, 0, 12, True),
    ]
    by_uid = {e.uid: e for e in s.episodes(uneven)}
    assert TRIMMED in by_uid["e1"].badges and MOVED in by_uid["e1"].badges
    assert DUPLICATED in by_uid[dup].badges and DUPLICATED in by_uid[carved[0]].badges
    assert [e.uid for e in s.kept(uneven)] == [x[0] for x in after if not x[4]]

    # Undo everything step by step, then redo everything: the same list each way.
    history = []
    while s.can_undo:
        history.append(summary(s, uneven))
        assert s.undo() is not None
    assert summary(s, uneven) == start and s.undo() is None
    while s.can_redo:
        assert s.redo() is not None
    assert summary(s, uneven) == after

    s.restore(uneven, ["e2"])
    assert not any(e.deleted for e in s.episodes(uneven))
    # Trim can be widened back to the whole episode: the badge goes away.
    s.trim(uneven, "e1", 0, 45)
    assert TRIMMED not in {e.uid: e for e in s.episodes(uneven)}["e1"].badges


def test_new_operation_drops_the_redo_branch(uneven: Path, tmp_path: Path) -> None:
    s = session_with(tmp_path, uneven)
    s.delete(uneven, ["e0"])
    s.delete(uneven, ["e1"])
    s.undo()
    assert s.can_redo
    s.trim(uneven, "e3", 1, 2)
    assert not s.can_redo
    assert [c.label for c in s.changes(uneven)] == ["delete episode 0", "trim episode 3 to frames 1..1"]


def test_copy_move_across_datasets_and_refusal_when_schemas_differ(
    uneven: Path, av1: Path, sample_h264: Path, tmp_path: Path
) -> None:
    h264 = copy_dataset(sample_h264, tmp_path, "h264")
    s = session_with(tmp_path, uneven, av1, h264)
    copied = s.copy(av1, ["e1"], uneven, position=0)
    moved = s.copy(av1, ["e2"], uneven, move=True)
    eps = s.episodes(uneven)
    assert (eps[0].uid, eps[0].slice.source_root, eps[0].slice.source_episode) == (copied[0], str(av1), 1)
    assert COPIED in eps[0].badges
    assert (eps[-1].uid, eps[-1].slice.source_episode, MOVED in eps[-1].badges) == (moved[0], 2, True)
    assert {e.uid: e.deleted for e in s.episodes(av1)}["e2"] is True
    # One undo takes back both halves of the move.
    s.undo()
    assert len(s.episodes(uneven)) == 5 and not any(e.deleted for e in s.episodes(av1))
    s.redo()
    assert s.blocking_dependants(av1) == [uneven.resolve()]
    assert s.save_order() == [uneven.resolve(), av1.resolve()]

    before = (summary(s, uneven), summary(s, h264), [c.label for c in s.changes()])
    with pytest.raises(EditError) as err:
        s.copy(h264, ["e0"], uneven)
    message = str(err.value)
    assert "observation.images.top" in message and "[96, 128, 3]" in message and "[64, 96, 3]" in message
    assert (summary(s, uneven), summary(s, h264), [c.label for c in s.changes()]) == before


def test_create_merge_split(uneven: Path, av1: Path, tmp_path: Path) -> None:
    s = session_with(tmp_path, uneven, av1)
    new = s.create_empty(tmp_path / "merged", uneven)
    assert s.episodes(new) == [] and s.journal(new).dirty and not new.exists()
    s.merge(new, [uneven, av1])
    assert [(e.slice.source_root, e.slice.source_episode) for e in s.episodes(new)] == [
        *[(str(uneven), i) for i in range(4)],
        *[(str(av1), i) for i in range(3)],
    ]
    parts = s.split(uneven, {"train": 0.75, "val": 0.25}, tmp_path / "splits")
    assert [[e.slice.source_episode for e in s.episodes(p)] for p in parts] == [[0, 1, 2], [3]]
    by_list = s.split(av1, {"a": ["e2"], "b": ["e0", "e1"]}, tmp_path / "splits2")
    assert [[e.slice.source_episode for e in s.episodes(p)] for p in by_list] == [[2], [0, 1]]
    with pytest.raises(EditError, match="more than one split"):
        s.split(av1, {"a": ["e0"], "b": ["e0"]}, tmp_path / "splits3")
    # Undo of a split forgets both new lists' contents in one step.
    s.undo()
    assert all(s.episodes(p) == [] for p in by_list)


def test_invalid_operations_change_nothing(uneven: Path, tmp_path: Path) -> None:
    before_disk = tree_checksum(uneven)
    s = session_with(tmp_path, uneven)
    s.trim(uneven, "e0", 2, 10)
    state = (summary(s, uneven), json.loads(journal_path(s.journal_dir, uneven).read_text()))
    attempts = [
        ("outside episode 2", lambda: s.trim(uneven, "e2", 0, 13)),
        ("outside episode 2", lambda: s.trim(uneven, "e2", 5, 5)),
        ("outside the episode", lambda: s.carve(uneven, "e2", [(0, 4), (10, 99)])),
        ("every episode", lambda: s.delete(uneven, ["e0", "e1", "e2", "e3"])),
        ("does not exist", lambda: s.uid_of(uneven, 7)),
        ("no episode with id", lambda: s.delete(uneven, ["e9"])),
        ("outside the list", lambda: s.move(uneven, "e1", 4)),
        ("not an open dataset", lambda: s.delete(tmp_path / "nowhere", ["e0"])),
    ]
    for expected, attempt in attempts:
        with pytest.raises(EditError, match=expected):
            attempt()
        assert (summary(s, uneven), json.loads(journal_path(s.journal_dir, uneven).read_text())) == state
    s.delete(uneven, ["e0", "e1", "e2"])
    with pytest.raises(EditError, match="every episode"):
        s.delete(uneven, ["e3"])
    assert tree_checksum(uneven) == before_disk, "editing must not touch the dataset before Save"


def test_journal_survives_a_restart(uneven: Path, av1: Path, tmp_path: Path) -> None:
    s = session_with(tmp_path, uneven, av1)
    s.delete(uneven, ["e1"])
    s.copy(av1, ["e0"], uneven, position=1)
    s.trim(uneven, "e3", 3, 30)
    new = s.create_empty(tmp_path / "fresh", av1)
    s.copy(av1, ["e2"], new)
    s.undo()
    expected = {r: summary(s, r) for r in (uneven, av1, new)}
    labels = [(c.label, c.applied) for c in s.changes()]

    restarted = EditSession(tmp_path / "journals")
    notice = restarted.attach(open_dataset(uneven))
    assert "restored 3 pending edit(s) of uneven" in notice
    assert "fresh" in restarted.attach(open_dataset(av1))
    assert {r: summary(restarted, r) for r in (uneven, av1, new)} == expected
    assert [(c.label, c.applied) for c in restarted.changes()] == labels
    # The undone copy can still be redone after the restart.
    assert restarted.redo() is not None and [e.slice.source_episode for e in restarted.episodes(new)] == [2]

    restarted.discard(new)
    restarted.discard(uneven)
    assert (
        summary(restarted, uneven)[0][1:4] == (0, 0, 20)
        and not journal_path(restarted.journal_dir, uneven).exists()
    )


def test_journal_for_a_dataset_changed_on_disk_is_set_aside(uneven: Path, tmp_path: Path) -> None:
    s = session_with(tmp_path, uneven)
    s.delete(uneven, ["e1"])
    info = uneven / "meta" / "info.json"
    info.write_text(info.read_text().replace('"robot_type": "so101_follower"', '"robot_type": "so101"'))
    restarted = EditSession(tmp_path / "journals")
    notice = restarted.attach(open_dataset(uneven))
    assert "changed on disk" in notice and "not applied" in notice
    assert not restarted.journal(uneven).dirty
    assert list((tmp_path / "journals").glob("*.stale-*.json")), "the old journal is kept, not deleted"


def test_background_writes_land_in_order(uneven: Path, tmp_path: Path) -> None:
    s = EditSession(tmp_path / "journals", background_writes=True)
    s.attach(open_dataset(uneven))
    for start in range(1, 11):
        s.trim(uneven, "e1", start, 40)
    s.undo()
    s.flush()
    restarted = EditSession(tmp_path / "journals")
    restarted.attach(open_dataset(uneven))
    assert restarted.episodes(uneven)[1].slice.start == 9 and restarted.can_redo
