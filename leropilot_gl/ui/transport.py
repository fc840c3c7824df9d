"""Playback: the per-frame tick (clock, decode requests, texture uploads), shortcuts, transport bar."""

from __future__ import annotations

from time import monotonic

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui

from leropilot_gl.media.playback import PlaybackState
from leropilot_gl.render.playback_view import PlaybackView
from leropilot_gl.render.textures import VideoTexture
from leropilot_gl.state import AppState
from leropilot_gl.time_control import SPEEDS, LoopMode
from leropilot_gl.ui.trim_handles import set_trim_point


def playback_tick(state: AppState) -> None:
    """Once per frame, before the panels: advance the clock, ask for frames, upload what arrived."""
    playback: PlaybackState = state.playback
    view: PlaybackView = state.playback_view
    playback.ensure_pool(max(64, state.settings.frame_cache_mb) * 1024 * 1024)
    if playback.set_episode(state.selected_episode, state.executor):
        view.forget_frames()
    playback.poll_plots()
    handle_shortcuts(state)
    time = state.time
    time.update(_wall_dt_s(view))
    media = playback.media
    buffering = False
    request_frames(state)
    if media is not None:
        frame = time.frame_index
        all_shown = True
        for key in media.video_keys:
            tile_status = playback.tiles[key]
            tile = media.frame(key, frame)
            tile_status.problem = tile.problem
            if tile.image is not None:
                texture = view.textures.get(key)
                if texture is None:
                    texture = view.textures[key] = VideoTexture()
                texture.upload(tile.image, (media.sources[key].path, frame))
                tile_status.shown_frame = frame
                tile_status.buffering = False
            else:
                tile_status.buffering = tile.problem is None
                all_shown = all_shown and tile.problem is not None
        if all_shown:
            time.note_shown(frame)
        buffering = any(t.buffering for t in playback.tiles.values())
    _animate(view, time.playing or buffering or playback.plot_future is not None)


def _animate(view: PlaybackView, animate: bool) -> None:
    """Draw frames back to back while playing or while frames are on their way; then give idling
    back as it was (the app idles at 9 fps when nothing moves; a test harness may turn it off)."""
    fps_idling = hello_imgui.get_runner_params().fps_idling
    if animate and view.idling_before is None:
        view.idling_before = fps_idling.enable_idling
        fps_idling.enable_idling = False
    elif not animate and view.idling_before is not None:
        fps_idling.enable_idling = view.idling_before
        view.idling_before = None


def request_frames(state: AppState) -> None:
    """Ask the decoders for the playhead's frame (and prefetch around it); returns at once.

    The tick calls it every frame; a panel that seeks calls it right after the seek, so decoding
    starts during this frame instead of at the next frame's tick (one frame interval sooner).
    """
    media, time = state.playback.media, state.time
    if media is None:
        return
    start_s, end_s = time.loop_range_s()
    loop = (
        (round(start_s * time.fps), round(end_s * time.fps)) if time.loop_mode is not LoopMode.OFF else None
    )
    # Prefetch runs ahead forward only: in reverse it gathers around the playhead as when paused.
    speed = time.speed if time.playing_forward else None
    media.update(time.frame_index, speed_if_playing=speed, loop_range=loop)
    if not media.ready(time.frame_index):
        # An idling app would sleep up to 1/9 s before the next frame noticed the decoded frame.
        _animate(state.playback_view, True)


def _wall_dt_s(view: PlaybackView) -> float:
    """Seconds since the last frame, from the wall clock: io.delta_time can be a fixed step (the
    test engine's fast mode, some backends), and playback at 1x must follow real time."""
    now_s = monotonic()
    last_s, view.clock_s = view.clock_s, now_s
    return 0.0 if last_s is None else now_s - last_s


def release_playback(state: AppState) -> None:
    """before_exit: GL textures go while the context lives; decode workers stop."""
    state.playback_view.release()
    state.playback.close()


# (keys, what they do): the Help > Keyboard shortcuts window lists these with the app's own.
PLAYBACK_SHORTCUTS = (
    ("Space", "play / pause"),
    ("J / K / L", "shuttle: reverse / pause / forward; press again to go faster"),
    ("Left / Right", "step one frame (hold to scrub)"),
    ("Shift+Left / Shift+Right", "step one second"),
    ("Home / End", "jump to the episode's start / end"),
    ("PageUp / PageDown", "previous / next episode"),
    ("I / O", "trim: keep from / up to the frame under the playhead"),
)


def handle_shortcuts(state: AppState) -> None:
    """Space, J/K/L, Left/Right, Shift+Left/Right (1 s), Home/End, PageUp/PageDown, I/O; not while typing."""
    io = imgui.get_io()
    if io.want_text_input or state.selected_episode is None:
        return
    time = state.time
    if not (io.key_ctrl or io.key_alt or io.key_super):  # Ctrl+letter belongs to the menus
        for key, direction in ((imgui.Key.j, -1), (imgui.Key.k, 0), (imgui.Key.l, 1)):
            if imgui.is_key_pressed(key, False):
                time.shuttle(direction)
        if imgui.is_key_pressed(imgui.Key.i, False):
            set_trim_point(state, "in")
        if imgui.is_key_pressed(imgui.Key.o, False):
            set_trim_point(state, "out")
    if imgui.is_key_pressed(imgui.Key.space, False):
        time.toggle_play()
    for key, direction in ((imgui.Key.left_arrow, -1), (imgui.Key.right_arrow, 1)):
        if not imgui.is_key_pressed(key):  # repeats while held: hold to scrub
            continue
        if io.key_shift:
            time.step_seconds(float(direction))
        else:
            time.step(direction)
    if imgui.is_key_pressed(imgui.Key.home, False):
        time.jump_to_start()
    if imgui.is_key_pressed(imgui.Key.end, False):
        time.jump_to_end()
    if imgui.is_key_pressed(imgui.Key.page_up, False):
        state.step_episode(-1)
    if imgui.is_key_pressed(imgui.Key.page_down, False):
        state.step_episode(+1)


def gui_transport(state: AppState) -> None:
    """Play/pause, speed, stepping, start/end, previous/next episode, readouts."""
    time = state.time
    enabled = state.selected_episode is not None
    imgui.begin_disabled(not enabled)
    buttons = (
        (
            fa.ICON_FA_BACKWARD_FAST,
            "prev_episode",
            "Previous episode (PageUp)",
            lambda: state.step_episode(-1),
        ),
        (fa.ICON_FA_BACKWARD, "start", "Jump to start (Home)", time.jump_to_start),
        (
            fa.ICON_FA_BACKWARD_STEP,
            "step_back",
            "Step one frame back (Left; Shift+Left: 1 s)",
            lambda: time.step(-1),
        ),
        (
            fa.ICON_FA_PAUSE if time.playing else fa.ICON_FA_PLAY,
            "play",
            "Play / pause (Space; J / K / L: reverse / pause / forward)",
            time.toggle_play,
        ),
        (
            fa.ICON_FA_FORWARD_STEP,
            "step_forward",
            "Step one frame forward (Right; Shift+Right: 1 s)",
            lambda: time.step(1),
        ),
        (fa.ICON_FA_FORWARD, "end", "Jump to end (End)", time.jump_to_end),
        (fa.ICON_FA_FORWARD_FAST, "next_episode", "Next episode (PageDown)", lambda: state.step_episode(+1)),
    )
    for icon, stable_id, tooltip, action in buttons:
        if imgui.button(f"{icon}###{stable_id}"):  # ### keeps the id when the play icon changes
            action()
        imgui.set_item_tooltip(tooltip)
        imgui.same_line()
    imgui.set_next_item_width(hello_imgui.em_size(5))
    direction = "-" if time.direction < 0 and time.playing else ""
    if imgui.begin_combo("###speed", f"{direction}{time.speed:g}x"):
        for speed in SPEEDS:
            if imgui.selectable(f"{speed:g}x", speed == time.speed)[0]:
                time.set_speed(speed)
        imgui.end_combo()
    imgui.set_item_tooltip("Speed (J / L again: faster)")
    imgui.same_line()
    looping = time.loop_mode is LoopMode.ALL
    if imgui.checkbox("Loop", looping)[0]:
        time.loop_mode = LoopMode.OFF if looping else LoopMode.ALL
    imgui.set_item_tooltip("Loop the episode")
    imgui.same_line()
    last = max(time.frame_count - 1, 0)
    imgui.text(f"{time.time_s:7.3f} s / {time.last_frame_time_s:.3f} s   frame")
    imgui.same_line()
    gui_goto_frame(state)
    imgui.same_line()
    imgui.text(f"/ {last}")
    imgui.end_disabled()
    if time.skipped_frames:
        imgui.same_line()
        imgui.text_colored(imgui.ImVec4(1.0, 0.75, 0.3, 1.0), f"skipped {time.skipped_frames}")
        imgui.set_item_tooltip(
            "Frames the playhead passed before they were decoded, since play was pressed (playback never slows)"
        )
    pool = state.playback.pool
    status = pool.backend_status if pool is not None else None
    if status is not None:
        imgui.same_line()
        if status.reason:  # a fallback: say why, in the bar, not only in a tooltip
            imgui.text_colored(imgui.ImVec4(1.0, 0.75, 0.3, 1.0), f"decoder: {status.describe()}")
        else:
            imgui.text_disabled(f"decoder: {status.describe()}")
    episode = state.selected_episode
    if episode is not None and episode.tasks:
        imgui.text_wrapped("Task: " + " | ".join(episode.tasks))


def gui_goto_frame(state: AppState) -> None:
    """The frame readout is a field: type a frame number, Enter goes there (clamped to the episode)."""
    time = state.time
    view = state.playback_view
    imgui.set_next_item_width(hello_imgui.em_size(4.5))
    shown = view.goto_text if view.goto_editing else str(time.frame_index)
    flags = imgui.InputTextFlags_.chars_decimal | imgui.InputTextFlags_.enter_returns_true
    entered, text = imgui.input_text("###goto_frame", shown, flags)
    active = imgui.is_item_active()
    imgui.set_item_tooltip("Go to frame: type a frame number and press Enter")
    if active:
        view.goto_editing, view.goto_text = True, text
    if entered:
        view.goto_editing = False
        try:
            time.playing = False
            time.seek_frame(min(max(int(text), 0), max(time.frame_count - 1, 0)))
            request_frames(state)
        except ValueError:
            pass  # an empty field: stay where we are
    elif not active:
        view.goto_editing = False
