"""The first window: open a dataset, expand the tree, select an episode, read the details."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.ui.conftest import run_app_test, screenshot, yield_until

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "datasets"


def test_open_select_episode_and_details(app_state):
    root = SHARED / "gr00t_pnp_sim_v2.0"
    app_state.open_dataset_async(root)
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: bool(app_state.datasets)), "dataset never opened"
        ctx.set_ref("Datasets")
        ctx.item_open("**/###dataset")
        ctx.item_click("**/000003")
        ctx.yield_(3)
        seen["episode"] = app_state.selection.episode_index
        seen["shot"] = screenshot(ctx, "dataset_tree_gr00t")

    run_app_test(app_state, test)
    assert seen["episode"] == 3
    assert app_state.selected_episode.length == 412
    assert app_state.time.frame_count == 412
    pixels = np.asarray(Image.open(seen["shot"]).convert("RGB"))
    assert pixels.std() > 5  # a rendered UI, not a blank framebuffer
