"""Entry point: `leropilot-gl [DATASET_PATH | REPO_ID ...]` opens the app; subcommands run headless."""

from __future__ import annotations

import argparse
import importlib
import sys

# Headless subcommands: each module in leropilot_gl/commands exposes `register(subparsers)`,
# which adds its parser and sets `func(args) -> int`. Modules must import lightly at top level.
COMMAND_MODULES = ("info", "env", "edit", "restore", "hub", "export_frames", "watch", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leropilot-gl",
        description="View, clean and train with LeRobot datasets. With no subcommand, opens the app.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"leropilot_gl.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known = set(parser._subparsers._group_actions[0].choices) if parser._subparsers else set()  # noqa: SLF001
    if argv and (argv[0] in known or argv[0] in ("-h", "--help")):
        args = parser.parse_args(argv)
        try:
            return int(args.func(args) or 0)
        except BrokenPipeError:  # output piped into `head` and the like
            return 0
    app_parser = argparse.ArgumentParser(prog="leropilot-gl", description="Open the leropilot-gl window.")
    app_parser.add_argument(
        "datasets", nargs="*", help="dataset folders or Hub repo ids (default: bundled sample)"
    )
    app_parser.add_argument(
        "--offscreen",
        metavar="PNG",
        help="render without a screen (EGL), save the window as PNG once the data is shown, and exit",
    )
    args = app_parser.parse_args(argv)
    from leropilot_gl.app import run_app

    return run_app(args.datasets, offscreen_png=args.offscreen)
