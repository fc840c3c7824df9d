"""State of the 3D review panel: robot choice and loading, episode motion, camera, options.

Plain data plus the per-frame `update`, which polls workers and starts new work but never waits.
URDF parsing, mesh loading and column reads run on the AppState executor. The GL renderer is
created and released by the UI (it owns the GL context); this module does not import OpenGL.
"""

from __future__ import annotations

import importlib
import json
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from leropilot_gl.dataset import DatasetIndex, EpisodeIndex
from leropilot_gl.render.camera import OrbitCamera

if TYPE_CHECKING:
    from leropilot_gl.render.scene3d import RobotSceneRenderer
    from leropilot_gl.robot import JointUnits, MotionFeatures, RobotModel, RobotPrefs, RobotPrefsStore
    from leropilot_gl.robot.review import EpisodeMotion
    from leropilot_gl.robot.sync import JointLag

# What the 3D and Sync panels use, imported on the executor with the saved robot settings (see
# `load_prefs_async`, which both panels wait for): the app's first window loads none of it, and no
# frame waits for it. URDF parsing and meshes (yourdfpy, trimesh) load later still, in load_robot.
PANEL_MODULES = (
    "leropilot_gl.robot.prefs",
    "leropilot_gl.robot.pose",
    "leropilot_gl.robot.units",
    "leropilot_gl.robot.urdf",
    "leropilot_gl.robot.review",
    "leropilot_gl.render.motion_inputs",
    "leropilot_gl.render.scene3d",
)


def _read_prefs(config_dir: Path | None, executor: Executor) -> RobotPrefsStore:
    for name in PANEL_MODULES:
        importlib.import_module(name)
    from leropilot_gl.robot.prefs import RobotPrefsStore

    return RobotPrefsStore(config_dir, executor)


def _load_robot(urdf_path: Path, package_dirs: tuple[str, ...]) -> RobotModel:
    from leropilot_gl.robot.urdf import load_robot

    return load_robot(urdf_path, package_dirs=package_dirs)


@dataclass(frozen=True)
class RobotSource:
    urdf_path: Path
    package_dirs: tuple[str, ...]
    bundled: bool  # the shipped model picked from the robot type, not the user's choice


@dataclass(frozen=True)
class _MotionKey:
    dataset_root: Path
    episode_index: int
    robot_id: int
    mapping_json: str
    units: str | None


@dataclass
class View3DState:
    config_dir: Path | None = None  # where robot_prefs.json lives; None: the app's config folder
    camera: OrbitCamera = field(default_factory=OrbitCamera)
    show_ghost: bool = True
    show_trail: bool = True
    renderer: RobotSceneRenderer | None = None  # created on the UI thread by ui/view3d.py
    frame_ms: float = 0.0  # the last render's cost, shown in the panel and read by the benchmark

    robot: RobotModel | None = None
    robot_source: RobotSource | None = None
    robot_error: str | None = None
    robot_future: Future | None = None
    _robot_future_source: RobotSource | None = None

    motion: EpisodeMotion | None = None
    # Sync numbers need no robot model: computed on their own when no model is (or can be) shown.
    sync_rows: list[JointLag] | None = None
    sync_error: str | None = None
    sync_future: Future | None = None
    _sync_key: tuple | None = None
    motion_error: str | None = None
    motion_future: Future | None = None
    _motion_key: _MotionKey | None = None
    _motion_future_key: _MotionKey | None = None
    _shown_motion_key: _MotionKey | None = None  # what `motion` (or `motion_error`) was made for

    urdf_path_text: str = ""  # the panel's text fields
    package_dir_text: str = ""
    urdf_dialog: Any = None  # a pending portable_file_dialogs.open_file, polled by the panel
    last_render_key: tuple | None = None  # what the texture shows; equal key: no new render
    _prefs_store: RobotPrefsStore | None = None
    _prefs_future: Future | None = None

    # ------------------------------------------------------------------ preferences
    def load_prefs_async(self, executor: Executor) -> bool:
        """True once the saved choices are read; the first call starts reading them on `executor`
        (and later writes go there too), so no frame waits on robot_prefs.json."""
        if self._prefs_store is None and self._prefs_future is None:
            self._prefs_future = executor.submit(_read_prefs, self.config_dir, executor)
        future = self._prefs_future
        if self._prefs_store is None and future is not None and future.done():
            self._prefs_future = None
            exc = future.exception()
            if exc is not None:  # unreadable in a way the store does not handle: start empty
                from leropilot_gl.robot.prefs import RobotPrefsStore

                store = RobotPrefsStore(self.config_dir, executor, read=False)
                store.problem = f"robot settings are unreadable ({exc}); starting fresh"
                store.set_aside_before_write()
                self._prefs_store = store
            else:
                self._prefs_store = future.result()
        return self._prefs_store is not None

    @property
    def prefs_store(self) -> RobotPrefsStore:
        """The store; scripts and tests without `load_prefs_async` read the file here, at once."""
        if self._prefs_store is None:
            if self._prefs_future is not None:
                self._prefs_store = self._prefs_future.result()
                self._prefs_future = None
            else:
                from leropilot_gl.robot.prefs import RobotPrefsStore

                self._prefs_store = RobotPrefsStore(self.config_dir)
        return self._prefs_store

    def prefs_for(self, robot_type: str | None) -> RobotPrefs:
        if self._prefs_store is None and self._prefs_future is not None:
            from leropilot_gl.robot.prefs import RobotPrefs  # json and dataclasses: cheap

            return RobotPrefs()  # still reading: the defaults, until the next frame has the file
        return self.prefs_store.get(robot_type)

    def update_prefs(self, robot_type: str | None, **changes) -> None:
        """Remember a choice for this robot type (URDF, package_dirs, mapping, units)."""
        prefs = self.prefs_for(robot_type)
        for name, value in changes.items():
            setattr(prefs, name, value)
        self.prefs_store.put(robot_type, prefs)

    def choose_urdf(self, robot_type: str | None, path: str | Path) -> str | None:
        """The user picked a URDF (dialog, typed path or drop). Returns an error message or None."""
        path = Path(path).expanduser()
        if path.suffix.lower() not in (".urdf", ".xml"):
            return f"{path.name} is not a URDF file (.urdf)"
        if not path.is_file():
            return f"URDF file not found: {path}"
        # A new model invalidates the old mapping: it named the old URDF's joints.
        self.update_prefs(robot_type, urdf_path=str(path.resolve()), mapping=None)
        return None

    def source_for(self, robot_type: str | None) -> RobotSource | None:
        prefs = self.prefs_for(robot_type)
        if prefs.urdf_path:
            return RobotSource(Path(prefs.urdf_path), tuple(prefs.package_dirs), bundled=False)
        from leropilot_gl.robot.pose import bundled_urdf_for  # loaded with the prefs

        bundled = bundled_urdf_for(robot_type)
        if bundled is not None:
            return RobotSource(bundled, tuple(prefs.package_dirs), bundled=True)
        return None

    # ------------------------------------------------------------------ per frame
    def update(self, executor: Executor, dataset: DatasetIndex | None, episode: EpisodeIndex | None) -> None:
        """Collect finished work and start what the selection needs; never blocks."""
        self._poll()
        if not self.load_prefs_async(executor) or dataset is None or episode is None:
            return
        source = self.source_for(dataset.robot_type)
        if source != self.robot_source:
            self.robot_source, self.robot, self.robot_error = source, None, None
            self.motion, self._shown_motion_key, self.motion_error = None, None, None
        if source is None or self.robot_error is not None:
            self._update_sync_only(executor, dataset, episode)
            return
        if self.robot is None and self.robot_error is None and self.robot_future is None:
            self._robot_future_source = source
            self.robot_future = executor.submit(_load_robot, source.urdf_path, source.package_dirs)
        if self.robot is None:
            return
        prefs = self.prefs_for(dataset.robot_type)
        wanted = _MotionKey(
            dataset.root,
            episode.episode_index,
            id(self.robot),
            json.dumps([prefs.mapping, prefs.state_features, prefs.action_features], sort_keys=True),
            prefs.units,
        )
        self._motion_key = wanted
        if wanted == self._shown_motion_key:
            return
        if self.motion is not None and self.motion.frame_count != episode.length:
            self.motion = None  # the old episode's pose must not stand in for this one
        if self.motion_future is None:  # one at a time: a newer wish waits for the running one
            self._motion_future_key = wanted
            from leropilot_gl.render.motion_inputs import motion_features_for
            from leropilot_gl.robot.units import JointUnits

            units = JointUnits(prefs.units) if prefs.units in {u.value for u in JointUnits} else None
            self.motion_future = executor.submit(
                load_episode_motion,
                self.robot,
                dataset,
                episode,
                prefs.mapping,
                units,
                motion_features_for(dataset, prefs),
            )

    def _update_sync_only(self, executor: Executor, dataset: DatasetIndex, episode: EpisodeIndex) -> None:
        from leropilot_gl.render.motion_inputs import motion_features_for

        features = motion_features_for(dataset, self.prefs_for(dataset.robot_type))
        key = (dataset.root, episode.episode_index, episode.length, features.state, features.action)
        if key == self._sync_key or self.sync_future is not None:
            return
        self._sync_key, self.sync_rows, self.sync_error = key, None, None
        self.sync_future = executor.submit(load_episode_sync_rows, dataset, episode, features)

    def _poll(self) -> None:
        future = self.sync_future
        if future is not None and future.done():
            self.sync_future = None
            exc = future.exception()
            if exc is not None:
                self.sync_rows, self.sync_error = None, f"cannot read the episode's state and action: {exc}"
            else:
                self.sync_rows, self.sync_error = future.result(), None
        future = self.robot_future
        if future is not None and future.done():
            self.robot_future = None
            if self._robot_future_source == self.robot_source:
                exc = future.exception()
                if exc is not None:
                    self.robot_error = str(exc)
                else:
                    self.robot = future.result()
        future = self.motion_future
        if future is not None and future.done():
            self.motion_future = None
            done_key, self._motion_future_key = self._motion_future_key, None
            if done_key == self._motion_key:
                exc = future.exception()
                self._shown_motion_key = done_key
                if exc is not None:
                    self.motion, self.motion_error = None, f"cannot read the episode's joints: {exc}"
                else:
                    self.motion, self.motion_error = future.result(), None

    @property
    def busy(self) -> bool:
        return (
            self.robot_future is not None or self.motion_future is not None or self._prefs_future is not None
        )

    def frame_to_show(self, time_s: float) -> int:
        """The episode frame under the playhead (a dragged trim handle moves the playhead too)."""
        motion = self.motion
        if motion is None or motion.frame_count == 0:
            return 0
        return int(min(max(np.floor(time_s * motion.fps + 1e-6), 0), motion.frame_count - 1))


def load_episode_motion(
    robot: RobotModel,
    dataset: DatasetIndex,
    episode: EpisodeIndex,
    saved_mapping: dict | None,
    units: JointUnits | None,
    motion_features: MotionFeatures | None = None,
) -> EpisodeMotion:
    """Worker: read the episode's state and action columns and prepare them for the view."""
    from leropilot_gl.render.motion_inputs import motion_features_for, read_motion_columns
    from leropilot_gl.robot.review import episode_motion

    motion_features = motion_features or motion_features_for(dataset, None)
    cols = read_motion_columns(dataset, episode, motion_features)
    return episode_motion(
        robot,
        state_names=cols.state_names,
        state_values=cols.state_values,
        action_names=cols.action_names,
        action_values=cols.action_values,
        fps=dataset.fps,
        saved_mapping=saved_mapping,
        units_override=units,
        codebase_version=dataset.version,
    )


def load_episode_sync_rows(
    dataset: DatasetIndex, episode: EpisodeIndex, motion_features: MotionFeatures | None = None
) -> list[JointLag]:
    """Worker: lag of state behind action per shared dimension, without a robot model."""
    from leropilot_gl.render.motion_inputs import motion_features_for, read_motion_columns
    from leropilot_gl.robot.review import episode_sync_rows

    features = motion_features or motion_features_for(dataset, None)
    if not features.state or not features.action:
        return []
    cols = read_motion_columns(dataset, episode, features)
    return episode_sync_rows(
        cols.state_names, cols.state_values, cols.action_names or [], cols.action_values, dataset.fps
    )
