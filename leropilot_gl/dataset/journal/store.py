"""Journal files: where they live, how they are written and read back.

A journal on disk is a base snapshot `<key>.json` (the whole journal, written at the first edit,
on compaction and by the saving marker) plus an append-only log `<key>.log`: a header line naming
the base's epoch, then one JSON line per change ({"cut": n, "ops": [...], "cursor": c}), each
fsynced. An edit costs one short line, not a rewrite of a file that holds a signature per episode.
A log whose header does not name the base's epoch belongs to an older base and is ignored, so
replacing or removing the base (a save, `hub.clear_pending_edits`) needs no care for the log.
The per-episode signatures (only read when the dataset changed on disk under its edits) go to a
sidecar `<key>.sigs` written once per dataset fingerprint, so a new base stays small.
Format 1 files (one JSON file rewritten per edit, no epoch) read as a base without a log.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leropilot_gl.dataset.fsio import atomic_write_text
from leropilot_gl.paths import user_config_dir

JOURNAL_DIR_ENV = "LEROPILOT_GL_JOURNAL_DIR"
COMPACT_MIN_BYTES = 1 << 20  # a log is folded into a new base past max(this, the base's size)
_HEAD_KEYS = ("root", "on_disk", "fingerprint", "template_root", "schema", "saving", "info")


def default_journal_dir() -> Path:
    env = os.environ.get(JOURNAL_DIR_ENV)
    if env:
        return Path(env)
    return user_config_dir() / "journals"


def journal_path(journal_dir: Path, root: Path) -> Path:
    """The base file of root's journal (its log sits beside it: log_path)."""
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:20]
    return Path(journal_dir) / f"{key}.json"


def log_path(path: Path) -> Path:
    return Path(path).with_suffix(".log")


def sigs_path(path: Path) -> Path:
    return Path(path).with_suffix(".sigs")


def write_saving_marker(journal_dir: Path | None, snapshot: dict[str, Any], new_fingerprint: str) -> None:
    """Record, before a swap, what the dataset will look like once the save has landed (from the
    plan's frozen copy of the journal: the save job never reads the live session). The marker is a
    base without an epoch: any log beside it is from before and is ignored."""
    if journal_dir is None or not snapshot:
        return
    data = dict(snapshot, saving=new_fingerprint)
    data.pop("epoch", None)
    atomic_write_text(journal_path(journal_dir, Path(snapshot["root"])), json.dumps(data, indent=1))


def remove_journal(path: Path) -> None:
    Path(path).unlink(missing_ok=True)
    log_path(path).unlink(missing_ok=True)
    sigs_path(path).unlink(missing_ok=True)


def load_sigs(path: Path, data: dict[str, Any]) -> dict[str, list[Any]] | None:
    """The signatures of the episodes the journal's edits were made on: inline (format 1, a
    saving marker) or from the sidecar written for the same fingerprint; None when unknown."""
    if isinstance(data.get("sigs"), dict):
        return data["sigs"]
    try:
        side = json.loads(sigs_path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(side, dict) or side.get("fingerprint") != data.get("fingerprint"):
        return None
    return side.get("sigs") if isinstance(side.get("sigs"), dict) else None


def peek_field(path: Path, key: str) -> Any:
    """A scalar field written near the start of a JSON file, read without parsing the whole
    file (a base or a sidecar written by this module puts them first); None when not found."""
    try:
        with open(path, "rb") as f:
            head = f.read(8192).decode("utf-8", "replace")
    except OSError:
        return None
    value = r'("(?:[^"\\]|\\.)*"|true|false|null|-?\d+)'  # a JSON string, boolean, null or integer
    match = re.search(f'"{re.escape(key)}":\\s*' + value, head)
    return json.loads(match.group(1)) if match else None


# ---------------------------------------------------------------------- reading
class JournalUnreadable(ValueError):
    """The base file cannot be parsed or lacks ops/cursor; the message says why."""


@dataclass
class LogState:
    """What the writer needs to append to an existing log instead of writing a new base."""

    epoch: str
    base_id: tuple[int, int, int]  # (inode, size, mtime) of the base the log extends
    base_bytes: int
    head: tuple[Any, ...]  # the base's fields other than ops and cursor
    seqs: list[int] = field(default_factory=list)  # the seq of each op, as last written
    cursor: int = 0
    log_bytes: int = 0


@dataclass
class StoredJournal:
    data: dict[str, Any]  # the base with the log's changes applied (ops, cursor)
    notice: str | None  # a torn or damaged log, said in one line
    log: LogState | None  # None: the next write must be a whole new base (format 1, a damaged log)


def read_journal(path: Path, *, keep_damaged_log: bool = False) -> StoredJournal:
    """The journal at path (base + log). Raises OSError when unreadable, JournalUnreadable when
    the base is damaged; a damaged log loses only the lines from the damage on, and with
    keep_damaged_log (the restore, not a listing) is moved aside to be kept."""
    raw = Path(path).read_bytes()
    base_id = _file_id(path)
    try:
        data = json.loads(raw)
        ops, cursor = list(data["ops"]), int(data["cursor"])
    except (ValueError, KeyError, TypeError) as exc:
        raise JournalUnreadable(str(exc) or type(exc).__name__) from None
    epoch = data.pop("epoch", None)
    if not epoch:
        return StoredJournal(data, None, None)
    state = LogState(epoch, base_id, len(raw), journal_head(data), [_seq(op) for op in ops], cursor)
    notice = None
    try:
        lines = log_path(path).read_bytes().split(b"\n")
    except FileNotFoundError:
        lines = []
    if not lines or _header_epoch(lines[0]) != epoch:
        state = None  # no log, or one from an older base: the next write starts a new base
    else:
        state.log_bytes = len(lines[0]) + 1
        body = lines[1:]
        for k, line in enumerate(body):
            if not line:
                continue
            try:
                rec = json.loads(line)
                cut = int(rec.get("cut", len(ops)))
                new_ops, new_cursor = ops[:cut] + list(rec.get("ops", ())), int(rec["cursor"])
                if not 0 <= new_cursor <= len(new_ops) or not 0 <= cut <= len(ops):
                    raise ValueError(f"cursor {new_cursor} outside {len(new_ops)} edits")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                last = all(not rest for rest in body[k + 1 :])
                name = Path(data.get("root", "?")).name
                if last:
                    notice = f"the last pending edit of {name} was cut short (a crash while writing it) and is dropped"
                else:
                    kept = _set_aside_log(path) if keep_damaged_log else log_path(path)
                    notice = (
                        f"the pending edits log of {name} is damaged after {len(ops)} edit(s) ({exc}); "
                        f"the rest is kept in {kept.name}"
                    )
                state = None  # the next write starts a clean base instead of appending after damage
                break
            ops, cursor = new_ops, new_cursor
            state.log_bytes += len(line) + 1
        if state is not None:
            state.seqs, state.cursor = [_seq(op) for op in ops], cursor
    data["ops"], data["cursor"] = ops, cursor
    return StoredJournal(data, notice, state)


def read_journal_data(path: Path) -> dict[str, Any] | None:
    """The journal at path as one dict, or None when it cannot be read (listing, counting)."""
    try:
        return read_journal(path).data
    except (OSError, JournalUnreadable):
        return None


def stored_cursor(journal_dir: Path, root: Path) -> int:
    """How many edits the journal on disk holds applied (0 when there is none)."""
    data = read_journal_data(journal_path(journal_dir, root))
    return int(data.get("cursor") or 0) if isinstance(data, dict) else 0


def pending_roots(journal_dir: str | Path | None = None) -> list[Path]:
    """Datasets on disk whose journal holds applied edits (reopened at the next launch)."""
    folder = Path(journal_dir) if journal_dir is not None else default_journal_dir()
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        if ".stale-" in path.name or path.name.startswith("txn-"):
            continue  # set aside (listed in a notice, not reopened), or a save transaction
        data = read_journal_data(path)
        try:
            root = Path(data["root"])  # type: ignore[index]
            applied = int(data["cursor"]) > 0  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            continue
        if applied and data.get("on_disk", True) and not data.get("saving") and root.is_dir():
            out.append(root)
    return out


def set_aside(path: Path, data: dict[str, Any] | None = None) -> Path:
    """Move a journal out of the way, recoverable: `data` (base and log as one) into the stale
    file when given, else the files as they are. Returns the stale base's path."""
    kept = path.with_suffix(f".stale-{os.getpid()}.json")
    with contextlib.suppress(OSError):
        if data is not None:
            sigs = load_sigs(path, data)
            atomic_write_text(kept, json.dumps(dict(data, sigs=sigs) if sigs is not None else data))
            remove_journal(path)
        else:
            os.replace(path, kept)
            _set_aside_log(path)
            sigs_path(path).unlink(missing_ok=True)
    return kept


def _set_aside_log(path: Path) -> Path:
    kept = path.with_suffix(f".stale-{os.getpid()}.log")
    with contextlib.suppress(OSError):
        os.replace(log_path(path), kept)
    return kept


def journal_head(data: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(data.get(k) for k in _HEAD_KEYS)


def _header_epoch(line: bytes) -> str | None:
    try:
        return str(json.loads(line)["epoch"])
    except (ValueError, KeyError, TypeError):
        return None


def _file_id(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _seq(op: Any) -> int:
    return int(op["seq"]) if isinstance(op, dict) and "seq" in op else -1


# ---------------------------------------------------------------------- writing
class JournalWriter:
    """Writes (or removes) journal files in submission order. With background=True the writes run
    on a thread of their own, so an edit in the UI never waits on the disk; flush() waits for them.

    Each submission is the journal's whole state (cheap: shared references); the writer appends
    what changed since its last write to the log, or writes a new base when the log grew past the
    base, the base's head changed (a fingerprint, a saving marker), or another writer replaced it."""

    def __init__(self, *, background: bool) -> None:
        self.background = background
        self.errors: list[str] = []  # write failures, for the UI to report (appended by the writer)
        self.bases_written = 0  # whole bases written (compactions included): for tests and benches
        self._queue: queue.Queue[tuple[Path, dict[str, Any] | None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards _logs: the writer thread and adopt() both use it
        self._logs: dict[Path, LogState] = {}

    def submit(self, path: Path, data: dict[str, Any] | None, sources: list[str] | None = None) -> None:
        """data None removes the journal. sources: unused, kept for callers of the old signature."""
        if not self.background:
            self._write(path, data)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
            self._thread.start()
        self._queue.put((path, data))

    def write_now(self, path: Path, data: dict[str, Any]) -> None:
        """Write after every queued write, before returning (the saving marker before a swap)."""
        self.flush()
        self._write(path, data)

    def adopt(self, path: Path, log: LogState | None) -> None:
        """Continue the log read back at restore (None: the next write is a new base)."""
        with self._lock:
            if log is None:
                self._logs.pop(Path(path), None)
            else:
                self._logs[Path(path)] = log

    def flush(self) -> None:
        if self.background:
            self._queue.join()

    def _run(self) -> None:
        while True:
            path, data = self._queue.get()
            try:
                self._write(path, data)
            except OSError as exc:
                self.errors.append(f"pending edits could not be written to {path}: {exc}")
            finally:
                self._queue.task_done()

    def _write(self, path: Path, data: dict[str, Any] | None) -> None:
        path = Path(path)
        with self._lock:
            if data is None:
                self._logs.pop(path, None)
                remove_journal(path)
                return
            log = self._logs.get(path)
            if log is not None and self._can_append(path, log, data):
                self._append(path, log, data)
            else:
                self._logs[path] = self._write_base(path, data)

    @staticmethod
    def _can_append(path: Path, log: LogState, data: dict[str, Any]) -> bool:
        if log.head != journal_head(data) or log.log_bytes > max(COMPACT_MIN_BYTES, log.base_bytes):
            return False
        try:
            return _file_id(path) == log.base_id and log_path(path).is_file()
        except OSError:
            return False

    @staticmethod
    def _append(path: Path, log: LogState, data: dict[str, Any]) -> None:
        ops, cursor = data["ops"], int(data["cursor"])
        seqs = [_seq(op) for op in ops]
        same = 0
        for a, b in zip(log.seqs, seqs, strict=False):
            if a != b:
                break
            same += 1
        rec: dict[str, Any] = {}
        if same < len(log.seqs):
            rec["cut"] = same
        if same < len(seqs):
            rec["ops"] = ops[same:]
        if not rec and cursor == log.cursor:
            return  # nothing changed since the last write
        rec["cursor"] = cursor
        line = (json.dumps(rec) + "\n").encode("utf-8")
        with open(log_path(path), "ab") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        log.seqs, log.cursor, log.log_bytes = seqs, cursor, log.log_bytes + len(line)

    def _write_base(self, path: Path, data: dict[str, Any]) -> LogState:
        epoch = uuid.uuid4().hex[:16]
        payload = dict(data, epoch=epoch)
        payload.pop("sources", None)
        sigs = payload.pop("sigs", None)
        if callable(sigs):  # the journal's signatures() when it was submitted: read them only now
            if peek_field(sigs_path(path), "fingerprint") != data.get("fingerprint"):
                side = {"fingerprint": data.get("fingerprint"), "sigs": sigs()}
                atomic_write_text(sigs_path(path), json.dumps(side))
        elif sigs is not None:
            payload["sigs"] = sigs
        # indented while small enough to read; compact (the fast C encoder) for big datasets
        big = len(payload.get("sigs") or ()) > 2000 or len(payload["ops"]) > 2000
        text = json.dumps(payload) if big else json.dumps(payload, indent=1)
        atomic_write_text(path, text)  # the old log names the old epoch from here on: ignored
        header = json.dumps({"epoch": epoch}) + "\n"
        atomic_write_text(log_path(path), header)
        self.bases_written += 1
        return LogState(
            epoch,
            _file_id(path),
            len(text.encode("utf-8")),
            journal_head(data),
            [_seq(op) for op in data["ops"]],
            int(data["cursor"]),
            len(header),
        )
