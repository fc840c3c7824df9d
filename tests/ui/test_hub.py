"""The Hub in the real app, headless, against the local Hub stand-in: log in, open lazily, confirm
Download and Upload."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from imgui_bundle import icons_fontawesome_6 as fa
from PIL import Image

from leropilot_gl.dataset import hub
from leropilot_gl.ui import hub_actions
from tests.conftest import copy_dataset
from tests.hub_server import TEST_TOKEN, TEST_USER, HubStandIn, files_of, isolate_hf
from tests.ui.conftest import run_app_test, screenshot, yield_until

GR00T = Path(__file__).resolve().parents[1] / "data" / "datasets" / "gr00t_pnp_sim_v2.0"
CAMERA = "observation.images.ego_view"
MENU = "//##MainMenuBar"


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    isolate_hf(tmp_path, monkeypatch)
    with HubStandIn(tokens={TEST_TOKEN: TEST_USER}, lifetime_s=600) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        server.add_dataset("bob/gr00t", GR00T)
        yield server


def _not_blank(path: Path) -> bool:
    return float(np.asarray(Image.open(path).convert("RGB")).std()) > 5


WINDOW = (1280, 800)


@pytest.mark.gui
def test_login_changes_the_header(app_state, stand_in, capfd):
    state = app_state
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: state.hub.login.checked), "login state never checked"
        seen["identity_before"] = state.hub.login.identity
        seen["logged_out"] = screenshot(ctx, "hub_header_logged_out")
        ctx.set_ref(MENU)
        ctx.item_click("**/Login##hub_header")
        ctx.yield_(2)
        ctx.set_ref("//$FOCUSED")
        # Pasted, not typed: the test engine prints typed characters, and the token must not be printed.
        state.hub.dialogs.token_input = TEST_TOKEN
        ctx.yield_(2)
        seen["login_dialog"] = screenshot(ctx, "hub_login_dialog")
        ctx.item_click("Log in")
        assert yield_until(ctx, lambda: state.hub.login.identity is not None), "login never finished"
        ctx.item_click("Close##login")
        ctx.yield_(2)
        seen["logged_in"] = screenshot(ctx, "hub_header_logged_in")

    run_app_test(state, test, window_size=WINDOW)
    assert seen["identity_before"] is None
    assert state.hub.login.identity.name == TEST_USER and hub.token_source() == "stored"
    assert state.hub.dialogs.token_input == ""
    for name in ("logged_out", "login_dialog", "logged_in"):
        assert _not_blank(seen[name]), name
    out, err = capfd.readouterr()
    assert TEST_TOKEN not in out + err


@pytest.mark.gui
def test_open_from_hub_lazily_then_download(app_state, stand_in):
    state = app_state
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: state.hub.login.checked)
        ctx.set_ref(MENU)
        ctx.menu_click(f"File/{fa.ICON_FA_CLOUD_ARROW_DOWN} Open from Hub...")
        ctx.yield_(2)
        ctx.set_ref("//$FOCUSED")
        ctx.item_input_value("##repo_id", "bob/gr00t")  # typed, then Enter opens
        assert yield_until(ctx, lambda: bool(state.datasets), max_frames=1200), "Hub dataset never opened"
        seen["after_open"] = stand_in.resolved_paths("bob/gr00t")  # in request order
        seen["notices"] = [n.text for n in state.notice_log]
        stand_in.clear_log()

        # Selecting another episode fetches its files, and nothing else.
        ctx.set_ref("Datasets")
        ctx.item_open("**/###dataset")
        ctx.item_click("**/000003")
        assert yield_until(
            ctx, lambda: state.datasets[0].index.episode(3).videos[CAMERA].exists, max_frames=1200
        ), "episode 3 never fetched"
        ctx.yield_(10)
        seen["after_select"] = stand_in.resolved_paths("bob/gr00t")
        seen["lazy_tree"] = screenshot(ctx, "hub_lazy_open_episode3")

        # Download asks first, saying what is lost; confirming replaces the local copy and reloads.
        ctx.set_ref(MENU)
        ctx.menu_click("File/Download from Hub (replace local)...")
        ctx.yield_(2)
        seen["download_dialog"] = screenshot(ctx, "hub_download_confirm")
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("Download and replace")
        assert yield_until(ctx, lambda: "hub-download" not in state.hub.watched_jobs, max_frames=1200)
        assert yield_until(ctx, lambda: bool(state.datasets) and not state.opening, max_frames=600)
        seen["downloaded"] = files_of(state.datasets[0].root)

        # A local copy exists now: opening the repo id again (as from the command line) asks first.
        state.close_dataset(state.datasets[0].root)
        stand_in.clear_log()
        state.open_dataset_async("bob/gr00t")
        ctx.yield_(3)
        seen["local_or_fresh"] = screenshot(ctx, "hub_local_or_fresh")
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("Use local copy")
        assert yield_until(ctx, lambda: bool(state.datasets), max_frames=600)
        seen["fetched_for_local"] = stand_in.resolved_paths("bob/gr00t")

    run_app_test(state, test, window_size=WINDOW)
    assert seen["after_open"][-2:] == [
        "data/chunk-000/episode_000000.parquet",
        f"videos/chunk-000/{CAMERA}/episode_000000.mp4",
    ]
    assert all(p.startswith("meta/") for p in seen["after_open"][:-2])
    served = sum(len(stand_in.repos["bob/gr00t"].files[p]) for p in seen["after_open"])
    assert f"Opened bob/gr00t: fetched {hub.format_size(served)} of " in " | ".join(seen["notices"])
    assert seen["after_select"] == [
        "data/chunk-000/episode_000003.parquet",
        f"videos/chunk-000/{CAMERA}/episode_000003.mp4",
    ]
    root = hub.local_root_for("bob/gr00t")
    assert seen["downloaded"] == stand_in.repos["bob/gr00t"].files
    assert [d.root for d in state.datasets] == [root]
    assert seen["fetched_for_local"] == [], "the local copy was used as it is"
    for name in ("lazy_tree", "download_dialog", "local_or_fresh"):
        assert _not_blank(seen[name]), name


@pytest.mark.gui
def test_upload_confirmation_refusal_and_result(app_state, stand_in, tmp_path):
    state = app_state
    local = copy_dataset(GR00T, tmp_path, "gr00t")
    state.open_dataset_async(local)
    seen: dict = {}

    def open_upload(ctx):
        ctx.set_ref(MENU)
        ctx.menu_click("File/Upload to Hub (replace remote)...")
        ctx.yield_(2)
        ctx.set_ref("//$FOCUSED")

    def test(ctx):
        assert yield_until(ctx, lambda: state.hub.login.checked and bool(state.datasets))
        open_upload(ctx)  # not logged in: refused, with the reason and a Login button
        seen["refused"] = screenshot(ctx, "hub_upload_refused")
        seen["refusal"] = hub_actions.upload_refusal(state, local)
        ctx.item_click("Cancel##upload")
        hub.login(TEST_TOKEN, endpoint=stand_in.url)  # as if logged in from another window
        hub_actions.start_login_check(state)
        assert yield_until(ctx, lambda: state.hub.login.identity is not None)
        open_upload(ctx)
        seen["default_repo"] = state.hub.dialogs.upload_repo_input
        state.hub.dialogs.commit_message_input = "Cleaned in the app"
        ctx.yield_(2)
        seen["upload_dialog"] = screenshot(ctx, "hub_upload_confirm")
        ctx.item_click("Upload and replace")
        assert yield_until(ctx, lambda: state.hub.dialogs.last_upload is not None, max_frames=1200), (
            "upload never finished"
        )
        ctx.yield_(3)
        seen["upload_done"] = screenshot(ctx, "hub_upload_done")
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("Close##upload_done")

    run_app_test(state, test, window_size=WINDOW)
    assert seen["refusal"].startswith("Not logged in")
    assert seen["default_repo"] == f"{TEST_USER}/gr00t"
    uploaded = stand_in.repos[f"{TEST_USER}/gr00t"]
    assert uploaded.commits[-1]["summary"] == "Cleaned in the app"
    assert state.hub.dialogs.last_upload.commit_url.endswith(uploaded.sha)
    assert {p: b for p, b in uploaded.files.items() if p != ".gitattributes"} == files_of(local)
    for name in ("refused", "upload_dialog", "upload_done"):
        assert _not_blank(seen[name]), name


@pytest.mark.gui
def test_lazy_open_at_scale_lists_a_partial_index_then_the_whole(app_state, stand_in):
    """10,000 episodes in 4 episodes files: the app lists the first file's 2,500 episodes, says more
    are loading and does not attach the partial index for editing; the rest of meta/ then replaces
    it with all 10,000. A job under the meta fetch's name holds it back while the partial state is
    looked at."""
    import threading

    from tools.scale_dataset import cached_scale_dataset

    state = app_state
    folder = cached_scale_dataset(10_000, per_data_file=1_000, per_meta_file=2_500)
    stand_in.add_dataset("carol/big", folder)
    release = threading.Event()
    seen: dict = {}

    def test(ctx):
        state.jobs.start(hub_actions.JOB_META, "held", lambda job_ctx: release.wait(120))
        state.hub.request_open("carol/big")
        assert yield_until(ctx, lambda: bool(state.datasets), max_frames=1200), "never opened"
        ctx.yield_(10)
        index = state.datasets[0].index
        seen["partial"] = (index.partial, len(index.episodes))
        seen["attached_partial"] = state.edits.session.indexes.get(str(index.root.resolve()))
        seen["partial_tree"] = screenshot(ctx, "hub_lazy_partial_10k")
        release.set()
        assert yield_until(ctx, lambda: not state.datasets[0].index.partial, max_frames=1200)
        assert yield_until(
            ctx,
            lambda: state.edits.session.indexes.get(str(state.datasets[0].root.resolve())) is not None,
            max_frames=600,
        ), "the complete index was never attached for editing"
        ctx.yield_(5)
        seen["complete"] = len(state.datasets[0].index.episodes)
        seen["complete_tree"] = screenshot(ctx, "hub_lazy_complete_10k")

    run_app_test(state, test, window_size=WINDOW)
    assert seen["partial"] == (True, 2_500)
    assert seen["attached_partial"] is None, "a partial index is never attached for editing"
    assert seen["complete"] == 10_000
    for name in ("partial_tree", "complete_tree"):
        assert _not_blank(seen[name]), name
