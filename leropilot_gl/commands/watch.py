"""`leropilot-gl watch PATH [--json]`: print each new episode as a recording adds it.

An episode is printed when LeRobot saves it ("new": index, length, task; its rows stay pending
until the recorder closes its files), and again when its rows can be read ("ready", with any
problems found). With --json, one JSON object per line. Stops on Ctrl+C, after --timeout
seconds, or once --count new episodes are readable.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "watch",
        help="print each new episode as a recording (lerobot-record) adds it to a dataset",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", help="dataset folder (it may still be empty of episodes)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--count", type=int, metavar="N", help="stop once N new episodes are readable")
    parser.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument(
        "--interval", type=float, default=0.5, metavar="S", help="poll every S seconds (default 0.5)"
    )
    parser.set_defaults(func=run)


def _text(event_json: dict) -> str:
    tasks = ", ".join(repr(t) for t in event_json["tasks"]) or "task unknown yet"
    length = f"{event_json['length']} frames" if event_json["length"] is not None else "length unknown yet"
    problems = "; ".join(event_json["problems"]) or "no problems"
    return f"episode {event_json['episode_index']} {event_json['event']}: {length}, {tasks}, {problems}"


def run(args: argparse.Namespace) -> int:
    from leropilot_gl.dataset import layout as L
    from leropilot_gl.dataset.open import open_dataset
    from leropilot_gl.dataset.watch import NEW, DatasetWatcher

    root = Path(args.path).expanduser()
    if not root.is_dir():
        print(f"error: {root} is not a folder: expected a LeRobot dataset folder")
        return 2
    if not (root / L.INFO_PATH).is_file():
        print(f"error: {root} has no {L.INFO_PATH}: start the recording first, or check the path")
        return 2
    if args.count is not None and args.count < 1:
        print("error: --count must be at least 1")
        return 2
    if args.interval <= 0:
        print("error: --interval must be more than 0 seconds")
        return 2
    try:
        index = open_dataset(root)
    except Exception:  # a recording that has not closed its first files yet: start from info.json
        index = None
    watcher = DatasetWatcher(root, index, interval_s=args.interval)
    known = len(watcher._known)  # noqa: SLF001  (what the watcher counts as already there)
    if args.json:
        print(json.dumps({"event": "watching", "dataset": str(watcher.root), "episodes": known}), flush=True)
    else:
        print(f"watching {watcher.root} ({known} episodes); Ctrl+C to stop", flush=True)
    watcher.start()
    started = time.monotonic()
    ready = 0
    try:
        while args.timeout is None or time.monotonic() - started < args.timeout:
            for event in watcher.drain():
                data = event.to_json()
                print(json.dumps(data) if args.json else _text(data), flush=True)
                if event.kind != NEW:
                    ready += 1
            if args.count is not None and ready >= args.count:
                break
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
    return 0
