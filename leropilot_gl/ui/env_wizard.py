"""The environment wizard: welcome checks, then source, Python & PyTorch, robots, review, install."""

from __future__ import annotations

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.envs.wizard import FETCH_JOB, STEPS, EnvManagerState
from leropilot_gl.state import AppState

GOOD = imgui.ImVec4(0.45, 0.80, 0.45, 1.0)
WARN = imgui.ImVec4(0.95, 0.75, 0.25, 1.0)
BAD = imgui.ImVec4(0.95, 0.40, 0.35, 1.0)


def _error_line(envs: EnvManagerState) -> None:
    if envs.error:
        imgui.push_text_wrap_pos(0.0)
        imgui.text_colored(BAD, f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} {envs.error}")
        imgui.pop_text_wrap_pos()


def _check_line(label: str, check) -> None:
    if check is None:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} {label}: checking...")
        return
    if check.ok:
        detail = check.version or check.path or ""
        imgui.text_colored(GOOD, f"{fa.ICON_FA_CHECK} {label}: {detail}")
        if check.path and check.version:
            imgui.set_item_tooltip(check.path)
    else:
        imgui.push_text_wrap_pos(0.0)
        imgui.text_colored(BAD, f"{fa.ICON_FA_XMARK} {label}: {check.error}")
        imgui.pop_text_wrap_pos()


def _gui_welcome(state: AppState) -> None:
    envs = state.envs
    assert envs.settings is not None
    if not envs.checks and "checks" not in envs.pending:
        envs.start_checks(state.executor)
    imgui.text("Welcome: leropilot-gl sets up LeRobot environments with uv and git.")
    imgui.text_disabled(f"Everything goes in {envs.settings.data_dir}")
    imgui.spacing()
    _check_line("Data folder", envs.checks.get("data"))
    _check_line("git", envs.checks.get("git"))
    _check_line("uv", envs.checks.get("uv"))
    imgui.spacing()
    if envs.checks and not envs.git_ok:
        imgui.text_wrapped(
            "git is needed to fetch LeRobot. Install it (e.g. `sudo apt install git`), "
            "or give the path of a git executable:"
        )
    imgui.set_next_item_width(hello_imgui.em_size(28))
    _, envs.settings.git_path = imgui.input_text("git path (empty: find on PATH)", envs.settings.git_path)
    if imgui.button("Check again") and "checks" not in envs.pending:
        envs.checks = {}
        envs.start_checks(state.executor)
    imgui.same_line()
    imgui.begin_disabled(not envs.can_continue_welcome)
    if imgui.button("Continue"):
        envs.finish_welcome(state.executor)
    imgui.end_disabled()
    if not envs.can_continue_welcome and envs.checks:
        imgui.set_item_tooltip("fix the items marked in red first")


def _gui_steps_header(envs: EnvManagerState) -> None:
    for i, title in enumerate(STEPS):
        if i:
            imgui.same_line()
            imgui.text_disabled(fa.ICON_FA_CHEVRON_RIGHT)
            imgui.same_line()
        text = f"{i + 1} {title}"
        if i == envs.draft.step:
            imgui.text_colored(GOOD, text)
        else:
            imgui.text_disabled(text)
    imgui.separator()


def _nav(envs: EnvManagerState, *, next_enabled: bool, next_label: str = "Next") -> bool:
    """Back / Next buttons; returns True when Next was clicked."""
    imgui.separator()
    if envs.draft.step > 0:
        if imgui.button(f"{fa.ICON_FA_ARROW_LEFT} Back###back"):
            envs.draft.step -= 1
        imgui.same_line()
    imgui.begin_disabled(not next_enabled)
    clicked = imgui.button(f"{next_label} {fa.ICON_FA_ARROW_RIGHT}###next")
    imgui.end_disabled()
    return clicked


def _gui_source(state: AppState) -> None:
    envs, draft = state.envs, state.envs.draft
    assert envs.settings is not None
    imgui.text("Repository")
    for alias, url in sorted(envs.settings.repositories.items()):
        if imgui.radio_button(f"{alias}###repo-{alias}", draft.repo == alias):
            draft.repo, draft.refs, draft.inspection = alias, None, None
        imgui.same_line()
        imgui.text_disabled(url)
    if imgui.radio_button("Other URL or path###repo-custom", draft.repo == "custom"):
        draft.repo, draft.refs, draft.inspection = "custom", None, None
    if draft.repo == "custom":
        imgui.same_line()
        imgui.set_next_item_width(hello_imgui.em_size(30))
        changed, draft.custom_url = imgui.input_text("##custom-url", draft.custom_url)
        if changed:
            draft.refs, draft.inspection = None, None
    fetching = state.jobs.is_running(FETCH_JOB)
    imgui.begin_disabled(fetching)
    if imgui.button(f"{fa.ICON_FA_DOWNLOAD} Fetch###fetch"):
        envs.start_fetch(state.jobs)
    imgui.end_disabled()
    imgui.set_item_tooltip("mirror the repository into the local git cache (updates it when cached)")
    if fetching:
        job = state.jobs.get(FETCH_JOB)
        snap = job.snapshot() if job else None
        imgui.same_line()
        imgui.progress_bar(
            snap.progress or 0.0 if snap else 0.0, hello_imgui.em_to_vec2(12, 0), "fetching..."
        )
        imgui.same_line()
        if imgui.small_button("Cancel fetch") and job is not None:
            job.cancel()
    if draft.refs is not None:
        refs = draft.refs
        items = [f"branch {b}" for b in refs.branches] + [f"tag {t}" for t in reversed(refs.tags)]
        names = list(refs.branches) + list(reversed(refs.tags))
        preview = items[names.index(draft.ref)] if draft.ref in names else draft.ref
        imgui.set_next_item_width(hello_imgui.em_size(20))
        if imgui.begin_combo("Ref###ref", preview):
            for item, name in zip(items, names, strict=True):
                if imgui.selectable(item, name == draft.ref)[0] and name != draft.ref:
                    envs.select_ref(name, state.executor)
            imgui.end_combo()
        imgui.same_line()
        imgui.set_next_item_width(hello_imgui.em_size(12))
        entered, draft.typed_ref = imgui.input_text_with_hint(
            "##typed-ref", "or a commit / ref", draft.typed_ref, imgui.InputTextFlags_.enter_returns_true
        )
        imgui.same_line()
        if (imgui.button("Use###use-ref") or entered) and draft.typed_ref.strip():
            envs.select_ref(draft.typed_ref.strip(), state.executor)
        info = draft.inspection
        if info is not None:
            imgui.text(f"{info.project_name} {info.version} at {draft.commit[:10]}")
            imgui.text_disabled(
                f"requires-python {info.requires_python or 'any'}; extras: {', '.join(info.extras) or 'none'}"
            )
            if draft.source_note:
                imgui.text_colored(WARN, draft.source_note)
        elif "inspect" in envs.pending:
            imgui.text_disabled("reading pyproject.toml...")
    if _nav(envs, next_enabled=draft.inspection is not None and "inspect" not in envs.pending):
        envs.detect(state.executor)
        envs.refresh_options()
        draft.step = 1


def _gui_python_torch(state: AppState) -> None:
    envs, draft = state.envs, state.envs.draft
    info = draft.inspection
    assert info is not None
    # loaded on the executor by the inspection that filled `info`: a lookup here
    from leropilot_gl.envs.compat import order_pythons

    # installed Pythons first, then the ones uv downloads; none that uv cannot get
    offered = order_pythons(info.python_choices, envs.pythons) or [(v, "") for v in info.python_choices]
    choices = [v for v, _ in offered]
    labels = [
        v + (f"  ({note})" if note else "") + ("  - recommended" if v == draft.recommended_python else "")
        for v, note in offered
    ]
    current = choices.index(draft.python_version) if draft.python_version in choices else 0
    imgui.set_next_item_width(hello_imgui.em_size(14))
    changed, current = imgui.combo("Python###python", current, labels)
    if changed:
        envs.set_python(choices[current])
    imgui.set_item_tooltip(
        f"allowed by requires-python {info.requires_python or '(any)'}; "
        "LeRobot's install guide uses 3.10, the widest-supported by robot SDKs"
    )
    imgui.spacing()
    hw = envs.hardware
    if hw is None:
        envs.detect(state.executor)
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} detecting hardware...")
    else:
        imgui.text(f"{fa.ICON_FA_MICROCHIP} Hardware: {hw.summary}")
        if hw.note:
            imgui.set_item_tooltip(hw.note)
    pins = ", ".join(f"{k}{v}" for k, v in sorted(info.torch_constraints.items()) if v) or "no torch pins"
    imgui.text_disabled(f"This LeRobot version: {pins}")
    imgui.spacing()
    imgui.text("PyTorch")
    # tall enough for every choice, so CPU, the default-index wheel and skip are in sight too
    rows = imgui.get_text_line_height_with_spacing() * (len(draft.options) + 0.6)
    height = min(rows, hello_imgui.em_size(20))
    with imgui_ctx.begin_child("##torch-options", imgui.ImVec2(0, height), imgui.ChildFlags_.borders):
        for i, option in enumerate(draft.options):
            key = f"{option.build}-{option.torch_version or 'none'}"
            with imgui_ctx.push_id(i):
                imgui.begin_disabled(not option.fits_hardware)
                clicked, _ = imgui.selectable(f"{option.label}###torch-{key}", draft.torch_index == i)
                imgui.end_disabled()
                if clicked:
                    draft.torch_index, draft.torch_user_chosen = i, True
                imgui.set_item_tooltip("\n".join(option.reasons))
                if option.recommended:
                    imgui.same_line()
                    color = WARN if option.potential_incompatibility else GOOD
                    imgui.text_colored(color, f"{fa.ICON_FA_STAR} Recommended")
                    imgui.set_item_tooltip("\n".join(option.reasons))
                if option.potential_incompatibility:
                    imgui.same_line()
                    imgui.text_colored(WARN, "potential incompatibility")
                elif not option.fits_lerobot or not option.fits_python:
                    imgui.same_line()
                    imgui.text_disabled(
                        "outside this version's pins"
                        if not option.fits_lerobot
                        else "no wheel for this Python"
                    )
    if _nav(envs, next_enabled=draft.torch_choice is not None):
        draft.step = 2


def _gui_robots(state: AppState) -> None:
    envs, draft = state.envs, state.envs.draft
    info = draft.inspection
    assert info is not None and envs.settings is not None
    # the inspection and the Python/torch step loaded these on the executor: lookups here
    from leropilot_gl.envs.ffmpeg import cache_slot
    from leropilot_gl.envs.inspector import BASE_INSTALL

    imgui.text("Robot extras to install")
    base, _ = imgui.checkbox(f"{BASE_INSTALL}###base", not draft.robots)
    if base and draft.robots:
        draft.robots = set()
    imgui.set_item_tooltip("install LeRobot alone; add extras later with `uv pip install -e .[extra]`")
    with imgui_ctx.begin_child("##extras", hello_imgui.em_to_vec2(0, 10), imgui.ChildFlags_.borders):
        for extra in info.extras:
            checked, value = imgui.checkbox(f"{extra}###extra-{extra}", extra in draft.robots)
            if checked:
                (draft.robots.add if value else draft.robots.discard)(extra)
    imgui.spacing()
    imgui.set_next_item_width(hello_imgui.em_size(20))
    _, draft.name = imgui.input_text("Environment name###name", draft.name)
    _, draft.install_ffmpeg = imgui.checkbox("Add FFmpeg to the environment###ffmpeg", draft.install_ffmpeg)
    imgui.set_item_tooltip(
        "copied from the FFmpeg cache (filled from the imageio-ffmpeg wheel when available).\n"
        f"To use your own build, place the binary at:\n{cache_slot(envs.settings.cache_dir)}"
    )
    _error_line(envs)
    if _nav(envs, next_enabled=bool(draft.name.strip()), next_label="Review"):
        envs.make_plan(state.executor)
        if not envs.error:
            draft.step = 3


def _gui_review(state: AppState) -> None:
    envs, draft = state.envs, state.envs.draft
    config = draft.config
    if config is None:
        draft.step = 2
        return
    torch = f"torch {config.torch_version} ({config.torch_build})" if config.torch_version else "no torch"
    imgui.text(f"{config.title}: {config.repo_url} @ {config.ref} ({config.commit_hash[:10]})")
    imgui.text(
        f"Python {config.python_version}, {torch}, extras: {', '.join(config.selected_robots) or 'none'}"
    )
    imgui.text_disabled(config.sources_note)
    if draft.check_note:
        imgui.text_colored(GOOD, f"{fa.ICON_FA_CHECK} {draft.check_note.split(';')[0]}")
    imgui.text_disabled("The install script below runs as is; you may edit it.")
    if "plan" in envs.pending:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} checking the plan with uv and writing it...")
    else:
        edited, draft.script = imgui.input_text_multiline(
            "##script",
            draft.script,
            imgui.ImVec2(-1, hello_imgui.em_size(15)),
            imgui.InputTextFlags_.allow_tab_input,
        )
        draft.script_edited |= edited
        if draft.script_edited:
            imgui.text_colored(WARN, "edited by you")
    _error_line(envs)
    if _nav(
        envs,
        next_enabled=bool(draft.script.strip()) and "plan" not in envs.pending,
        next_label=f"{fa.ICON_FA_PLAY} Install",
    ):
        envs.start_install(state.jobs)


def _gui_progress(state: AppState) -> None:
    envs, draft = state.envs, state.envs.draft
    env_id = draft.env_id
    if env_id is None:
        draft.step = 3
        return
    job = state.jobs.get(f"env-install:{env_id}")
    snap = job.snapshot() if job else None
    assert envs.manager is not None
    if snap is not None:
        imgui.progress_bar(snap.progress or 0.0, imgui.ImVec2(-1, 0), f"{(snap.progress or 0.0) * 100:.0f}%")
        status = {"running": "installing", "done": "ready"}.get(snap.status, snap.status)
        color = GOOD if snap.status == "done" else BAD if snap.status == "failed" else WARN
        imgui.text_colored(color, f"Status: {status}")
        imgui.same_line()
        imgui.text_disabled(snap.error or snap.status_text.split(":")[0])
        if snap.status == "done":
            from leropilot_gl.envs.manager import activate_command  # pydantic/pygit2: not at start-up

            command = activate_command(envs.manager.env_dir(env_id))
            imgui.text(f"Activate: {command}")
            imgui.same_line()
            if imgui.small_button(f"{fa.ICON_FA_COPY} Copy###copy-activate"):
                imgui.set_clipboard_text(command)
    with imgui_ctx.begin_child(
        "##install-log", imgui.ImVec2(0, -hello_imgui.em_size(2.5)), imgui.ChildFlags_.borders
    ):
        for line in job.log_lines(400) if job else []:
            imgui.text_unformatted(line)
        if snap is not None and snap.running and imgui.get_scroll_y() >= imgui.get_scroll_max_y() - 5:
            imgui.set_scroll_here_y(1.0)  # follow the log while it grows
    if snap is not None and snap.running:
        if imgui.button(f"{fa.ICON_FA_STOP} Cancel install###cancel-install"):
            job.cancel()
    else:
        if snap is not None and snap.status in ("failed", "cancelled"):
            if imgui.button("Retry###retry"):
                envs.retry_install(env_id, state.jobs)
            imgui.same_line()
        if imgui.button("New environment###new-env"):
            envs.new_wizard()
    imgui.same_line()
    imgui.text_disabled(f"log: {envs.manager.env_dir(env_id) / 'install.log'}")


_STEP_PANELS = (_gui_source, _gui_python_torch, _gui_robots, _gui_review, _gui_progress)


def gui_env_wizard(state: AppState) -> None:
    envs = state.envs
    if not envs.load_async(state.executor):
        imgui.text_disabled("loading settings...")
        return
    if not envs.welcome_done:
        _gui_welcome(state)
        return
    _gui_steps_header(envs)
    _STEP_PANELS[min(envs.draft.step, len(_STEP_PANELS) - 1)](state)
    if envs.draft.step < 2:
        _error_line(envs)


WIZARD_WINDOW = "Environment wizard"
LIST_WINDOW = "Environments"
SETTINGS_WINDOW = "Environment settings"


def _show_window(label: str) -> None:
    params = hello_imgui.get_runner_params().docking_params
    window = params.dockable_window_of_name(label)
    if window is not None:
        window.is_visible = True
        params.focus_dockable_window(label)


def env_menu_hook(state: AppState) -> None:
    """The "Environments" menu (called from ui/frame.gui_feature_menus)."""
    if imgui.begin_menu("Environments"):
        if imgui.menu_item("New environment...", "", False)[0]:
            if state.envs.draft.env_id is not None and not state.jobs.is_running(
                f"env-install:{state.envs.draft.env_id}"
            ):
                state.envs.new_wizard()
            _show_window(WIZARD_WINDOW)
        if imgui.menu_item("Environments", "", False)[0]:
            _show_window(LIST_WINDOW)
        if imgui.menu_item("Settings", "", False)[0]:
            _show_window(SETTINGS_WINDOW)
        imgui.end_menu()


def env_tick_hook(state: AppState) -> None:
    """Once per frame: collect background results (nothing to do until a panel was shown)."""
    if state.envs.settings is not None or state.envs.pending:
        state.envs.poll(state.executor, state.jobs)
