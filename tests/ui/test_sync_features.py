"""The Sync panel on a dataset naming its features `state` / `actions`: found, shown, editable."""

from __future__ import annotations

from imgui_bundle import icons_fontawesome_6 as fa

from leropilot_gl.render.view3d_state import View3DState
from tests.conftest import copy_dataset
from tests.robot.test_motion_features import _rename
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_sync_panel_on_actions_state_dataset(app_state, sample_av1, tmp_path):
    root = copy_dataset(sample_av1, tmp_path, "actions_state")
    _rename(root, {"observation.state": "state", "action": "actions"}, drop_names=True)
    app_state.view3d = View3DState(config_dir=tmp_path / "config")
    app_state.open_dataset_async(root)
    seen: dict = {}

    def rows():
        view = app_state.view3d
        return (view.motion.sync_rows if view.motion is not None else view.sync_rows) or []

    def test(ctx):
        assert yield_until(ctx, lambda: bool(app_state.datasets)), "dataset never opened"
        app_state.select_episode(app_state.datasets[0].root, 0)
        assert yield_until(ctx, lambda: len(rows()) == 6), "no sync rows for state/actions"
        seen["rows"] = [r.name for r in rows()]
        screenshot(ctx, "sync_actions_state")
        ctx.item_click(f"//Sync/{fa.ICON_FA_PEN} Features")
        ctx.yield_(3)
        seen["popup"] = screenshot(ctx, "sync_actions_state_features_popup")

    run_app_test(app_state, test)
    assert seen["rows"] == [f"state[{i}]" for i in range(6)]
