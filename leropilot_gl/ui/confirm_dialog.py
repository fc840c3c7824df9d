"""The Save / Save all / Discard / Compact / Restore confirmation: a modal listing what will change
on disk. It draws `AppState.edits.confirm` (set by the requests in ui/edit_actions.py) and calls
`edit_actions.confirm` on OK. Drawn with the other modals from ui/frame.gui_modals.
"""

from __future__ import annotations

from imgui_bundle import hello_imgui, imgui, imgui_ctx

from leropilot_gl.editor_state import ConfirmRequest
from leropilot_gl.state import AppState
from leropilot_gl.ui import edit_actions

CONFIRM_POPUP = "Confirm changes###edit_confirm"
COMPACT_QUESTION = "LeRobot's delete and split tools need the video files in order: compact now?"
OK_LABELS = {
    "save": "Save",
    "save_all": "Save all",
    "discard": "Discard",
    "compact": "Compact",
    "restore": "Restore",
}
WARN_COLOR = imgui.ImVec4(0.95, 0.75, 0.25, 1.0)


def gui_confirm_dialog(state: AppState) -> None:
    """Open the modal when a request is waiting; OK runs it, Cancel or Escape drops it."""
    request = state.edits.confirm
    if request is not None and not imgui.is_popup_open(CONFIRM_POPUP):
        imgui.open_popup(CONFIRM_POPUP)
    opened, _ = imgui.begin_popup_modal(CONFIRM_POPUP, None, imgui.WindowFlags_.always_auto_resize)
    if not opened:
        return
    if request is None:
        imgui.close_current_popup()
        imgui.end_popup()
        return
    imgui.text(request.title)
    imgui.separator()
    shown = request.shown_lines
    with imgui_ctx.begin_child("changes", hello_imgui.em_to_vec2(46, min(18, 1.5 + 1.3 * len(shown)))):
        for line in shown:
            imgui.text_wrapped(line)
    if request.offers_compact:
        _gui_compact_choice(request)
    if imgui.button(f"{OK_LABELS[request.action]}###confirm_ok"):
        imgui.close_current_popup()
        edit_actions.confirm(state)
    imgui.same_line()
    if imgui.button("Cancel###confirm_cancel") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
        edit_actions.cancel_confirm(state)
    imgui.end_popup()


def _gui_compact_choice(request: ConfirmRequest) -> None:
    """Only when the result would need it: compacting is part of the save unless the user opts out."""
    imgui.separator()
    imgui.text_wrapped(COMPACT_QUESTION)
    changed, compact_now = imgui.checkbox("Compact now (recommended)###compact_now", not request.fast)
    if changed:
        request.fast = not compact_now
    if request.fast:
        imgui.text_colored(
            WARN_COLOR,
            "Fast save: the dataset is flagged until compacted (right-click it in the tree > Compact videos...)",
        )
    else:
        imgui.text_disabled("Episodes that start on a keyframe are copied; only cut ones are re-encoded")
    imgui.separator()
