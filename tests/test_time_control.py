"""The playhead follows wall time, skips (not slows) when frames lag, loops and clamps."""

from __future__ import annotations

import pytest

from leropilot_gl.time_control import MAX_DT_S, LoopMode, TimeControl


def _control(frames: int = 300, fps: float = 30.0) -> TimeControl:
    tc = TimeControl()
    tc.reset(fps=fps, frame_count=frames)
    return tc


@pytest.mark.parametrize("ui_fps", [20, 60, 144])
def test_one_second_at_1x_advances_fps_frames_whatever_the_ui_rate(ui_fps):
    tc = _control()
    tc.toggle_play()
    for _ in range(ui_fps):
        tc.update(1.0 / ui_fps)
    assert tc.frame_index == 30
    assert tc.time_s == pytest.approx(1.0)


@pytest.mark.parametrize("speed", [0.25, 0.5, 2.0, 4.0])
def test_speed_scales_the_clock(speed):
    tc = _control()
    tc.set_speed(speed)
    tc.toggle_play()
    for _ in range(60):
        tc.update(1.0 / 60)
    assert tc.time_s == pytest.approx(speed)


def test_speed_is_clamped_and_big_stalls_do_not_jump():
    tc = _control()
    tc.set_speed(10)
    assert tc.speed == 4.0
    tc.set_speed(0.01)
    assert tc.speed == 0.25
    tc.set_speed(1.0)
    tc.toggle_play()
    tc.update(5.0)  # a stalled frame (window drag)
    assert tc.time_s == pytest.approx(MAX_DT_S)


def test_skipped_frames_are_counted_when_decoding_lags():
    tc = _control()
    tc.toggle_play()
    tc.note_shown(0)
    tc.update(0.1)  # 3 frames of wall time passed, the screen shows frame 3
    tc.note_shown(tc.frame_index)
    assert tc.frame_index == 3 and tc.skipped_frames == 2
    tc.update(1 / 30)
    tc.note_shown(tc.frame_index)
    assert tc.skipped_frames == 2  # on time: nothing skipped
    tc.seek_frame(100)  # a seek is not a skip
    tc.note_shown(100)
    assert tc.skipped_frames == 2


def test_end_pauses_without_loop_and_wraps_with_loop():
    tc = _control(frames=30)
    tc.toggle_play()
    for _ in range(40):
        tc.update(0.05)
    assert not tc.playing and tc.frame_index == 29
    tc.toggle_play()  # parked at the end: play starts over
    assert tc.playing and tc.time_s == 0.0
    tc.loop_mode = LoopMode.ALL
    for _ in range(25):
        tc.update(0.05)  # 1.25 s of a 1 s episode
    assert tc.playing and 0 <= tc.frame_index < 30
    assert tc.time_s < 0.5


def test_step_seek_and_jumps_land_on_frames():
    tc = _control()
    tc.step(1)
    assert tc.frame_index == 1 and not tc.playing
    tc.step_seconds(1.0)
    assert tc.frame_index == 31
    tc.step(-100)
    assert tc.frame_index == 0
    tc.jump_to_end()
    assert tc.frame_index == 299
    tc.step(5)
    assert tc.frame_index == 299
    tc.jump_to_start()
    assert tc.frame_index == 0
    for k in (0, 1, 7, 150, 299):  # k/fps is frame k, never k-1, at every boundary
        tc.seek_frame(k)
        assert tc.frame_index == k
    cursor = tc.cursor()
    assert cursor.speed_if_playing is None and cursor.loop_range_s == (0.0, tc.last_frame_time_s)


@pytest.mark.parametrize("ui_fps", [3, 5, 8])
def test_a_slow_ui_still_plays_in_real_time(ui_fps):
    """Software GL on a big window can draw 5 frames a second: the clock must not slow with it."""
    tc = _control()
    tc.toggle_play()
    for _ in range(2 * ui_fps):
        tc.update(1.0 / ui_fps)
    assert tc.time_s == pytest.approx(2.0)
    assert tc.frame_index == 60


def test_the_skip_count_starts_again_with_each_run_of_playback():
    tc = _control()
    tc.toggle_play()
    tc.note_shown(0)
    tc.update(0.2)
    tc.note_shown(tc.frame_index)
    assert tc.skipped_frames == 5
    tc.toggle_play()  # pause: the count of that run stays readable
    assert tc.skipped_frames == 5
    tc.toggle_play()  # play again: a new run
    assert tc.skipped_frames == 0
    tc.note_shown(tc.frame_index)
    tc.update(1 / 30)
    tc.note_shown(tc.frame_index)
    assert tc.skipped_frames == 0


def test_shuttle_j_k_l_reverse_pause_forward_and_faster():
    tc = _control()
    tc.seek_frame(150)
    tc.shuttle(+1)  # L
    assert tc.playing and tc.direction == 1 and tc.speed == 1.0
    tc.shuttle(+1)  # L again: faster
    assert tc.speed == 2.0
    tc.shuttle(+1)
    assert tc.speed == 4.0
    tc.shuttle(+1)  # the fastest stays the fastest
    assert tc.speed == 4.0
    tc.shuttle(0)  # K
    assert not tc.playing
    tc.shuttle(-1)  # J: reverse at 1x
    assert tc.playing and tc.direction == -1 and tc.speed == 1.0
    before = tc.time_s
    for _ in range(30):
        tc.update(1 / 30)
    assert tc.time_s == pytest.approx(before - 1.0)
    tc.shuttle(-1)
    assert tc.speed == 2.0 and tc.direction == -1
    for _ in range(200):
        tc.update(1 / 30)  # runs into the start: pauses there without a loop
    assert not tc.playing and tc.frame_index == 0
    tc.shuttle(-1)  # reverse from the start: from the end
    assert tc.playing and tc.frame_index == 299
    tc.loop_mode = LoopMode.ALL
    tc.seek_frame(3)
    for _ in range(6):
        tc.update(1 / 30)  # past the start with a loop: wraps to the end
    assert tc.playing and tc.frame_index > 290
    tc.toggle_play()
    tc.toggle_play()  # Space plays forward again
    assert tc.direction == 1
