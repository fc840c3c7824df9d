"""What runs each frame, in order: read this file top to bottom to know the order of a frame.

hello_imgui calls `tick` after NewFrame (callbacks.post_new_frame), then the menus
(`gui_feature_menus` from app.gui_menus), then app.gui_frame_extras (callbacks.show_gui: the
shortcuts, `gui_modals`, the notices), then every dockable window's panel (ui/layout.py).
`release` runs in before_exit while the GL context still lives.
"""

from __future__ import annotations

from leropilot_gl.state import AppState
from leropilot_gl.ui import confirm_dialog, edit_actions, edit_menus, env_wizard, quit_dialog
from leropilot_gl.ui.doctor_panel import doctor_tick_hook
from leropilot_gl.ui.hub_actions import hub_tick
from leropilot_gl.ui.hub_panel import gui_hub_panel
from leropilot_gl.ui.transport import playback_tick, release_playback
from leropilot_gl.ui.view3d import release_view3d_gl
from leropilot_gl.ui.watch_status import stop_watchers, watch_tick_hook


def tick_features(state: AppState) -> None:
    """Once per frame, before any panel; each step polls its workers and never waits."""
    playback_tick(state)  # the clock first: every panel below draws the same playhead
    hub_tick(state)  # login state, lazy episode fetches, transfer dialogs
    env_wizard.env_tick_hook(state)  # environment installs and their logs
    edit_actions.edit_tick(state)  # reopen kept journals, attach opened datasets, land saves
    quit_dialog.quit_tick(state)  # exit once a "Save all" chosen on quit has landed
    edit_menus.handle_edit_shortcuts(state)  # Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y
    watch_tick_hook(state)  # recordings: episodes that landed on disk since the last frame
    doctor_tick_hook(state)  # finished doctor checks


def gui_feature_menus(state: AppState) -> None:
    """The menus between File and View, in the order the menu bar shows them."""
    gui_hub_panel(state)  # "HF": login, open from the Hub, download, upload
    env_wizard.env_menu_hook(state)  # "Environments"
    edit_menus.gui_edit_menu(state)  # "Edit"


def gui_modals(state: AppState) -> None:
    """The editor's modals, drawn in one place. A click in a panel sets the request (AppState.edits)
    and the modal opens on the next frame."""
    confirm_dialog.gui_confirm_dialog(state)  # Save / Discard / Compact / Restore
    quit_dialog.gui_quit_dialog(state)  # quitting with pending edits


def release(state: AppState) -> None:
    """before_exit: GL objects while the context lives, journals written, watchers stopped."""
    release_playback(state)
    release_view3d_gl(state)
    edit_actions.flush_journals(state)
    stop_watchers(state)
