"""The edit operations of EditSession: each checks its arguments, builds one operation (a plain
dict, replayed by ops.apply_op) and hands it to the session's _commit, which validates, records
and persists it. Operations that touch several datasets commit their ops as one undo group."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from leropilot_gl.dataset.journal.ops import (
    COPIED,
    DUPLICATED,
    FRAME_MARK_FEATURES,
    MOVED,
    TRIMMED,
    EditError,
    episode_to_json,
    find_position,
    fractions_to_uids,
)
from leropilot_gl.dataset.journal.working import Journal


class EditOperations:
    """Mixed into EditSession, which provides journal(), journals, _commit, _names and _seq."""

    journals: dict[Path, Journal]
    _seq: int

    def journal(self, root: str | Path) -> Journal:  # provided by EditSession
        raise NotImplementedError

    def check_compatible(self, src: Journal, dst: Journal) -> None:  # provided by EditSession
        raise NotImplementedError

    def _commit(self, ops: list[tuple[Journal, dict[str, Any]]]) -> None:  # provided by EditSession
        raise NotImplementedError

    def _names(self, j: Journal, uids: Iterable[str]) -> str:  # provided by EditSession
        raise NotImplementedError

    def delete(self, root: str | Path, uids: Sequence[str]) -> None:
        j = self.journal(root)
        uids = list(dict.fromkeys(uids))
        if not uids:
            raise EditError("no episode chosen to delete")
        self._commit([(j, {"kind": "delete", "uids": uids, "label": f"delete {self._names(j, uids)}"})])

    def restore(self, root: str | Path, uids: Sequence[str]) -> None:
        j = self.journal(root)
        self._commit(
            [(j, {"kind": "restore", "uids": list(uids), "label": f"restore {self._names(j, uids)}"})]
        )

    def trim(self, root: str | Path, uid: str, start: int, end: int) -> None:
        """Keep frames [start, end) of the episode's source (so a trim can be widened again)."""
        j = self.journal(root)
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "trim",
                        "uid": uid,
                        "start": int(start),
                        "end": int(end),
                        "label": f"trim {self._names(j, [uid])} to frames {start}..{int(end) - 1}",
                    },
                )
            ]
        )

    def move(self, root: str | Path, uid: str, position: int) -> None:
        j = self.journal(root)
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "move",
                        "uid": uid,
                        "to": int(position),
                        "label": f"move {self._names(j, [uid])} to position {position}",
                    },
                )
            ]
        )

    def swap(self, root: str | Path, uid_a: str, uid_b: str) -> None:
        j = self.journal(root)
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "swap",
                        "a": uid_a,
                        "b": uid_b,
                        "label": f"swap {self._names(j, [uid_a])} and {self._names(j, [uid_b])}",
                    },
                )
            ]
        )

    def duplicate(self, root: str | Path, uid: str) -> str:
        j = self.journal(root)
        episodes = j.working()  # read only: no copy of a 100,000-episode list
        i = find_position(episodes, uid)
        seq = self._seq + 1
        new_uid = f"{seq}.0"
        payload = [episode_to_json(episodes[i], new_uid, episodes[i].badges | {DUPLICATED})]
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "insert",
                        "at": i + 1,
                        "episodes": payload,
                        "label": f"duplicate {self._names(j, [uid])}",
                    },
                )
            ]
        )
        return new_uid

    def carve(self, root: str | Path, uid: str, segments: Sequence[tuple[int, int]]) -> list[str]:
        """Several segments of one episode, each a new episode after it (source frames [start, end))."""
        j = self.journal(root)
        episodes = j.working()
        i = find_position(episodes, uid)
        e = episodes[i]
        if not segments:
            raise EditError("no segment given to carve")
        seq = self._seq + 1
        payload = []
        for k, (start, end) in enumerate(segments):
            if not 0 <= int(start) < int(end) <= e.source_length:
                raise EditError(
                    f"segment {start}:{end} is outside the episode (0 <= START < END <= {e.source_length})"
                )
            piece = replace(e, slice=replace(e.slice, start=int(start), end=int(end)))
            badges = {DUPLICATED} | ({TRIMMED} if piece.trimmed else set())
            payload.append(episode_to_json(piece, f"{seq}.{k}", badges))
        self._commit(
            [
                (
                    j,
                    {
                        "kind": "insert",
                        "at": i + 1,
                        "episodes": payload,
                        "label": f"carve {len(segments)} segment(s) from {self._names(j, [uid])}",
                    },
                )
            ]
        )
        return [p["uid"] for p in payload]

    def copy(
        self,
        src_root: str | Path,
        uids: Sequence[str],
        dst_root: str | Path,
        *,
        position: int | None = None,
        move: bool = False,
    ) -> list[str]:
        """Copy (or move) episodes to another open dataset; schemas must match."""
        src, dst = self.journal(src_root), self.journal(dst_root)
        if src.root == dst.root:
            raise EditError("source and destination are the same dataset; use duplicate or move instead")
        self.check_compatible(src, dst)
        episodes = src.working()
        chosen = [episodes[find_position(episodes, uid)] for uid in uids]
        if not chosen:
            raise EditError("no episode chosen to copy")
        if any(e.deleted for e in chosen):
            raise EditError("a deleted episode cannot be copied; restore it first")
        seq = self._seq + 1
        badge = MOVED if move else COPIED
        payload = [
            episode_to_json(e, f"{seq}.{k}", {badge} | ({TRIMMED} if e.trimmed else set()))
            for k, e in enumerate(chosen)
        ]
        verb = "move" if move else "copy"
        names = self._names(src, uids)
        ops = [
            (
                dst,
                {
                    "kind": "insert",
                    "at": position,
                    "episodes": payload,
                    "label": f"{verb} {names} from {src.root.name}",
                },
            )
        ]
        if move:
            ops.append(
                (src, {"kind": "delete", "uids": list(uids), "label": f"move {names} to {dst.root.name}"})
            )
        self._commit(ops)
        return [p["uid"] for p in payload]

    def create_empty(self, new_root: str | Path, template_root: str | Path) -> Path:
        """A new, empty dataset (written on Save) with the schema of an open dataset."""
        template = self.journal(template_root)
        new_root = Path(new_root).expanduser().resolve()
        if new_root.exists():
            raise EditError(f"{new_root} already exists; choose a new folder")
        if new_root in self.journals:
            raise EditError(f"{new_root} is already a pending new dataset")
        info = dict(template.info)
        journal = Journal(new_root, info, [], on_disk=False, template_root=str(template.root))
        self.journals[new_root] = journal
        try:
            self._commit(
                [
                    (
                        journal,
                        {
                            "kind": "insert",
                            "at": 0,
                            "episodes": [],
                            "label": f"create {new_root.name} with the schema of {template.root.name}",
                        },
                    )
                ]
            )
        except Exception:
            del self.journals[new_root]
            raise
        return new_root

    def merge(self, dst_root: str | Path, src_roots: Sequence[str | Path]) -> None:
        """Append every kept episode of the sources to dst (one undo step)."""
        dst = self.journal(dst_root)
        sources = [self.journal(r) for r in src_roots]
        for src in sources:
            if src.root == dst.root:
                raise EditError("a dataset cannot be merged into itself")
            self.check_compatible(src, dst)
        seq = self._seq + 1
        payload = []
        for src in sources:
            for e in src.kept_view():
                badges = {COPIED} | ({TRIMMED} if e.trimmed else set())
                payload.append(episode_to_json(e, f"{seq}.{len(payload)}", badges))
        if not payload:
            raise EditError("the datasets to merge hold no episodes")
        names = ", ".join(s.root.name for s in sources)
        self._commit([(dst, {"kind": "insert", "at": None, "episodes": payload, "label": f"merge {names}"})])

    def split(
        self,
        src_root: str | Path,
        parts: dict[str, Sequence[str]] | dict[str, float],
        out_dir: str | Path,
    ) -> list[Path]:
        """New datasets <out_dir>/<name>, each with some of src's kept episodes (uids or fractions)."""
        src = self.journal(src_root)
        kept = src.kept_view()
        if not parts:
            raise EditError("no split given")
        if all(isinstance(v, float | int) and not isinstance(v, bool) for v in parts.values()):
            groups = fractions_to_uids([e.uid for e in kept], {k: float(v) for k, v in parts.items()})
        else:
            groups = {name: list(uids) for name, uids in parts.items()}  # type: ignore[arg-type]
        seen: set[str] = set()
        by_uid = {e.uid: e for e in kept}
        for name, uids in groups.items():
            if not uids:
                raise EditError(f"split {name!r} has no episodes")
            for uid in uids:
                if uid not in by_uid:
                    raise EditError(f"split {name!r}: {uid!r} is not a kept episode of {src.root.name}")
                if uid in seen:
                    raise EditError(f"episode {uid!r} is in more than one split")
                seen.add(uid)
        out_dir = Path(out_dir).expanduser().resolve()
        targets = {name: out_dir / name for name in groups}
        for path in targets.values():
            if path.exists() or path in self.journals:
                raise EditError(f"{path} already exists; choose another output folder")
        seq = self._seq + 1
        ops = []
        for name, uids in groups.items():
            journal = Journal(targets[name], dict(src.info), [], on_disk=False, template_root=str(src.root))
            payload = [
                episode_to_json(
                    by_uid[u], f"{seq}.{k}", {COPIED} | ({TRIMMED} if by_uid[u].trimmed else set())
                )
                for k, u in enumerate(uids)
            ]
            ops.append(
                (
                    journal,
                    {
                        "kind": "insert",
                        "at": 0,
                        "episodes": payload,
                        "label": f"split {len(uids)} episode(s) of {src.root.name} into {name}",
                    },
                )
            )
        for journal, _ in ops:
            self.journals[journal.root] = journal
        try:
            self._commit(ops)
        except Exception:
            for journal, _ in ops:
                self.journals.pop(journal.root, None)
            raise
        return list(targets.values())

    def set_task(self, root: str | Path, uids: Sequence[str], text: str) -> None:
        """Give the episodes one task (every frame); also fixes a single episode's task."""
        j = self.journal(root)
        uids = list(dict.fromkeys(uids))
        if not uids:
            raise EditError("no episode chosen to set the task of")
        text = str(text).strip()
        label = f"set the task of {self._names(j, uids)} to {text!r}"
        self._commit([(j, {"kind": "set_task", "uids": uids, "task": text, "label": label})])

    def rename_task(self, root: str | Path, old: str, new: str) -> int:
        """Rename a task text in every episode of the dataset; returns how many episodes had it."""
        from leropilot_gl.dataset.tasks import task_counts

        j = self.journal(root)
        new = str(new).strip()
        counts = dict(task_counts(self, j.root))
        if old not in counts:
            known = ", ".join(repr(t) for t in counts) or "none"
            raise EditError(f"no episode of {j.root.name} has the task {old!r} (tasks: {known})")
        if old == new:
            raise EditError(f"the task is already called {new!r}")
        label = f"rename task {old!r} to {new!r}"
        self._commit([(j, {"kind": "rename_task", "old": old, "new": new, "label": label})])
        return counts[old]

    def set_frames(
        self, root: str | Path, uid: str, feature: str, start: int, end: int, value: float | bool
    ) -> None:
        """Set a per-frame mark (next.reward / next.success / next.done) on source frames [start, end);
        value 0 (or False) clears the range."""
        j = self.journal(root)
        spec = (j.info.get("features") or {}).get(feature)
        if feature not in FRAME_MARK_FEATURES:
            raise EditError(f"only {', '.join(FRAME_MARK_FEATURES)} can be marked, not {feature!r}")
        if not isinstance(spec, dict):
            have = [f for f in FRAME_MARK_FEATURES if f in (j.info.get("features") or {})]
            raise EditError(f"{j.root.name} has no {feature!r} (it has: {', '.join(have) or 'none of them'})")
        shown = bool(value) if spec.get("dtype") == "bool" else f"{float(value):g}"
        label = f"set {feature} = {shown} on frames {start}..{int(end) - 1} of {self._names(j, [uid])}"
        op = {"kind": "set_frames", "uid": uid, "feature": feature, "start": int(start), "end": int(end)}
        self._commit([(j, dict(op, value=float(value), label=label))])

    def set_annotations(
        self, root: str | Path, uid: str, source: str, track: str, rows: list[dict[str, Any]], label: str
    ) -> None:
        """Replace one annotation track of an episode (dataset/annotations.py builds the rows)."""
        j = self.journal(root)
        op = {"kind": "annotate", "uid": uid, "source": source, "track": track, "rows": rows}
        self._commit([(j, dict(op, label=label))])
