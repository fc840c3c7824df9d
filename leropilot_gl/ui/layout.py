"""Docking layout: dock spaces and the dockable windows (what runs each frame: ui/frame.py)."""

from __future__ import annotations

from collections.abc import Callable

from imgui_bundle import hello_imgui, imgui

from leropilot_gl.state import AppState
from leropilot_gl.ui import env_wizard
from leropilot_gl.ui.dataset_tree import gui_dataset_tree
from leropilot_gl.ui.details import gui_details
from leropilot_gl.ui.doctor_panel import WINDOW as DOCTOR_WINDOW, gui_doctor_panel
from leropilot_gl.ui.env_list import gui_env_list
from leropilot_gl.ui.notices import LOG_WINDOW, gui_notice_log
from leropilot_gl.ui.pending_edits import WINDOW as PENDING_EDITS_WINDOW, gui_pending_edits
from leropilot_gl.ui.plots import gui_plots
from leropilot_gl.ui.settings_panel import gui_settings_panel
from leropilot_gl.ui.sync_table import gui_sync_table
from leropilot_gl.ui.task_list import WINDOW as TASKS_WINDOW, gui_task_list
from leropilot_gl.ui.timeline import gui_timeline
from leropilot_gl.ui.video_grid import gui_video_grid
from leropilot_gl.ui.view3d import gui_view3d

MAIN_SPACE = "MainDockSpace"
LEFT_SPACE = "LeftSpace"
DETAILS_SPACE = "DetailsSpace"
BOTTOM_SPACE = "BottomSpace"
RIGHT_SPACE = "RightSpace"
RIGHT_BOTTOM_SPACE = "RightBottomSpace"
TIMELINE_SPACE = "TimelineSpace"

LAYOUT_NAME = "Default"


def make_docking_splits() -> list[hello_imgui.DockingSplit]:
    return [
        hello_imgui.DockingSplit(MAIN_SPACE, LEFT_SPACE, imgui.Dir.left, 0.22),
        hello_imgui.DockingSplit(LEFT_SPACE, DETAILS_SPACE, imgui.Dir.down, 0.45),
        hello_imgui.DockingSplit(MAIN_SPACE, BOTTOM_SPACE, imgui.Dir.down, 0.38),
        hello_imgui.DockingSplit(MAIN_SPACE, RIGHT_SPACE, imgui.Dir.right, 0.33),
        hello_imgui.DockingSplit(RIGHT_SPACE, RIGHT_BOTTOM_SPACE, imgui.Dir.down, 0.3),
        hello_imgui.DockingSplit(BOTTOM_SPACE, TIMELINE_SPACE, imgui.Dir.up, 0.4),
    ]


def _window(
    label: str,
    space: str,
    fn: Callable[[AppState], None],
    state: AppState,
    *,
    visible: bool = True,
    remember: bool = True,
):
    # A factory, so each window's closure captures its own function (not the loop variable).
    win = hello_imgui.DockableWindow(label, space, lambda: fn(state))
    win.is_visible = visible
    win.remember_is_visible = remember
    return win


def make_dockable_windows(state: AppState) -> list[hello_imgui.DockableWindow]:
    windows = [
        _window("Datasets", LEFT_SPACE, gui_dataset_tree, state),
        _window("Video", MAIN_SPACE, gui_video_grid, state),
        _window("Timeline", TIMELINE_SPACE, gui_timeline, state),
        _window("Plots", BOTTOM_SPACE, gui_plots, state),
        _window("Details", DETAILS_SPACE, gui_details, state),
        _window(PENDING_EDITS_WINDOW, DETAILS_SPACE, gui_pending_edits, state),
        _window(TASKS_WINDOW, DETAILS_SPACE, gui_task_list, state),
        _window("3D", RIGHT_SPACE, gui_view3d, state),
        _window("Sync", RIGHT_BOTTOM_SPACE, gui_sync_table, state),
        # The findings table needs width: beside Plots, under the video it seeks (ui/doctor_panel.py
        # still lays it out in two-line rows when docked narrow).
        _window(DOCTOR_WINDOW, BOTTOM_SPACE, gui_doctor_panel, state),
    ]
    windows[1].focus_window_at_next_frame = True  # Video is the tab on top of the main space at start
    # Environment manager: hidden until opened from the Environments menu, and not reopened by the
    # saved layout (it shares the main space with Video and would come up on top of it).
    windows += [
        _window(
            env_wizard.WIZARD_WINDOW,
            MAIN_SPACE,
            env_wizard.gui_env_wizard,
            state,
            visible=False,
            remember=False,
        ),
        _window(env_wizard.LIST_WINDOW, MAIN_SPACE, gui_env_list, state, visible=False, remember=False),
        _window(
            env_wizard.SETTINGS_WINDOW, MAIN_SPACE, gui_settings_panel, state, visible=False, remember=False
        ),
    ]
    windows.append(_window(LOG_WINDOW, BOTTOM_SPACE, gui_notice_log, state, visible=False))
    return windows


def default_visibility(state: AppState) -> dict[str, bool]:
    """Each window's visibility on first start (View > Reset layout goes back to it)."""
    return {w.label: w.is_visible for w in make_dockable_windows(state)}


def menu_windows(state: AppState) -> list[str]:
    """The windows View lists (the environment manager has its own menu)."""
    hidden = {env_wizard.WIZARD_WINDOW, env_wizard.LIST_WINDOW, env_wizard.SETTINGS_WINDOW}
    return [label for label in default_visibility(state) if label not in hidden]


def make_docking_params(state: AppState) -> hello_imgui.DockingParams:
    params = hello_imgui.DockingParams()
    params.layout_name = LAYOUT_NAME
    params.docking_splits = make_docking_splits()
    params.dockable_windows = make_dockable_windows(state)
    return params
