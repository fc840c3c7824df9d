"""A small icon with a tooltip listing problems; shared by the tree and the details panel."""

from __future__ import annotations

from imgui_bundle import icons_fontawesome_6 as fa, imgui

from leropilot_gl.dataset import DatasetProblem, Severity

SEVERITY_COLORS = {
    Severity.ERROR: imgui.ImVec4(0.95, 0.35, 0.30, 1.0),
    Severity.WARNING: imgui.ImVec4(0.95, 0.75, 0.25, 1.0),
    Severity.INFO: imgui.ImVec4(0.55, 0.70, 0.95, 1.0),
}
SEVERITY_ICONS = {
    Severity.ERROR: fa.ICON_FA_CIRCLE_XMARK,
    Severity.WARNING: fa.ICON_FA_TRIANGLE_EXCLAMATION,
    Severity.INFO: fa.ICON_FA_CIRCLE_INFO,
}


def worst(problems: list[DatasetProblem]) -> Severity | None:
    return max((p.severity for p in problems), default=None)


def problem_badge(problems: list[DatasetProblem], *, min_severity: Severity = Severity.WARNING) -> None:
    """Draw nothing when no problem reaches min_severity; else the worst icon with a tooltip."""
    shown = [p for p in problems if p.severity >= min_severity]
    severity = worst(shown)
    if severity is None:
        return
    imgui.text_colored(SEVERITY_COLORS[severity], SEVERITY_ICONS[severity])
    if imgui.is_item_hovered():
        with_tooltip(shown)


def with_tooltip(problems: list[DatasetProblem]) -> None:
    imgui.begin_tooltip()
    for p in sorted(problems, key=lambda p: -p.severity)[:15]:
        imgui.text_colored(SEVERITY_COLORS[p.severity], SEVERITY_ICONS[p.severity])
        imgui.same_line()
        imgui.text(str(p.message))
    if len(problems) > 15:
        imgui.text_disabled(f"... and {len(problems) - 15} more (see Details)")
    imgui.end_tooltip()


def problem_line(problem: DatasetProblem) -> None:
    imgui.text_colored(SEVERITY_COLORS[problem.severity], SEVERITY_ICONS[problem.severity])
    imgui.same_line()
    imgui.text_wrapped(str(problem))
