"""The environment panels' state and actions, without imgui: the wizard, the list, the settings.

Everything slow (git, uv, subprocess checks, disk) runs on the app's executor or as a job; the
panels call these methods and `poll()` collects results once per frame, never waiting.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leropilot_gl.jobs import Job, JobRunner, pop_finished

if TYPE_CHECKING:  # the modules load with the panels' first action (pydantic, pygit2: ~0.2 s)
    from leropilot_gl.envs.compat import TorchOption
    from leropilot_gl.envs.hardware import HardwareInfo
    from leropilot_gl.envs.inspector import RepoInspection
    from leropilot_gl.envs.manager import EnvironmentRecord, EnvManager
    from leropilot_gl.envs.plan import EnvironmentConfig
    from leropilot_gl.envs.repos import RepoRefs
    from leropilot_gl.envs.settings import Settings, ToolCheck

_FAILURE_TEXT = {
    "load": "Cannot read the settings",
    "checks": "Cannot check the tools",
    "inspect": "Cannot use that ref",
    "hardware": "Hardware detection failed",
    "plan": "Cannot write the install plan",
    "pythons": "Cannot list the Pythons uv offers",
    "list": "Cannot list the environments",
    "delete": "Not deleted",
    "save-settings": "Settings not saved",
    "compat": "Compatibility table not refreshed",
}
STEPS = ("Source", "Python & PyTorch", "Robots", "Review", "Install")
FETCH_JOB = "env-fetch"


@dataclass
class WizardDraft:
    """The choices being made; reset when a new wizard starts."""

    step: int = 0
    repo: str = "official"  # an alias from the settings, or "custom"
    custom_url: str = ""
    refs: RepoRefs | None = None
    ref: str = ""
    typed_ref: str = ""  # a commit or ref typed instead of picked
    commit: str = ""
    inspection: RepoInspection | None = None
    python_version: str = ""
    recommended_python: str = ""
    options: list[TorchOption] = field(default_factory=list)
    torch_index: int = 0
    torch_user_chosen: bool = False  # the user picked an option (not just the recommendation)
    robots: set[str] = field(default_factory=set)
    name: str = "lerobot"
    install_ffmpeg: bool = True
    config: EnvironmentConfig | None = None
    script: str = ""
    script_edited: bool = False
    env_id: str | None = None  # set once the install started
    source_note: str = ""  # e.g. "could not reach ...; using the cached copy"
    check_note: str = ""  # what the uv check of the plan said

    @property
    def repo_target(self) -> str:
        return self.custom_url.strip() if self.repo == "custom" else self.repo

    @property
    def torch_choice(self) -> TorchOption | None:
        return self.options[self.torch_index] if 0 <= self.torch_index < len(self.options) else None


@dataclass
class EnvManagerState:
    data_dir: Path | None = None  # None: $LEROPILOT_DATA_DIR or ~/.leropilot, read when first shown
    settings: Settings | None = None
    # The app's own settings (the one model, already loaded): used instead of reading the file again,
    # so a mirror set here is the one the Hub code uses.
    app_settings: Settings | None = None
    manager: EnvManager | None = None
    first_run: bool = True
    welcome_done: bool = False
    checks: dict[str, ToolCheck] = field(default_factory=dict)
    hardware: HardwareInfo | None = None
    pythons: dict[str, bool] | None = None  # uv's view: {"3.11": True installed, "3.10": False}
    draft: WizardDraft = field(default_factory=WizardDraft)
    records: list[EnvironmentRecord] = field(default_factory=list)
    error: str = ""
    confirm_delete: str | None = None
    settings_message: str = ""
    list_refreshed_at: float = 0.0
    text_buffers: dict[str, str] = field(default_factory=dict)  # settings fields being typed
    pending: dict[str, Future] = field(default_factory=dict)

    # ---- loading and checks -------------------------------------------------------------------
    def _load(self) -> tuple[Settings, EnvManager, bool]:
        from leropilot_gl.envs.manager import EnvManager
        from leropilot_gl.envs.settings import is_first_run, load_settings

        settings = self.app_settings if self.app_settings is not None else load_settings(self.data_dir)
        manager = EnvManager(settings)
        manager.compat_table()  # read the table here, off the UI thread
        return settings, manager, is_first_run(settings.data_dir)

    def ensure_loaded(self) -> None:
        """For scripts and tests: load the settings now (panels use load_async)."""
        if self.settings is None:
            self._apply("load", self._load(), None)

    def load_async(self, executor: Executor) -> bool:
        """True once the settings are loaded; the first call starts reading them in the background."""
        if self.settings is None:
            self._submit(executor, "load", self._load)
        return self.settings is not None

    @property
    def busy(self) -> bool:
        return bool(self.pending)

    def _submit(self, executor: Executor, key: str, fn, *args: Any, **kwargs: Any) -> None:
        if key not in self.pending:  # one at a time per kind: repeat clicks are ignored
            self.pending[key] = executor.submit(fn, *args, **kwargs)

    def start_checks(self, executor: Executor) -> None:
        assert self.settings is not None
        settings = self.settings

        def run_checks() -> dict[str, ToolCheck]:
            from leropilot_gl.envs.settings import check_data_dir, check_git
            from leropilot_gl.envs.uvtool import check_uv

            return {
                "data": check_data_dir(settings.data_dir),
                "git": check_git(settings.git_path),
                "uv": check_uv(),
            }

        self._submit(executor, "checks", run_checks)

    @property
    def git_ok(self) -> bool:
        return "git" in self.checks and self.checks["git"].ok

    @property
    def can_continue_welcome(self) -> bool:
        return all(k in self.checks and self.checks[k].ok for k in ("data", "git", "uv"))

    def finish_welcome(self, executor: Executor) -> None:
        """The welcome panel's Continue: save the settings, which marks the first run done."""
        assert self.settings is not None
        if not self.can_continue_welcome:
            return
        self.save_settings(executor)
        self.first_run, self.welcome_done = False, True

    def save_settings(self, executor: Executor) -> None:
        assert self.settings is not None
        self.settings.environments_set_up = True  # the window's own save at exit keeps this
        settings = self.settings.copy()
        self.pending.pop("save-settings", None)  # the newest values win
        self._submit(executor, "save-settings", settings.save)
        from leropilot_gl.envs.manager import EnvManager

        table = self.manager.compat_table() if self.manager else None
        self.manager = EnvManager(self.settings)
        if table is not None:
            self.manager.set_compat_table(table)

    def refresh_compat_table(self, executor: Executor) -> None:
        from leropilot_gl.envs.compat import refresh_table

        assert self.settings is not None
        settings = self.settings
        self._submit(
            executor,
            "compat",
            refresh_table,
            settings.compat_table_url,
            settings.cache_dir,
            timeout_s=settings.network_timeout_s,
        )

    # ---- wizard: source -----------------------------------------------------------------------
    def start_fetch(self, jobs: JobRunner) -> Job | None:
        assert self.manager is not None
        target = self.draft.repo_target
        if not target:
            self.error = "enter a repository URL"
            return None
        manager = self.manager
        self.error = ""

        def fetch(ctx) -> tuple[RepoRefs, str, str, RepoInspection]:
            note = manager.fetch_or_cached(target, ctx)
            if note:
                ctx.log(note)
            refs = manager.repos.refs(manager.resolve_repo_url(target))
            ref, commit, inspection = manager.inspect(
                target, None if not refs.default_branch else refs.default_branch
            )
            self.draft.source_note = note
            return refs, ref, commit, inspection

        self.draft.refs, self.draft.inspection = None, None
        return jobs.start(FETCH_JOB, f"Fetch {target}", fetch, reports_own_errors=True)  # shown in the wizard

    def select_ref(self, ref: str, executor: Executor) -> None:
        assert self.manager is not None
        self.draft.ref = ref
        self.draft.inspection = None
        self.error = ""  # a new choice: the last one's error no longer applies
        self.pending.pop("inspect", None)
        self._submit(executor, "inspect", self.manager.inspect, self.draft.repo_target, ref)

    def detect(self, executor: Executor) -> None:
        from leropilot_gl.envs.hardware import detect_hardware
        from leropilot_gl.envs.uvtool import available_pythons

        if self.hardware is None:
            self._submit(executor, "hardware", detect_hardware)
        if self.pythons is None and self.settings is not None:
            downloads = self.settings.python_downloads and not self.settings.offline
            self._submit(executor, "pythons", available_pythons, downloads=downloads)

    # ---- wizard: python and torch ---------------------------------------------------------------
    def set_python(self, version: str) -> None:
        self.draft.python_version = version
        self.refresh_options()

    def refresh_options(self) -> None:
        """Recompute the torch choices (pure: the table is small) and select the recommended one."""
        if self.manager is None or self.hardware is None or self.draft.inspection is None:
            return
        from leropilot_gl.envs.compat import recommend_python, torch_options

        table = self.manager.compat_table()
        self.draft.recommended_python = recommend_python(self.draft.inspection, table, self.pythons)
        if (
            not self.draft.python_version
            or self.draft.python_version not in self.draft.inspection.python_choices
        ):
            self.draft.python_version = self.draft.recommended_python
        chosen = self.draft.torch_choice
        self.draft.options = torch_options(
            self.hardware, self.draft.inspection, self.draft.python_version, table
        )
        # keep the user's choice when it is still offered (late news, e.g. uv's Python list)
        keep = next(
            (i for i, o in enumerate(self.draft.options) if chosen is not None and o.spec == chosen.spec),
            None,
        )
        self.draft.torch_index = (
            keep
            if keep is not None and self.draft.torch_user_chosen
            else next((i for i, o in enumerate(self.draft.options) if o.recommended), 0)
        )

    # ---- wizard: review and install ---------------------------------------------------------------
    def make_plan(self, executor: Executor) -> None:
        assert self.manager is not None
        draft, manager = self.draft, self.manager
        if draft.inspection is None or draft.torch_choice is None:
            self.error = "choose a source and a PyTorch option first"
            return
        self.error = ""
        try:
            draft.config = manager.make_config(
                repo=draft.repo_target,
                ref=draft.ref,
                commit=draft.commit,
                inspection=draft.inspection,
                name=draft.name,
                python_version=draft.python_version,
                torch=draft.torch_choice,
                robots=sorted(draft.robots),
                install_ffmpeg=draft.install_ffmpeg,
            )
        except (ValueError, RuntimeError) as exc:
            self.error = str(exc)
            return
        draft.script, draft.script_edited, draft.check_note = "", False, ""
        config = draft.config

        def checked_plan() -> tuple[str, str]:
            # resolved with uv first: a plan that cannot install is never shown as ready
            note = manager.check_plan(config)
            return note, manager.generate_plan(config)

        self._submit(executor, "plan", checked_plan)

    def start_install(self, jobs: JobRunner) -> Job | None:
        assert self.manager is not None
        draft = self.draft
        if draft.config is None or not draft.script.strip():
            self.error = "no install script yet"
            return None
        draft.env_id, draft.step = draft.config.id, len(STEPS) - 1
        return self.manager.start_install(jobs, draft.config.id, config=draft.config, script=draft.script)

    def retry_install(self, env_id: str, jobs: JobRunner) -> Job | None:
        assert self.manager is not None
        return self.manager.start_install(jobs, env_id)

    def new_wizard(self) -> None:
        self.draft = WizardDraft(name=self.draft.name)
        self.error = ""

    # ---- list -------------------------------------------------------------------------------
    def refresh_list(self, executor: Executor) -> None:
        if self.manager is not None:
            self.list_refreshed_at = time.monotonic()
            self._submit(executor, "list", self.manager.list_envs)

    def refresh_list_if_stale(self, executor: Executor, max_age_s: float = 2.0) -> None:
        """The list reads a few small files: refreshed in the background every couple of seconds."""
        if time.monotonic() - self.list_refreshed_at > max_age_s:
            self.refresh_list(executor)

    def delete(self, env_id: str, executor: Executor, jobs: JobRunner) -> None:
        assert self.manager is not None
        self._submit(executor, "delete", self.manager.delete, env_id, jobs)
        self.confirm_delete = None

    # ---- once per frame -------------------------------------------------------------------------
    def poll(self, executor: Executor, jobs: JobRunner) -> None:
        for key, exc, result in pop_finished(self.pending):
            if exc is not None:
                self.error = f"{_FAILURE_TEXT.get(key, key)}: {exc}"
                continue
            self._apply(key, result, executor)
        fetch = jobs.get(FETCH_JOB)
        if fetch is not None and fetch.done and self.draft.refs is None:
            if fetch.status == "done" and fetch.result is not None:
                refs, ref, commit, inspection = fetch.result
                self.draft.refs, self.draft.ref, self.draft.commit = refs, ref, commit
                self.draft.inspection = inspection
                self.draft.robots &= set(inspection.extras)
                self.refresh_options()
            elif fetch.status == "failed":
                self.error = f"fetch failed: {fetch.error}"
            jobs.forget(FETCH_JOB)

    def _apply(self, key: str, result: Any, executor: Executor | None) -> None:
        if key == "load":
            if self.settings is None:  # a test or the caller may have set them meanwhile
                self.settings, self.manager, self.first_run = result
                self.welcome_done = not self.first_run
        elif key == "checks":
            self.checks = result
        elif key == "hardware":
            self.hardware = result
            self.refresh_options()
        elif key == "inspect":
            ref, commit, inspection = result
            if ref == self.draft.ref:
                self.draft.commit, self.draft.inspection = commit, inspection
                self.draft.robots &= set(inspection.extras)
                self.refresh_options()
        elif key == "plan":
            self.draft.check_note, self.draft.script = result
        elif key == "pythons":
            self.pythons = result
            self.refresh_options()
        elif key == "list":
            self.records = result
        elif key == "delete" and executor is not None:
            self.refresh_list(executor)
        elif key == "save-settings":
            self.settings_message = f"saved to {result}"
        elif key == "compat":
            if self.manager is not None:
                self.manager.set_compat_table(result)
            self.settings_message = f"compatibility table refreshed ({len(result.torch)} torch releases)"
            self.refresh_options()
