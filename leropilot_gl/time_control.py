"""The playhead: time, playing, speed, loop, stepping. No imgui; tested headless.

The clock follows wall time: at 1x a 30 fps episode advances 30 frames a second whatever the UI
frame rate. When the frames on screen lag behind (decode too slow), time still advances and the
frames in between are skipped, not slowed; the skips are counted so the UI can show them (per
run of playback: pressing play starts the count again).

Shuttle (J/K/L in video editors): `shuttle(+1)` plays forward, again faster; `shuttle(-1)` plays in
reverse, again faster; `shuttle(0)` pauses.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
# A stalled frame (window drag, breakpoint) must not jump the playhead far; but a slow UI (software
# GL, a big window, 5 fps) must still play in real time, so the bound is well above a slow frame.
MAX_DT_S = 0.5


class LoopMode(enum.Enum):
    OFF = "off"
    SELECTION = "selection"
    ALL = "all"


@dataclass(frozen=True)
class PrefetchCursor:
    """What the prefetcher may know of the playhead: a snapshot, not the live object."""

    time_s: float
    speed_if_playing: float | None
    loop_range_s: tuple[float, float]


@dataclass
class TimeControl:
    fps: float = 30.0
    duration_s: float = 0.0  # length of the current episode: frames / fps
    time_s: float = 0.0
    playing: bool = False
    speed: float = 1.0
    loop_mode: LoopMode = LoopMode.OFF
    selection_s: tuple[float, float] | None = None
    skipped_frames: int = 0  # frames the playhead passed that were never shown, this run of playback
    direction: int = 1  # +1 forward, -1 reverse (J)
    _last_shown_frame: int | None = None

    # ------------------------------------------------------------------ queries
    @property
    def frame_count(self) -> int:
        return max(0, round(self.duration_s * self.fps))

    @property
    def frame_index(self) -> int:
        """The frame under the playhead; the small epsilon keeps k/fps on frame k."""
        if self.frame_count == 0:
            return 0
        return min(self.frame_count - 1, max(0, math.floor(self.time_s * self.fps + 1e-6)))

    @property
    def last_frame_time_s(self) -> float:
        return max(0.0, (self.frame_count - 1) / self.fps) if self.fps > 0 else 0.0

    def loop_range_s(self) -> tuple[float, float]:
        if self.loop_mode is LoopMode.SELECTION and self.selection_s is not None:
            return self.selection_s
        return (0.0, self.last_frame_time_s)

    def cursor(self) -> PrefetchCursor:
        return PrefetchCursor(self.time_s, self.speed if self.playing else None, self.loop_range_s())

    @property
    def playing_forward(self) -> bool:
        return self.playing and self.direction > 0

    # ------------------------------------------------------------------ commands
    def reset(self, *, fps: float, frame_count: int) -> None:
        """A new episode: back to its start, paused."""
        self.fps = fps
        self.duration_s = frame_count / fps if fps > 0 else 0.0
        self.time_s = 0.0
        self.playing = False
        self.direction = 1
        self.selection_s = None
        self.skipped_frames = 0
        self._last_shown_frame = None

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, playing: bool) -> None:
        if playing and not self.playing:
            self.direction = 1
            if self.loop_mode is LoopMode.OFF and self.time_s >= self.last_frame_time_s:
                self.time_s = 0.0  # play from the start when parked at the end
            self._start_run()
        self.playing = playing

    def _start_run(self) -> None:
        """A new run of playback: the skip count is about this run only."""
        self.skipped_frames = 0
        self._last_shown_frame = None

    def shuttle(self, direction: int) -> None:
        """J/K/L: 0 pauses; +1/-1 plays that way at 1x, or one speed step faster when already going."""
        if direction == 0:
            self.playing = False
            return
        direction = 1 if direction > 0 else -1
        if self.playing and self.direction == direction:
            faster = [s for s in SPEEDS if s > self.speed]
            if faster:
                self.speed = faster[0]
            return
        if direction < 0 and self.time_s <= 0.0 and self.loop_mode is LoopMode.OFF:
            self.time_s = self.last_frame_time_s  # reverse from the start: from the end
        if direction > 0 and self.time_s >= self.last_frame_time_s and self.loop_mode is LoopMode.OFF:
            self.time_s = 0.0
        self.direction = direction
        self.speed = 1.0
        self.playing = True
        self._start_run()

    def set_speed(self, speed: float) -> None:
        self.speed = min(SPEEDS[-1], max(SPEEDS[0], float(speed)))

    def seek(self, time_s: float) -> None:
        self.time_s = min(self.last_frame_time_s, max(0.0, float(time_s)))
        self._last_shown_frame = None

    def seek_frame(self, frame_index: int) -> None:
        self.seek(frame_index / self.fps if self.fps > 0 else 0.0)

    def step(self, frames: int) -> None:
        """Move by whole frames and pause, landing exactly on a frame."""
        self.playing = False
        self.seek_frame(self.frame_index + frames)

    def step_seconds(self, seconds: float) -> None:
        self.step(round(seconds * self.fps))

    def jump_to_start(self) -> None:
        self.seek(self.loop_range_s()[0] if self.loop_mode is LoopMode.SELECTION else 0.0)

    def jump_to_end(self) -> None:
        self.playing = False
        self.seek(self.last_frame_time_s)

    # ------------------------------------------------------------------ per frame
    def update(self, dt_s: float) -> bool:
        """Advance by wall time while playing; returns True when the time changed."""
        if not self.playing or self.frame_count == 0:
            return False
        before = self.time_s
        t = self.time_s + min(max(dt_s, 0.0), MAX_DT_S) * self.speed * self.direction
        start, end = self.loop_range_s()
        span = max(end - start, 1.0 / self.fps) + 1.0 / self.fps
        if t > end:
            if self.loop_mode is LoopMode.OFF:
                t, self.playing = end, False
            else:
                t = start + (t - start) % span
        elif t < start:
            if self.loop_mode is LoopMode.OFF:
                t, self.playing = start, False
            else:
                t = end - (start - t) % span
        self.time_s = t
        return self.time_s != before

    def note_shown(self, frame_index: int) -> None:
        """Called with the frame actually on screen: counts frames passed over while playing."""
        last = self._last_shown_frame
        if (
            self.playing
            and last is not None
            and abs(frame_index - last) > 1
            and (frame_index > last) == (self.direction > 0)
        ):
            self.skipped_frames += abs(frame_index - last) - 1
        self._last_shown_frame = frame_index
