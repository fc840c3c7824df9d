"""The whole app on the bundled sample: every default panel is there, drawn, and shows data."""

from __future__ import annotations

import numpy as np
from PIL import Image

from leropilot_gl.app import SAMPLE_DATASET
from tests.ui.conftest import run_app_test, screenshot, yield_until

DEFAULT_WINDOWS = ("Datasets", "Details", "Video", "Timeline", "Plots", "3D", "Sync")


def test_default_layout_on_the_bundled_sample(app_state):
    app_state.open_dataset_async(SAMPLE_DATASET)
    seen: dict = {}

    def test(ctx):
        from imgui_bundle import imgui

        assert yield_until(ctx, lambda: bool(app_state.datasets))
        assert yield_until(ctx, lambda: app_state.view3d.robot is not None, max_frames=2000)

        def tiles_ready() -> bool:
            tiles = app_state.playback.tiles
            return bool(tiles) and all(t.shown_frame is not None for t in tiles.values())

        assert yield_until(ctx, tiles_ready, max_frames=3000), app_state.playback.tiles
        ctx.yield_(5)
        for name in DEFAULT_WINDOWS:
            window = imgui.internal.find_window_by_name(name)
            seen[name] = None if window is None else (window.active, window.size.x, window.size.y)
        seen["shot"] = screenshot(ctx, "app_tour_sample")

    run_app_test(app_state, test)
    for name in DEFAULT_WINDOWS:
        assert seen[name] is not None, f"window {name} missing"
        active, width, height = seen[name]
        assert active and width > 50 and height > 50, (name, seen[name])
    pixels = np.asarray(Image.open(seen["shot"]).convert("RGB")).astype(int)
    assert pixels.std() > 20
    assert sorted(app_state.playback.tiles) == ["observation.images.front", "observation.images.wrist"]
