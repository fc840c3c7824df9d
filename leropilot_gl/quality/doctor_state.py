"""The app's doctor state: reports per dataset, the running check, filters, hand-made flags.

Plain data and polling (no imgui): the panel, the tree and the timeline read it every frame;
checks and file writes run on the executor.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import Severity
from leropilot_gl.paths import resolved
from leropilot_gl.quality.findings import Finding
from leropilot_gl.quality.flags import FlagStore
from leropilot_gl.quality.progress import Cancelled, Progress
from leropilot_gl.quality.thresholds import Thresholds

if TYPE_CHECKING:
    from leropilot_gl.quality.run import DoctorReport


def _run_doctor(*args: Any, **kwargs: Any) -> DoctorReport:
    """run_doctor, imported on the worker: the checks' modules load there, never in a frame."""
    from leropilot_gl.quality.run import run_doctor

    return run_doctor(*args, **kwargs)


@dataclass
class DoctorState:
    reports: dict[Path, DoctorReport] = field(default_factory=dict)  # resolved root -> last report
    job: Future | None = None  # Future[DoctorReport]
    job_root: Path | None = None
    progress: Progress = field(default_factory=Progress)
    cancel: threading.Event = field(default_factory=threading.Event)
    thresholds: Thresholds = field(default_factory=Thresholds)
    pixels: bool = True
    group_filter: str = "all"  # "all" or a group of findings.KINDS
    min_severity: Severity = Severity.INFO
    flags: FlagStore | None = None
    flags_job: Future | None = None  # Future[FlagStore] while the flags file loads
    note_text: str = ""
    cache_dir: Path | None = None  # None: the app's data folder

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, index: DatasetIndex, executor: Executor) -> bool:
        """Check a dataset in the background; a second start while one runs is ignored."""
        if self.job is not None:
            return False
        self.cancel = threading.Event()
        self.progress = Progress()
        self.job_root = Path(index.root).resolve()
        flags = self.flags.for_dataset(index.root) if self.flags is not None else {}
        self.job = executor.submit(
            _run_doctor,
            index,
            thresholds=self.thresholds,
            pixels=self.pixels,
            progress=self.progress,
            cancel=self.cancel,
            manual_flags=flags,
            cache_dir=self.cache_dir,
        )
        return True

    def request_cancel(self) -> None:
        self.cancel.set()

    def poll(self, executor: Executor) -> tuple[str, str] | None:
        """Once per frame: collect a finished check (and the flags file). Returns a notice or None."""
        if self.flags is None:
            if self.flags_job is None:
                self.flags_job = executor.submit(FlagStore)
            elif self.flags_job.done():
                job, self.flags_job = self.flags_job, None
                # unreadable: no flags shown, and writes go nowhere rather than over the file
                self.flags = job.result() if job.exception() is None else FlagStore(Path(os.devnull))
        job = self.job
        if job is None or not job.done():
            return None
        self.job = None
        exc = job.exception()
        if isinstance(exc, Cancelled):
            return ("info", "doctor cancelled")
        if exc is not None:
            return ("error", f"doctor failed: {exc}")
        report: DoctorReport = job.result()
        self.reports[Path(report.root).resolve()] = report
        return None

    def report_for(self, root: Path | None) -> DoctorReport | None:
        return self.reports.get(resolved(root)) if root is not None else None  # per frame: cached

    # ------------------------------------------------------------------ flags by hand
    def set_flag(self, root: Path, episode_index: int, note: str, executor: Executor) -> None:
        if self.flags is None:
            return
        self.flags.set(root, episode_index, note, write=False)
        executor.submit(self.flags.write_snapshot, self.flags.snapshot())
        self._refresh_manual(root)

    def clear_flag(self, root: Path, episode_index: int, executor: Executor) -> None:
        if self.flags is None:
            return
        self.flags.clear(root, episode_index, write=False)
        executor.submit(self.flags.write_snapshot, self.flags.snapshot())
        self._refresh_manual(root)

    def _refresh_manual(self, root: Path) -> None:
        """A flag shows at once in the report, without running the checks again."""
        report = self.report_for(root)
        if report is None or self.flags is None:
            return
        kept = [f for f in report.findings if f.kind != "manual"]
        for ep, note in self.flags.for_dataset(root).items():
            kept.append(
                Finding(
                    "manual", Severity.WARNING, f"flagged by hand: {note}" if note else "flagged by hand", ep
                )
            )
        from leropilot_gl.quality.run import DoctorReport  # loaded by the check that made `report`

        fields: dict[str, Any] = dict(report.__dict__)
        fields.pop("by_episode", None)
        fields["findings"] = kept
        self.reports[Path(root).resolve()] = DoctorReport(**fields)

    # ------------------------------------------------------------------ views
    def visible(self, report: DoctorReport) -> list[Finding]:
        return [
            f
            for f in report.findings
            if f.severity >= self.min_severity
            and (self.group_filter == "all" or f.group == self.group_filter)
        ]


def worst_severity(state: Any, root: Path, episode_index: int) -> Severity | None:
    """The worst finding of an episode in the last doctor report (for the episode tree's column);
    None when the doctor has not run on that dataset or found nothing there.

    state: the AppState (its `doctor` field). Cheap: a dict lookup per call."""
    doctor: DoctorState | None = getattr(state, "doctor", None)
    report = doctor.report_for(root) if doctor is not None else None
    if report is None:
        return None
    findings = report.by_episode.get(episode_index)
    return max((f.severity for f in findings), default=None) if findings else None


def episode_flag(state: Any, root: Path, episode_index: int) -> str | None:
    """The note of an episode flagged by hand (None when not flagged)."""
    doctor: DoctorState | None = getattr(state, "doctor", None)
    if doctor is None or doctor.flags is None:
        return None
    return doctor.flags.note(root, episode_index)
