"""`leropilot-gl edit DATASET [ops...] --save`: the editor's operations, for scripts.

Episode numbers always mean the episodes as they are on disk when the command starts, whatever
the operations before them did; `--trim E:START:END` keeps frames START..END-1 (so do the
frame ranges of --set-reward/--set-done/--set-success and their --clear- twins). Operations apply
in the order given. Without --save nothing is written.

--save rewrites only the files of the LeRobot format (data parquet, meta/ files, and mp4s where
Compact rewrites them); every other file of the dataset is kept as it is. The files a save replaces
are kept as a backup: `leropilot-gl restore DATASET` brings them back. When the result would hold
episodes out of order in a video file, the save also compacts it, unless --fast.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

OP_KEYS = ("delete", "trim", "duplicate", "move", "swap", "carve", "move_to", "copy_to", "merge", "split")


class _Ordered(argparse.Action):
    """Keeps every operation, in command-line order, in args.ops."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        ops = getattr(namespace, "ops", None) or []
        ops.append((self.dest, values))
        namespace.ops = ops


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "edit",
        help="delete, trim, reorder, duplicate, copy/move, merge, split episodes; --save writes LeRobot v3.0",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", help="dataset folder")
    add = parser.add_argument
    add("--delete", nargs="+", type=int, metavar="E", action=_Ordered, help="delete episodes")
    add("--trim", metavar="E:START:END", action=_Ordered, help="keep frames START..END-1 of episode E")
    add(
        "--duplicate",
        nargs="+",
        type=int,
        metavar="E",
        action=_Ordered,
        help="duplicate episodes (after each)",
    )
    add("--move", metavar="E:POS", action=_Ordered, help="move episode E to position POS of the list")
    add("--swap", metavar="A:B", action=_Ordered, help="swap episodes A and B")
    add(
        "--carve",
        metavar="E:S-E[,S-E...]",
        action=_Ordered,
        help="new episodes cut from episode E (frames S..E-1 each), placed after it",
    )
    add(
        "--move-to",
        dest="move_to",
        metavar="OTHER:E",
        action=_Ordered,
        help="move episode E to the end of dataset OTHER",
    )
    add(
        "--copy-to",
        dest="copy_to",
        metavar="OTHER:E",
        action=_Ordered,
        help="copy episode E to the end of dataset OTHER",
    )
    add("--merge", nargs="+", metavar="OTHER", action=_Ordered, help="append every episode of other datasets")
    add(
        "--split",
        nargs="+",
        metavar="NAME=SPEC",
        action=_Ordered,
        help="new datasets under --out: NAME=0.8 (fraction) or NAME=0,2,5 (episodes)",
    )
    add(
        "--rename-task",
        dest="rename_task",
        nargs=2,
        metavar=("OLD", "NEW"),
        action=_Ordered,
        help="rename a task text in every episode (no video is touched)",
    )
    add(
        "--set-task",
        dest="set_task",
        nargs=2,
        metavar=("EPISODES", "TEXT"),
        action=_Ordered,
        help="set the task of episodes: EPISODES is 3, 0,2,5, 4-9 or all",
    )
    # per-frame marks where the dataset has the feature; frames START..END-1 of episode E on disk
    frames = "on frames START..END-1 of episode E"
    add(
        "--set-reward",
        dest="set_reward",
        metavar="E:START:END:VALUE",
        action=_Ordered,
        help=f"next.reward = VALUE {frames}",
    )
    add(
        "--clear-reward",
        dest="clear_reward",
        metavar="E:START:END",
        action=_Ordered,
        help=f"next.reward = 0 {frames}",
    )
    for flag in ("done", "success"):
        add(
            f"--set-{flag}",
            dest=f"set_{flag}",
            metavar="E:START:END",
            action=_Ordered,
            help=f"next.{flag} = true {frames}",
        )
        add(
            f"--clear-{flag}",
            dest=f"clear_{flag}",
            metavar="E:START:END",
            action=_Ordered,
            help=f"next.{flag} = false {frames}",
        )
    add("--out", type=Path, help="folder for --split outputs")
    add("--save", action="store_true", help="write the result (without it, nothing is written)")
    add("--dry-run", action="store_true", help="print what would change and write nothing")
    add(
        "--compact", action="store_true", help="after saving, rewrite the mp4s in episode order (see Compact)"
    )
    add(
        "--fast",
        action="store_true",
        help="skip making the videos canonical after a save that leaves episodes out of order "
        "(LeRobot's delete/split tools would then return wrong frames; `info` flags it)",
    )
    add(
        "--journal-dir",
        type=Path,
        default=None,
        help="where the pending edits are kept while the command runs (default: a temporary folder)",
    )
    parser.set_defaults(func=run, ops=[])


def _pair(text: str, what: str) -> tuple[str, str]:
    head, sep, tail = text.rpartition(":")
    if not sep or not head or not tail:
        raise ValueError(f"expected {what}, got {text!r}")
    return head, tail


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a whole number") from None


def _episode_list(spec: str, count: int) -> list[int]:
    """`3`, `0,2,5`, `4-9` (inclusive) or `all`: episode numbers on disk."""
    if spec.strip().lower() == "all":
        return list(range(count))
    out: list[int] = []
    for piece in spec.split(","):
        first, sep, last = piece.strip().partition("-")
        if sep:
            a, b = _int(first, "--set-task"), _int(last, "--set-task")
            if b < a:
                raise ValueError(f"--set-task range {piece!r} runs backwards")
            out.extend(range(a, b + 1))
        elif piece.strip():
            out.append(_int(first, "--set-task"))
    if not out:
        raise ValueError(f"--set-task: no episode in {spec!r} (use 3, 0,2,5, 4-9 or all)")
    return out


def run(args: argparse.Namespace) -> int:
    from leropilot_gl.dataset import DatasetOpenError, EditError, EditSession, open_dataset

    if not args.ops and not args.compact:
        print("error: no operation given (see leropilot-gl edit --help)")
        return 2
    for option, folder in (("--journal-dir", args.journal_dir), ("--out", args.out)):
        if folder is not None and folder.exists() and not folder.is_dir():
            print(f"error: {option} {folder} is a file, not a folder")
            print("nothing was changed")
            return 2
    with tempfile.TemporaryDirectory(prefix="leropilot-edit-") as tmp:
        session = EditSession(args.journal_dir or Path(tmp))
        opened: dict[str, Path] = {}

        def attach(path: str | Path) -> Path:
            from leropilot_gl.dataset.journal import meta_fingerprint
            from leropilot_gl.dataset.lock import remove_leftover_staging
            from leropilot_gl.dataset.transaction import recover_transactions

            try:
                key = str(Path(path).expanduser().resolve(strict=False))
            except (OSError, RuntimeError) as exc:  # a symlink loop
                raise ValueError(f"{path}: {exc}") from None
            if key not in opened:
                for notice in recover_transactions(session.journal_dir):
                    print(f"note: {notice}")
                if remove_leftover_staging(Path(key)):
                    print(f"note: removed what an interrupted save left beside {Path(key).name}")
                # The fingerprint is taken before the metadata is read: a save landing in between
                # then fails the "changed on disk" check instead of passing it with an old index.
                fingerprint = meta_fingerprint(Path(key))
                index = open_dataset(key)
                notice = session.attach(index, fingerprint)
                if notice:
                    print(f"note: {notice}")
                opened[key] = Path(key)
            return opened[key]

        try:
            root = attach(args.dataset)
            for name, value in args.ops:
                _apply(session, attach, root, name, value, args)
        except (EditError, ValueError, DatasetOpenError) as exc:
            print(f"error: {exc}")
            print("nothing was changed")
            return 2
        except OSError as exc:  # e.g. the journal folder cannot be written
            print(f"error: {exc.filename}: {exc.strerror}" if exc.filename else f"error: {exc}")
            print("nothing was changed")
            return 2
        return _finish(session, root, args)


def _apply(session, attach, root: Path, name: str, value, args: argparse.Namespace) -> None:  # noqa: ANN001
    from leropilot_gl.dataset import EditError

    uid = session.uid_of
    if name == "delete":
        session.delete(root, [uid(root, e) for e in value])
    elif name == "trim":
        parts = value.split(":")
        if len(parts) != 3:
            raise ValueError(f"--trim expects E:START:END, got {value!r}")
        e, start, end = (_int(p, "--trim") for p in parts)
        session.trim(root, uid(root, e), start, end)
    elif name == "duplicate":
        for e in value:
            session.duplicate(root, uid(root, e))
    elif name == "move":
        e, pos = (_int(p, "--move") for p in _pair(value, "E:POS"))
        session.move(root, uid(root, e), pos)
    elif name == "swap":
        a, b = (_int(p, "--swap") for p in _pair(value, "A:B"))
        session.swap(root, uid(root, a), uid(root, b))
    elif name == "carve":
        e, spec = _pair(value, "E:S-E,S-E")
        segments = []
        for piece in spec.split(","):
            start, sep, end = piece.partition("-")
            if not sep:
                raise ValueError(f"--carve segment {piece!r} must be START-END")
            segments.append((_int(start, "--carve"), _int(end, "--carve")))
        session.carve(root, uid(root, _int(e, "--carve")), segments)
    elif name in ("move_to", "copy_to"):
        other, e = _pair(value, "OTHER:E")
        dst = attach(other)
        session.copy(root, [uid(root, _int(e, f"--{name.replace('_', '-')}"))], dst, move=name == "move_to")
    elif name == "merge":
        session.merge(root, [attach(o) for o in value])
    elif name == "rename_task":
        old, new = value
        count = session.rename_task(root, old, new)
        print(f"renaming {old!r} to {new!r} in {count} episode(s)")
    elif name == "set_task":
        spec, text = value
        session.set_task(
            root, [uid(root, e) for e in _episode_list(spec, len(session.journal(root).base))], text
        )
    elif name.startswith(("set_", "clear_")) and name.partition("_")[2] in ("reward", "done", "success"):
        action, _, what = name.partition("_")
        flag = f"--{action}-{what}"
        parts = value.split(":")
        want = 4 if name == "set_reward" else 3
        if len(parts) != want:
            raise ValueError(
                f"{flag} expects {'E:START:END:VALUE' if want == 4 else 'E:START:END'}, got {value!r}"
            )
        e, start, end = (_int(p, flag) for p in parts[:3])
        if want == 4:
            try:
                mark = float(parts[3])
            except ValueError:
                raise ValueError(f"{flag}: {parts[3]!r} is not a number") from None
        else:
            mark = 1.0 if action == "set" else 0.0
        session.set_frames(root, uid(root, e), f"next.{what}", start, end, mark)
    elif name == "split":
        if args.out is None:
            raise EditError("--split needs --out FOLDER for the new datasets")
        parts: dict = {}
        for item in value:
            split_name, sep, spec = item.partition("=")
            if not sep or not split_name:
                raise ValueError(f"--split expects NAME=SPEC, got {item!r}")
            if "." in spec:
                try:
                    parts[split_name] = float(spec)
                except ValueError:
                    raise ValueError(f"--split {item!r}: {spec!r} is not a fraction like 0.8") from None
            else:
                parts[split_name] = [uid(root, _int(x, "--split")) for x in spec.split(",") if x]
        kinds = {isinstance(v, float) for v in parts.values()}
        if len(kinds) > 1:
            raise ValueError("--split: use fractions for every part, or episode lists for every part")
        session.split(root, parts, args.out)


def _finish(session, root: Path, args: argparse.Namespace) -> int:  # noqa: ANN001
    from leropilot_gl.dataset import DatasetLockedError, EditError, plan_save
    from leropilot_gl.dataset.save import save_all

    fast = bool(getattr(args, "fast", False))  # other commands (doctor --fix-trims) pass their own args
    order = session.save_order()
    if not order and not args.compact:
        print("no change to write")
        return 0
    print("will change:" if args.save and not args.dry_run else "would change (nothing written):")
    try:
        for target in order:
            print(f"  {target}:")
            for line in plan_save(session, target, check_order=False, fast=fast).lines:
                print(f"    {line}")
    except EditError as exc:
        print(f"error: {exc}")
        return 2
    if args.compact:
        print(
            f"  {root}:\n    then compact its mp4 files (episodes in order, no overlap, unused video dropped)"
        )
    if args.dry_run or not args.save:
        if not args.dry_run:
            print("add --save to write these changes")
        return 0
    print("changed:")
    try:
        # One transaction: a move's two saves land together or, after a kill, not at all. Video
        # files left out of order are put in order as part of the save unless --fast.
        compacted = False
        for result in save_all(session, fast=fast):
            print(f"  {result.summary()}")
            compacted |= result.compacted is not None and result.root == Path(root).resolve()
        if args.compact and not compacted:
            from leropilot_gl.dataset.compact import compact

            report = compact(session, root)
            print(f"  {report.summary()}")
    except (EditError, DatasetLockedError, OSError) as exc:
        print(f"error: {exc}")
        print("the dataset on disk is unchanged by the step that failed")
        return 2
    return 0
