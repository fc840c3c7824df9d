"""The dataset doctor: find bad episodes, suggest the fix. Headless (no imgui, no GL).

Use: report = run_doctor(open_dataset(path))   # findings, cached per episode
report.findings, report.suggested_trims(), report.flagged_episodes()
"""

from leropilot_gl.quality.findings import KINDS, Finding, sort_findings
from leropilot_gl.quality.flags import FlagStore
from leropilot_gl.quality.run import DoctorReport, Progress, run_doctor
from leropilot_gl.quality.thresholds import Thresholds
from leropilot_gl.quality.video import Cancelled

__all__ = [
    "KINDS",
    "Cancelled",
    "DoctorReport",
    "Finding",
    "FlagStore",
    "Progress",
    "Thresholds",
    "run_doctor",
    "sort_findings",
]
