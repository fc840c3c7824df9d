"""`leropilot-gl env ...`: the environment manager without a window (list, inspect, plan, create)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("env", help="manage LeRobot environments (uv, git cache, PyTorch)")
    parser.add_argument("--data-dir", help="data folder (default: $LEROPILOT_DATA_DIR or ~/.leropilot)")
    env_sub = parser.add_subparsers(dest="env_command", metavar="ACTION", required=True)

    env_sub.add_parser("list", help="environments and their status").set_defaults(func=run_list)

    inspect = env_sub.add_parser("inspect", help="fetch a repository and show what a ref needs")
    inspect.add_argument("repo", help='an alias from the settings ("official") or a git URL/path')
    inspect.add_argument("ref", nargs="?", help="branch, tag or commit (default: main or master)")
    inspect.add_argument("--python", help="Python version for the torch recommendation")
    inspect.set_defaults(func=run_inspect)

    for name, helptext, func in (
        ("plan", "print the install script", run_plan),
        ("create", "write the plan and run the install", run_create),
    ):
        p = env_sub.add_parser(name, help=helptext)
        p.add_argument("repo", help='an alias ("official") or a git URL/path')
        p.add_argument("--ref", help="branch, tag or commit (default: main or master)")
        p.add_argument("--name", required=True, help="environment name")
        p.add_argument("--python", help="Python version (default: recommended)")
        p.add_argument(
            "--torch",
            default="auto",
            help='"auto" (recommended for this machine), "cpu", "skip", or a torch version',
        )
        p.add_argument("--robots", default="", help="comma-separated extras, e.g. feetech,aloha")
        p.add_argument("--no-ffmpeg", action="store_true", help="do not copy FFmpeg into the environment")
        p.add_argument("--shell", choices=("bash", "powershell"), help="script language (default: this OS)")
        if name == "create":
            p.add_argument("--script", help="run this (edited) script instead of the generated one")
        p.set_defaults(func=func)

    delete = env_sub.add_parser("delete", help="remove an environment folder")
    delete.add_argument("env_id")
    delete.add_argument("--yes", action="store_true", help="confirm the removal")
    delete.set_defaults(func=run_delete)

    install = env_sub.add_parser("install", help="run (or retry) an environment's saved script")
    install.add_argument("env_id")
    install.set_defaults(func=run_install_again)


def _manager(args: argparse.Namespace):
    from leropilot_gl.envs import EnvManager, load_settings

    if args.data_dir:
        path = Path(args.data_dir).expanduser()
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise SystemExit(_fail(f"--data-dir {args.data_dir}: {blocker} is a file, not a folder"))
    return EnvManager(load_settings(args.data_dir))


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


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


def _inspect(manager, repo: str, ref: str | None):
    manager.fetch_repo(repo)
    return manager.inspect(repo, ref)


def run_inspect(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import (
        EnvError,
        InspectError,
        RepoError,
        detect_hardware,
        recommend_python,
        torch_options,
    )

    manager = _manager(args)
    try:
        ref, commit, info = _inspect(manager, args.repo, args.ref)
    except (RepoError, InspectError, EnvError, OSError) as exc:
        return _fail(str(exc))
    refs = manager.repos.refs(manager.resolve_repo_url(args.repo))
    table = manager.compat_table()
    python = args.python or recommend_python(info, table)
    hw = detect_hardware()
    print(f"repository: {manager.resolve_repo_url(args.repo)}")
    print(f"branches:   {', '.join(refs.branches)}")
    print(f"tags:       {', '.join(refs.tags) or '(none)'}")
    print(f"ref:        {ref} ({commit})")
    print(f"project:    {info.project_name} {info.version}")
    print(
        f"python:     {info.requires_python or 'any'} -> {', '.join(info.python_choices)} (recommended {python})"
    )
    pins = ", ".join(f"{k}{v}" for k, v in sorted(info.torch_constraints.items())) or "(none)"
    print(f"torch pins: {pins}")
    print(f"extras:     {', '.join(info.extras) or '(none)'}")
    print(f"hardware:   {hw.summary}")
    for option in torch_options(hw, info, python, table):
        mark = "*" if option.recommended else " "
        print(f"  {mark} {option.label:<32} {'; '.join(option.reasons)}")
    return 0


def _plan(args: argparse.Namespace):
    from leropilot_gl.envs import (
        EnvError,
        detect_hardware,
        recommend_python,
        recommended_option,
        torch_options,
    )

    manager = _manager(args)
    ref, commit, info = _inspect(manager, args.repo, args.ref)
    table = manager.compat_table()
    python = args.python or recommend_python(info, table)
    if python not in info.python_choices:
        raise EnvError(f"Python {python} is not allowed by requires-python {info.requires_python!r}")
    options = torch_options(detect_hardware(), info, python, table)
    if args.torch == "auto":
        torch = recommended_option(options)
    elif args.torch in ("cpu", "skip"):
        torch = next((o for o in options if o.build == args.torch), None)
    else:
        torch = next((o for o in options if o.torch_version == args.torch and o.fits_hardware), None)
    if torch is None:
        choices = ", ".join(sorted({o.torch_version for o in options if o.torch_version and o.fits_hardware}))
        raise EnvError(f"no torch choice {args.torch!r} for this machine (auto, cpu, skip, {choices})")
    robots = [r.strip() for r in args.robots.split(",") if r.strip()]
    config = manager.make_config(
        repo=args.repo,
        ref=ref,
        commit=commit,
        inspection=info,
        name=args.name,
        python_version=python,
        torch=torch,
        robots=robots,
        install_ffmpeg=not args.no_ffmpeg,
    )
    return manager, config, manager.generate_plan(config, shell=args.shell)


def run_plan(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import EnvError, InspectError, RepoError, UvNotFound

    try:
        _, _, script = _plan(args)
    except (RepoError, InspectError, EnvError, UvNotFound, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(script)
    return 0


def _run_install(manager, env_id: str) -> int:
    from leropilot_gl.jobs import JobRunner

    jobs = JobRunner()
    job = manager.start_install(jobs, env_id)
    printed = 0

    def print_new_lines() -> int:
        total = job.log_total  # read before the lines: never print one twice
        fresh = min(total - printed, len(job.log_lines()))
        for line in job.log_lines()[-fresh:] if fresh > 0 else []:
            print(line, flush=True)
        return total

    try:
        while not job.wait(0.2):
            printed = print_new_lines()
    except KeyboardInterrupt:
        job.cancel()
        job.wait()
    print_new_lines()
    record = manager.get(env_id)
    print(f"{env_id}: {record.status.status} ({record.status.message})")
    if record.status.status == "ready":
        print(f"activate with: {record.activate_command}")
        return 0
    print(f"log: {record.path / 'install.log'}; retry with `leropilot-gl env install {env_id}`")
    return 1


def run_create(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import EnvError, InspectError, RepoError, UvNotFound

    try:
        manager, config, script = _plan(args)
        if args.script:
            try:
                script = Path(args.script).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                return _fail(f"cannot read --script {args.script}: {getattr(exc, 'strerror', None) or exc}")
        manager.save_plan(config, script, shell=args.shell)
    except (RepoError, InspectError, EnvError, UvNotFound, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"environment {config.id} in {manager.env_dir(config.id)}")
    return _run_install(manager, config.id)


def run_install_again(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import EnvError

    manager = _manager(args)
    try:
        manager.get(args.env_id)
    except (EnvError, ValueError) as exc:
        return _fail(str(exc))
    return _run_install(manager, args.env_id)


def run_delete(args: argparse.Namespace) -> int:
    from leropilot_gl.envs import EnvError

    manager = _manager(args)
    try:
        record = manager.get(args.env_id)
        if not args.yes:
            return _fail(f"this removes {record.path} and everything in it; add --yes to confirm")
        manager.delete(args.env_id)
    except (EnvError, ValueError) as exc:
        return _fail(str(exc))
    print(f"removed {record.path}")
    return 0
