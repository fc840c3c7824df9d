"""The dataset doctor: find bad episodes, suggest the fix. Headless (no imgui, no GL).

Use: report = run_doctor(open_dataset(path))   # findings, cached per episode
report.findings, report.suggested_trims(), report.flagged_episodes()

The names below load on first use: the checks (and what they import) are not needed for the
app's first window, only when a check runs.
"""

from leropilot_gl.lazy import lazy_exports

_LAZY = {
    "KINDS": "findings",
    "Cancelled": "progress",
    "DoctorReport": "run",
    "Finding": "findings",
    "FlagStore": "flags",
    "Progress": "progress",
    "Thresholds": "thresholds",
    "run_doctor": "run",
    "sort_findings": "findings",
}


__getattr__ = lazy_exports(__name__, _LAZY)


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
