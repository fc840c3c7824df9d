"""The dataset watcher against LeRobot's own recorder, running in a second process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from leropilot_gl.dataset import open_dataset
from leropilot_gl.dataset.journal import EditError, EditSession
from leropilot_gl.dataset.save import save
from leropilot_gl.dataset.watch import (
    NEW,
    PENDING_MESSAGE,
    DatasetWatcher,
    parquet_complete,
    writer_activity,
)
from tests.conftest import REPO_ROOT, copy_dataset


def eventually(check, wait_s: float = 60.0) -> bool:
    """Polls check() until it holds (a child process needs a moment to start)."""
    end = time.monotonic() + wait_s
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def start_recorder(root: Path, count: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.record_more", str(root), str(count), *extra],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class RecorderLog:
    """Reads the recorder's stdout on a thread: when each episode was saved, when it finalized."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.saved: dict[int, float] = {}
        self.finalized: float | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            parts = line.split()
            if parts and parts[0] == "saved":
                self.saved[int(parts[1])] = float(parts[2])
            elif parts and parts[0] == "finalized":
                self.finalized = float(parts[1])

    def wait(self, timeout_s: float = 600) -> None:
        rc = self.proc.wait(timeout=timeout_s)
        self._thread.join(timeout=10)
        assert rc == 0, self.proc.stderr.read() if self.proc.stderr else rc


def test_each_recorded_episode_is_reported_once_and_never_read_half_written(
    sample_av1: Path, tmp_path: Path
) -> None:
    root = copy_dataset(sample_av1, tmp_path, "recording")
    index = open_dataset(root)
    watcher = DatasetWatcher(root, index)
    watcher.start()
    try:
        log = RecorderLog(start_recorder(root, 3, "--frames", "20", "--pause", "3"))
        events = []
        deadline = time.time() + 600
        while time.time() < deadline:
            events.extend(watcher.drain())
            if sum(e.kind == "ready" for e in events) >= 3:
                break
            if log.proc.poll() not in (None, 0):
                break
            time.sleep(0.05)
        log.wait()
    finally:
        watcher.stop()
    events.extend(watcher.drain())

    new = [e for e in events if e.kind == NEW]
    ready = [e for e in events if e.kind == "ready"]
    assert [e.episode_index for e in new] == [3, 4, 5], events  # each once, in order
    assert [e.episode_index for e in ready] == [3, 4, 5]
    for e in new:
        delay = e.at_s - log.saved[e.episode_index]
        assert delay < 3.0, f"episode {e.episode_index} reported {delay:.1f} s after it was saved"
        assert e.length == 20
        assert e.tasks == ("Record one more episode.",)
        assert e.problems == (PENDING_MESSAGE,)
        # shown at once as a row of the index, not usable until its rows can be read
        shown = e.index.episode(e.episode_index)
        assert not shown.usable and shown.length == 20
        assert [x.episode_index for x in e.index.episodes][:3] == [0, 1, 2]
        assert all(x.usable for x in e.index.episodes[:3])
    # rows became readable only once the recorder closed its files, and not before
    assert log.finalized is not None
    assert all(e.at_s >= log.finalized - 0.5 for e in ready)
    assert watcher.opened_at and all(t >= log.finalized - 0.5 for t in watcher.opened_at)
    final = ready[-1].index
    assert [e.episode_index for e in final.episodes] == [0, 1, 2, 3, 4, 5]
    assert all(e.usable for e in final.episodes)
    assert final.episode(4).tasks == ("Record one more episode.",)
    assert ready[0].problems == ()
    # and the episode plays: its rows read and its video position is in a file that exists
    ep = final.episode(5)
    assert ep.column("frame_index").tolist() == list(range(20))
    assert all(v.exists for v in ep.videos.values())


def test_racing_reads_are_retried_not_reported(sample_av1: Path, tmp_path: Path, request) -> None:
    root = copy_dataset(sample_av1, tmp_path, "racing")
    watcher = DatasetWatcher(root, open_dataset(root), use_file_events=False)
    info_path = root / "meta" / "info.json"
    whole = info_path.read_text()
    info = json.loads(whole)

    # info.json caught half rewritten (LeRobot rewrites it in place): nothing reported, retried
    info_path.write_text(whole[: len(whole) // 2])
    assert watcher.poll_once() == []
    assert watcher.retried_reads == 1

    # a data file being appended to (no footer): the new episode shows as pending, never read
    data = root / "data" / "chunk-000" / "file-001.parquet"
    head = (root / "data" / "chunk-000" / "file-000.parquet").read_bytes()
    data.write_bytes(head[: len(head) // 2])  # starts like parquet, no footer
    assert not parquet_complete(data)
    assert writer_activity(root) is None  # nobody writes it: a damaged file, not a recording
    # a recorder process holds it open while it appends, as LeRobot's writer does until finalize()
    recorder = subprocess.Popen(
        [sys.executable, "-c", "import sys; f = open(sys.argv[1], 'ab'); sys.stdin.read()", str(data)],
        stdin=subprocess.PIPE,
    )
    request.addfinalizer(lambda: (recorder.stdin.close(), recorder.wait()))
    assert eventually(lambda: writer_activity(root) is not None)
    info.update(total_episodes=4, total_frames=info["total_frames"] + 12)
    info_path.write_text(json.dumps(info))
    events = watcher.poll_once()
    assert [(e.kind, e.episode_index, e.length) for e in events] == [(NEW, 3, 12)]
    assert watcher.activity and "data/chunk-000/file-001.parquet is still being written" in watcher.activity
    assert watcher.poll_once() == []  # reported once
    assert watcher.opened_at == []  # the half-written file was never opened

    # saving while the recording writes is refused, with the reason, and nothing changes
    session = EditSession(tmp_path / "journals")
    session.attach(open_dataset(root))
    session.delete(root, ["e0"])
    with pytest.raises(
        EditError, match=r"racing cannot be saved now: data/chunk-000/file-001.parquet is still"
    ):
        save(session, root)
    assert (root / "meta" / "episodes" / "chunk-000" / "file-000.parquet").exists()
    assert session.journal(root).dirty
    assert pq.read_metadata(root / "data" / "chunk-000" / "file-000.parquet").num_rows == 90


def test_pending_edits_follow_a_growing_dataset(sample_av1: Path, tmp_path: Path) -> None:
    root = copy_dataset(sample_av1, tmp_path, "growing")
    session = EditSession(tmp_path / "journals")
    session.attach(open_dataset(root))
    session.delete(root, ["e1"])
    session.set_task(root, ["e2"], "checked")
    log = RecorderLog(start_recorder(root, 1, "--frames", "12", "--pause", "0"))
    log.wait()
    grown = open_dataset(root)
    from leropilot_gl.dataset.journal import meta_fingerprint

    assert session.grow(root, grown, meta_fingerprint(root)) is None
    kept = session.kept(root)
    assert [e.uid for e in kept] == ["e0", "e2", "e3"]  # the edits still name the same episodes
    assert kept[-1].length == 12
    save(session, root)
    saved = open_dataset(root)
    assert [e.length for e in saved.episodes] == [30, 30, 12]
    assert saved.episodes[1].tasks == ("checked",)
