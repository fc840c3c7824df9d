"""The 3D panel in the running app: follows the playhead, orbits on drag, remembers a chosen URDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from leropilot_gl.render.view3d_state import View3DState
from leropilot_gl.robot import BUNDLED_SO101_URDF, JointUnits, RobotPrefsStore
from tests.ui.conftest import run_app_test, screenshot, yield_until

CANVAS = "**/##view3d_canvas"
WINDOW = (1200, 780)  # smaller than the default: every frame is drawn by software GL
SHARED = (Path(__file__).resolve().parents[1] / "data" / "datasets").resolve()


def _canvas_pixels(ctx, shot: Path) -> np.ndarray:
    """The 3D view's rectangle cut out of a whole-window screenshot."""
    rect = ctx.item_info(CANVAS).rect_full
    image = np.asarray(Image.open(shot).convert("RGB"))
    x0, y0, x1, y1 = (int(round(v)) for v in (rect.min.x, rect.min.y, rect.max.x, rect.max.y))
    return image[y0:y1, x0:x1]


def _show_frame(ctx, state, frame: int, *, offset_s: float = 0.0) -> None:
    state.time.seek(frame / state.time.fps + offset_s)
    ctx.yield_(3)


def test_view_follows_the_playhead_and_orbits(app_state, sample_av1, tmp_path):
    app_state.view3d = View3DState(config_dir=tmp_path)
    app_state.open_dataset_async(sample_av1)
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: app_state.view3d.motion is not None), (
            app_state.view3d.robot_error,
            app_state.view3d.motion_error,
        )
        view = app_state.view3d
        ctx.set_ref("3D")
        _show_frame(ctx, app_state, 4)
        seen["a"] = _canvas_pixels(ctx, screenshot(ctx, "view3d_frame04"))
        _show_frame(ctx, app_state, 24)
        seen["b"] = _canvas_pixels(ctx, screenshot(ctx, "view3d_frame24"))
        # Another time inside frame 4, reached after visiting frame 24: the same state, the same image.
        _show_frame(ctx, app_state, 4, offset_s=0.4 / app_state.time.fps)
        seen["a_again"] = _canvas_pixels(ctx, screenshot(ctx, "view3d_frame04_again"))
        seen["yaw"] = view.camera.yaw_rad
        ctx.item_drag_with_delta(CANVAS, _vec(140, 30))
        ctx.yield_(3)
        seen["yaw_after"] = view.camera.yaw_rad
        seen["orbited"] = _canvas_pixels(ctx, screenshot(ctx, "view3d_orbited"))
        seen["units"] = view.motion.units
        seen["mapped"] = sorted(view.motion.mapping.targets)
        seen["sync"] = [(r.name, r.lag_frames) for r in view.motion.sync_rows]

    run_app_test(app_state, test, window_size=WINDOW)
    a, b, a_again, orbited = seen["a"], seen["b"], seen["a_again"], seen["orbited"]
    assert a.shape == b.shape and a.shape[0] > 100 and a.shape[1] > 100
    assert a.std() > 10  # a rendered scene, not a flat colour
    changed = np.any(a != b, axis=-1).mean()
    assert changed > 0.01, f"the view did not follow the playhead ({changed:.4f} of pixels changed)"
    assert np.array_equal(a, a_again)
    assert seen["yaw_after"] != seen["yaw"]
    assert np.any(a != orbited, axis=-1).mean() > 0.05
    assert seen["units"] is JointUnits.DEGREES
    assert len(seen["mapped"]) == 6
    assert all(abs(lag - 3) < 0.3 for _, lag in seen["sync"]), seen["sync"]


def test_chosen_urdf_is_used_and_remembered(app_state, real_data, tmp_path):
    """The Koch dataset has no bundled model: the user types a URDF path; the choice is kept."""
    koch = real_data / "datasets" / "koch_screwdriver_v2.1_novideo"
    app_state.view3d = View3DState(config_dir=tmp_path)
    app_state.open_dataset_async(koch)
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: app_state.selected_episode is not None)
        ctx.yield_(2)
        seen["source_before"] = app_state.view3d.robot_source
        ctx.set_ref("3D")
        ctx.item_open("**/Robot model, joints and units")
        ctx.item_input_value("**/##urdf_path", str(BUNDLED_SO101_URDF))
        ctx.item_click("**/Use URDF")
        assert yield_until(ctx, lambda: app_state.view3d.motion is not None), app_state.view3d.robot_error
        ctx.yield_(2)
        screenshot(ctx, "view3d_koch_chosen_urdf")
        seen["motion"] = app_state.view3d.motion
        # Edit the mapping: the screwdriver column drives the gripper joint (a user's call).
        ctx.set_ref(ctx.window_info("//3D/##robot_settings").window)  # the settings scroll in a child
        ctx.item_click("##mapping/screwdriver.vel/##joint")  # opens the combo; its popup takes focus
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("gripper")
        assert yield_until(
            ctx, lambda: app_state.view3d.motion is not seen["motion"] and not app_state.view3d.busy
        )
        seen["edited"] = app_state.view3d.motion

    run_app_test(app_state, test, window_size=WINDOW)
    assert seen["source_before"] is None
    motion = seen["motion"]
    assert motion.units is JointUnits.RANGE_100 and "±100" in motion.unit_guess.reason
    assert ("screwdriver.vel", "not a joint position (.vel)") in motion.mapping.unmapped_features
    assert len(motion.mapping.targets) == 5
    app_state.view3d.prefs_store.flush()  # written on the executor
    remembered = RobotPrefsStore(tmp_path).get("koch_screwdriver_follower")
    assert remembered.urdf_path == str(BUNDLED_SO101_URDF.resolve())
    assert remembered.mapping["screwdriver.vel"] == ["", "gripper"]
    assert seen["edited"].mapping.targets["screwdriver.vel"].joint == "gripper"
    assert len(seen["edited"].mapping.targets) == 6


def _vec(x: float, y: float):
    from imgui_bundle import imgui

    return imgui.ImVec2(x, y)
