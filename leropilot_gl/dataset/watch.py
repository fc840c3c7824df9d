"""Watch a local dataset while another process (lerobot-record) writes it. No imgui, no GL.

What LeRobot writes while it records (0.4.4, and the same in 0.6.1 whose recorder was split into a
DatasetWriter): every `save_episode` rewrites meta/info.json (totals) and meta/stats.json in
place, and meta/tasks.parquet when a task is new; the data rows go to a parquet file that has no
footer until the writer closes it (at `finalize()`, or when the file reaches its size limit); the
rows of meta/episodes are buffered and also land in a footer-less file until `finalize()`; a
resumed recording starts new `file-NNN` data, episode and video files. Videos are encoded into
temporary folders inside the dataset (`tmp*/`, streamed frame by frame in 0.6.1 and in 0.4.4 with
streaming encoding; from PNGs under images/ otherwise) and moved or concatenated into
videos/ at `save_episode`.

So a new episode shows first in info.json's totals: the watcher reports it at once ("new", data
pending) with what is known (its index, its length when it is the only new one, its task when
the task list says), and reopens the dataset only when no parquet file is being written any more
and the files have stopped changing ("ready"). A parquet file is read only after its footer is
there; a file that changes under a read is read again on the next poll, never reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.model import DatasetIndex, EpisodeIndex
from leropilot_gl.dataset.problems import DatasetProblem, Severity
from leropilot_gl.dataset.tasks import TaskListState

PENDING_MESSAGE = "recording: data pending (the recorder has not closed the data file yet)"
NEW, RECORDING = "new", "recording"  # marks an episode can carry in the tree
_PARQUET_MAGIC = b"PAR1"
_IMAGES_DIR = "images"
_RECENT_S = 30.0  # PNG frames newer than this mean a recording is encoding them


def parquet_complete(path: Path) -> bool:
    """True when the file has both parquet magics and a footer that fits: the writer closed it.

    Reads 12 bytes; a file still being written (no footer yet) is never parsed."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size < 12:
                return False
            f.seek(size - 8)
            tail = f.read(8)
    except OSError:
        return False
    footer_len = int.from_bytes(tail[:4], "little")
    return head == _PARQUET_MAGIC and tail[4:] == _PARQUET_MAGIC and 0 < footer_len <= size - 12


def _parquet_files(root: Path) -> list[Path]:
    out = []
    for folder in (L.DATA_DIR, L.EPISODES_V3_DIR):
        out.extend(sorted((root / folder).glob("chunk-*/file-*.parquet")))
    return out


def writer_activity(root: str | Path) -> str | None:
    """Why another process looks to be writing the dataset right now, or None.

    Seen from the files: a data or episode parquet file without its footer that another process
    holds open (LeRobot keeps its writers open until finalize(); a footer-less file nobody holds is
    a damaged file, which the reader and Save report on their own), an episode video being encoded
    in a temporary folder, or camera frames just written under images/."""
    root = Path(root)
    for path in _parquet_files(root):
        if not parquet_complete(path) and held_open_elsewhere(path):
            rel = path.relative_to(root).as_posix()
            return (
                f"{rel} is still being written (no parquet footer yet): a recording is adding "
                f"episodes to {root.name}"
            )
    with contextlib.suppress(OSError):
        for entry in root.iterdir():
            if entry.is_dir() and entry.name.startswith("tmp") and any(entry.glob("*.mp4")):
                return (
                    f"an episode video is being encoded in {entry.name}/: a recording is writing {root.name}"
                )
    images = root / _IMAGES_DIR
    if images.is_dir():
        now = time.time()
        with contextlib.suppress(OSError):
            for path in images.rglob("*.png"):
                if now - path.stat().st_mtime < _RECENT_S:
                    return f"camera frames are being written under {_IMAGES_DIR}/: a recording is writing {root.name}"
    return None


def held_open_elsewhere(path: Path) -> bool:
    """Whether a process other than this one has the file open (processes we may not inspect are
    passed over)."""
    import psutil

    target = os.path.realpath(path)
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            if any(f.path == target for f in proc.open_files()):
                return True
        except (psutil.Error, OSError):
            continue
    return False


def read_info(root: Path) -> dict[str, Any] | None:
    """info.json, or None while it is missing or half rewritten (LeRobot rewrites it in place)."""
    try:
        data = json.loads((root / L.INFO_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_tasks(root: Path) -> list[str] | None:
    """The task texts of meta/tasks.parquet in task_index order; None while it is not complete."""
    import pyarrow.parquet as pq

    path = root / L.TASKS_V3_PATH
    if not parquet_complete(path):
        return None
    try:
        table = pq.read_table(path)
    except Exception:  # rewritten under the read: try again on the next poll
        return None
    names = table.schema.names
    text = "task" if "task" in names else next((n for n in names if n != L.TASK_INDEX), None)
    if text is None or L.TASK_INDEX not in names:
        return None
    pairs = sorted(zip(table.column(L.TASK_INDEX).to_pylist(), table.column(text).to_pylist(), strict=True))
    return [str(t) for _, t in pairs]


@dataclass(frozen=True)
class WatchEvent:
    """One change: an episode that appeared ("new", data pending) or whose rows became readable
    ("ready"). `index` is the dataset as it should now be shown (placeholders for pending ones)."""

    kind: str  # NEW or "ready"
    root: Path
    episode_index: int
    length: int | None
    tasks: tuple[str, ...]
    problems: tuple[str, ...]
    at_s: float  # time.time() when the watcher saw it
    index: DatasetIndex | None = field(default=None, repr=False, compare=False)
    fingerprint: str = ""  # meta fingerprint of the reopened dataset ("ready" only)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "dataset": str(self.root),
            "episode_index": self.episode_index,
            "length": self.length,
            "tasks": list(self.tasks),
            "problems": list(self.problems),
            "data": "pending" if self.kind == NEW else "readable",
        }


class DatasetWatcher:
    """Watches one dataset folder; events come out of `events` (a bounded queue), in order.

    `index`: the dataset as it is shown now (its episodes count as known). Without one, the
    episodes info.json lists when the watcher starts count as known. File events (watchdog) wake
    the watcher at once; it also polls every `interval_s`, which is all it does where the
    platform has no file events."""

    def __init__(
        self,
        root: str | Path,
        index: DatasetIndex | None = None,
        *,
        interval_s: float = 0.5,
        use_file_events: bool = True,
        settle_s: float = 0.3,
    ) -> None:
        self.root = Path(root).expanduser().resolve()
        self.index = index
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.use_file_events = use_file_events
        self.events: queue.Queue[WatchEvent] = queue.Queue(maxsize=10_000)
        self.activity: str | None = None  # writer_activity at the last poll (read by the UI as is)
        self.retried_reads = 0  # reads that raced a write and were retried
        self.file_events = False  # True once watchdog is delivering events
        self.opened_at: list[float] = []  # when the watcher reopened the dataset (tests check it)
        if index is not None:
            # from the index's columns: no per-episode object (100,000 episodes, on the UI thread)
            pending = [
                p.episode_index
                for p in index.problems
                if p.message == PENDING_MESSAGE and p.episode_index is not None
            ]
            real = ~np.isin(index.table.episode_index, np.array(pending, dtype=np.int64))
            self._known = set(index.table.episode_index[real].tolist())
            self._frames_seen = int(index.table.length[real].sum())
        else:
            info = read_info(self.root) or {}
            self._known = set(range(int(info.get("total_episodes") or 0)))
            self._frames_seen = int(info.get("total_frames") or 0)
        self._pending: dict[int, WatchEvent] = {}  # reported new, rows not readable yet
        self._tasks_seen: list[str] | None = None  # read on the watcher's thread (start)
        self._recording_task: str | None = None
        self._last_signature: tuple | None = None
        self._opened_signature: tuple | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start watching on a thread of its own (all file work happens there, never here)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"watch:{self.root.name}", daemon=True)
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop watching; wait=False returns at once (the UI), the thread ends on its own."""
        self._stop.set()
        self._wake.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _start_observer(self) -> None:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # polling alone still works
            return
        wake = self._wake

        class _Wake(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:  # noqa: ARG002
                wake.set()

        try:
            observer = Observer()
            observer.schedule(_Wake(), str(self.root), recursive=True)
            observer.daemon = True
            observer.start()
        except Exception:  # no inotify watches left, a network folder...: poll instead
            return
        self._observer = observer
        self.file_events = True

    def _run(self) -> None:
        if self._tasks_seen is None:
            self._tasks_seen = read_tasks(self.root)
        if self.use_file_events:
            self._start_observer()
        try:
            self._loop()
        finally:
            if self._observer is not None:
                with contextlib.suppress(Exception):
                    self._observer.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                events = self.poll_once()
            except Exception:  # a file vanished mid-poll (a save swapping folders): next poll
                self.retried_reads += 1
                events = []
            for event in events:
                with contextlib.suppress(queue.Full):
                    self.events.put_nowait(event)
            unsettled = self._last_signature != self._opened_signature and self._pending
            # with file events a change wakes the thread at once: polling is only a safety net then
            idle_s = self.interval_s * 4 if self.file_events else self.interval_s
            self._wake.wait(self.settle_s if unsettled else idle_s)
            self._wake.clear()

    def drain(self) -> list[WatchEvent]:
        """Events so far, without waiting (the UI calls this once per frame)."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    # ------------------------------------------------------------------ one look at the folder
    def poll_once(self) -> list[WatchEvent]:
        """Compare the folder with what is known; returns the events (also used by tests directly)."""
        info = read_info(self.root)
        if info is None:
            if (self.root / L.INFO_PATH).exists():
                self.retried_reads += 1  # caught mid-rewrite: the next poll reads it whole
            return []
        self.activity = writer_activity(self.root)
        events = self._new_episodes(info)
        events.extend(self._ready_episodes())
        return events

    def _new_episodes(self, info: dict[str, Any]) -> list[WatchEvent]:
        total = int(info.get("total_episodes") or 0)
        frames = int(info.get("total_frames") or 0)
        fresh = [i for i in range(total) if i not in self._known and i not in self._pending]
        if not fresh:
            self._frames_seen = max(self._frames_seen, frames)
            return []
        tasks = read_tasks(self.root)
        if tasks is None and (self.root / L.TASKS_V3_PATH).exists():
            self.retried_reads += 1
        length = frames - self._frames_seen if len(fresh) == 1 else None
        # lerobot-record gives every episode of a session one task: a task that appears with a new
        # episode is the session's, until another appears
        guess: tuple[str, ...] = ()
        if tasks is not None and len(tasks) == 1:
            guess = (tasks[0],)
        elif tasks is not None and self._tasks_seen is not None:
            added = (
                tasks[len(self._tasks_seen) :] if tasks[: len(self._tasks_seen)] == self._tasks_seen else []
            )
            if len(added) == 1:
                self._recording_task = added[0]
            elif added:
                self._recording_task = None
            guess = (self._recording_task,) if self._recording_task else ()
        if tasks is not None:
            self._tasks_seen = tasks
        self._frames_seen = frames
        now = time.time()
        events = []
        for i in fresh:
            event = WatchEvent(NEW, self.root, i, length, guess, (PENDING_MESSAGE,), now)
            self._pending[i] = event
            events.append(event)
        if self.index is not None:
            self.index = with_placeholders(self.index, list(self._pending.values()), info)
            events = [replace(e, index=self.index) for e in events]
        return events

    def _signature(self) -> tuple:
        out = []
        for path in [*_parquet_files(self.root), self.root / L.TASKS_V3_PATH, self.root / L.INFO_PATH]:
            with contextlib.suppress(OSError):
                st = path.stat()
                out.append((path.name, path.parent.name, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def _ready_episodes(self) -> list[WatchEvent]:
        if not self._pending:
            return []
        if self.activity is not None:
            self._last_signature = None
            return []
        signature = self._signature()
        settled = signature == self._last_signature
        self._last_signature = signature
        if not settled or signature == self._opened_signature:
            return []  # still changing (or nothing new since the last reopen): look again soon
        from leropilot_gl.dataset.journal import meta_fingerprint, remember_fingerprint
        from leropilot_gl.dataset.open import open_dataset

        try:
            fingerprint = meta_fingerprint(self.root)  # before the read: a change after it is caught
            index = remember_fingerprint(open_dataset(self.root), fingerprint)
        except Exception:  # raced a writer that started again: the next settled poll retries
            self.retried_reads += 1
            return []
        if self._signature() != signature:  # files changed while we read them: read again
            self.retried_reads += 1
            return []
        self._opened_signature = signature
        self.opened_at.append(time.time())
        self.index = index
        now = time.time()
        events = []
        for ep in index.episodes:
            i = ep.episode_index
            if i in self._pending:
                del self._pending[i]
                self._known.add(i)
                problems = tuple(str(p) for p in ep.problems)
                events.append(
                    WatchEvent("ready", self.root, i, ep.length, ep.tasks, problems, now, index, fingerprint)
                )
        self._frames_seen = max(self._frames_seen, index.total_frames)
        return events


def _is_placeholder(ep: EpisodeIndex) -> bool:
    return any(p.message == PENDING_MESSAGE for p in ep.problems)


def with_placeholders(index: DatasetIndex, pending: list[WatchEvent], info: dict[str, Any]) -> DatasetIndex:
    """The index plus one row per episode whose data is pending (unusable until it is readable).

    The placeholder points at no file, so nothing tries to read the one being written."""
    old = {p.episode_index for p in index.problems if p.message == PENDING_MESSAGE}
    keep = ~np.isin(
        index.table.episode_index, np.array(sorted(e for e in old if e is not None), dtype=np.int64)
    )
    have = set(index.table.episode_index[keep].tolist())
    problems = [p for p in index.problems if p.message != PENDING_MESSAGE]
    added = []
    for event in sorted(pending, key=lambda e: e.episode_index):
        if event.episode_index in have:
            continue
        have.add(event.episode_index)
        problems.append(DatasetProblem(Severity.ERROR, PENDING_MESSAGE, episode_index=event.episode_index))
        added.append((event.episode_index, event.length or 0, tuple(event.tasks)))
    table = index.table.with_rows(keep, added, index.root / ".recording-pending")
    return replace(index, table=table, problems=problems, info=dict(info))


@dataclass
class WatchState:
    """The app's watchers (one per open local dataset) and what the tree shows of them."""

    enabled: bool = True
    follow_new: bool = False  # select each new episode as it lands
    watchers: dict[Path, DatasetWatcher] = field(default_factory=dict)
    shown: dict[Path, DatasetIndex] = field(
        default_factory=dict
    )  # the index each watcher started from or emitted
    marks: dict[Path, dict[int, str]] = field(default_factory=dict)  # root -> episode -> NEW / RECORDING
    task_list: TaskListState = field(default_factory=TaskListState)  # the task list panel beside Details

    def mark(self, root: Path, episode_index: int) -> str | None:
        marks = self.marks.get(Path(root))  # the app's roots are resolved already: no syscall per row
        if marks is None and self.marks:
            marks = self.marks.get(Path(root).resolve())
        return (marks or {}).get(episode_index)

    def stop_all(self) -> None:
        for watcher in self.watchers.values():
            watcher.stop(wait=False)  # never holds up the exit: the threads are daemons
        self.watchers.clear()
