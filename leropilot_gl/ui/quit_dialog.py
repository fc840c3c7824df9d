"""Quitting with pending edits asks first: Save all, Keep for next time, Discard (or Cancel).

Every way out goes through here: the window's close button (hello_imgui's confirm_exit callback),
Ctrl+Q and File > Quit (request_quit). The next launch reopens the datasets whose edits were kept.
"""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.journal import EditError
from leropilot_gl.state import AppState
from leropilot_gl.ui import edit_actions

QUIT_POPUP = "Quit with pending edits?###quit_confirm"


def _pending(state: AppState) -> list[Path]:
    return state.edits.session.dirty_roots()


def _exit_now(state: AppState) -> None:
    state.edits.session.flush()  # every journal on disk: "keep" and a crash both rely on it
    leave_app()


def leave_app() -> None:
    """End the run loop after this frame (tests replace it to watch the app decide to exit)."""
    hello_imgui.get_runner_params().app_shall_exit = True


def request_quit(state: AppState) -> None:
    """Quit now when nothing is pending; otherwise ask (Ctrl+Q, File > Quit)."""
    if _pending(state) or state.edits.jobs:
        state.edits.quit_asked = True
    else:
        _exit_now(state)


def confirm_exit(state: AppState) -> bool:
    """hello_imgui's confirm_exit: runs before NewFrame, so no imgui here; the modal asks later."""
    if _pending(state) or state.edits.jobs:
        state.edits.quit_asked = True
        return False
    state.edits.session.flush()
    return True


def quit_tick(state: AppState) -> None:
    """Once per frame, after the saves were polled: exit once a "Save all" chosen here has landed."""
    ed = state.edits
    if not ed.quit_after_save or ed.jobs:
        return
    ed.quit_after_save = False
    if _pending(state):  # the save failed or was cancelled: nothing lost, ask again
        state.notify("warning", "not every dataset could be saved; quit was cancelled")
    else:
        _exit_now(state)


def gui_quit_dialog(state: AppState) -> None:
    """Draw the question while it is open (a modal: ui/frame.gui_modals)."""
    ed = state.edits
    if ed.quit_asked and not imgui.is_popup_open(QUIT_POPUP):
        imgui.open_popup(QUIT_POPUP)
    opened, _ = imgui.begin_popup_modal(QUIT_POPUP, None, imgui.WindowFlags_.always_auto_resize)
    if not opened:
        return
    roots = _pending(state)
    if ed.jobs:
        imgui.text(f"{fa.ICON_FA_LOCK} a save is running; quit when it is done?")
    imgui.text(f"{len(roots)} dataset(s) have pending edits:")
    with imgui_ctx.begin_child("quit_pending", hello_imgui.em_to_vec2(40, min(12, 1.5 + 1.3 * len(roots)))):
        for root in roots:
            count = sum(1 for c in ed.session.changes(root) if c.applied)
            imgui.bullet_text(f"{root.name}: {count} edit(s)   ({root.parent})")
    imgui.separator()
    busy = bool(ed.jobs)
    imgui.begin_disabled(busy or not roots)
    if imgui.button(f"{fa.ICON_FA_FLOPPY_DISK} Save all###quit_save"):
        imgui.close_current_popup()
        answer_quit(state, "save")
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Keep for next time###quit_keep"):
        imgui.close_current_popup()
        answer_quit(state, "keep")
    imgui.same_line()
    imgui.begin_disabled(busy)
    if imgui.button("Discard###quit_discard"):
        imgui.close_current_popup()
        answer_quit(state, "discard")
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Cancel###quit_cancel") or imgui.is_key_pressed(imgui.Key.escape):
        imgui.close_current_popup()
        answer_quit(state, "cancel")
    imgui.end_popup()


def answer_quit(state: AppState, answer: str) -> None:
    """What each button of the question does: "save" (all, then exit once landed), "keep" (the
    journals stay for the next launch), "discard", "cancel"."""
    ed = state.edits
    ed.quit_asked = False
    if answer == "save":
        edit_actions.start_save_all(state)
        ed.quit_after_save = bool(ed.jobs)
        if not ed.quit_after_save and not _pending(state):
            _exit_now(state)
    elif answer == "keep":
        _exit_now(state)  # the journals stay on disk; the next launch reopens their datasets
    elif answer == "discard":
        session = ed.session
        try:
            for root in reversed(session.save_order()):  # those using others' episodes first
                session.discard(root)
        except EditError as exc:
            state.notify("warning", str(exc))
            return
        _exit_now(state)
