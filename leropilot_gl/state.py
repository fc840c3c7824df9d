"""AppState: everything the app knows, as plain data. Panels get it as their argument."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic

import numpy as np

from leropilot_gl.dataset import DatasetIndex, EpisodeIndex
from leropilot_gl.dataset.episode_rows import EpisodeFilter, RowColumns
from leropilot_gl.dataset.hub import lazy as hub_lazy, looks_like_repo_id
from leropilot_gl.dataset.journal import open_for_edit
from leropilot_gl.dataset.watch import WatchState
from leropilot_gl.editor_state import EditorState
from leropilot_gl.envs.wizard import EnvManagerState
from leropilot_gl.hub_state import HubSession
from leropilot_gl.jobs import JobRunner, pop_finished
from leropilot_gl.media.playback import PlaybackState
from leropilot_gl.quality.doctor_state import DoctorState
from leropilot_gl.render.playback_view import PlaybackView
from leropilot_gl.render.view3d_state import View3DState
from leropilot_gl.settings import Settings
from leropilot_gl.time_control import TimeControl


@dataclass
class OpenDataset:
    index: DatasetIndex
    _resolved: tuple[Path, Path] | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.index.root

    @property
    def resolved_root(self) -> Path:
        """root.resolve(), computed once: resolving costs system calls, and the tree needs it per row."""
        if self._resolved is None or self._resolved[0] != self.index.root:
            self._resolved = (self.index.root, self.index.root.resolve())
        return self._resolved[1]


@dataclass
class Selection:
    dataset_root: Path | None = None
    episode_index: int | None = None
    # The tree's rows picked with Ctrl/Shift-click, by journal uid (`e<N>`: episode N on disk);
    # `uid` is the row shown (a duplicate shares its episode_index with the original).
    marked: set[str] = field(default_factory=set)
    uid: str | None = None
    anchor: str | None = None  # where a Shift-click range starts


@dataclass
class TreeView:
    """The episode list of one dataset as the tree shows it: filter, sort, and the rows it made."""

    filter: EpisodeFilter = field(default_factory=EpisodeFilter)
    sort_key: str = "order"
    ascending: bool = True
    rows: RowColumns | None = None
    order: np.ndarray | None = None  # row numbers shown, filtered and sorted
    cache_key: tuple = ()
    scrolled_to: tuple = ()  # (uid, cache_key) the table last scrolled to
    future: np.ndarray | None = None  # working rows: each one's episode index after Save
    kept: int = 0  # working rows not deleted

    def position_of(self, uid: str | None) -> int | None:
        """Where a row is in the shown order, or None (filtered out, or no rows yet)."""
        if uid is None or self.rows is None or self.order is None:
            return None
        row = self.rows.row_of(uid)
        if row is None:
            return None
        hits = np.flatnonzero(self.order == row)
        return int(hits[0]) if len(hits) else None


@dataclass
class Notice:
    """A message for the user: errors stay until dismissed."""

    level: str  # "info", "warning", "error"
    text: str
    created_s: float = field(default_factory=monotonic)  # info and warnings expire (ui/notices.py)


@dataclass
class AppState:
    settings: Settings = field(default_factory=Settings)
    datasets: list[OpenDataset] = field(default_factory=list)
    selection: Selection = field(default_factory=Selection)
    time: TimeControl = field(default_factory=TimeControl)
    jobs: JobRunner = field(default_factory=JobRunner)
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(4, "io"))
    notices: list[Notice] = field(default_factory=list)
    notice_log: list[Notice] = field(default_factory=list)  # every notice, also expired ones (Log window)
    view3d: View3DState = field(default_factory=View3DState)  # the 3D review and Sync panels
    playback: PlaybackState = field(default_factory=PlaybackState)  # decode pool, camera tiles, plots
    playback_view: PlaybackView = field(default_factory=PlaybackView)  # textures, time axis (UI side)
    envs: EnvManagerState = field(default_factory=EnvManagerState)  # environment manager panels
    edits: EditorState = field(default_factory=EditorState)  # pending edits and saves (editor_state.py)
    opening: dict[str, Future] = field(default_factory=dict)  # path -> Future[DatasetIndex]
    tree_views: dict[Path, TreeView] = field(default_factory=dict)  # per dataset root
    hub: HubSession = field(default_factory=HubSession)  # Hugging Face Hub: login, origins, dialogs
    watch: WatchState = field(
        default_factory=WatchState
    )  # recordings seen live; the task list (dataset/watch.py)
    doctor: DoctorState = field(default_factory=DoctorState)  # dataset doctor (quality/doctor_state.py)
    show_demo_window: bool = False
    show_metrics_window: bool = False
    show_id_stack_tool: bool = False

    def __post_init__(self) -> None:
        self.use_settings(self.settings)

    def use_settings(self, settings: Settings) -> None:
        """The one settings model: the Hub code and the environment panels read the same object."""
        self.settings = settings
        self.envs.app_settings = settings

    # ------------------------------------------------------------------ datasets
    def open_dataset_async(self, path: str | Path) -> None:
        """Open in the background; a second request for a path being opened is ignored."""
        if isinstance(path, str) and looks_like_repo_id(path):  # `user/dataset`, not a folder here
            self.hub.request_open(path.strip())
            return
        key = str(Path(path).expanduser().resolve())
        if key in self.opening:
            return
        existing = self.find_dataset(Path(key))
        if existing is not None:
            self.select_episode(existing.root, int(existing.index.table.episode_index[0]))
            return
        # The "changed on disk" fingerprint is taken before the read, in the same worker.
        origin = self.hub.origin_of(Path(key))
        if origin is not None and origin.listing is not None:
            # A Hub dataset reloaded from disk: partial again while meta/ files are still on the Hub.
            self.opening[key] = self.executor.submit(hub_lazy.open_local, Path(key), origin.listing)
            return
        self.opening[key] = self.executor.submit(open_for_edit, key)

    def poll_opening(self) -> None:
        """Once per frame: collect finished opens without waiting."""
        for key, exc, index in pop_finished(self.opening):
            if exc is not None:
                # DatasetOpenError messages already name the folder.
                text = str(exc) if key in str(exc) else f"{key}: {exc}"
                self.notify("error", f"Cannot open dataset. {text}")
                continue
            self.datasets.append(OpenDataset(index))
            self.settings.remember_dataset(key)
            if self.selection.dataset_root is None:
                first = next((e for e in index.episodes[:100] if e.usable), index.episodes[0])
                self.select_episode(index.root, first.episode_index)

    def find_dataset(self, root: Path) -> OpenDataset | None:
        return next((d for d in self.datasets if d.root == root), None)

    def replace_index(self, index: DatasetIndex, *, select_episode: int | None = None) -> None:
        """A dataset's index was rebuilt (saved, compacted, files fetched): show the new one.

        The playback reloads even for the same (root, episode): that episode may now be other
        frames in other files.
        """
        resolved = index.root.resolve()
        dataset = next((d for d in self.datasets if d.root.resolve() == resolved), None)
        if dataset is None:
            self.datasets.append(OpenDataset(index))
        else:
            dataset.index = index
        self.playback.episode_key = None
        if select_episode is not None:
            self.select_episode(index.root, select_episode)

    def close_dataset(self, root: Path) -> None:
        self.datasets = [d for d in self.datasets if d.root != root]
        self.tree_views.pop(root, None)
        if self.selection.dataset_root == root:
            self.selection = Selection()

    # ------------------------------------------------------------------ selection
    def select_episode(
        self, root: Path, episode_index: int, *, uid: str | None = None, keep_marks: bool = False
    ) -> None:
        """Show an episode. Unless keep_marks, it becomes the only marked row of the tree."""
        dataset = self.find_dataset(root)
        if dataset is None:
            return
        episode = dataset.index.episode(episode_index)
        uid = uid or f"e{episode_index}"
        previous = self.selection
        if keep_marks and previous.dataset_root == root:
            self.selection = Selection(root, episode_index, set(previous.marked), uid, previous.anchor)
        else:
            self.selection = Selection(root, episode_index, {uid}, uid, uid)
        self.time.reset(fps=dataset.index.fps, frame_count=episode.length)

    def select_row(self, root: Path, rows: RowColumns, row: int, *, keep_marks: bool = False) -> None:
        """Show one row of the tree: an episode on disk, or a working episode (pending edits)."""
        uid = rows.uid(row)
        if rows.working is None:
            self.select_episode(root, int(rows.episode_index[row]), uid=uid, keep_marks=keep_marks)
            return
        e = rows.working[row]
        source = Path(e.slice.source_root)
        match = next((d for d in self.datasets if d.root.resolve() == source), None)
        if match is None:
            return
        self.edits.selected_uid[root.resolve()] = uid  # the trim handles follow the shown row
        self.select_episode(match.root, e.slice.source_episode, uid=uid, keep_marks=keep_marks)
        if match.root != root:  # a row copied from another dataset: the tree's selection stays here
            self.selection.dataset_root = root
            self.selection.episode_index = e.slice.source_episode
        if 0 < e.slice.start < self.time.frame_count:
            self.time.seek_frame(e.slice.start)

    @property
    def selected_dataset(self) -> OpenDataset | None:
        return self.find_dataset(self.selection.dataset_root) if self.selection.dataset_root else None

    @property
    def selected_episode(self) -> EpisodeIndex | None:
        dataset = self.selected_dataset
        if dataset is None or self.selection.episode_index is None:
            return None
        try:
            return dataset.index.episode(self.selection.episode_index)
        except KeyError:
            return None

    def step_episode(self, delta: int) -> None:
        """Previous/next row of the tree as shown (filtered, sorted, with pending edits)."""
        dataset, episode = self.selected_dataset, self.selected_episode
        if dataset is None or episode is None:
            return
        view = self.tree_views.get(dataset.root)
        if view is not None and view.rows is not None and view.order is not None:
            here = view.position_of(self.selection.uid or f"e{episode.episode_index}")
            target = (0 if delta > 0 else len(view.order) - 1) if here is None else here + delta
            if 0 <= target < len(view.order):
                self.select_row(dataset.root, view.rows, int(view.order[target]))
            return
        pos = dataset.index.table.position(episode.episode_index)
        if pos is not None and 0 <= pos + delta < len(dataset.index.table):
            self.select_episode(dataset.root, int(dataset.index.table.episode_index[pos + delta]))

    # ------------------------------------------------------------------ notices
    def notify(self, level: str, text: str) -> None:
        notice = Notice(level, text)
        self.notices.append(notice)
        del self.notices[:-20]
        self.notice_log.append(notice)
        del self.notice_log[:-1000]

    def shutdown(self) -> None:
        self.jobs.cancel_all()
        self.watch.stop_all()
        self.executor.shutdown(wait=False, cancel_futures=True)
