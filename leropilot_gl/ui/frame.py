"""What runs each frame, in order: read this file top to bottom to know the order of a frame.

hello_imgui calls `tick` after NewFrame (callbacks.post_new_frame), then the menus
(`gui_feature_menus` from app.gui_menus), then every dockable window's panel (ui/layout.py), then
app.gui_frame_extras for the modals and notices. `release` runs in before_exit while the GL
context still lives.
"""

from __future__ import annotations

from leropilot_gl.state import AppState
from leropilot_gl.ui import env_wizard
from leropilot_gl.ui.doctor_panel import doctor_tick_hook
from leropilot_gl.ui.edit_actions import edit_menu_hook, edit_tick_hook, flush_journals
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
    edit_tick_hook(state)  # attach opened datasets to the journal, land saves, undo/redo keys
    watch_tick_hook(state)  # recordings: episodes that landed on disk since the last frame
    doctor_tick_hook(state)  # finished doctor checks


def gui_feature_menus(state: AppState) -> None:
    """The menus between File and View, in the order the menu bar shows them."""
    gui_hub_panel(state)  # "HF": login, open from the Hub, download, upload
    env_wizard.env_menu_hook(state)  # "Environments"
    edit_menu_hook(state)  # "Edit"


def release(state: AppState) -> None:
    """before_exit: GL objects while the context lives, journals written, watchers stopped."""
    release_playback(state)
    release_view3d_gl(state)
    flush_journals(state)
    stop_watchers(state)
