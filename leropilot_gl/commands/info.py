"""`leropilot-gl info PATH`: what a dataset holds and every problem found in it."""

from __future__ import annotations

import argparse

from leropilot_gl.dataset import DatasetIndex, DatasetOpenError, Severity, open_dataset
from leropilot_gl.dataset.compat import compatibility
from leropilot_gl.dataset.language import tools_summary


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("info", help="print a dataset's version, fps, cameras, features and problems")
    parser.add_argument("path", help="dataset folder")
    parser.set_defaults(func=run)


def describe(ds: DatasetIndex) -> list[str]:
    lines = [
        f"dataset:  {ds.root}",
        f"version:  {ds.version}",
        f"fps:      {ds.fps:g}",
        f"robot:    {ds.robot_type or 'unknown'}",
        f"episodes: {len(ds.episodes)} ({ds.total_frames} frames)",
        "cameras:",
    ]
    for cam in sorted(ds.cameras.values(), key=lambda c: c.key):
        size = f"{cam.width}x{cam.height}" if cam.width and cam.height else "size unknown"
        fps = f"{cam.fps:g} fps" if cam.fps else "fps unknown"
        depth = f", depth ({cam.depth_unit or 'unit unknown'})" if cam.is_depth_map else ""
        lines.append(f"  {cam.key}: {cam.storage}, {cam.codec or 'codec unknown'}, {size}, {fps}{depth}")
    if not ds.cameras:
        lines.append("  (none)")
    lines.append("features:")
    for feat in ds.features.values():
        if feat.is_visual:
            continue
        names = ", ".join(feat.names[:8]) + (", ..." if len(feat.names) > 8 else "")
        lines.append(f"  {feat.key}: {feat.dtype} {list(feat.shape)} [{names}]")
    lines += language_lines(ds)
    compat = compatibility(ds.info, ds.root)
    lines.append(f"lerobot:  {compat.readers}")
    lines += [f"  {reason}" for reason in compat.reasons]
    from leropilot_gl.dataset.compact import video_order_warnings

    order = video_order_warnings(ds)  # a fast save's result: flagged wherever the dataset goes
    lines.append(f"problems: {len(ds.problems) + len(order)}")
    for problem in sorted(ds.problems, key=lambda p: -p.severity):
        lines.append(f"  {problem}")
    lines += [f"  warning: {text}" for text in order]
    return lines


def language_lines(ds: DatasetIndex) -> list[str]:
    """Annotation tracks (language columns, subtasks) summed over episodes, and declared tools."""
    counts: dict[tuple[str, str], int] = {}
    for layers in ds.language.values():
        for track in layers.tracks:
            key = (track.name, track.source)
            counts[key] = counts.get(key, 0) + len(track.rows)
    lines = []
    if counts:
        lines.append("annotations:")
        for (name, source), n in sorted(counts.items()):
            lines.append(f"  {name}: {n} row(s) in {len(ds.language)} episode(s), from {source}")
    tools = tools_summary(ds.info)
    if tools:
        lines.append("tools:")
        lines += [f"  {t}" for t in tools]
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        ds = open_dataset(args.path)
    except DatasetOpenError as exc:
        print(f"error: {exc}")
        return 2
    except Exception as exc:  # a bad dataset never gives a traceback
        print(f"error: cannot open {args.path}: {type(exc).__name__}: {exc}")
        return 2
    print("\n".join(describe(ds)))
    errors = sum(p.severity is Severity.ERROR for p in ds.problems)
    if errors:
        print(f"usable, with {errors} error(s): the affected episodes or cameras are skipped")
    return 0
