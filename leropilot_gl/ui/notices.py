"""Notices: errors and messages for the user, in a small overlay, and the Log window that keeps them.

Info and warnings leave the overlay by themselves after a few seconds (hovering the overlay holds
them); errors stay until dismissed. Every notice, expired or dismissed, stays in the Log window
(View > Log).
"""

from __future__ import annotations

import time

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.state import AppState, Notice

COLORS = {
    "error": imgui.ImVec4(0.95, 0.35, 0.30, 1.0),
    "warning": imgui.ImVec4(0.95, 0.75, 0.25, 1.0),
    "info": imgui.ImVec4(0.55, 0.80, 0.55, 1.0),
}
LIFETIME_S = {"info": 6.0, "warning": 12.0}  # errors: until dismissed
MAX_SHOWN = 4  # more than this would cover the panels: the rest are in the Log window
LOG_WINDOW = "Log"


def shown_notices(state: AppState, now_s: float) -> list[Notice]:
    """The notices the overlay shows: errors until dismissed, the others for their lifetime.

    Expired notices stay in state.notices (and the Log window): only the overlay lets them go.
    While the mouse is on the overlay nothing leaves it, so a message being read does not vanish.
    """
    objects = state.playback_view.panel_objects
    if objects.get("notices_hovered"):
        held = objects.get("notices_shown", ())
        return [n for n in state.notices if any(n is h for h in held)]
    return [
        n for n in state.notices if n.level not in LIFETIME_S or now_s - n.created_s < LIFETIME_S[n.level]
    ]


def gui_notices(state: AppState) -> None:
    objects = state.playback_view.panel_objects
    shown = shown_notices(state, time.monotonic())
    objects["notices_shown"] = shown
    if not shown:
        objects["notices_hovered"] = False
        return
    viewport = imgui.get_main_viewport()
    pad = hello_imgui.em_size(1.0)
    # Bottom right, above the status bar: the panels' own controls sit along their top edges.
    imgui.set_next_window_pos(
        imgui.ImVec2(
            viewport.work_pos.x + viewport.work_size.x - pad, viewport.work_pos.y + viewport.work_size.y - pad
        ),
        imgui.Cond_.always,
        imgui.ImVec2(1.0, 1.0),
    )
    imgui.set_next_window_bg_alpha(0.92)
    flags = (
        imgui.WindowFlags_.no_decoration
        | imgui.WindowFlags_.always_auto_resize
        | imgui.WindowFlags_.no_saved_settings
        | imgui.WindowFlags_.no_focus_on_appearing
        | imgui.WindowFlags_.no_nav
    )
    drawn = shown[-MAX_SHOWN:]
    if imgui.begin("##notices", None, flags):
        if len(shown) > len(drawn):
            imgui.text_disabled(f"{len(shown) - len(drawn)} more in View > Log")
        for notice in drawn:
            with imgui_ctx.push_id(str(id(notice))):  # stable while it is shown; ints must fit 32 bits
                _notice_line(notice)
                imgui.same_line()
                if imgui.small_button(fa.ICON_FA_XMARK):
                    state.notices[:] = [n for n in state.notices if n is not notice]
                imgui.set_item_tooltip("Dismiss (it stays in View > Log)")
        objects["notices_hovered"] = imgui.is_window_hovered(
            imgui.HoveredFlags_.allow_when_blocked_by_active_item
        )
    imgui.end()


def _notice_line(notice: Notice) -> None:
    imgui.text_colored(COLORS.get(notice.level, COLORS["info"]), fa.ICON_FA_CIRCLE_EXCLAMATION)
    imgui.same_line()
    imgui.push_text_wrap_pos(hello_imgui.em_size(40))
    imgui.text_wrapped(notice.text)
    imgui.pop_text_wrap_pos()


def gui_notice_log(state: AppState) -> None:
    """The Log window: every notice of this run, newest last, then the app's internal log."""
    log = state.notice_log
    imgui.text_disabled(f"{len(log)} message(s)")
    imgui.same_line()
    if imgui.small_button("Clear"):
        log.clear()
    with imgui_ctx.begin_child("##notice_log", imgui.ImVec2(0, -imgui.get_frame_height_with_spacing() * 1.2)):
        start = time.monotonic()
        for i, notice in enumerate(log):
            with imgui_ctx.push_id(i):
                ago_s = start - notice.created_s
                imgui.text_disabled(f"{ago_s:6.0f} s ago")
                imgui.same_line()
                imgui.text_colored(COLORS.get(notice.level, COLORS["info"]), notice.level)
                imgui.same_line()
                imgui.text_wrapped(notice.text)
        if imgui.get_scroll_y() >= imgui.get_scroll_max_y():
            imgui.set_scroll_here_y(1.0)  # follow new messages unless the user scrolled up
    if imgui.collapsing_header("Internal log"):
        hello_imgui.log_gui()
