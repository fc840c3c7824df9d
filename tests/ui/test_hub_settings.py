"""One Hub endpoint in the real app: a mirror typed in Environment settings is the Hub that File >
Open from Hub talks to (the local stand-in, with HF_ENDPOINT unset), and the login dialog shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from imgui_bundle import icons_fontawesome_6 as fa

from leropilot_gl.dataset import hub
from leropilot_gl.settings import Settings, load_settings
from leropilot_gl.ui.env_wizard import SETTINGS_WINDOW
from tests.hub_server import TEST_TOKEN, TEST_USER, HubStandIn, isolate_hf
from tests.ui.conftest import run_app_test, screenshot, yield_until
from tests.ui.test_hub import GR00T, MENU, WINDOW, _not_blank


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    isolate_hf(tmp_path, monkeypatch)  # no HF_ENDPOINT: only the settings can point at the stand-in
    with HubStandIn(tokens={TEST_TOKEN: TEST_USER}, lifetime_s=600) as server:
        server.add_dataset("bob/gr00t", GR00T)
        yield server


@pytest.mark.gui
def test_mirror_typed_in_settings_is_the_hub_datasets_come_from(app_state, stand_in, tmp_path: Path):
    state = app_state
    state.use_settings(Settings(data_dir=tmp_path / "data"))
    seen: dict = {}

    def test(ctx):
        ctx.set_ref(MENU)
        ctx.menu_click("Environments/Settings")
        assert yield_until(ctx, lambda: state.envs.settings is not None), "settings never loaded"
        seen["one_settings"] = state.envs.settings is state.settings
        ctx.set_ref(SETTINGS_WINDOW)
        ctx.item_input_value("**/###hub-endpoint", stand_in.url)
        ctx.yield_(2)
        seen["settings_panel"] = screenshot(ctx, "hub_settings_endpoint")
        ctx.item_click("**/###save-settings")
        assert yield_until(ctx, lambda: (tmp_path / "data" / "settings.json").is_file())

        ctx.set_ref(MENU)
        ctx.menu_click(f"File/{fa.ICON_FA_CLOUD_ARROW_DOWN} Open from Hub...")
        ctx.yield_(2)
        ctx.set_ref("//$FOCUSED")
        ctx.item_input_value("##repo_id", "bob/gr00t")
        assert yield_until(ctx, lambda: bool(state.datasets), max_frames=1200), "Hub dataset never opened"
        ctx.yield_(5)
        seen["opened"] = screenshot(ctx, "hub_opened_from_mirror")

        ctx.set_ref(MENU)
        ctx.item_click("**/Login##hub_header")
        ctx.yield_(3)
        seen["login_dialog"] = screenshot(ctx, "hub_login_shows_mirror")
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("Close##login")

    run_app_test(state, test, window_size=WINDOW)
    assert seen["one_settings"], "Environment settings edit the app's one settings"
    assert state.settings.hub_endpoint == stand_in.url
    assert stand_in.resolved_paths("bob/gr00t"), "the dataset came from the mirror"
    assert state.hub.origin_of(hub.local_root_for("bob/gr00t")).endpoint == stand_in.url
    assert load_settings(tmp_path / "data").hub_endpoint == stand_in.url
    for name in ("settings_panel", "opened", "login_dialog"):
        assert _not_blank(seen[name]), name
