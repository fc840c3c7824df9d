"""Task texts of the working episodes: what each episode's task is once the pending task edits
(set, rename) are applied, and how many episodes use each text. No imgui, no GL."""

from __future__ import annotations

from collections import Counter
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
    for e in session.kept(root):
        counts.update(episode_tasks(session, e))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def episodes_with_task(session: EditSession, root: str | Path, task: str) -> list[str]:
    """uids of the kept episodes whose task list holds `task`, in working order."""
    return [e.uid for e in session.kept(root) if task in episode_tasks(session, e)]
