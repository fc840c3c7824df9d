"""The environment wizard, end to end in the real app on a local repository, to a finished install."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from leropilot_gl.envs import EnvManager, Settings
from leropilot_gl.envs.wizard import EnvManagerState
from tests.envs.conftest import PACKAGE, PYTHON, make_package_repo, wheel_from_installed
from tests.ui.conftest import run_app_test, screenshot, yield_until

pytestmark = pytest.mark.gui


def _not_blank(path: Path) -> bool:
    return float(np.asarray(Image.open(path).convert("RGB")).std()) > 5


def test_wizard_walks_to_a_finished_install(
    app_state, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    repo = make_package_repo(tmp_path / "git")
    for name in ("pip", "setuptools", "wheel", "packaging"):  # for `uv venv --seed`, offline
        wheel_from_installed(name, tmp_path / "seed")
    settings = Settings(
        data_dir=tmp_path / "data",
        offline=True,
        find_links=[str(tmp_path / "seed")],
        repositories={"official": "https://github.com/huggingface/lerobot", "local": str(repo)},
    )
    envs = EnvManagerState(
        settings=settings, manager=EnvManager(settings), first_run=True, welcome_done=False
    )
    app_state.envs = envs
    seen: dict = {}

    def install_job():
        return app_state.jobs.get(f"env-install:{envs.draft.env_id}") if envs.draft.env_id else None

    def test(ctx):
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("Environments/New environment...")
        ctx.set_ref("Environment wizard")
        # 0. welcome: git and uv found, the data folder writable; Continue saves the settings
        assert yield_until(ctx, lambda: envs.can_continue_welcome), envs.checks
        seen["welcome"] = screenshot(ctx, "env_wizard_0_welcome")
        ctx.item_click("**/Continue")
        assert yield_until(ctx, lambda: (tmp_path / "data" / "settings.json").is_file())
        # 1. source: the local repository, fetched into the cache; choose tag v0.1.0
        ctx.item_click("**/###repo-local")
        ctx.item_click("**/###fetch")
        assert yield_until(ctx, lambda: envs.draft.inspection is not None, max_frames=1200), envs.error
        assert envs.draft.ref == "main" and envs.draft.inspection.version == "0.2.0"
        ctx.item_input_value("**/##typed-ref", "no-such-ref")  # Enter uses it: a clear error, nothing else
        assert yield_until(ctx, lambda: "not a branch, tag or commit" in envs.error)
        seen["bad_ref"] = screenshot(ctx, "env_wizard_1_bad_ref")
        ctx.combo_click("###ref/tag v0.1.0")
        assert yield_until(
            ctx, lambda: envs.draft.inspection is not None and envs.draft.inspection.version == "0.1.0"
        )
        assert envs.error == ""
        seen["source"] = screenshot(ctx, "env_wizard_1_source")
        ctx.item_click("**/###next")
        # 2. Python and PyTorch: the recommendation is shown; tests skip torch (no 4 GB download)
        assert yield_until(ctx, lambda: bool(envs.draft.options)), envs.error
        seen["recommended"] = next(o for o in envs.draft.options if o.recommended)
        seen["torch"] = screenshot(ctx, "env_wizard_2_python_torch")
        envs.set_python(PYTHON)
        ctx.yield_(2)
        ctx.item_click("**/###torch-skip-none")
        assert envs.draft.torch_choice.build == "skip"
        ctx.item_click("**/###next")
        # 3. robots: one extra, a name, no FFmpeg copy
        ctx.item_click("**/###extra-beta")
        ctx.item_input_value("**/###name", "gui env")
        ctx.item_click("**/###ffmpeg")
        seen["robots"] = screenshot(ctx, "env_wizard_3_robots")
        ctx.item_click("**/###next")
        # 4. review: the script, editable
        assert yield_until(ctx, lambda: bool(envs.draft.script), max_frames=1200), envs.error
        ctx.yield_(2)
        seen["check_note"] = envs.draft.check_note
        seen["review"] = screenshot(ctx, "env_wizard_4_review")
        ctx.item_click("**/###next")
        # 5. progress with the live log, to the end
        assert yield_until(ctx, lambda: install_job() is not None and install_job().done, max_frames=6000)
        ctx.yield_(3)
        seen["status"] = install_job().status
        seen["log"] = install_job().log_lines()
        seen["done"] = screenshot(ctx, "env_wizard_5_done")
        seen["import"] = subprocess.run(
            [
                str(envs.manager.env_dir(envs.draft.env_id) / ".venv" / "bin" / "python"),
                "-c",
                f"import {PACKAGE}; print({PACKAGE}.VERSION)",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        # the list shows it ready; delete asks first
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("Environments/Environments")
        ctx.set_ref("Environments")
        assert yield_until(ctx, lambda: any(r.status.status == "ready" for r in envs.records))
        ctx.yield_(2)
        seen["list"] = screenshot(ctx, "env_list")
        ctx.item_click("**/###delete")
        ctx.yield_(2)
        seen["exists_before_confirm"] = envs.manager.env_dir(envs.draft.env_id).is_dir()
        seen["confirm"] = screenshot(ctx, "env_list_confirm_delete")
        ctx.set_ref("//$FOCUSED")
        ctx.item_click("###confirm-delete")
        assert yield_until(ctx, lambda: not envs.manager.env_dir(envs.draft.env_id).exists())
        # settings panel: a change is saved to the data folder
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("Environments/Settings")
        ctx.set_ref("Environment settings")
        ctx.item_input_value("**/PyPI index URL", "https://mirror.example/simple")
        ctx.combo_click("###index-strategy/unsafe-best-match")
        ctx.yield_(2)
        seen["settings_indexes"] = screenshot(ctx, "env_settings_indexes")
        ctx.item_click("**/###save-settings")
        assert yield_until(ctx, lambda: bool(envs.settings_message))
        seen["settings"] = screenshot(ctx, "env_settings")

    run_app_test(app_state, test, window_size=(1120, 760))
    assert seen["status"] == "done", seen["log"][-20:]
    assert seen["import"] == "0.1.0"
    assert any("##[step 5/5]" in line for line in seen["log"])
    assert seen["recommended"].build == "cpu" or seen["recommended"].fits_hardware
    assert seen["exists_before_confirm"]
    saved = Settings.model_validate_json((tmp_path / "data" / "settings.json").read_text())
    assert saved.pypi_index_url == "https://mirror.example/simple" and saved.repositories["local"] == str(
        repo
    )
    assert saved.index_strategy == "unsafe-best-match"
    assert seen["check_note"].startswith("plan checked:"), seen["check_note"]
    for key in (
        "welcome",
        "bad_ref",
        "source",
        "torch",
        "robots",
        "review",
        "done",
        "list",
        "confirm",
        "settings",
        "settings_indexes",
    ):
        assert _not_blank(seen[key]), key
