"""Settings: data folder, git, package indexes, the Hub endpoint, mirrors, proxies, timeouts,
repositories. One settings model (`leropilot_gl/settings.py`): the Hub endpoint shown here is the one
dataset downloads and uploads use and the one environments get as HF_ENDPOINT."""

from __future__ import annotations

import json

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.hub import resolve_endpoint
from leropilot_gl.envs.wizard import EnvManagerState
from leropilot_gl.hub_state import HubLogin
from leropilot_gl.settings import INDEX_STRATEGIES
from leropilot_gl.state import AppState


def _text(label: str, value: str, tooltip: str = "") -> str:
    imgui.set_next_item_width(hello_imgui.em_size(28))
    _, value = imgui.input_text(label, value)
    if tooltip:
        imgui.set_item_tooltip(tooltip)
    return value


def _lines(envs: EnvManagerState, key: str, label: str, values: list[str]) -> list[str]:
    """A list edited as lines; the typed text is kept so a trailing newline survives the frame."""
    text = envs.text_buffers.setdefault(key, "\n".join(values))
    changed, text = imgui.input_text_multiline(label, text, hello_imgui.em_to_vec2(28, 3.5))
    envs.text_buffers[key] = text
    return [line.strip() for line in text.splitlines() if line.strip()] if changed else values


def _gui_repositories(envs: EnvManagerState) -> None:
    assert envs.settings is not None
    repos = envs.settings.repositories
    imgui.text("Known repositories")
    for alias in sorted(repos):
        with imgui_ctx.push_id(alias):
            imgui.text(f"{alias}:")
            imgui.same_line()
            imgui.text_disabled(repos[alias])
            if alias != "official":
                imgui.same_line()
                if imgui.small_button(f"{fa.ICON_FA_XMARK}###remove"):
                    del repos[alias]
    imgui.set_next_item_width(hello_imgui.em_size(8))
    _, envs.text_buffers["new-alias"] = imgui.input_text(
        "##new-alias", envs.text_buffers.get("new-alias", "")
    )
    imgui.same_line()
    imgui.set_next_item_width(hello_imgui.em_size(24))
    _, envs.text_buffers["new-url"] = imgui.input_text("##new-url", envs.text_buffers.get("new-url", ""))
    imgui.same_line()
    alias, url = envs.text_buffers["new-alias"].strip(), envs.text_buffers["new-url"].strip()
    imgui.begin_disabled(not alias or not url or alias == "custom")
    if imgui.button("Add###add-repo"):
        repos[alias] = url
        envs.text_buffers["new-alias"] = envs.text_buffers["new-url"] = ""
    imgui.end_disabled()
    imgui.set_item_tooltip("alias (e.g. myfork) and git URL; each URL gets its own cache")


def _gui_pip_suggestion(envs: EnvManagerState) -> None:
    """pip's index settings, offered once per session; used only when the user says so."""
    s = envs.settings
    assert s is not None
    if "pip-suggestion" not in envs.text_buffers:
        # envs.settings is loaded by the worker that read `s` (EnvManagerState): a lookup here
        from leropilot_gl.envs.settings import pip_suggestion

        # pip's files are read once, not on every frame the panel is drawn
        envs.text_buffers["pip-suggestion"] = json.dumps(pip_suggestion(s))
    wanted = json.loads(envs.text_buffers["pip-suggestion"])
    if not wanted:
        return
    with imgui_ctx.push_id("pip"):
        imgui.text_colored(imgui.ImVec4(0.95, 0.75, 0.25, 1.0), "pip's configuration suggests:")
        for key, value in wanted.items():
            imgui.bullet_text(f"{key}: {' '.join(value) if isinstance(value, list) else value}")
        if imgui.button("Use these###use-pip"):
            for key, value in wanted.items():
                setattr(s, key, value)
            envs.text_buffers.pop("extra", None)
            envs.text_buffers.pop("links", None)
            envs.text_buffers["pip-suggestion"] = "{}"
        imgui.same_line()
        if imgui.button("Ignore###ignore-pip"):
            envs.text_buffers["pip-suggestion"] = "{}"


def gui_settings_panel(state: AppState) -> None:
    envs = state.envs
    if not envs.load_async(state.executor):
        imgui.text_disabled("loading settings...")
        return
    s = envs.settings
    assert s is not None
    imgui.text(f"Data folder: {s.data_dir}")
    imgui.set_item_tooltip("set LEROPILOT_DATA_DIR before starting to use another folder")
    s.git_path = _text("git executable", s.git_path, "empty: the git found on PATH")
    imgui.separator_text("Packages")
    s.pypi_index_url = _text(
        "PyPI index URL", s.pypi_index_url, "empty: https://pypi.org/simple (uv ignores pip.conf)"
    )
    s.extra_index_urls = _lines(envs, "extra", "Extra index URLs", s.extra_index_urls)
    s.find_links = _lines(envs, "links", "Find-links", s.find_links)
    labels = ["uv's default (first index that has the package)", *INDEX_STRATEGIES[1:]]
    current = INDEX_STRATEGIES.index(s.index_strategy) if s.index_strategy in INDEX_STRATEGIES else 0
    imgui.set_next_item_width(hello_imgui.em_size(28))
    changed, current = imgui.combo("Index strategy###index-strategy", current, labels)
    if changed:
        s.index_strategy = INDEX_STRATEGIES[current]
    imgui.set_item_tooltip(
        "how uv chooses among several indexes; unsafe-best-match takes the best version from any "
        "index, as pip does"
    )
    _gui_pip_suggestion(envs)
    s.pytorch_index_base = _text(
        "PyTorch wheel index", s.pytorch_index_base, "builds are at <this>/cu128, /cpu ..."
    )
    _, s.offline = imgui.checkbox("Offline (install only from caches and local sources)", s.offline)
    _, s.python_downloads = imgui.checkbox(
        "Let uv download a Python that is not installed", s.python_downloads
    )
    s.ffmpeg_url = _text(
        "FFmpeg download URL",
        s.ffmpeg_url,
        "used when the FFmpeg cache is empty: a binary, or a zip/wheel holding one",
    )
    imgui.separator_text("Mirrors and network")
    imgui.set_next_item_width(hello_imgui.em_size(28))
    _, s.hub_endpoint = imgui.input_text_with_hint(
        "Hub endpoint###hub-endpoint", resolve_endpoint(None), s.hub_endpoint
    )
    imgui.set_item_tooltip(
        "a Hugging Face Hub mirror, e.g. https://hf-mirror.com: dataset downloads and uploads use it, "
        "and environments get it as HF_ENDPOINT; empty: HF_ENDPOINT, else https://huggingface.co"
    )
    if imgui.is_item_deactivated_after_edit() and s is state.settings:
        state.hub.login = HubLogin()  # another Hub: who we are there is checked again
    s.git_url_prefix_mirror = _text(
        "git URL prefix mirror",
        s.git_url_prefix_mirror,
        "prepended to https://github.com/... URLs when fetching",
    )
    s.proxies.http = _text("HTTP proxy", s.proxies.http)
    s.proxies.https = _text("HTTPS proxy", s.proxies.https)
    s.proxies.no_proxy = _text("No proxy for", s.proxies.no_proxy)
    imgui.set_next_item_width(hello_imgui.em_size(10))
    changed, timeout = imgui.input_float("Network timeout (s)", s.network_timeout_s, 5.0, 30.0, "%.0f")
    if changed:
        s.network_timeout_s = max(1.0, timeout)
    s.compat_table_url = _text(
        "Compatibility table URL", s.compat_table_url, "JSON in the bundled table's format"
    )
    imgui.begin_disabled(not s.compat_table_url or "compat" in envs.pending)
    if imgui.button("Refresh the compatibility table###refresh-compat"):
        envs.refresh_compat_table(state.executor)
    imgui.end_disabled()
    imgui.separator_text("Repositories")
    _gui_repositories(envs)
    imgui.separator()
    if imgui.button(f"{fa.ICON_FA_FLOPPY_DISK} Save###save-settings"):
        envs.save_settings(state.executor)
    if envs.settings_message:
        imgui.same_line()
        imgui.text_disabled(envs.settings_message)
