"""Marks on the timeline where the doctor's findings lie (a timeline overlay)."""

from __future__ import annotations

from imgui_bundle import imgui

from leropilot_gl.dataset.problems import Severity
from leropilot_gl.state import AppState

MARK_COLOURS = {
    Severity.INFO: (0.45, 0.7, 1.0, 0.55),
    Severity.WARNING: (1.0, 0.75, 0.2, 0.7),
    Severity.ERROR: (1.0, 0.3, 0.25, 0.8),
}


def doctor_timeline_marks(state: AppState, view) -> None:  # noqa: ANN001  # view: ui.timeline.TimelineView
    """A coloured band along the bottom of the timeline over each finding's frames."""
    root, ep = state.selection.dataset_root, state.selection.episode_index
    report = state.doctor.report_for(root)
    if report is None or ep is None or view.x_max_s <= view.x_min_s or state.time.fps <= 0:
        return
    findings = [f for f in report.by_episode.get(ep, []) if f.frame_start is not None]
    if not findings:
        return
    x0, y0 = view.plot_pos
    width, height = view.plot_size
    band = max(height * 0.18, imgui.get_text_line_height() * 0.5)
    fps = state.time.fps
    draw = imgui.get_window_draw_list()

    def x_of(frame: float) -> float:
        return x0 + (frame / fps - view.x_min_s) / (view.x_max_s - view.x_min_s) * width

    for f in sorted(findings, key=lambda f: f.severity):
        end = f.frame_end if f.frame_end is not None else f.frame_start + 1
        left, right = max(x_of(f.frame_start), x0), min(x_of(end), x0 + width)
        if right <= left:
            right = left + 2.0  # a one-frame finding zoomed out stays visible
        colour = imgui.get_color_u32(imgui.ImVec4(*MARK_COLOURS[f.severity]))
        draw.add_rect_filled(imgui.ImVec2(left, y0 + height - band), imgui.ImVec2(right, y0 + height), colour)
    mouse = imgui.get_mouse_pos()
    if y0 + height - band <= mouse.y <= y0 + height and x0 <= mouse.x <= x0 + width:
        tips = [
            f"{f.severity.label}: {f.message}"
            for f in findings
            if x_of(f.frame_start) - 2 <= mouse.x <= x_of(f.frame_end or f.frame_start + 1) + 2
        ]
        if tips:
            imgui.set_tooltip("\n".join(tips[:6]))
