"""The UI thread never waits on the disk: while a dataset (and the saved robot settings) load
slowly on the workers, frames keep coming and the panels say what they wait for."""

from __future__ import annotations

import threading

from imgui_bundle import imgui

from leropilot_gl import state as state_module
from leropilot_gl.app import SAMPLE_DATASET
from leropilot_gl.dataset.journal import open_for_edit
from leropilot_gl.render.view3d_state import View3DState
from leropilot_gl.robot import prefs as robot_prefs
from leropilot_gl.robot.prefs import RobotPrefsStore
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_frames_keep_coming_while_a_slow_loader_runs(app_state, tmp_path, monkeypatch):
    release_open, release_prefs = threading.Event(), threading.Event()
    entered = {"open": threading.Event(), "prefs": threading.Event()}

    def slow_open(path, *args, **kwargs):
        entered["open"].set()
        release_open.wait()  # a network drive or a huge dataset: as slow as the test wants
        return open_for_edit(path, *args, **kwargs)

    class SlowPrefsStore(RobotPrefsStore):
        def __init__(self, *args, **kwargs) -> None:
            entered["prefs"].set()
            release_prefs.wait()
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(state_module, "open_for_edit", slow_open)
    # the 3D panels import the store on their worker, from its module: patch it there
    monkeypatch.setattr(robot_prefs, "RobotPrefsStore", SlowPrefsStore)
    app_state.view3d = View3DState(config_dir=tmp_path)
    app_state.open_dataset_async(SAMPLE_DATASET)
    seen: dict = {}

    def test(ctx):
        try:
            assert entered["open"].wait(60), "the loader never started"
            start = imgui.get_frame_count()
            ctx.yield_(30)  # each yield is one whole frame of every panel
            seen["frames_while_opening"] = imgui.get_frame_count() - start
            seen["opened_meanwhile"] = bool(app_state.datasets)
            release_open.set()
            assert yield_until(ctx, lambda: bool(app_state.datasets)), "dataset never opened"
            # The 3D view and the Sync panel ask for the robot settings: read on a worker too.
            ctx.set_ref("3D")
            ctx.window_focus("")
            assert entered["prefs"].wait(60), "the robot settings were never asked for"
            start = imgui.get_frame_count()
            ctx.yield_(30)
            seen["frames_while_prefs"] = imgui.get_frame_count() - start
            seen["prefs_ready_meanwhile"] = app_state.view3d.load_prefs_async(app_state.executor)
            seen["shot"] = screenshot(ctx, "slow_loading_prefs")
            release_prefs.set()
            assert yield_until(ctx, lambda: app_state.view3d.load_prefs_async(app_state.executor))
            assert yield_until(ctx, lambda: app_state.view3d.robot is not None)
            seen["robot"] = app_state.view3d.robot_source
        finally:
            release_open.set()
            release_prefs.set()

    run_app_test(app_state, test)
    assert seen["frames_while_opening"] >= 30 and not seen["opened_meanwhile"]
    assert seen["frames_while_prefs"] >= 30 and not seen["prefs_ready_meanwhile"]
    assert seen["robot"].bundled  # the so101 sample gets the shipped model once the settings are read
