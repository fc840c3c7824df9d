"""Entry point: `leropilot-gl [DATASET_PATH | REPO_ID ...]` opens the app; subcommands run headless."""

from __future__ import annotations

import argparse
import importlib
import sys

# Headless subcommands: each module in leropilot_gl/commands exposes `register(subparsers)`,
# which adds its parser and sets `func(args) -> int`. Modules must import lightly at top level.
# Command name -> module: a launch imports the one module it runs (the window none), never all.
COMMANDS = {
    "info": "info",
    "env": "env",
    "edit": "edit",
    "restore": "restore",
    "hub": "hub",
    "export-frames": "export_frames",
    "watch": "watch",
    "doctor": "doctor",
}
COMMAND_MODULES = tuple(COMMANDS.values())


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The subcommands' parser: all of them (for --help), or only the command `only`."""
    parser = argparse.ArgumentParser(
        prog="leropilot-gl",
        description="View, clean and train with LeRobot datasets. With no subcommand, opens the app.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"leropilot_gl.commands.{module}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        parser = build_parser(argv[0] if argv[0] in COMMANDS else None)
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
