"""Task texts of the working episodes: what each episode's task is once the pending task edits
(set, rename) are applied, and how many episodes use each text. No imgui, no GL."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from leropilot_gl.dataset.journal import EditSession, WorkingEpisode


def source_tasks(session: EditSession, e: WorkingEpisode) -> tuple[str, ...]:
    """The task texts the episode has on disk (in its source dataset)."""
    index = session.indexes.get(e.slice.source_root)
    if index is None:
        return ()
    try:
        return tuple(index.episode(e.slice.source_episode).tasks)
    except KeyError:
        return ()


def episode_tasks(session: EditSession, e: WorkingEpisode) -> tuple[str, ...]:
    """The episode's task texts after the pending task edits (usually one)."""
    if e.task is not None:
        return (e.task_text(e.task),)
    return tuple(dict.fromkeys(e.task_text(t) for t in source_tasks(session, e)))


def task_counts(session: EditSession, root: str | Path) -> list[tuple[str, int]]:
    """(task text, number of kept episodes with it), most used first, then by text."""
    counts: Counter[str] = Counter()
    lookup: dict[str, dict[int, tuple[str, ...]]] = {}
    for e in session.kept(root):
        source = lookup.get(e.slice.source_root)
        if source is None:
            index = session.indexes.get(e.slice.source_root)
            source = lookup[e.slice.source_root] = (
                {ep.episode_index: tuple(ep.tasks) for ep in index.episodes} if index else {}
            )
        if e.task is not None:
            counts.update((e.task_text(e.task),))
        else:
            counts.update(list(dict.fromkeys(e.task_text(t) for t in source.get(e.slice.source_episode, ()))))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def episodes_with_task(session: EditSession, root: str | Path, task: str) -> list[str]:
    """uids of the kept episodes whose task list holds `task`, in working order."""
    return [e.uid for e in session.kept(root) if task in episode_tasks(session, e)]


@dataclass
class TaskListState:
    """The task list panel: its filter on the tree, its text fields, and counts kept between frames."""

    filter: tuple[Path, str] | None = None  # (dataset root, task): the tree shows only those episodes
    rename_from: str | None = None  # the task the rename field edits
    rename_text: str = ""
    set_text: str = ""
    _counts: tuple[tuple, list[tuple[str, int]]] | None = None

    def counts(self, session: EditSession, root: Path) -> list[tuple[str, int]]:
        """task_counts, recomputed only when the journal or the index changed."""
        j = session.journal(root)
        key = (root, id(j), j.cursor, len(j.ops), id(session.indexes.get(str(root))), id(j.base))
        if self._counts is None or self._counts[0] != key:
            self._counts = (key, task_counts(session, root))
        return self._counts[1]
