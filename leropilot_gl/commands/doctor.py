"""`leropilot-gl doctor DATASET`: find bad episodes and suggest fixes; a CI gate with --fail-on.

Prints a table, or with --json one object per finding. The exit code is 1 when a finding reaches
--fail-on (error or warning), 2 on bad input, else 0. `--fix-trims --dry-run|--save` applies the
suggested trims (idle start and end) through the same pending edits and save as `edit`.
Results are cached per episode in the app's data folder: a second run over unchanged files is
instant (--no-cache to recheck).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from leropilot_gl.quality.thresholds import describe

    thresholds = "\n".join(f"  {name} = {default}: {meaning}" for name, default, meaning in describe())
    parser = sub.add_parser(
        "doctor",
        help="find bad episodes (timing, video, frozen or black frames, idle, spikes, duplicates); exit 1 for CI",
        description=__doc__ + "\nthresholds (--threshold NAME=VALUE):\n" + thresholds,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", help="dataset folder")
    parser.add_argument(
        "--episodes", nargs="+", metavar="E", help="only these episodes (numbers or A-B ranges)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per finding, in a list")
    parser.add_argument("--fail-on", choices=("error", "warning"), help="exit 1 when a finding is this bad")
    parser.add_argument("--no-pixels", action="store_true", help="skip the checks that decode video")
    parser.add_argument("--no-cache", action="store_true", help="recheck everything, ignore cached results")
    parser.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a threshold (see below)",
    )
    parser.add_argument("--fix-trims", action="store_true", help="apply the suggested trims as pending edits")
    parser.add_argument(
        "--dry-run", action="store_true", help="with --fix-trims: show the change, write nothing"
    )
    parser.add_argument("--save", action="store_true", help="with --fix-trims: write the trimmed dataset")
    parser.set_defaults(func=run)


def _episodes(specs: list[str] | None) -> list[int] | None:
    if not specs:
        return None
    out: list[int] = []
    for spec in specs:
        for piece in spec.split(","):
            head, sep, tail = piece.partition("-")
            try:
                out += list(range(int(head), int(tail) + 1)) if sep else [int(head)]
            except ValueError:
                raise ValueError(f"--episodes: {piece!r} is not a number or a range like 3-7") from None
    return sorted(set(out))


def run(args: argparse.Namespace) -> int:
    from leropilot_gl.dataset import DatasetOpenError, open_dataset
    from leropilot_gl.dataset.problems import Severity
    from leropilot_gl.quality import FlagStore, Thresholds, run_doctor

    if args.fix_trims and args.dry_run == args.save:
        print("error: --fix-trims needs exactly one of --dry-run or --save")
        return 2
    if (args.dry_run or args.save) and not args.fix_trims:
        print("error: --dry-run and --save go with --fix-trims")
        return 2
    try:
        episodes = _episodes(args.episodes)
        overrides = {}
        for item in args.threshold:
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"--threshold expects NAME=VALUE, got {item!r}")
            overrides[name.strip()] = value.strip()
        thresholds = Thresholds().with_overrides(overrides)
        index = open_dataset(args.dataset)
    except (ValueError, DatasetOpenError) as exc:
        print(f"error: {exc}")
        return 2
    known = {e.episode_index for e in index.episodes}
    if episodes is not None and not set(episodes) <= known:
        missing = sorted(set(episodes) - known)
        print(f"error: episodes {missing[:10]} are not in {index.root.name} (it has {len(known)} episodes)")
        return 2
    flags = FlagStore().for_dataset(index.root)
    report = run_doctor(
        index,
        thresholds=thresholds,
        episodes=episodes,
        pixels=not args.no_pixels,
        use_cache=not args.no_cache,
        manual_flags=flags,
    )
    if args.json:
        json.dump([f.to_json() for f in report.findings], sys.stdout, indent=1)
        print()
    else:
        _print_table(report)
    if args.fix_trims:
        code = _fix_trims(index, report, args)
        if code:
            return code
    if args.fail_on:
        limit = Severity.ERROR if args.fail_on == "error" else Severity.WARNING
        if any(f.severity >= limit for f in report.findings):
            return 1
    return 0


def _print_table(report) -> None:  # noqa: ANN001
    findings = report.findings
    if not findings:
        print(f"{report.root.name}: no findings")
    else:
        rows = [
            (
                f.severity.label,
                f.kind,
                "-" if f.episode_index is None else str(f.episode_index),
                f.frames_text() or "-",
                f.camera.rsplit(".", 1)[-1] if f.camera else "-",
                f.message + (f"  [fix: {f.fix_text()}]" if f.fix else ""),
            )
            for f in findings
        ]
        header = ("severity", "kind", "episode", "frames", "camera", "message")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
        for row in [header, *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5])
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    summary = ", ".join(f"{counts[k]} {k}" for k in ("error", "warning", "info") if k in counts) or "nothing"
    cached = f", {report.episodes_from_cache} from cache" if report.episodes_from_cache else ""
    print(
        f"{len(findings)} findings ({summary}); {report.episodes_checked} episodes checked{cached}, "
        f"{report.decoded_frames} frames decoded in {report.elapsed_s:.1f} s"
    )


def _fix_trims(index, report, args: argparse.Namespace) -> int:  # noqa: ANN001
    from leropilot_gl.commands.edit import _finish
    from leropilot_gl.dataset import EditError, EditSession

    trims = report.suggested_trims()
    if not trims:
        print("no trims to apply")
        return 0
    with tempfile.TemporaryDirectory(prefix="leropilot-doctor-") as tmp:
        session = EditSession(Path(tmp))
        notice = session.attach(index)
        if notice:
            print(f"note: {notice}")
        root = Path(index.root).resolve()
        try:
            for ep, (start, end) in sorted(trims.items()):
                session.trim(root, session.uid_of(root, ep), start, end)
        except EditError as exc:
            print(f"error: {exc}")
            print("nothing was changed")
            return 2
        finish_args = argparse.Namespace(save=args.save, dry_run=args.dry_run, compact=False)
        return _finish(session, root, finish_args)
