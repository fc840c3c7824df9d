"""The first window: open a dataset, expand the tree, select an episode, read the details."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from leropilot_gl.robot.pose import BUNDLED_SO101_URDF
from tests.ui.conftest import run_app_test, screenshot, yield_until

SHARED = (Path(__file__).resolve().parents[1] / "data" / "datasets").resolve()


def test_open_select_episode_and_details(app_state):
    root = SHARED / "gr00t_pnp_sim_v2.0"
    app_state.open_dataset_async(root)
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: bool(app_state.datasets)), "dataset never opened"
        ctx.set_ref("Datasets")
        ctx.item_open("**/###dataset")
        ctx.item_click("**/000003")
        ctx.yield_(3)
        seen["episode"] = app_state.selection.episode_index
        seen["shot"] = screenshot(ctx, "dataset_tree_gr00t")

    run_app_test(app_state, test)
    assert seen["episode"] == 3
    assert app_state.selected_episode.length == 412
    assert app_state.time.frame_count == 412
    pixels = np.asarray(Image.open(seen["shot"]).convert("RGB"))
    assert pixels.std() > 5  # a rendered UI, not a blank framebuffer


def test_open_by_typed_path_and_by_drop(app_state, tmp_path):
    from leropilot_gl.app import handle_dropped_paths

    koch = SHARED / "koch_screwdriver_v2.1_novideo"
    reachy = SHARED / "reachy2_apple_storage_v3.0_novideo"
    # A URDF outside the package, as a user's own download would be.
    urdf = shutil.copytree(BUNDLED_SO101_URDF.parent, tmp_path / "robots" / "so101") / BUNDLED_SO101_URDF.name
    seen = {}

    def test(ctx):
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("File/Open path...")
        ctx.set_ref("Open dataset path")
        ctx.item_input_value("##path", str(koch))  # types the path and presses Enter
        assert yield_until(ctx, lambda: len(app_state.datasets) == 1)
        # A file dropped from inside a dataset opens the whole dataset.
        handle_dropped_paths(app_state, [str(reachy / "meta" / "info.json")])
        assert yield_until(ctx, lambda: len(app_state.datasets) == 2)
        # A dropped URDF becomes the model of the selected dataset's robot type, not a dataset.
        handle_dropped_paths(app_state, [str(urdf)])
        seen["urdf"] = app_state.view3d.prefs_for(app_state.selected_dataset.index.robot_type).urdf_path
        # A folder that is no dataset: a notice, nothing opened, nothing crashes.
        handle_dropped_paths(app_state, [str(tmp_path / "robots")])
        assert yield_until(ctx, lambda: not app_state.opening)
        ctx.yield_(2)
        screenshot(ctx, "open_path_and_drop")

    run_app_test(app_state, test)
    assert [d.index.name for d in app_state.datasets] == [koch.name, reachy.name]
    assert any("no meta/info.json" in n.text and n.level == "error" for n in app_state.notices)
    assert app_state.settings.recent_datasets[:2] == [str(reachy), str(koch)]
    assert seen["urdf"] == str(urdf.resolve())


def test_layout_and_settings_are_remembered(tmp_path):
    """Hide a window and open a dataset; a second run shows the window hidden and the recent list."""
    from imgui_bundle import hello_imgui
    from imgui_bundle.immapp import testing

    from leropilot_gl.app import add_ons, build_runner_params
    from leropilot_gl.render.headless import init_null_platform
    from leropilot_gl.state import AppState

    ini = tmp_path / "layout.ini"
    koch = SHARED / "koch_screwdriver_v2.1_novideo"

    def run_once(state, test_fn):
        init_null_platform()
        params = build_runner_params(state, persist_layout=True)
        params.app_window_params.restore_previous_geometry = False
        params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
        params.ini_filename = str(ini)
        params.fps_idling.enable_idling = False
        testing.run(test_function=test_fn, runner_params=params, add_ons_params=add_ons())

    first = AppState()
    first.open_dataset_async(koch)

    def hide_details(ctx):
        assert yield_until(ctx, lambda: bool(first.datasets))
        # What hello_imgui's View menu does when the user unticks the window.
        hello_imgui.get_runner_params().docking_params.dockable_window_of_name("Details").is_visible = False
        ctx.yield_(3)

    run_once(first, hide_details)
    first.shutdown()
    assert ini.is_file()

    second = AppState()
    seen = {}

    def check(ctx):
        ctx.yield_(3)
        seen["details_visible"] = (
            hello_imgui.get_runner_params().docking_params.dockable_window_of_name("Details").is_visible
        )
        seen["recent"] = list(second.settings.recent_datasets)

    run_once(second, check)
    second.shutdown()
    assert seen["details_visible"] is False
    assert seen["recent"] == [str(koch)]
