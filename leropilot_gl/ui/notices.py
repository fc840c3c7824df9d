"""Notices: errors and messages for the user, in a small overlay until dismissed."""

from __future__ import annotations

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.state import AppState

COLORS = {
    "error": imgui.ImVec4(0.95, 0.35, 0.30, 1.0),
    "warning": imgui.ImVec4(0.95, 0.75, 0.25, 1.0),
    "info": imgui.ImVec4(0.55, 0.80, 0.55, 1.0),
}


def gui_notices(state: AppState) -> None:
    if not state.notices:
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
    if imgui.begin("##notices", None, flags):
        for i, notice in enumerate(list(state.notices)):
            with imgui_ctx.push_id(i):
                imgui.text_colored(COLORS.get(notice.level, COLORS["info"]), fa.ICON_FA_CIRCLE_EXCLAMATION)
                imgui.same_line()
                imgui.push_text_wrap_pos(hello_imgui.em_size(40))
                imgui.text_wrapped(notice.text)
                imgui.pop_text_wrap_pos()
                imgui.same_line()
                if imgui.small_button(fa.ICON_FA_XMARK):
                    state.notices.remove(notice)
    imgui.end()
