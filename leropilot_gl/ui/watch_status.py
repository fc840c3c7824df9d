"""Watching open datasets while they record: the per-frame tick, the marks the tree shows, and a
status line with the "follow new episodes" toggle.

The tree calls `episode_marks(state, root, episode_index)` for each row: "recording" (data
pending: saved by the recorder, rows not readable yet) or "new" (landed while the app watched);
`mark_label(mark)` is the text to draw after the episode number.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from imgui_bundle import icons_fontawesome_6 as fa, imgui

from leropilot_gl.dataset.watch import NEW, RECORDING, DatasetWatcher, WatchEvent
from leropilot_gl.paths import resolved
from leropilot_gl.state import AppState

MARK_LABELS = {NEW: f"{fa.ICON_FA_STAR} new", RECORDING: f"{fa.ICON_FA_CIRCLE} recording: data pending"}
NEW_COLOR = imgui.ImVec4(0.45, 0.85, 0.45, 1.0)
RECORDING_COLOR = imgui.ImVec4(0.95, 0.55, 0.25, 1.0)


def episode_marks(state: AppState, root: Path, episode_index: int) -> str | None:
    """ "new", "recording" or None for one episode row of the tree."""
    return state.watch.mark(root, episode_index)


def mark_label(mark: str | None) -> str:
    return MARK_LABELS.get(mark or "", "")


def gui_episode_mark(state: AppState, root: Path, episode_index: int) -> None:
    """Draws the mark (if any) on the current line: for the tree's task or badge column."""
    mark = episode_marks(state, root, episode_index)
    if mark is None:
        return
    imgui.same_line()
    imgui.text_colored(NEW_COLOR if mark == NEW else RECORDING_COLOR, mark_label(mark))


def watch_tick_hook(state: AppState) -> None:
    """Once per frame: a watcher per open dataset, and what they saw (no file work here)."""
    w = state.watch
    # A partial index (a lazy Hub open) lacks episodes info.json counts: not a recording in progress.
    open_roots = {d.resolved_root: d for d in state.datasets if not d.index.partial} if w.enabled else {}
    for root in [r for r in w.watchers if r not in open_roots]:
        w.watchers.pop(root).stop(wait=False)
        w.shown.pop(root, None)
        w.marks.pop(root, None)
    for root, dataset in open_roots.items():
        watcher = w.watchers.get(root)
        if watcher is not None and w.shown.get(root) is not dataset.index:
            # the index was replaced elsewhere (a save, a reload): watch from the new one
            watcher.stop(wait=False)
            watcher = None
            w.marks.pop(root, None)
        if watcher is None:
            watcher = DatasetWatcher(root, dataset.index)
            watcher.start()
            w.watchers[root] = watcher
            w.shown[root] = dataset.index
        for event in watcher.drain():
            _apply(state, root, event)


def _apply(state: AppState, root: Path, event: WatchEvent) -> None:
    w = state.watch
    marks = w.marks.setdefault(root, {})
    ready = event.kind != NEW
    marks[event.episode_index] = NEW if ready else RECORDING
    if event.index is not None and event.index is not w.shown.get(root):
        _show_index(state, root, event)
    if not ready:
        length = f"{event.length} frames" if event.length is not None else "length unknown yet"
        state.notify(
            "info",
            f"{root.name}: episode {event.episode_index} recorded ({length}); "
            "it plays once the recording closes its files",
        )
    elif w.follow_new:
        _select(state, root, event.episode_index)


def _show_index(state: AppState, root: Path, event: WatchEvent) -> None:
    """Show the grown index; the selection and the playhead stay unless they follow new episodes."""
    index = event.index
    assert index is not None
    dataset = next((d for d in state.datasets if d.resolved_root == root), None)
    if dataset is None:
        return
    if index.root != dataset.root:  # the app's own spelling of the path (selection compares it)
        index = replace(index, root=dataset.root)  # its episodes are made from the new index on demand
    session = state.edits.session
    if state.edits.attached(root):
        notice = session.grow(root, index, event.fingerprint or None)
        if notice:
            state.notify("warning", notice)
    playing_key = state.playback.episode_key
    state.replace_index(index)
    state.watch.shown[root] = index
    if playing_key is not None and resolved(playing_key[0]) == root:
        selected = state.selection.episode_index
        if selected is not None and selected != event.episode_index:
            # the episode on screen is the same frames in the same files: no reload, no jump
            state.playback.episode_key = playing_key


def _select(state: AppState, root: Path, episode_index: int) -> None:
    from leropilot_gl.ui import edit_actions

    dataset = next((d for d in state.datasets if d.resolved_root == root), None)
    if dataset is None:
        return
    ed = state.edits
    if ed.attached(root):
        for e in ed.session.episodes(root):
            if e.uid == f"e{episode_index}":
                edit_actions.select_working_episode(state, dataset.root, e)
                return
    state.select_episode(dataset.root, episode_index)


def stop_watchers(state: AppState) -> None:
    state.watch.stop_all()


def gui_watch_status(state: AppState, root: Path) -> None:
    """One line about the dataset's recording, and the follow toggle."""
    w = state.watch
    watcher = w.watchers.get(resolved(root))
    _, w.follow_new = imgui.checkbox("Follow new episodes", w.follow_new)
    if imgui.is_item_hovered():
        imgui.set_tooltip("Select each new episode as soon as it can be played")
    if watcher is None:
        return
    pending = sorted(i for i, m in w.marks.get(watcher.root, {}).items() if m == RECORDING)
    if watcher.activity:
        imgui.text_colored(RECORDING_COLOR, f"{fa.ICON_FA_CIRCLE} recording")
        if imgui.is_item_hovered():
            imgui.set_tooltip(watcher.activity)
        if pending:
            imgui.same_line()
            imgui.text_disabled(f"data pending: episode(s) {', '.join(map(str, pending))}")
    elif pending:
        imgui.text_disabled(f"reading episode(s) {', '.join(map(str, pending))}")
    landed = sorted(i for i, m in w.marks.get(watcher.root, {}).items() if m == NEW)
    if landed:
        imgui.text_colored(NEW_COLOR, f"{mark_label(NEW)}: episode(s) {', '.join(map(str, landed))}")
