"""Edit operations as data: the working episode, its slice of a source episode, and apply_op, the
one place an operation changes a working list. Pure: no files, no session, no threads."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from leropilot_gl.dataset import layout as L
from leropilot_gl.dataset.model import DatasetIndex
from leropilot_gl.dataset.problems import Severity

# Badges a working episode can carry in the tree.
TRIMMED, DUPLICATED, MOVED, COPIED = "trimmed", "duplicated", "moved", "copied"
RETASKED = "task"  # the episode's task text was set by hand
FRAME_MARK_FEATURES = ("next.reward", "next.success", "next.done")  # per-frame values set by hand


class EditError(ValueError):
    """An operation that cannot be applied; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class EpisodeSlice:
    """Frames [start, end) of episode `source_episode` of the dataset on disk at `source_root`."""

    source_root: str
    source_episode: int
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class WorkingEpisode:
    uid: str  # stable across replays: "e<index>" for episodes on disk, "<seq>.<k>" for new ones
    slice: EpisodeSlice
    source_length: int  # frames in the whole source episode (trim handles span it)
    deleted: bool = False
    badges: frozenset[str] = frozenset()
    task: str | None = None  # set by hand: every frame of the episode has this task
    task_renames: tuple[tuple[str, str], ...] = ()  # (old, new) applied in order after `task`
    # per-frame values set by hand: (feature, start, end, value) over source frames [start, end)
    frame_values: tuple[tuple[str, int, int, float], ...] = ()
    # annotation tracks edited by hand: (source, track, JSON rows in source frames), the last one wins
    annotations: tuple[tuple[str, str, str], ...] = ()

    @property
    def length(self) -> int:
        return self.slice.length

    def task_text(self, source_task: str) -> str:
        """What a task text of the source episode becomes here, after the task edits."""
        text = self.task if self.task is not None else source_task
        for old, new in self.task_renames:
            if text == old:
                text = new
        return text

    @property
    def trimmed(self) -> bool:
        return self.slice.start > 0 or self.slice.end < self.source_length


@dataclass(frozen=True)
class Schema:
    """What must match for episodes to move between datasets."""

    fps: float
    robot_type: str | None
    features: dict[str, tuple[str, tuple[int, ...]]]  # key -> (dtype, shape), bookkeeping columns excluded

    @staticmethod
    def from_info(info: dict[str, Any]) -> Schema:
        features = {}
        for key, spec in (info.get("features") or {}).items():
            if key in L.DEFAULT_FEATURE_KEYS or not isinstance(spec, dict):
                continue
            features[key] = (str(spec.get("dtype")), tuple(int(s) for s in spec.get("shape") or ()))
        return Schema(float(info.get("fps") or 0), info.get("robot_type"), features)

    def differences(self, other: Schema) -> list[str]:
        out = []
        if not math.isclose(self.fps, other.fps):
            out.append(f"fps {other.fps:g} vs {self.fps:g}")
        if (self.robot_type or None) != (other.robot_type or None):
            out.append(f"robot {other.robot_type!r} vs {self.robot_type!r}")
        for key in sorted(set(self.features) | set(other.features)):
            mine, theirs = self.features.get(key), other.features.get(key)
            if mine is None:
                out.append(f"feature {key!r} only in the source")
            elif theirs is None:
                out.append(f"feature {key!r} missing from the source")
            elif mine != theirs:
                out.append(f"feature {key!r} is {theirs[0]}{list(theirs[1])} vs {mine[0]}{list(mine[1])}")
        return out


def schema_key(info: dict[str, Any]) -> str:
    """What must not change under a journal for its edits to be re-applied (fps, robot, features)."""
    schema = Schema.from_info(info)
    text = json.dumps([schema.fps, schema.robot_type, sorted(schema.features.items())], default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def op_references(op: dict[str, Any], root: str) -> set[str]:
    """The uids of episodes on disk (of root) an operation touches or copies."""
    refs = set(op.get("uids", ())) | {op[k] for k in ("uid", "a", "b") if k in op}
    for d in op.get("episodes", ()):
        if d.get("source_root") == root:
            refs.add(f"e{d['source_episode']}")
    return {r for r in refs if isinstance(r, str) and r.startswith("e")}


class BaseEpisodes(list):
    """A base working list with the columns it was made from (root, episode indexes, lengths): a
    later base over the same dataset (a save landed, episodes were recorded) takes every episode
    whose index and length did not change from it instead of making it again."""

    columns: tuple[str, np.ndarray, np.ndarray] | None = None


def base_episodes(
    index: DatasetIndex, root: str | None = None, reuse: Sequence[WorkingEpisode] | None = None
) -> list[WorkingEpisode]:
    """The index's episodes as untouched working episodes, from its columns (no per-episode index
    object is made). reuse: the base this replaces, whose unchanged episodes are taken as they are."""
    root = str(index.root) if root is None else root
    table = index.table
    eps = np.array(table.episode_index, dtype=np.int64)  # copies: the columns stay as they were made
    lens = np.array(table.length, dtype=np.int64)
    out = BaseEpisodes()
    old = getattr(reuse, "columns", None)
    if old is None or old[0] != root or not len(eps):
        out.extend(base_run(root, eps.tolist(), lens.tolist()))
    else:
        _, old_eps, old_lens = old
        m = min(len(old_eps), len(eps))
        same = np.zeros(len(eps), dtype=bool)
        same[:m] = (old_eps[:m] == eps[:m]) & (old_lens[:m] == lens[:m])
        edges = (np.flatnonzero(np.diff(same.astype(np.int8))) + 1).tolist()
        for a, b in zip([0, *edges], [*edges, len(eps)], strict=True):
            if same[a]:
                out.extend(reuse[a:b])  # type: ignore[index]
            else:
                out.extend(base_run(root, eps[a:b].tolist(), lens[a:b].tolist()))
    out.columns = (root, eps, lens)
    return out


# What a base episode holds besides its uid, slice and length (the dataclass defaults).
_BASE_DEFAULTS = {
    "deleted": False,
    "badges": frozenset(),
    "task": None,
    "task_renames": (),
    "frame_values": (),
    "annotations": (),
}


def base_run(root: str, episodes: Sequence[int], lengths: Sequence[int]) -> list[WorkingEpisode]:
    """Untouched episodes on disk as working episodes, equal to the ones the constructors make.

    The instance dicts are filled directly: a frozen dataclass's __init__ sets each field through
    object.__setattr__, which makes a 100,000-episode base about 2.5x slower to build."""
    new, defaults = object.__new__, _BASE_DEFAULTS
    out: list[WorkingEpisode] = []
    append = out.append
    with paused_gc():
        for ep, n in zip(episodes, lengths, strict=True):
            s = new(EpisodeSlice)
            d = s.__dict__
            d["source_root"], d["source_episode"], d["start"], d["end"] = root, ep, 0, n
            e = new(WorkingEpisode)
            d = e.__dict__
            d.update(defaults)
            d["uid"], d["slice"], d["source_length"] = f"e{ep}", s, n
            append(e)
    return out


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while many acyclic objects are made: the collector would walk
    the growing heap again and again (half the time of a 100,000-episode base). Collection is
    only put off, never lost; a collector already paused elsewhere stays as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def unusable_episodes(index: DatasetIndex) -> set[int]:
    """Episodes whose data rows cannot be read (what EpisodeIndex.usable says), from the problems."""
    return {
        p.episode_index
        for p in index.problems
        if p.severity is Severity.ERROR and p.camera is None and p.episode_index is not None
    }


def find_position(episodes: Sequence[WorkingEpisode], uid: str) -> int:
    """Where uid is in a working list. An episode on disk ("e<n>") is looked for near position n
    first (only inserts and moves before it shift it), so an edit of a 100,000-episode list
    touches a few entries; anything else is a scan (Journal.position_of caches a lookup)."""
    guess = _near(episodes, uid)
    if guess is not None:
        return guess
    for i, e in enumerate(episodes):
        if e.uid == uid:
            return i
    raise EditError(f"no episode with id {uid!r} in the working list")


NEAR = 16  # positions looked at either side of an on-disk episode's own number


def _near(episodes: Sequence[WorkingEpisode], uid: str) -> int | None:
    if not (uid[:1] == "e" and uid[1:].isdigit()):
        return None
    n, count = int(uid[1:]), len(episodes)
    for i in range(max(0, min(n, count - 1) - NEAR), min(count, n + NEAR + 1)):
        if episodes[i].uid == uid:
            return i
    return None


def episode_from_json(d: dict[str, Any]) -> WorkingEpisode:
    return WorkingEpisode(
        d["uid"],
        EpisodeSlice(d["source_root"], int(d["source_episode"]), int(d["start"]), int(d["end"])),
        int(d["source_length"]),
        badges=frozenset(d.get("badges", ())),
        task=d.get("task"),
        task_renames=tuple((str(a), str(b)) for a, b in d.get("task_renames", ())),
        frame_values=tuple((str(f), int(a), int(b), float(v)) for f, a, b, v in d.get("frame_values", ())),
        annotations=tuple((str(s), str(t), str(r)) for s, t, r in d.get("annotations", ())),
    )


def episode_to_json(e: WorkingEpisode, uid: str, badges: Iterable[str] = ()) -> dict[str, Any]:
    s = e.slice
    return {
        "uid": uid,
        "source_root": s.source_root,
        "source_episode": s.source_episode,
        "start": s.start,
        "end": s.end,
        "source_length": e.source_length,
        "badges": sorted(set(badges)),
        # task edits travel with a copy (keys absent when there are none: older journals read the same)
        **({"task": e.task} if e.task is not None else {}),
        **({"task_renames": [list(r) for r in e.task_renames]} if e.task_renames else {}),
        **({"frame_values": [list(m) for m in e.frame_values]} if e.frame_values else {}),
        **({"annotations": [list(a) for a in e.annotations]} if e.annotations else {}),
    }


def apply_op(episodes: list[WorkingEpisode], op: dict[str, Any]) -> list[WorkingEpisode]:
    """One operation over a working list; raises EditError when it does not apply."""
    kind = op["kind"]
    out = list(episodes)
    if kind in ("delete", "restore"):
        # many uids: one pass over the list, not one scan per uid
        where = {e.uid: i for i, e in enumerate(out)} if len(op["uids"]) > 4 else None
        for uid in op["uids"]:
            i = where[uid] if where is not None and uid in where else find_position(out, uid)
            out[i] = replace(out[i], deleted=kind == "delete")
    elif kind == "trim":
        i = find_position(out, op["uid"])
        e = out[i]
        start, end = int(op["start"]), int(op["end"])
        if not 0 <= start < end <= e.source_length:
            raise EditError(
                f"trim {start}:{end} is outside episode {e.slice.source_episode}: keep frames START..END-1 with "
                f"0 <= START < END <= {e.source_length}"
            )
        badges = set(e.badges) - {TRIMMED}
        if start > 0 or end < e.source_length:
            badges.add(TRIMMED)
        out[i] = replace(e, slice=replace(e.slice, start=start, end=end), badges=frozenset(badges))
    elif kind == "move":
        i = find_position(out, op["uid"])
        to = int(op["to"])
        if not 0 <= to < len(out):
            raise EditError(f"position {to} is outside the list of {len(out)} episodes")
        e = out.pop(i)
        out.insert(to, replace(e, badges=e.badges | {MOVED}))
    elif kind == "swap":
        i, j = find_position(out, op["a"]), find_position(out, op["b"])
        out[i], out[j] = (
            replace(out[j], badges=out[j].badges | {MOVED}),
            replace(out[i], badges=out[i].badges | {MOVED}),
        )
    elif kind == "insert":
        at = len(out) if op.get("at") is None else int(op["at"])
        if not 0 <= at <= len(out):
            raise EditError(f"position {at} is outside the list of {len(out)} episodes")
        new = [episode_from_json(d) for d in op["episodes"]]
        # one pass over the list against the few new ids, not a set of every id in it
        fresh: set[str] = set()
        for e in new:
            if e.uid in fresh:
                raise EditError(f"episode id {e.uid!r} is already in the list")
            fresh.add(e.uid)
        clash = next((e.uid for e in out if e.uid in fresh), None)
        if clash is not None:
            raise EditError(f"episode id {clash!r} is already in the list")
        for e in new:
            if not 0 <= e.slice.start < e.slice.end <= e.source_length:
                raise EditError(f"frames {e.slice.start}:{e.slice.end} are outside the source episode")
        out[at:at] = new
    elif kind == "set_task":
        text = str(op["task"]).strip()
        if not text:
            raise EditError("a task needs some text")
        for uid in op["uids"]:
            i = find_position(out, uid)
            out[i] = replace(out[i], task=text, task_renames=(), badges=out[i].badges | {RETASKED})
    elif kind == "rename_task":
        old, new = str(op["old"]), str(op["new"]).strip()
        if not new:
            raise EditError("a task needs some text")
        out = [replace(e, task_renames=(*e.task_renames, (old, new))) for e in out]
    elif kind == "set_frames":
        i = find_position(out, op["uid"])
        e = out[i]
        start, end = int(op["start"]), int(op["end"])
        if not 0 <= start < end <= e.source_length:
            raise EditError(
                f"frames {start}:{end} are outside episode {e.slice.source_episode} (0..{e.source_length - 1})"
            )
        mark = (str(op["feature"]), start, end, float(op["value"]))
        out[i] = replace(e, frame_values=(*e.frame_values, mark))
    elif kind == "annotate":  # one track of one episode replaced by its edited rows (dataset/annotations.py)
        i = find_position(out, op["uid"])
        e = out[i]
        for r in op["rows"]:
            if (
                not 0 <= int(r["start"]) < e.source_length
                or not int(r["start"]) <= int(r["end"]) <= e.source_length
            ):
                raise EditError(
                    f"annotation frames {r['start']}:{r['end']} are outside episode {e.slice.source_episode} "
                    f"(0..{e.source_length - 1})"
                )
        track = (str(op["source"]), str(op["track"]), json.dumps(op["rows"]))
        kept = tuple(a for a in e.annotations if a[:2] != track[:2])
        out[i] = replace(e, annotations=(*kept, track))
    else:
        raise EditError(f"unknown operation {kind!r}")
    return out


def base_episodes_for(
    index: DatasetIndex, root: Path, reuse: Sequence[WorkingEpisode] | None = None
) -> list[WorkingEpisode]:
    return base_episodes(index, str(root), reuse)


def episode_label(e: WorkingEpisode, position: int | None = None) -> str:
    """How the UI and the CLI name a working episode: its source episode, and its range when cut."""
    s = e.slice
    name = f"episode {s.source_episode}"
    if not e.uid.startswith("e") or e.trimmed:
        name += f" [{s.start}:{s.end}]"
    return name


def fractions_to_uids(uids: list[str], fractions: dict[str, float]) -> dict[str, list[str]]:
    if any(f <= 0 for f in fractions.values()) or sum(fractions.values()) > 1.0 + 1e-9:
        raise EditError("split fractions must be > 0 and sum to at most 1")
    out, start = {}, 0
    names = list(fractions)
    for k, name in enumerate(names):
        count = round(fractions[name] * len(uids))
        if k == len(names) - 1 and math.isclose(sum(fractions.values()), 1.0):
            count = len(uids) - start
        out[name] = uids[start : start + count]
        start += count
    return out
