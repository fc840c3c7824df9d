"""What the trim handles do, apart from drawing them (ui/trim_handles.py): which working episode is
being trimmed, the kept range shown while a handle is dragged, the commit on release, and the I / O
keys. No widget is drawn here: every function runs without a frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from leropilot_gl.dataset.journal import WorkingEpisode
from leropilot_gl.editor_state import TrimDrag
from leropilot_gl.paths import resolved
from leropilot_gl.state import AppState

__all__ = ["drag_handle", "kept_range", "release_handle", "set_trim_point", "trim_target"]


def trim_target(state: AppState) -> tuple[Path, WorkingEpisode] | None:
    """The working episode that is playing: the one selected in the tree, else (the episode was
    changed with PageUp/PageDown or from a script) the first working episode cut from it.

    Called several times a frame: lookups by uid and by source episode, built once per journal
    version (Journal.position_of / first_playing), never a scan of the working list."""
    ed = state.edits
    sel = state.selection
    if sel.dataset_root is None or sel.episode_index is None:
        return None
    source_root = resolved(sel.dataset_root)

    def plays(episode: WorkingEpisode | None) -> bool:
        return (
            episode is not None
            and not episode.deleted
            and Path(episode.slice.source_root) == source_root
            and episode.slice.source_episode == sel.episode_index
        )

    journals = ed.session.journals
    busy = bool(ed.jobs)  # busy() resolves its path: only asked while a save or compact runs
    for root, uid in ed.selected_uid.items():
        journal = journals.get(resolved(root))
        if journal is None or (busy and ed.busy(root)):
            continue
        pos = journal.position_of(uid)
        episode = journal.working()[pos] if pos is not None else None
        if plays(episode):
            return root, episode
    # The playing dataset's own working copy first, then any other holding a copy of the episode.
    roots = [source_root] + [Path(r) for r in journals if Path(r) != source_root]
    for root in roots:
        journal = journals.get(root)
        if journal is None or (busy and ed.busy(root)):
            continue
        pos = journal.first_playing(str(source_root), sel.episode_index)
        if pos is not None:
            return root, journal.working()[pos]
    return None


def kept_range(state: AppState) -> tuple[int, int] | None:
    """The kept [start, end) shown right now (live while a handle is dragged)."""
    target = trim_target(state)
    if target is None:
        return None
    root, episode = target
    drag = state.edits.trim_drag
    if drag is not None and drag.root == root and drag.uid == episode.uid:
        return drag.start, drag.end
    return episode.slice.start, episode.slice.end


def drag_handle(
    state: AppState, root: Path, episode: WorkingEpisode, handle: Literal["start", "end"], mouse_frame: int
) -> int:
    """A handle is held over mouse_frame: the kept range follows (nothing is committed yet), the
    playhead shows the frame the handle is on, playback stops. Returns that frame."""
    drag = state.edits.trim_drag
    if drag is None or drag.uid != episode.uid:
        drag = TrimDrag(root, episode.uid, handle, episode.slice.start, episode.slice.end)
    if handle == "start":
        drag.start = max(0, min(mouse_frame, drag.end - 1))
        shown = drag.start
    else:
        drag.end = max(drag.start + 1, min(mouse_frame + 1, episode.source_length))
        shown = drag.end - 1
    state.edits.trim_drag = drag
    if state.time.playing:
        state.time.set_playing(False)
    state.time.seek_frame(shown)  # the video follows the handle
    return shown


def release_handle(state: AppState, episode: WorkingEpisode) -> None:
    """The handle is let go: one trim in the journal when the range changed."""
    drag, state.edits.trim_drag = state.edits.trim_drag, None
    if drag is not None and (drag.start, drag.end) != (episode.slice.start, episode.slice.end):
        state.edits.run(
            lambda: state.edits.session.trim(drag.root, drag.uid, drag.start, drag.end), state.notify
        )


def set_trim_point(state: AppState, which: str) -> bool:
    """I / O: keep from (in) or up to and including (out) the frame under the playhead."""
    target = trim_target(state)
    if target is None:
        state.notify("info", "Trim: select an episode of an editable dataset first.")
        return False
    root, episode = target
    frame = state.time.frame_index
    start, end = episode.slice.start, episode.slice.end
    if which == "in":
        start = frame
        end = max(end, frame + 1)
    else:
        end = frame + 1
        start = min(start, frame)
    if (start, end) == (episode.slice.start, episode.slice.end):
        return False
    state.edits.run(lambda: state.edits.session.trim(root, episode.uid, start, end), state.notify)
    return True
