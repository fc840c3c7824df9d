"""`leropilot-gl env ...`: the environment manager without a window (list, inspect, plan, create,
install, change, settings, delete). Every failure is one line with the next step."""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import signal
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("env", help="manage LeRobot environments (uv, git cache, PyTorch)")
    parser.add_argument("--data-dir", help="data folder (default: $LEROPILOT_DATA_DIR or ~/.leropilot)")
    env_sub = parser.add_subparsers(dest="env_command", metavar="ACTION", required=True)

    env_sub.add_parser("list", help="environments and their status").set_defaults(func=_guard(run_list))

    inspect = env_sub.add_parser("inspect", help="fetch a repository and show what a ref needs")
    inspect.add_argument("repo", help='an alias from the settings ("official") or a git URL/path')
    inspect.add_argument("ref", nargs="?", help="branch, tag or commit (default: main or master)")
    inspect.add_argument("--python", help="Python version for the torch recommendation")
    inspect.add_argument("--offline", action="store_true", help="use the cached copy, do not fetch")
    inspect.set_defaults(func=_guard(run_inspect))

    for name, helptext, func in (
        ("plan", "check and print the install script", run_plan),
        ("create", "check and write the plan, then run the install", run_create),
    ):
        p = env_sub.add_parser(name, help=helptext)
        p.add_argument("repo", help='an alias ("official") or a git URL/path')
        p.add_argument("--ref", help="branch, tag or commit (default: main or master)")
        p.add_argument("--name", required=True, help="environment name")
        _plan_options(p)
        if name == "create":
            p.add_argument("--script", help="run this (edited) script instead of the generated one")
        p.set_defaults(func=_guard(func))

    change = env_sub.add_parser(
        "change", help="a new plan for an existing environment (ref, torch, extras), shown as a diff"
    )
    change.add_argument("env_id")
    change.add_argument("--ref", help="branch, tag or commit (default: the current one)")
    _plan_options(change, defaults_from_env=True)
    change.add_argument("--yes", action="store_true", help="write the new plan and install it")
    change.set_defaults(func=_guard(run_change))

    delete = env_sub.add_parser("delete", help="remove an environment folder")
    delete.add_argument("env_id")
    delete.add_argument("--yes", action="store_true", help="confirm the removal")
    delete.set_defaults(func=_guard(run_delete))

    install = env_sub.add_parser("install", help="run (or resume) an environment's saved script")
    install.add_argument("env_id")
    install.set_defaults(func=_guard(run_install_again))

    settings = env_sub.add_parser("settings", help="show or change the environment settings")
    settings_sub = settings.add_subparsers(dest="settings_command", metavar="SETTINGS_ACTION")
    settings.set_defaults(func=_guard(run_settings_show))
    settings_sub.add_parser("show", help="every setting and its value").set_defaults(
        func=_guard(run_settings_show)
    )
    set_p = settings_sub.add_parser("set", help="set one setting: KEY VALUE")
    set_p.add_argument("key")
    set_p.add_argument("value")
    set_p.set_defaults(func=_guard(run_settings_set))
    pip_p = settings_sub.add_parser("import-pip", help="offer pip's index settings, translated for uv")
    pip_p.add_argument("--yes", action="store_true", help="apply the suggestion")
    pip_p.set_defaults(func=_guard(run_settings_import_pip))


def _plan_options(p: argparse.ArgumentParser, *, defaults_from_env: bool = False) -> None:
    keep = " (default: the environment's current one)" if defaults_from_env else ""
    p.add_argument("--python", help="Python version (default: recommended)" + keep)
    p.add_argument(
        "--torch",
        default=None if defaults_from_env else "auto",
        help='"auto" (recommended for this machine), "cpu", "default" (the package index\'s own wheel), '
        '"skip", a torch version, or VERSION+BUILD such as 2.7.1+cu118' + keep,
    )
    p.add_argument(
        "--robots", default=None if defaults_from_env else "", help="comma-separated extras" + keep
    )
    p.add_argument(
        "--sources",
        choices=("auto", "on", "off"),
        default="auto",
        help="the project's [tool.uv.sources]: auto (used only when torch is skipped), on, off",
    )
    p.add_argument("--no-ffmpeg", action="store_true", help="do not copy FFmpeg into the environment")
    p.add_argument("--shell", choices=("bash", "powershell"), help="script language (default: this OS)")
    p.add_argument("--offline", action="store_true", help="use the cached repository, do not fetch")
    p.add_argument("--no-check", action="store_true", help="do not resolve the plan with uv first")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _guard(func):
    """Known failures print one line; anything unexpected too (with where to look), never a traceback."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        from leropilot_gl.envs import (
            CompatTableError,
            EnvError,
            InspectError,
            InstallError,
            PlanError,
            RepoError,
            UvNotFound,
        )

        try:
            return func(args)
        except (
            RepoError,
            InspectError,
            EnvError,
            PlanError,
            InstallError,
            UvNotFound,
            CompatTableError,
        ) as exc:
            return _fail(str(exc))
        except ValueError as exc:
            errors = getattr(exc, "errors", None)
            if callable(errors):  # a pydantic ValidationError: its first message, not the dump
                first = errors()[0]
                where = ".".join(str(p) for p in first.get("loc", ()))
                return _fail(f"{where}: {first['msg'].removeprefix('Value error, ')}")
            return _fail(str(exc))
        except OSError as exc:
            return _fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")
        except KeyboardInterrupt:
            return _fail("interrupted")

    return run


def _manager(args: argparse.Namespace):
    from leropilot_gl.envs import EnvManager, load_settings

    if args.data_dir:
        path = Path(args.data_dir).expanduser()
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise SystemExit(_fail(f"--data-dir {args.data_dir}: {blocker} is a file, not a folder"))
    return EnvManager(load_settings(args.data_dir))


def run_list(args: argparse.Namespace) -> int:
    records = _manager(args).list_envs()
    if not records:
        print("no environments")
    for r in records:
        torch = (
            f"torch {r.config.torch_version} ({r.config.torch_build})"
            if r.config.torch_version
            else "no torch"
        )
        print(
            f"{r.config.id}  {r.status.status:<11} {r.config.title!r}  python {r.config.python_version}  "
            f"{torch}  {r.config.ref}@{r.config.commit_hash[:10]}"
        )
        print(f"    {r.activate_command}")
    return 0


def _inspect(manager, repo: str, ref: str | None, *, offline: bool = False):
    note = manager.fetch_or_cached(repo, offline=offline)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return manager.inspect(repo, ref)


def _pythons(manager) -> dict[str, bool]:
    from leropilot_gl.envs.uvtool import available_pythons

    return available_pythons(downloads=manager.settings.python_downloads and not manager.settings.offline)


def run_inspect(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import detect_hardware, recommend_python, torch_options
    from leropilot_gl.envs.compat import order_pythons

    manager = _manager(args)
    ref, commit, info = _inspect(manager, args.repo, args.ref, offline=args.offline)
    refs = manager.repos.refs(manager.resolve_repo_url(args.repo))
    table = manager.compat_table()
    available = _pythons(manager)
    python = args.python or recommend_python(info, table, available)
    hw = detect_hardware()
    offered = ", ".join(f"{v} ({n})" if n else v for v, n in order_pythons(info.python_choices, available))
    print(f"repository: {manager.resolve_repo_url(args.repo)}")
    print(f"branches:   {', '.join(refs.branches)}")
    print(f"tags:       {', '.join(refs.tags) or '(none)'}")
    print(f"ref:        {ref} ({commit})")
    print(f"project:    {info.project_name} {info.version}")
    print(
        f"python:     {info.requires_python or 'any'} -> {', '.join(info.python_choices)} (recommended {python})"
    )
    print(f"uv offers:  {offered or '(none of these)'}")
    pins = ", ".join(f"{k}{v}" for k, v in sorted(info.torch_constraints.items())) or "(none)"
    print(f"torch pins: {pins}")
    print(f"uv sources: {', '.join(info.uv_sources) or '(none)'}")
    print(f"extras:     {', '.join(info.extras) or '(none)'}")
    print(f"hardware:   {hw.summary}")
    for option in torch_options(hw, info, python, table):
        mark = "*" if option.recommended else " "
        print(f"  {mark} {option.label:<32} {'; '.join(option.reasons)}")
    return 0


def _choose_torch(options, wanted: str):
    """The option the --torch text names; EnvError lists the choices when none matches."""
    from leropilot_gl.envs import EnvError, recommended_option

    if wanted == "auto":
        torch = recommended_option(options)
    elif wanted in ("cpu", "skip", "default"):
        torch = next((o for o in options if o.build == wanted), None)
    elif "+" in wanted:
        torch = next((o for o in options if o.spec == wanted and o.fits_hardware), None)
        if torch is None:
            version, _, build = wanted.partition("+")
            base = next((o for o in options if o.torch_version == version), None)
            if base is not None and build:
                from dataclasses import replace

                torch = replace(base, build=build, fits_hardware=True, recommended=False)
    else:
        torch = next((o for o in options if o.torch_version == wanted and o.fits_hardware), None)
    if torch is None:
        choices = ", ".join(o.spec for o in options if o.fits_hardware)
        raise EnvError(f"no torch choice {wanted!r} for this machine; choose one of: auto, {choices}")
    return torch


def _build_config(manager, args: argparse.Namespace, *, repo: str, ref, name: str, base=None):
    """(config, check note) for the options given; `base` is the environment being changed."""
    from leropilot_gl.envs import EnvError, detect_hardware, recommend_python, torch_options

    ref_name, commit, info = _inspect(manager, repo, ref, offline=args.offline)
    table = manager.compat_table()
    python = args.python or (base.python_version if base else None)
    if python is None:
        python = recommend_python(info, table, _pythons(manager))
    if python not in info.python_choices:
        raise EnvError(
            f"Python {python} is not allowed by requires-python {info.requires_python!r}; "
            f"choose one of {', '.join(info.python_choices)} with --python"
        )
    options = torch_options(detect_hardware(), info, python, table)
    wanted = args.torch
    if wanted is None:  # change: keep the current build
        wanted = "skip" if base.torch_build == "skip" else f"{base.torch_version}+{base.torch_build}"
    torch = _choose_torch(options, wanted)
    robots_text = args.robots if args.robots is not None else ",".join(base.selected_robots)
    robots = [r.strip() for r in robots_text.split(",") if r.strip()]
    config = manager.make_config(
        repo=repo,
        ref=ref_name,
        commit=commit,
        inspection=info,
        name=name,
        python_version=python,
        torch=torch,
        robots=robots,
        install_ffmpeg=not args.no_ffmpeg,
    )
    sources = {"auto": None, "on": True, "off": False}[args.sources]
    config = config.model_copy(update={"use_sources": sources})
    if base is not None:
        config = config.model_copy(
            update={"id": base.id, "created_at": base.created_at, "display_name": base.display_name}
        )
    note = "plan not checked (--no-check)" if args.no_check else manager.check_plan(config)
    return config, note


def run_plan(args: argparse.Namespace) -> int:
    manager = _manager(args)
    config, note = _build_config(manager, args, repo=args.repo, ref=args.ref, name=args.name)
    print(note, file=sys.stderr)
    print(manager.generate_plan(config, shell=args.shell))
    return 0


class _CliInstall:
    """What run_install reports to: lines to stdout; Ctrl+C (SIGINT), SIGTERM and SIGHUP only set
    a flag, so the installer itself stops the script's process group and writes the log footer."""

    def __init__(self) -> None:
        self.cancelled = False

    def progress(self, fraction, text: str = "") -> None:
        pass

    def log(self, line: str) -> None:
        print(line, flush=True)

    def check_cancelled(self) -> None:
        pass

    def _on_signal(self, signum, frame) -> None:
        if not self.cancelled:
            print("stopping the install (its whole process group)...", file=sys.stderr, flush=True)
        self.cancelled = True


def _run_install(manager, env_id: str) -> int:
    from leropilot_gl.envs import InstallError
    from leropilot_gl.jobs import JobCancelled

    ctx = _CliInstall()
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, ctx._on_signal) for s in wanted}
    failure = ""
    try:
        manager.install(env_id, ctx)
    except JobCancelled:
        pass
    except InstallError as exc:
        failure = str(exc)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    record = manager.get(env_id)
    if failure and record.status.status not in ("failed", "cancelled"):
        return _fail(failure)  # refused before it started (another install runs)
    print(f"{env_id}: {record.status.status} ({record.status.message})")
    if record.status.status == "ready":
        print(f"activate with: {record.activate_command}")
        return 0
    print(
        f"log: {record.path / 'install.log'}; resume with `leropilot-gl env install {env_id}`",
        file=sys.stderr,
    )
    return 130 if record.status.status == "cancelled" else 1


def run_create(args: argparse.Namespace) -> int:
    manager = _manager(args)
    config, note = _build_config(manager, args, repo=args.repo, ref=args.ref, name=args.name)
    print(note)
    script = manager.generate_plan(config, shell=args.shell)
    if args.script:
        try:
            script = Path(args.script).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return _fail(f"cannot read --script {args.script}: {getattr(exc, 'strerror', None) or exc}")
    manager.save_plan(config, script, shell=args.shell)
    print(f"environment {config.id} in {manager.env_dir(config.id)}", flush=True)
    return _run_install(manager, config.id)


def run_change(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import EnvError
    from leropilot_gl.envs.installer import install_running, script_name

    manager = _manager(args)
    record = manager.get(args.env_id)
    if install_running(record.path):
        raise EnvError(f"{args.env_id} is installing: wait for it or cancel it first")
    old = record.config
    config, note = _build_config(
        manager, args, repo=old.repo_url, ref=args.ref or old.ref, name=old.name, base=old
    )
    print(note)
    shell = args.shell or ("powershell" if (record.path / "install.ps1").is_file() else "bash")
    old_script_path = record.path / script_name(shell)
    old_script = old_script_path.read_text(encoding="utf-8") if old_script_path.is_file() else ""
    new_script = manager.generate_plan(config, shell=shell)
    old_json = json.dumps(json.loads(old.model_dump_json()), indent=2).splitlines()
    new_json = json.dumps(json.loads(config.model_dump_json()), indent=2).splitlines()
    diff = list(
        difflib.unified_diff(old_json, new_json, "config.json (now)", "config.json (new)", lineterm="")
    )
    diff += list(
        difflib.unified_diff(
            old_script.splitlines(),
            new_script.splitlines(),
            f"{old_script_path.name} (now)",
            f"{old_script_path.name} (new)",
            lineterm="",
        )
    )
    if not diff:
        print("no change: the new plan is the current one")
        return 0
    print("\n".join(diff))
    if not args.yes:
        print(f"add --yes to write this plan and install it into {record.path}", file=sys.stderr)
        return 0
    manager.save_plan(config, new_script, shell=shell)
    return _run_install(manager, config.id)


def run_install_again(args: argparse.Namespace) -> int:
    manager = _manager(args)
    manager.get(args.env_id)
    return _run_install(manager, args.env_id)


def run_delete(args: argparse.Namespace) -> int:
    manager = _manager(args)
    record = manager.get(args.env_id)
    if not args.yes:
        return _fail(f"this removes {record.path} and everything in it; add --yes to confirm")
    manager.delete(args.env_id)
    print(f"removed {record.path}")
    return 0


def run_settings_show(args: argparse.Namespace) -> int:
    from leropilot_gl.envs.settings import SETTABLE_KEYS, setting_values

    manager = _manager(args)
    print(f"data_dir = {manager.settings.data_dir}  (choose with --data-dir or LEROPILOT_DATA_DIR)")
    for key, value in setting_values(manager.settings).items():
        print(f"{key} = {value}")
        print(f"    {SETTABLE_KEYS[key]}")
    return 0


def run_settings_set(args: argparse.Namespace) -> int:
    from leropilot_gl.envs.settings import canonical_key, set_setting, setting_values

    manager = _manager(args)
    updated = set_setting(manager.settings, args.key, args.value)
    path = updated.save()
    key = canonical_key(args.key)  # hf_endpoint is the older name of hub_endpoint
    print(f"{key} = {setting_values(updated)[key]}  (saved in {path})")
    return 0


def run_settings_import_pip(args: argparse.Namespace) -> int:
    from leropilot_gl.envs.settings import pip_suggestion

    manager = _manager(args)
    wanted = pip_suggestion(manager.settings)
    if not wanted:
        print("pip's configuration has nothing the settings lack")
        return 0
    for key, value in wanted.items():
        print(f"{key} = {' '.join(value) if isinstance(value, list) else value}")
    if "index_strategy" in wanted:
        print("(pip takes the best version across all its indexes; uv does the same with this strategy)")
    if not args.yes:
        print("add --yes to use these settings", file=sys.stderr)
        return 0
    updated = manager.settings.model_copy(update=wanted)
    print(f"saved in {updated.save()}")
    return 0
