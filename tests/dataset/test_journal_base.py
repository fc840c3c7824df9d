"""The journal's base (the episodes on disk as untouched working episodes): made off the thread
that owns the session after a save and swapped in, made again only for the episodes that changed,
and an on-disk episode found near its own position."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import (
    EditError,
    EditSession,
    EpisodeSlice,
    PreparedSave,
    WorkingEpisode,
    apply_op,
    base_episodes,
    find_position,
    open_for_edit,
    prepare_saved,
)
from leropilot_gl.dataset.journal.ops import BaseEpisodes, paused_gc
from leropilot_gl.dataset.save import save
from tests.conftest import copy_dataset


@pytest.fixture
def uneven(sample_uneven: Path, tmp_path: Path) -> Path:
    return copy_dataset(sample_uneven, tmp_path, "uneven").resolve()


def made_by_constructors(root: Path, lengths: list[int]) -> list[WorkingEpisode]:
    return [WorkingEpisode(f"e{i}", EpisodeSlice(str(root), i, 0, n), n) for i, n in enumerate(lengths)]


def on_a_worker(fn):  # noqa: ANN001, ANN201 - any callable, its result
    out = []
    worker = threading.Thread(target=lambda: out.append(fn()))
    worker.start()
    worker.join()
    return out[0]


def test_base_equals_the_constructors_and_hashes_the_same(uneven: Path) -> None:
    base = base_episodes(open_dataset(uneven))
    expected = made_by_constructors(uneven, [20, 45, 12, 33])
    assert base == expected
    assert [hash(e) for e in base] == [hash(e) for e in expected]
    assert {e: i for i, e in enumerate(base)}[expected[2]] == 2
    assert not base[0].deleted and base[0].badges == frozenset() and not base[0].trimmed


def test_a_save_swaps_in_the_journal_made_on_the_worker(uneven: Path, tmp_path: Path) -> None:
    s = EditSession(tmp_path / "journals")
    s.attach(open_for_edit(uneven))
    s.trim(uneven, "e2", 1, 10)
    before = s.journal(uneven).base
    result = save(s, uneven, finish=False)  # as the app's save job: the session is not touched
    prepared = on_a_worker(lambda: s.prepare_saved(uneven, result.index, result.fingerprint, before))
    assert isinstance(prepared, PreparedSave)
    s.mark_saved(uneven, result.index, result.fingerprint, prepared=prepared)

    j = s.journal(uneven)
    assert j is prepared.journal and s.indexes[str(uneven)] is result.index
    assert not j.dirty and j.fingerprint == result.fingerprint
    assert j.working() == made_by_constructors(uneven, [20, 45, 9, 33])
    # the episodes whose index and length did not change are the old ones; the trimmed one is new
    assert [j.base[i] is before[i] for i in range(4)] == [True, True, False, True]
    # the fresh journal edits, saves and reads back as any other
    s.delete(uneven, ["e0"])
    save(s, uneven)
    assert [e.length for e in open_dataset(uneven).episodes] == [45, 9, 33]
    assert s.journal(uneven).working() == made_by_constructors(uneven, [45, 9, 33])


def test_a_journal_prepared_for_another_index_is_not_swapped_in(uneven: Path, tmp_path: Path) -> None:
    s = EditSession(tmp_path / "journals")
    s.attach(open_for_edit(uneven))
    s.delete(uneven, ["e1"])
    result = save(s, uneven, finish=False)
    stale = prepare_saved(uneven, open_for_edit(uneven), result.fingerprint)  # another index object
    s.mark_saved(uneven, result.index, result.fingerprint, prepared=stale)
    j = s.journal(uneven)
    assert j is not stale.journal and s.indexes[str(uneven)] is result.index
    assert j.working() == made_by_constructors(uneven, [20, 12, 33])


def test_reuse_takes_only_unchanged_episodes(uneven: Path) -> None:
    index = open_dataset(uneven)
    full = base_episodes(index)
    # a base of the first two episodes (a dataset that then grew by recording two more)
    short = BaseEpisodes(full[:2])
    short.columns = (full.columns[0], full.columns[1][:2], full.columns[2][:2])
    grown = base_episodes(index, reuse=short)
    assert grown == full and grown[0] is full[0] and grown[1] is full[1] and grown[2] is not full[2]
    # another root's base, or a plain list without columns, is not taken from
    other = base_episodes(index, "/elsewhere")
    assert all(a is not b for a, b in zip(base_episodes(index, reuse=other), other, strict=True))
    assert all(a is not b for a, b in zip(base_episodes(index, reuse=list(full)), full, strict=True))
    assert base_episodes(index, reuse=full) == full


def test_grow_makes_only_the_new_episodes(uneven: Path, tmp_path: Path) -> None:
    s = EditSession(tmp_path / "journals")
    index = open_for_edit(uneven)
    s.attach(index)
    s.trim(uneven, "e1", 3, 40)
    before = s.journal(uneven).base
    again = open_for_edit(uneven)  # the same episodes read again (a recording appends to them)
    assert s.grow(uneven, again) is None
    j = s.journal(uneven)
    assert all(a is b for a, b in zip(j.base, before, strict=True))
    assert [(e.uid, e.slice.start, e.slice.end) for e in j.working()][1] == ("e1", 3, 40)


def test_find_position_near_and_far(uneven: Path) -> None:
    base = base_episodes(open_dataset(uneven), str(uneven))
    many = [
        {
            "uid": f"n{k}",
            "source_root": str(uneven),
            "source_episode": 0,
            "start": 0,
            "end": 5,
            "source_length": 20,
        }
        for k in range(40)
    ]
    shifted = apply_op(base, {"kind": "insert", "at": 0, "episodes": many})  # e<n> now 40 further on
    moved = apply_op(base, {"kind": "move", "uid": "e3", "to": 0})
    for episodes in (base, shifted, moved):
        for i, e in enumerate(episodes):
            assert find_position(episodes, e.uid) == i
    with pytest.raises(EditError, match="no episode with id 'e9'"):
        find_position(base, "e9")
    assert find_position(shifted, "n39") == 39


def test_attach_warms_the_lists_on_the_worker(uneven: Path, tmp_path: Path) -> None:
    s = EditSession(tmp_path / "journals")
    prepared = on_a_worker(lambda: s.prepare_attach(open_for_edit(uneven)))
    s.finish_attach(prepared)
    j = s.journal(uneven)
    assert j is prepared.journal
    assert j.working() is j.base  # a clean journal's working list is its base, not a copy
    assert j.kept_view() is j.kept_view() and len(j.kept_view()) == 4
    assert j.position_of("e3") == 3 and j.first_playing(str(uneven), 2) == 2


def test_paused_gc_puts_the_collector_back_as_it_was() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
