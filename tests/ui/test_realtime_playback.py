"""Playback at 1x on the bundled sample keeps real time (frames shown advance at the dataset's fps),
J/K/L shuttle, and the 3D panel keeps its view inside the panel with the robot settings open."""

from __future__ import annotations

import time as wall

from imgui_bundle import imgui

from leropilot_gl.app import SAMPLE_DATASET
from leropilot_gl.time_control import MAX_DT_S, LoopMode
from tests.ui.conftest import run_app_test, screenshot, yield_until

PLAY_S = 5.0


def test_playback_at_1x_keeps_real_time_and_shuttles(app_state) -> None:
    app_state.open_dataset_async(SAMPLE_DATASET)
    objects = app_state.playback_view.panel_objects
    seen: dict = {}

    def shown_frame() -> int | None:
        frames = [t.shown_frame for t in app_state.playback.tiles.values()]
        return None if not frames or None in frames else min(frames)

    def test(ctx) -> None:
        tc = app_state.time
        assert yield_until(ctx, lambda: shown_frame() == 0, max_frames=3000), "no frame on screen"
        frames = tc.frame_count
        tc.loop_mode = LoopMode.ALL  # the sample's episodes last 5 s: loop so 5 s of play never stop
        ctx.key_press(imgui.Key.space)
        start_s, start_playhead, start_shown = wall.monotonic(), tc.frame_index, shown_frame()
        playhead_frames = shown_frames = 0
        last_playhead, last_shown = start_playhead, start_shown
        gaps_s = []
        while wall.monotonic() - start_s < PLAY_S:
            before_s = wall.monotonic()
            ctx.yield_()
            gaps_s.append(wall.monotonic() - before_s)
            playhead, shown = tc.frame_index, shown_frame()
            playhead_frames += (playhead - last_playhead) % frames  # unwrapped across the loop
            if shown is not None:
                shown_frames += (shown - last_shown) % frames
                last_shown = shown
            last_playhead = playhead
        elapsed_s = wall.monotonic() - start_s
        ctx.key_press(imgui.Key.space)
        seen["fps"] = tc.fps
        seen["playhead_rate"] = playhead_frames / elapsed_s
        seen["shown_rate"] = shown_frames / elapsed_s
        seen["skipped"] = tc.skipped_frames
        # Frames slower than MAX_DT_S are stalls the clock does not follow (by design): count them.
        seen["stalled_s"] = sum(g - MAX_DT_S for g in gaps_s if g > MAX_DT_S)
        seen["frames"], seen["slowest_frame_s"] = len(gaps_s), max(gaps_s)
        seen["elapsed_s"] = elapsed_s
        print(
            f"\n1x playback for {elapsed_s:.2f} s at {imgui.get_io().framerate:.1f} UI fps: playhead "
            f"{seen['playhead_rate']:.2f} frames/s, shown {seen['shown_rate']:.2f} frames/s, dataset "
            f"{tc.fps:g} fps, skipped {tc.skipped_frames}; {len(gaps_s)} UI frames, slowest "
            f"{max(gaps_s):.3f} s, {seen['stalled_s']:.2f} s in stalls over {MAX_DT_S} s"
        )

        # Space again: a new run of playback counts its own skips.
        tc.skipped_frames = 1000
        ctx.key_press(imgui.Key.space)
        seen["skipped_new_run"] = tc.skipped_frames
        ctx.key_press(imgui.Key.space)

        # J / K / L: forward, faster, pause, reverse.
        tc.loop_mode = LoopMode.OFF
        tc.seek_frame(75)
        ctx.key_press(imgui.Key.l)
        seen["l"] = (tc.playing, tc.direction, tc.speed)
        ctx.key_press(imgui.Key.l)
        seen["ll"] = tc.speed
        ctx.key_press(imgui.Key.k)
        seen["k"] = tc.playing
        paused_at = tc.frame_index
        ctx.key_press(imgui.Key.j)
        seen["j"] = (tc.playing, tc.direction, tc.speed)
        # Frames slower than MAX_DT_S do not move the clock, so on a loaded machine a fixed count
        # of frames may not move it: wait for the playhead to go back instead.
        seen["reversed"] = yield_until(ctx, lambda: tc.frame_index < paused_at, max_frames=100)
        ctx.key_press(imgui.Key.k)

        # The robot settings open above the 3D view: the view stays inside its panel.
        ctx.set_ref("3D")
        ctx.item_click("Robot model, joints and units")
        ctx.yield_(3)
        window = imgui.internal.find_window_by_name("3D")
        seen["panel_bottom"] = window.pos.y + window.size.y
        seen["canvas"] = objects["view3d_canvas_rect"]
        seen["shot_3d"] = screenshot(ctx, "window_3d_settings_open")

    run_app_test(app_state, test)
    fps = seen["fps"]
    # Real time, less only the stalls (a frame slower than MAX_DT_S: the clock does not jump).
    expected_rate = fps * (seen["elapsed_s"] - seen["stalled_s"]) / seen["elapsed_s"]
    assert abs(seen["playhead_rate"] - expected_rate) / expected_rate < 0.1, (expected_rate, seen)
    assert abs(seen["shown_rate"] - expected_rate) / expected_rate < 0.15, (expected_rate, seen)
    assert seen["skipped_new_run"] < 1000
    assert seen["l"] == (True, 1, 1.0) and seen["ll"] == 2.0 and seen["k"] is False
    assert seen["j"] == (True, -1, 1.0) and seen["reversed"]
    x0, y0, x1, y1 = seen["canvas"]
    assert y1 <= seen["panel_bottom"] + 1, "the 3D view was pushed out of its panel"
    assert y1 - y0 > 20
