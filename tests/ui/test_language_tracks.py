"""Language tracks on the timeline and the annotations/tools/readers section of Details, in the real app."""

from __future__ import annotations

import numpy as np
from imgui_bundle import imgui
from PIL import Image

from leropilot_gl.ui.language_track import episode_layers
from tests.conftest import copy_dataset
from tests.dataset.language_fixtures import add_language_columns
from tests.ui.conftest import run_app_test, screenshot, yield_until


def test_language_tracks_show_on_the_timeline_with_text_on_hover(app_state, sample_av1, tmp_path):
    root = copy_dataset(sample_av1, tmp_path, "lang06")
    add_language_columns(root)
    app_state.open_dataset_async(root)
    seen: dict = {}

    def test(ctx):
        assert yield_until(ctx, lambda: bool(app_state.datasets)), "dataset never opened"
        app_state.select_episode(app_state.datasets[0].root, 1)
        ctx.yield_(10)
        layers = episode_layers(app_state)
        assert layers is not None
        seen["tracks"] = [t.name for t in layers.tracks]
        view = app_state.playback_view.timeline_view
        # the first track (subtask) is the top band; hover its first span at 0.2 s
        x = view.plot_pos[0] + (0.2 - view.x_min_s) / (view.x_max_s - view.x_min_s) * view.plot_size[0]
        y = view.plot_pos[1] + imgui.get_font_size() * 0.9
        ctx.mouse_move_to_pos(imgui.ImVec2(x, y))
        ctx.yield_(5)
        seen["shot"] = screenshot(ctx, "language_tracks_hover")
        seen["view"] = view

    run_app_test(app_state, test)
    assert seen["tracks"] == ["subtask", "memory", "plan", "interjection", "speech"]
    # the bands are drawn: the timeline's top rows hold track colours, not just the background
    img = np.asarray(Image.open(seen["shot"]).convert("RGB")).astype(int)
    view = seen["view"]
    x0, y0 = (int(v) for v in view.plot_pos)
    w, h = (int(v) for v in view.plot_size)
    strip = img[y0 + 6 : y0 + 14, x0 + 60 : x0 + w - 60]
    assert strip.std() > 10, "no track drawn at the top of the timeline"
