"""The menus and shortcuts a first session reaches for: Ctrl+O opens the built-in folder browser when
the system has no dialog helper, the open-path field starts empty and focused, Ctrl+S answers,
View holds Debug, UI scale, Log and Reset layout, Help lists the shortcuts, notices expire (errors
stay), and Ctrl+Q quits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui
from PIL import Image

from leropilot_gl.app import SAMPLE_DATASET
from leropilot_gl.ui import folder_browser
from leropilot_gl.ui.layout import make_dockable_windows
from leropilot_gl.ui.notices import LIFETIME_S
from tests.ui.conftest import run_app_test, screenshot, yield_until


def _window_shown(name: str) -> bool:
    window = imgui.internal.find_window_by_name(name)
    return window is not None and window.active


def test_menus_shortcuts_browser_and_notices(
    app_state, sample_h264: Path, tmp_path: Path, monkeypatch
) -> None:
    # A system like the one the first session ran on: no zenity/kdialog, so no system dialog.
    monkeypatch.setattr(folder_browser, "DIALOG_HELPERS", ("no-such-dialog-helper",))
    lerobot_home = tmp_path / "lerobot-home"
    (lerobot_home / "someone").mkdir(parents=True)
    monkeypatch.setenv("HF_LEROBOT_HOME", str(lerobot_home))
    app_state.open_dataset_async(SAMPLE_DATASET)
    objects = app_state.playback_view.panel_objects
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: bool(app_state.datasets))
        ui = objects["app_ui"]
        params = hello_imgui.get_runner_params()
        seen["own_view_menu"] = not params.imgui_window_params.show_menu_view

        # Ctrl+O: the built-in browser, since no system dialog exists here.
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.o)
        ctx.yield_(2)
        browser = folder_browser.browser(app_state)
        seen["browser_opened"] = browser is not None
        ctx.set_ref("//$FOCUSED")
        ctx.item_click(f"**/{fa.ICON_FA_DATABASE} LeRobot cache (HF_LEROBOT_HOME)")
        assert yield_until(ctx, lambda: browser.listing is None and browser.listed == lerobot_home)
        seen["cache_listing"] = [e.name for e in browser.entries]
        # Type the fixture's parent folder, Enter: its datasets are listed, marked as datasets.
        ctx.item_input_value("**/##browser_path", str(sample_h264.parent))  # types it, then Enter
        assert yield_until(ctx, lambda: browser.listing is None and browser.listed == sample_h264.parent)
        ctx.yield_(2)
        seen["shot_browser"] = screenshot(ctx, "window_folder_browser")
        entry = next(e for e in browser.entries if e.name == sample_h264.name)
        seen["entry_is_dataset"] = entry.is_dataset
        ctx.item_click(f"**/{fa.ICON_FA_DATABASE} {entry.name}   (LeRobot dataset)")
        ctx.yield_()
        seen["selected"] = browser.selected
        ctx.item_click("**/Open###browser_ok")
        ctx.yield_(2)
        seen["browser_closed"] = folder_browser.browser(app_state) is None
        assert yield_until(ctx, lambda: len(app_state.datasets) == 2), "the chosen dataset never opened"

        # File > Open path...: the field is focused and empty, even after text was typed before.
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("File/Open path...")
        ctx.yield_(2)
        ctx.key_chars("abc")
        ctx.yield_()
        seen["typed_first"] = ui.open_path_text
        ctx.key_press(imgui.Key.escape)
        ctx.yield_(2)
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("File/Open path...")
        ctx.yield_(2)
        seen["field_on_reopen"] = ui.open_path_text
        ctx.key_chars("xyz")
        ctx.yield_()
        seen["typed_second"] = ui.open_path_text
        ctx.key_press(imgui.Key.escape)
        ctx.yield_(2)

        # Ctrl+S with nothing pending: says so instead of doing nothing.
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.s)
        ctx.yield_(2)
        seen["ctrl_s"] = app_state.notices[-1].text if app_state.notices else None

        # Help > Keyboard shortcuts; F1 closes it again.
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("Help/Keyboard shortcuts")
        ctx.yield_(2)
        seen["shortcuts_shown"] = _window_shown("Keyboard shortcuts")
        screenshot(ctx, "window_shortcuts_help")
        ctx.key_press(imgui.Key.f1)
        ctx.yield_(2)
        seen["shortcuts_after_f1"] = ui.show_shortcuts

        # View > Debug > Metrics, View > UI scale, View > Log, View > Reset layout.
        ctx.menu_click("View/Debug/Metrics")  # Debug lives under View, not in the menu bar
        ctx.yield_(2)
        seen["metrics"] = app_state.show_metrics_window
        ctx.menu_click("View/Debug/Metrics")
        ctx.menu_click("View/UI scale/125%")
        ctx.yield_(2)
        seen["scale"] = (app_state.settings.ui_scale, imgui.get_style().font_scale_main)
        ctx.menu_click("View/UI scale/100%")
        ctx.yield_(2)
        seen["scale_back"] = imgui.get_style().font_scale_main

        # Notices: info leaves the overlay after its lifetime, errors stay; the Log keeps both.
        app_state.notify("info", "an old message")
        app_state.notices[-1].created_s -= LIFETIME_S["info"] + 1
        app_state.notify("error", "a lasting error")
        app_state.notify("info", "a new message")
        ctx.yield_(2)
        seen["shown_notices"] = [n.text for n in objects["notices_shown"]]
        seen["logged"] = [n.text for n in app_state.notice_log]
        ctx.menu_click("View/Log")
        ctx.yield_(3)
        seen["log_shown"] = _window_shown("Log")
        screenshot(ctx, "window_log")
        ctx.menu_click("View/Reset layout")
        ctx.yield_(3)
        seen["log_after_reset"] = params.docking_params.dockable_window_of_name("Log").is_visible
        seen["video_after_reset"] = params.docking_params.dockable_window_of_name("Video").is_visible

        # Ctrl+Q quits: the app closes under the running test.
        seen["before_quit"] = params.app_shall_exit
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.q)
        seen["after_quit"] = params.app_shall_exit

    with pytest.raises(RuntimeError, match="exited before the test finished"):
        run_app_test(app_state, test)
    assert seen["own_view_menu"]
    assert seen["browser_opened"] and seen["browser_closed"]
    assert seen["cache_listing"] == ["someone"]
    assert seen["entry_is_dataset"] and seen["selected"] == sample_h264.name
    assert Path(app_state.datasets[1].root).resolve() == sample_h264.resolve()
    assert seen["typed_first"] == "abc" and seen["field_on_reopen"] == "" and seen["typed_second"] == "xyz"
    assert seen["ctrl_s"] is not None and "no pending edits" in seen["ctrl_s"], seen["ctrl_s"]
    assert seen["shortcuts_shown"] and seen["shortcuts_after_f1"] is False
    assert seen["metrics"]
    assert seen["scale"] == (1.25, 1.25) and seen["scale_back"] == 1.0
    assert "a lasting error" in seen["shown_notices"] and "a new message" in seen["shown_notices"]
    assert "an old message" not in seen["shown_notices"]
    assert {"an old message", "a lasting error", "a new message"} <= set(seen["logged"])
    assert seen["log_shown"] and seen["log_after_reset"] is False and seen["video_after_reset"]
    assert seen["before_quit"] is False and seen["after_quit"] is True
    assert np.asarray(Image.open(seen["shot_browser"]).convert("RGB")).std() > 5


def test_environment_windows_do_not_come_back_over_video(app_state) -> None:
    """The saved layout remembers the panels, not the environment manager: Video stays on top."""
    windows = {w.label: w for w in make_dockable_windows(app_state)}
    from leropilot_gl.ui import env_wizard

    for label in (env_wizard.WIZARD_WINDOW, env_wizard.LIST_WINDOW, env_wizard.SETTINGS_WINDOW):
        assert not windows[label].remember_is_visible and not windows[label].is_visible
    assert windows["Video"].focus_window_at_next_frame
