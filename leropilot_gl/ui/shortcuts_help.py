"""Help > Keyboard shortcuts (F1): every key the app answers to, in one table."""

from __future__ import annotations

from imgui_bundle import hello_imgui, imgui, imgui_ctx

from leropilot_gl.state import AppState
from leropilot_gl.ui.transport import PLAYBACK_SHORTCUTS

WINDOW = "Keyboard shortcuts"

APP_SHORTCUTS = (
    ("Ctrl+O", "open a dataset folder"),
    ("Ctrl+S", "save the shown dataset's pending edits (asks first)"),
    ("Ctrl+Q", "quit"),
    ("Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "undo / redo an edit"),
    ("Del", "delete the selected episodes (Datasets panel)"),
    ("F1", "this window"),
)
MOUSE = (
    ("Click / drag on the timeline or a plot", "seek"),
    ("Drag a trim handle", "set the kept range; the video follows the handle"),
    ("Double-click a camera", "that camera alone; again: every camera"),
    ("Hover a plot", "every dimension's value at that time"),
)

SECTIONS = (("Files and edits", APP_SHORTCUTS), ("Playback", PLAYBACK_SHORTCUTS), ("Mouse", MOUSE))


def gui_shortcuts_help(state: AppState) -> bool:
    """Draws the window; returns False once the user closes it."""
    imgui.set_next_window_size(hello_imgui.em_to_vec2(40, 26), imgui.Cond_.first_use_ever)
    imgui.set_next_window_bg_alpha(0.97)  # floats over the video: keep the text readable
    expanded, keep_open = imgui.begin(WINDOW, True, imgui.WindowFlags_.no_docking)
    if expanded:
        for title, rows in SECTIONS:
            imgui.separator_text(title)
            if imgui.begin_table(f"##{title}", 2, imgui.TableFlags_.row_bg):
                # Keys as wide as they need; the description takes the rest and wraps.
                imgui.table_setup_column("keys", imgui.TableColumnFlags_.width_fixed)
                imgui.table_setup_column("action", imgui.TableColumnFlags_.width_stretch)
                for keys, action in rows:
                    with imgui_ctx.push_id(keys):
                        imgui.table_next_row()
                        imgui.table_next_column()
                        imgui.text(keys)
                        imgui.table_next_column()
                        imgui.text_wrapped(action)
                imgui.end_table()
    imgui.end()
    return bool(keep_open)
