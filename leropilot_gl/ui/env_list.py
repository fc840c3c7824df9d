"""The environments list: status, how to activate, retry, the install log, delete with confirmation."""

from __future__ import annotations

import time

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.state import AppState

STATUS_COLORS = {
    "ready": imgui.ImVec4(0.45, 0.80, 0.45, 1.0),
    "installing": imgui.ImVec4(0.55, 0.70, 0.95, 1.0),
    "planned": imgui.ImVec4(0.75, 0.75, 0.75, 1.0),
}
PROBLEM_COLOR = imgui.ImVec4(0.95, 0.55, 0.35, 1.0)
CONFIRM_POPUP = "Delete environment?"


def _gui_confirm_delete(state: AppState) -> None:
    envs = state.envs
    if envs.confirm_delete is not None and not imgui.is_popup_open(CONFIRM_POPUP):
        imgui.open_popup(CONFIRM_POPUP)
    if imgui.begin_popup_modal(CONFIRM_POPUP, None, imgui.WindowFlags_.always_auto_resize)[0]:
        env_id = envs.confirm_delete
        assert envs.manager is not None
        if env_id is not None:
            imgui.text(f"Remove {envs.manager.env_dir(env_id)} and everything in it?")
            imgui.text_disabled("The source clone, the virtual environment and the install log are deleted.")
        if imgui.button(f"{fa.ICON_FA_TRASH} Delete###confirm-delete") and env_id is not None:
            envs.delete(env_id, state.executor, state.jobs)
            imgui.close_current_popup()
        imgui.same_line()
        if imgui.button("Keep###keep") or imgui.is_key_pressed(imgui.Key.escape):
            envs.confirm_delete = None
            imgui.close_current_popup()
        imgui.end_popup()


def gui_env_list(state: AppState) -> None:
    envs = state.envs
    if not envs.load_async(state.executor):
        imgui.text_disabled("loading settings...")
        return
    envs.refresh_list_if_stale(state.executor)
    if imgui.button(f"{fa.ICON_FA_ARROWS_ROTATE} Refresh###refresh-envs"):
        envs.refresh_list(state.executor)
    imgui.same_line()
    imgui.text_disabled(str(envs.settings.envs_dir) if envs.settings else "")
    if not envs.records:
        imgui.text_disabled("No environments yet: create one with the wizard.")
    flags = (
        imgui.TableFlags_.row_bg
        | imgui.TableFlags_.borders_inner_h
        | imgui.TableFlags_.resizable
        | imgui.TableFlags_.sizing_stretch_prop
    )
    with imgui_ctx.begin_table("##envs", 5, flags) as table:
        if table and envs.records:
            for title in ("Name", "Status", "Python / PyTorch", "Source"):
                imgui.table_setup_column(title)
            # room for Activate, Retry or Cancel, and Delete, whatever the window's width
            imgui.table_setup_column("Actions", imgui.TableColumnFlags_.width_fixed, hello_imgui.em_size(16))
            imgui.table_headers_row()
            for record in envs.records:
                _gui_row(state, record)
    _gui_confirm_delete(state)


def _gui_row(state: AppState, record) -> None:
    envs, config, status = state.envs, record.config, record.status
    running = state.jobs.is_running(f"env-install:{config.id}")
    label = "installing" if running else status.status
    with imgui_ctx.push_id(config.id):
        imgui.table_next_row()
        imgui.table_next_column()
        imgui.text(config.title)
        imgui.set_item_tooltip(
            f"{config.id}\ncreated {time.strftime('%Y-%m-%d %H:%M', time.localtime(config.created_at))}"
        )
        imgui.table_next_column()
        imgui.text_colored(STATUS_COLORS.get(label, PROBLEM_COLOR), label)
        imgui.set_item_tooltip(f"{status.message}\nlog: {record.path / 'install.log'}")
        imgui.table_next_column()
        torch = f"torch {config.torch_version} ({config.torch_build})" if config.torch_version else "no torch"
        imgui.text(f"{config.python_version} / {torch}")
        imgui.table_next_column()
        imgui.text(f"{config.ref} @ {config.commit_hash[:8]}")
        imgui.set_item_tooltip(config.repo_url)
        imgui.table_next_column()
        if imgui.small_button(f"{fa.ICON_FA_TERMINAL} Activate###activate"):
            imgui.set_clipboard_text(record.activate_command)
        imgui.set_item_tooltip(f"copies:\n{record.activate_command}")
        if running:
            imgui.same_line()
            job = state.jobs.get(f"env-install:{config.id}")
            if imgui.small_button("Cancel###cancel") and job is not None:
                job.cancel()
        elif label in ("failed", "cancelled", "interrupted", "planned"):
            imgui.same_line()
            if imgui.small_button("Retry###retry"):
                envs.retry_install(config.id, state.jobs)
        imgui.same_line()
        imgui.begin_disabled(running)
        if imgui.small_button(f"{fa.ICON_FA_TRASH} Delete###delete"):
            envs.confirm_delete = config.id
        imgui.end_disabled()
        imgui.set_item_tooltip("delete this environment (asks first)")
