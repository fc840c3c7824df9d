"""The environment manager: the one object the wizard, the list panel and the CLI talk to."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from leropilot_gl.envs import ffmpeg
from leropilot_gl.envs.compat import CompatTable, TorchOption, load_table
from leropilot_gl.envs.inspector import RepoInspection, inspect_pyproject
from leropilot_gl.envs.installer import (
    CONFIG_FILE,
    InstallStatus,
    default_shell,
    read_status,
    run_install,
    script_name,
    write_status,
)
from leropilot_gl.envs.plan import (
    EnvironmentConfig,
    PlanError,
    PlanInputs,
    _index_args,
    _sources_args,
    _strategy_args,
    _torch_index,
    _torch_requirements,
    bash_quote,
    generate_script,
    new_env_id,
    powershell_quote,
    torch_constraints,
)
from leropilot_gl.envs.repos import RepoCache, RepoError, _looks_remote
from leropilot_gl.envs.settings import Settings, check_git
from leropilot_gl.envs.uvtool import find_uv
from leropilot_gl.jobs import Job, JobContext, JobRunner


class EnvError(RuntimeError):
    pass


@dataclass(frozen=True)
class EnvironmentRecord:
    config: EnvironmentConfig
    path: Path
    status: InstallStatus

    @property
    def activate_command(self) -> str:
        return activate_command(self.path)


def activate_command(env_dir: Path, *, shell: str | None = None) -> str:
    """What the user types to enter the environment, quoted for that shell (pure: no disk access)."""
    shell = shell or ("powershell" if platform.system() == "Windows" else "bash")
    if shell == "powershell":
        return "& " + powershell_quote(str(env_dir / ".venv" / "Scripts" / "Activate.ps1"))
    return "source " + bash_quote(str(env_dir / ".venv" / "bin" / "activate"))


_ENV_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _one_line(text: str, limit: int = 600) -> str:
    return re.sub(r"\s+", " ", text).strip()[:limit]


def uv_failure_reason(stderr: str) -> str:
    """uv's error as one line: the resolver's explanation when there is one, else its last causes."""
    lines = [re.sub(r"^[\s×╰─▶│|]+", "", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("warning:", "hint:"))]
    for i, line in enumerate(lines):
        if "No solution found" in line:
            rest = [x.removeprefix("cause:").strip() for x in lines[i + 1 :] if x]
            return _one_line(" ".join(rest) or line)
    causes = [x.removeprefix("error:").removeprefix("cause:").strip() for x in lines]
    if not causes:
        return "uv failed without a message"
    # the URL that failed names the index to fix; then the innermost cause says why
    fetch = next((c for c in causes if "://" in c), "")
    picked = [fetch, causes[-1]] if fetch and fetch != causes[-1] else causes[-2:]
    return _one_line(": ".join(picked))


_NETWORK_WORDS = (
    "error sending request",
    "failed to fetch",
    "dns error",
    "connection refused",
    "tcp connect",
)


class EnvManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.repos = RepoCache(settings.cache_dir / "repos")
        self._table: CompatTable | None = None

    # ---- source ---------------------------------------------------------------------------
    def resolve_repo_url(self, repo: str) -> str:
        """An alias from the settings ("official"), a URL as given, or a local path made absolute
        (one cache per repository, and scripts that work from any folder)."""
        url = self.settings.repositories.get(repo, repo).strip()
        if url and not _looks_remote(url) and not url.startswith("file:"):
            return os.path.abspath(os.path.expanduser(url))
        return url

    def fetch_or_cached(self, repo: str, ctx: JobContext | None = None, *, offline: bool = False) -> str:
        """Fetch; when the source is unreachable but a cached copy exists, use it and say so.

        Returns "" after a fetch, else the note to show (the cached copy is being used)."""
        url = self.resolve_repo_url(repo)
        if (offline or self.settings.offline) and self.repos.has_mirror(url):
            return f"offline: using the cached copy of {url}"
        try:
            self.fetch_repo(repo, ctx)
        except RepoError as exc:
            if not self.repos.has_mirror(url) or "cancelled" in str(exc):
                raise
            return f"could not reach {url} ({exc}); using the cached copy"
        return ""

    def fetch_repo(self, repo: str, ctx: JobContext | None = None) -> Path:
        url = self.resolve_repo_url(repo)
        return self.repos.fetch(
            url,
            fetch_url=self.settings.mirrored_url(url),
            timeout_s=self.settings.network_timeout_s,
            proxy=self.settings.proxies.https or self.settings.proxies.http or None,
            cancelled=(lambda: ctx.cancelled) if ctx else None,
            progress=(lambda f, t: ctx.progress(f, t)) if ctx else None,
        )

    def inspect(self, repo: str, ref: str | None) -> tuple[str, str, RepoInspection]:
        """(ref, commit, inspection) of pyproject.toml at ref; the repo must be fetched already."""
        url = self.resolve_repo_url(repo)
        ref_name, commit = self.repos.resolve(url, ref)
        return ref_name, commit, inspect_pyproject(self.repos.read_file(url, commit, "pyproject.toml"))

    def compat_table(self) -> CompatTable:
        """Read once (refreshed copy or bundled), then kept: the wizard asks for it on every change."""
        if self._table is None:
            self._table = load_table(self.settings.cache_dir)
        return self._table

    def set_compat_table(self, table: CompatTable) -> None:
        self._table = table

    # ---- plans and installs -----------------------------------------------------------------
    def make_config(
        self,
        *,
        repo: str,
        ref: str,
        commit: str,
        inspection: RepoInspection,
        name: str,
        python_version: str,
        torch: TorchOption,
        robots: list[str],
        install_ffmpeg: bool = True,
    ) -> EnvironmentConfig:
        """The config for the wizard's (or the CLI's) choices; unknown extras are refused."""
        unknown = sorted(set(robots) - set(inspection.extras))
        if unknown:
            raise EnvError(
                f"{', '.join(unknown)} not among this version's extras: {', '.join(inspection.extras)}"
            )
        if not name.strip():
            raise EnvError("give the environment a name")
        return EnvironmentConfig(
            id=new_env_id(name),
            name=name.strip(),
            display_name=name.strip(),
            repo_url=self.resolve_repo_url(repo),
            ref=ref,
            commit_hash=commit,
            python_version=python_version,
            torch_version=torch.torch_version,
            torch_build=torch.build,
            torchvision_version=torch.torchvision,
            torchcodec_version=torch.torchcodec,
            cuda_version=torch.cuda_version,
            rocm_version=torch.rocm_version,
            selected_robots=robots,
            project_name=inspection.project_name,
            install_ffmpeg=install_ffmpeg,
        )

    def env_dir(self, env_id: str) -> Path:
        if not _ENV_ID_RE.match(env_id or ""):
            raise EnvError(f"{env_id!r} is not an environment id (see `leropilot-gl env list`)")
        return self.settings.envs_dir / env_id

    # ---- the plan check ---------------------------------------------------------------------
    def check_plan(self, config: EnvironmentConfig, *, timeout_s: float | None = None) -> str:
        """Resolve the plan with `uv pip compile` before anything is written or installed.

        uv's cache is tried first (offline); the configured indexes only when the cache cannot
        answer. Returns a one-line note; raises PlanError naming the conflict when the plan cannot
        install, or when no index could be reached to tell.
        """
        url = self.resolve_repo_url(config.repo_url)
        text = self.repos.read_file(url, config.commit_hash or config.ref, "pyproject.toml")
        timeout_s = timeout_s or max(120.0, self.settings.network_timeout_s * 4)
        with tempfile.TemporaryDirectory(prefix="leropilot-check-") as tmp:
            root = Path(tmp)
            project = root / "project"
            project.mkdir()
            (project / "pyproject.toml").write_text(text, encoding="utf-8")
            inputs = [str(project / "pyproject.toml")]
            reqs = _torch_requirements(config)
            if reqs:
                (root / "torch.in").write_text("\n".join(reqs) + "\n", encoding="utf-8")
                inputs.append(str(root / "torch.in"))
            constraints = torch_constraints(config)
            cmd = [str(find_uv()), "pip", "compile", *inputs, "--python-version", config.python_version]
            cmd += ["--no-header", "--no-annotate", "--quiet", "--color", "never"]
            if constraints:
                (root / "constraints.txt").write_text("\n".join(constraints) + "\n", encoding="utf-8")
                cmd += ["--constraints", str(root / "constraints.txt")]
            for extra in config.selected_robots:
                cmd += ["--extra", extra]
            cmd += [a for a in _index_args(self.settings) if a != "--offline"]
            torch_index = _torch_index(config, self.settings) if reqs else ""
            if torch_index:
                cmd += ["--extra-index-url", torch_index, "--index-strategy", "unsafe-best-match"]
            else:
                cmd += _strategy_args(self.settings)
            cmd += _sources_args(config)
            env = {
                **os.environ,
                "NO_COLOR": "1",
                "UV_HTTP_TIMEOUT": str(int(self.settings.network_timeout_s)),
            }
            env.pop("VIRTUAL_ENV", None)
            attempts = [True] if self.settings.offline else [True, False]
            reason = ""
            for offline in attempts:
                try:
                    out = subprocess.run(
                        cmd + (["--offline"] if offline else []),
                        capture_output=True,
                        text=True,
                        timeout=timeout_s,
                        env=env,
                        cwd=root,
                    )
                except subprocess.TimeoutExpired:
                    raise PlanError(
                        f"checking the plan with uv took over {timeout_s:.0f} s; try again"
                    ) from None
                except OSError as exc:
                    raise PlanError(f"cannot run uv to check the plan: {exc}") from exc
                if out.returncode == 0:
                    count = sum(1 for line in out.stdout.splitlines() if "==" in line)
                    where = "uv's cache" if offline else "the package indexes"
                    return f"plan checked: {count} packages resolve from {where}; {config.sources_note}"
                reason = uv_failure_reason(out.stderr)
            lowered = reason.lower()
            if any(word in lowered for word in _NETWORK_WORDS) or "network was disabled" in out.stderr:
                raise PlanError(
                    f"cannot check the plan: the package indexes are unreachable ({reason}); "
                    "check the index URLs and proxies in the settings"
                )
            raise PlanError(f"this plan cannot install: {reason}")

    def plan_inputs(self, config: EnvironmentConfig) -> PlanInputs:
        git = check_git(self.settings.git_path)
        if not git.ok:
            raise EnvError(git.error)
        url = self.resolve_repo_url(config.repo_url)
        cached = ffmpeg.find_cached(self.settings.cache_dir, config.ffmpeg_version or ffmpeg.DEFAULT_VERSION)
        return PlanInputs(
            env_dir=self.env_dir(config.id).resolve(),
            repo_cache=self.repos.mirror_path(url).resolve(),
            git=str(git.path),
            uv=str(find_uv()),
            ffmpeg_source=str(cached) if cached else "",
            ffmpeg_cache_hint=str(
                ffmpeg.cache_slot(self.settings.cache_dir, config.ffmpeg_version or ffmpeg.DEFAULT_VERSION)
            ),
        )

    def ensure_ffmpeg(self, version: str = ffmpeg.DEFAULT_VERSION) -> Path | None:
        """Fill the FFmpeg cache slot: kept if present (e.g. placed by the user), else the
        imageio-ffmpeg wheel's binary (offline), else a download from settings.ffmpeg_url."""
        cache = self.settings.cache_dir
        found = ffmpeg.ensure_cached(cache, version)
        if found is None and self.settings.ffmpeg_url:
            found = ffmpeg.download(
                self.settings.ffmpeg_url, cache, version, timeout_s=self.settings.network_timeout_s
            )
        return found

    def generate_plan(self, config: EnvironmentConfig, *, shell: str | None = None) -> str:
        if config.install_ffmpeg:
            self.ensure_ffmpeg(config.ffmpeg_version or ffmpeg.DEFAULT_VERSION)
        return generate_script(
            config, self.settings, self.plan_inputs(config), shell=shell or default_shell()
        )

    def save_plan(self, config: EnvironmentConfig, script: str, *, shell: str | None = None) -> Path:
        """Write config.json and the (possibly user-edited) script; status becomes "planned"."""
        shell = shell or default_shell()
        env_dir = self.env_dir(config.id)
        if (env_dir / CONFIG_FILE).is_file():
            existing = EnvironmentConfig.model_validate_json(
                (env_dir / CONFIG_FILE).read_text(encoding="utf-8")
            )
            if existing.created_at != config.created_at:
                raise EnvError(f"an environment with id {config.id} already exists")
        env_dir.mkdir(parents=True, exist_ok=True)
        (env_dir / CONFIG_FILE).write_text(config.model_dump_json(indent=2), encoding="utf-8")
        path = env_dir / script_name(shell)
        path.write_text(script, encoding="utf-8", newline="\n" if shell == "bash" else "\r\n")
        write_status(env_dir, InstallStatus("planned", "ready to install", updated_at=time.time()))
        return path

    def install(
        self, env_id: str, ctx: JobContext | None = None, *, shell: str | None = None
    ) -> InstallStatus:
        return run_install(self.env_dir(env_id), ctx, shell=shell)

    def start_install(
        self,
        jobs: JobRunner,
        env_id: str,
        *,
        config: EnvironmentConfig | None = None,
        script: str | None = None,
    ) -> Job | None:
        """The install as a background job named env-install:<id> (None while one runs).

        With config and script, the job first writes them (off the UI thread), then installs.
        """

        def install(ctx: JobContext) -> InstallStatus:
            if config is not None and script is not None:
                self.save_plan(config, script)
            return self.install(env_id, ctx)

        return jobs.start(f"env-install:{env_id}", f"Install {env_id}", install)

    # ---- the list ---------------------------------------------------------------------------
    def get(self, env_id: str) -> EnvironmentRecord:
        env_dir = self.env_dir(env_id)
        try:
            config = EnvironmentConfig.model_validate_json(
                (env_dir / CONFIG_FILE).read_text(encoding="utf-8")
            )
        except (OSError, ValueError) as exc:
            raise EnvError(f"{env_dir} has no readable {CONFIG_FILE}: {exc}") from exc
        return EnvironmentRecord(config, env_dir, read_status(env_dir))

    def list_envs(self) -> list[EnvironmentRecord]:
        """Every environment with a readable config, oldest first."""
        records = []
        root = self.settings.envs_dir
        for child in sorted(root.iterdir()) if root.is_dir() else []:
            if (child / CONFIG_FILE).is_file():
                try:
                    records.append(self.get(child.name))
                except (EnvError, ValueError):
                    continue
        return sorted(records, key=lambda r: r.config.created_at)

    def delete(self, env_id: str, jobs: JobRunner | None = None) -> None:
        """Remove an environment folder (the caller has asked the user to confirm)."""
        if jobs is not None and jobs.is_running(f"env-install:{env_id}"):
            raise EnvError("this environment is installing: cancel the install first")
        env_dir = self.env_dir(env_id)
        if read_status(env_dir).status == "installing":
            raise EnvError("this environment is installing: cancel the install first")
        if not (env_dir / CONFIG_FILE).is_file():
            raise EnvError(f"{env_dir} is not an environment made by leropilot-gl; not removed")
        shutil.rmtree(env_dir)

    def describe(self, env_id: str) -> dict:
        record = self.get(env_id)
        return {
            "config": json.loads(record.config.model_dump_json()),
            "status": record.status.__dict__,
            "path": str(record.path),
            "activate": record.activate_command,
        }
