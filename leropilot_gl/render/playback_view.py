"""The UI side of playback: camera textures, the shared time axis, what each panel drew where.

AppState.playback_view. media.PlaybackState keeps the headless part (decode pool, frame cache,
the episode's media, tile status, plot series); everything here lives and dies with the window
and is touched on the UI thread only. No imgui import: the panels put their implot objects in
through the small protocol below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np

if TYPE_CHECKING:  # AppState holds this, and AppState never loads OpenGL (textures.py does)
    from leropilot_gl.render.textures import VideoTexture

# (x0, y0, x1, y1) in screen pixels.
ScreenRect = tuple[float, float, float, float]


class AxisLink(Protocol):
    """One end of a linked axis range: implot.BoxedValue, which implot reads and writes in place."""

    value: float


@dataclass
class TimeAxis:
    """The visible time range shared by the timeline and every plot; reset for each episode."""

    x_min: AxisLink | None = None
    x_max: AxisLink | None = None
    episode_key: tuple[Path, int] | None = None  # the episode the range was reset for


@dataclass(frozen=True)
class TimelineView:
    """Handed to timeline overlays, called inside the timeline plot (implot calls work there)."""

    x_min_s: float  # the visible time range
    x_max_s: float
    duration_s: float  # the episode's length
    plot_pos: tuple[float, float]  # the plot area in screen pixels
    plot_size: tuple[float, float]


class PlotRect(NamedTuple):
    """Where a plot is on screen and the data range it shows (GUI tests click at times through it)."""

    x: float
    y: float
    width: float
    height: float
    x_min: float
    x_max: float
    y_min: float
    y_max: float


class DepthHover(NamedTuple):
    """The depth under the mouse on a depth camera's tile."""

    x: int
    y: int
    depth: float


@dataclass
class PlotView:
    """What the user chose in the Plots panel (kept across episodes, not across runs)."""

    filter_text: str = ""
    normalized: bool = False
    hidden: set[tuple[str, str]] = field(default_factory=set)  # (feature key, dimension name)
    dragging: str | None = None  # the plot a click-to-seek drag started in
    normalized_cache: dict[tuple, np.ndarray] = field(default_factory=dict)
    hover: tuple[str, int] | None = None  # (feature, sample) under the mouse, for tests and tooltips
    legend_rects: dict[tuple[str, str], ScreenRect] = field(default_factory=dict)

    def visible(self, key: str, name: str) -> bool:
        if (key, name) in self.hidden:
            return False
        text = self.filter_text.strip().lower()
        return not text or text in name.lower()

    def set_visible(self, key: str, name: str, visible: bool) -> None:
        if visible:
            self.hidden.discard((key, name))
        else:
            self.hidden.add((key, name))


@dataclass
class PlaybackView:
    """AppState.playback_view: the playback panels' GL objects and screen state."""

    textures: dict[str, VideoTexture] = field(default_factory=dict)  # by video key
    idling_before: bool | None = None  # the runner's idling setting while playback overrides it
    clock_s: float | None = None  # monotonic time of the last tick (playback follows the wall clock)
    goto_editing: bool = False  # the frame field is being typed in
    goto_text: str = ""
    time_axis: TimeAxis = field(default_factory=TimeAxis)
    timeline_view: TimelineView | None = None  # the timeline as last drawn
    timeline_dragging: bool = False  # a click on the timeline seeks while the button is held
    timeline_handle_hot: bool = False  # an overlay (trim handle) owns the mouse: the timeline must not seek
    tile_rects: dict[str, ScreenRect] = field(default_factory=dict)  # each camera's image on screen
    depth_hover: dict[str, DepthHover] = field(default_factory=dict)
    plot_rects: dict[str, PlotRect] = field(default_factory=dict)  # by feature key
    plots: PlotView = field(default_factory=PlotView)
    # Other panels' transient UI objects by name (notices, file dialogs, annotation drags, menus).
    panel_objects: dict[str, object] = field(default_factory=dict)

    def forget_frames(self) -> None:
        """A new episode: textures keep their pixels on screen until its first frames land."""
        for texture in self.textures.values():
            texture.frame_key = None

    def release(self) -> None:
        """Delete the GL textures (UI thread, before the context goes away)."""
        for texture in self.textures.values():
            texture.release()
        self.textures.clear()
