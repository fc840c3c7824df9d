"""Background jobs (saves, Hub transfers, installs): progress, log lines, cancel. No imgui.

A job runs a function on its own thread. The function gets a JobContext to report progress and
log lines and to notice cancellation. The UI reads snapshots once per frame and never waits.
At most one job per name runs at a time: a second start while one runs is refused.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any


class JobCancelled(Exception):
    """Raised inside a job function by JobContext.check_cancelled()."""


@dataclass(frozen=True)
class JobSnapshot:
    name: str
    title: str
    status: str  # "running", "done", "failed", "cancelled"
    progress: float | None  # 0..1, or None when unknown
    status_text: str
    error: str | None
    started_at: float
    finished_at: float | None

    @property
    def running(self) -> bool:
        return self.status == "running"


class Job:
    def __init__(
        self, name: str, title: str, max_log_lines: int, *, reports_own_errors: bool = False
    ) -> None:
        self.name = name
        self.title = title
        # True when the panel that started the job shows its failure itself (inline), so the app
        # does not report it a second time as a notice.
        self.reports_own_errors = reports_own_errors
        self._lock = threading.Lock()
        self._status = "running"
        self._progress: float | None = None
        self._status_text = ""
        self._error: str | None = None
        self._result: Any = None
        self._log: deque[str] = deque(maxlen=max_log_lines)
        self._log_total = 0
        self.started_at = time.time()
        self.finished_at: float | None = None
        self.cancel_event = threading.Event()
        self.thread: threading.Thread | None = None

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return JobSnapshot(
                self.name,
                self.title,
                self._status,
                self._progress,
                self._status_text,
                self._error,
                self.started_at,
                self.finished_at,
            )

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def done(self) -> bool:
        return self.status != "running"

    @property
    def result(self) -> Any:
        """The function's return value once the job is done (None before, or on failure)."""
        with self._lock:
            return self._result

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    def log_lines(self, last: int | None = None) -> list[str]:
        with self._lock:
            lines = list(self._log)
        return lines[-last:] if last else lines

    @property
    def log_total(self) -> int:
        """Lines logged so far, including those dropped from the bounded buffer."""
        with self._lock:
            return self._log_total

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """For scripts and tests only: never call from the UI thread."""
        if self.thread is not None:
            self.thread.join(timeout_s)
        return self.done


class JobContext:
    """What a job function sees: report progress and log lines, check for cancellation."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def progress(self, fraction: float | None, text: str = "") -> None:
        with self._job._lock:
            self._job._progress = None if fraction is None else min(1.0, max(0.0, float(fraction)))
            if text:
                self._job._status_text = text

    def log(self, line: str) -> None:
        with self._job._lock:
            self._job._log.append(line.rstrip("\n"))
            self._job._log_total += 1

    @property
    def cancelled(self) -> bool:
        return self._job.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self._job.cancel_event.is_set():
            raise JobCancelled()


class JobRunner:
    """Owns the jobs of one app (or one script). Thread-safe."""

    def __init__(self, max_log_lines: int = 5000) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._unreported: list[Job] = []
        self._max_log_lines = max_log_lines

    def start(
        self, name: str, title: str, fn: Callable[[JobContext], Any], *, reports_own_errors: bool = False
    ) -> Job | None:
        """Run fn(ctx) on a new thread; None when a job with this name is still running."""
        with self._lock:
            current = self._jobs.get(name)
            if current is not None and not current.done:
                return None
            job = Job(name, title, self._max_log_lines, reports_own_errors=reports_own_errors)
            self._jobs[name] = job
        thread = threading.Thread(target=self._run, args=(job, fn), name=f"job:{name}", daemon=True)
        job.thread = thread
        thread.start()
        return job

    def _run(self, job: Job, fn: Callable[[JobContext], Any]) -> None:
        ctx = JobContext(job)
        status, result, error = "done", None, None
        try:
            result = fn(ctx)
            if job.cancel_event.is_set():
                status = "cancelled"
        except JobCancelled:
            status = "cancelled"
        except Exception as exc:  # reported once, through the job's error
            status, error = "failed", describe_exception(exc)
            ctx.log("".join(traceback.format_exception(exc)).rstrip())
        with job._lock:
            job._status, job._result, job._error = status, result, error
            job.finished_at = time.time()
            if status == "done":
                job._progress = 1.0
        with self._lock:
            self._unreported.append(job)

    def get(self, name: str) -> Job | None:
        with self._lock:
            return self._jobs.get(name)

    def is_running(self, name: str) -> bool:
        job = self.get(name)
        return job is not None and not job.done

    def jobs(self) -> list[Job]:
        """Every job started, oldest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.started_at)

    def running(self) -> list[Job]:
        return [j for j in self.jobs() if not j.done]

    def poll_finished(self) -> list[Job]:
        """Jobs that finished since the last call (once each); call once per frame."""
        with self._lock:
            done, self._unreported = self._unreported, []
        return done

    def forget(self, name: str) -> None:
        with self._lock:
            job = self._jobs.get(name)
            if job is not None and job.done:
                del self._jobs[name]

    def cancel_all(self) -> None:
        for job in self.running():
            job.cancel()


def describe_exception(exc: BaseException) -> str:
    """The project's own errors carry messages written for users; built-in ones need their type."""
    message = str(exc)
    if not message:
        return type(exc).__name__
    if type(exc).__module__ == "builtins":
        return f"{type(exc).__name__}: {message}"
    return message


def pop_finished(futures: dict[Hashable, Future]) -> list[tuple[Hashable, BaseException | None, Any]]:
    """Take the finished futures out of `futures` without waiting: (key, exception, result) each.

    The once-per-frame poll of every panel that hands work to an executor.
    """
    finished = []
    for key, future in list(futures.items()):
        if future.done():
            del futures[key]
            exc = future.exception()
            finished.append((key, exc, None if exc is not None else future.result()))
    return finished
