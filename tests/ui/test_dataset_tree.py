"""The first window: open a dataset, expand the tree, select an episode, read the details."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from leropilot_gl.robot.pose import BUNDLED_SO101_URDF
from tests.ui.conftest import run_app_test, screenshot, yield_until

SHARED = (Path(__file__).resolve().parents[1] / "data" / "datasets").resolve()


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


def test_open_by_typed_path_and_by_drop(app_state, tmp_path):
    from leropilot_gl.app import handle_dropped_paths

    koch = SHARED / "koch_screwdriver_v2.1_novideo"
    reachy = SHARED / "reachy2_apple_storage_v3.0_novideo"
    # A URDF outside the package, as a user's own download would be.
    urdf = shutil.copytree(BUNDLED_SO101_URDF.parent, tmp_path / "robots" / "so101") / BUNDLED_SO101_URDF.name
    seen = {}

    def test(ctx):
        ctx.set_ref("##MainMenuBar")
        ctx.menu_click("File/Open path...")
        ctx.set_ref("Open dataset path")
        ctx.item_input_value("##path", str(koch))  # types the path and presses Enter
        assert yield_until(ctx, lambda: len(app_state.datasets) == 1)
        # A file dropped from inside a dataset opens the whole dataset.
        handle_dropped_paths(app_state, [str(reachy / "meta" / "info.json")])
        assert yield_until(ctx, lambda: len(app_state.datasets) == 2)
        # A dropped URDF becomes the model of the selected dataset's robot type, not a dataset.
        handle_dropped_paths(app_state, [str(urdf)])
        seen["urdf"] = app_state.view3d.prefs_for(app_state.selected_dataset.index.robot_type).urdf_path
        # A folder that is no dataset: a notice, nothing opened, nothing crashes.
        handle_dropped_paths(app_state, [str(tmp_path / "robots")])
        assert yield_until(ctx, lambda: not app_state.opening)
        ctx.yield_(2)
        screenshot(ctx, "open_path_and_drop")

    run_app_test(app_state, test)
    assert [d.index.name for d in app_state.datasets] == [koch.name, reachy.name]
    assert any("no meta/info.json" in n.text and n.level == "error" for n in app_state.notices)
    assert app_state.settings.recent_datasets[:2] == [str(reachy), str(koch)]
    assert seen["urdf"] == str(urdf.resolve())


def test_layout_and_settings_are_remembered(tmp_path):
    """Hide a window and open a dataset; a second run shows the window hidden and the recent list."""
    from imgui_bundle import hello_imgui
    from imgui_bundle.immapp import testing

    from leropilot_gl.app import add_ons, headless_runner_params
    from leropilot_gl.state import AppState

    ini = tmp_path / "layout.ini"
    koch = SHARED / "koch_screwdriver_v2.1_novideo"

    def run_once(state, test_fn):
        params = headless_runner_params(state, persist_layout=True)
        params.app_window_params.restore_previous_geometry = False
        params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
        params.ini_filename = str(ini)
        testing.run(test_function=test_fn, runner_params=params, add_ons_params=add_ons())

    first = AppState()
    first.open_dataset_async(koch)

    def hide_details(ctx):
        assert yield_until(ctx, lambda: bool(first.datasets))
        # What hello_imgui's View menu does when the user unticks the window.
        hello_imgui.get_runner_params().docking_params.dockable_window_of_name("Details").is_visible = False
        ctx.yield_(3)

    run_once(first, hide_details)
    first.shutdown()
    assert ini.is_file()

    second = AppState()
    seen = {}

    def check(ctx):
        ctx.yield_(3)
        seen["details_visible"] = (
            hello_imgui.get_runner_params().docking_params.dockable_window_of_name("Details").is_visible
        )
        seen["recent"] = list(second.settings.recent_datasets)

    run_once(second, check)
    second.shutdown()
    assert seen["details_visible"] is False
    assert seen["recent"] == [str(koch)]


# ---------------------------------------------------------------- the episode list: filter, sort, select


def _editable(app_state, root: Path, journals: Path):
    from leropilot_gl.dataset import EditSession
    from leropilot_gl.editor_state import EditorState

    app_state.edits = EditorState(session=EditSession(journals, background_writes=True))
    app_state.open_dataset_async(root)
    return app_state.edits


def _shown_uids(app_state, root: Path) -> list[str]:
    view = app_state.tree_views[root]
    return [view.rows.uid(int(r)) for r in view.order]


def test_filter_sort_multiselect_delete(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    """Lengths 20, 45, 12, 33; tasks cycle through the sample's four."""
    from imgui_bundle import imgui

    from tests.conftest import copy_dataset

    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    ed = _editable(app_state, root, tmp_path / "journals")
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root)), "the journal never attached"
        ctx.set_ref("Datasets")
        ctx.yield_(2)
        # Sort by frames (click the header twice: descending).
        ctx.item_click("**/Frames")
        ctx.yield_(2)
        seen["by_length"] = _shown_uids(app_state, root)
        ctx.item_click("**/Frames")
        ctx.yield_(2)
        seen["by_length_desc"] = _shown_uids(app_state, root)
        ctx.item_click("**/Episode")
        ctx.yield_(2)
        # Filter by task text, then by a length range.
        ctx.item_input_value("**/##filter", "drawer")
        ctx.yield_(2)
        seen["drawer"] = _shown_uids(app_state, root)
        seen["shot_filter"] = screenshot(ctx, "tree_filter_task")
        ctx.item_input_value("**/##filter", "")
        ctx.item_input_value("**/##min_frames", 15)
        ctx.item_input_value("**/##max_frames", 40)
        ctx.yield_(2)
        seen["15_40"] = _shown_uids(app_state, root)
        ctx.item_input_value("**/##min_frames", 0)
        ctx.item_input_value("**/##max_frames", 0)
        ctx.yield_(2)
        # Click e0, Shift-click e2: three marked; Ctrl-click e1: two left.
        ctx.item_click("**/e0/000000")
        ctx.key_down(imgui.Key.mod_shift)
        ctx.item_click("**/e2/000002")
        ctx.key_up(imgui.Key.mod_shift)
        seen["range"] = set(app_state.selection.marked)
        ctx.key_down(imgui.Key.mod_ctrl)
        ctx.item_click("**/e1/000001")
        ctx.key_up(imgui.Key.mod_ctrl)
        ctx.yield_(2)
        seen["marked"] = set(app_state.selection.marked)
        seen["shot_marked"] = screenshot(ctx, "tree_multiselect")
        ctx.key_press(imgui.Key.delete)
        ctx.yield_(3)
        seen["deleted"] = sorted(e.uid for e in ed.session.episodes(root) if e.deleted)
        seen["header_count"] = app_state.tree_views[root].kept
        seen["shot_deleted"] = screenshot(ctx, "tree_deleted_marked")
        # A duplicate is a new episode: it shows the number Save gives it, not its source's id.
        ed.session.duplicate(root, "e3")
        ctx.yield_(3)
        dup = next(e for e in ed.session.episodes(root) if e.uid not in ("e0", "e1", "e2", "e3"))
        seen["dup_label_exists"] = ctx.item_exists(f"**/{dup.uid}/+000002")
        seen["shot_duplicate"] = screenshot(ctx, "tree_duplicate")

    run_app_test(app_state, test)
    assert seen["by_length"] == ["e2", "e0", "e3", "e1"]
    assert seen["by_length_desc"] == ["e1", "e3", "e0", "e2"]
    assert seen["drawer"] == ["e2"]  # "Open the drawer." is the third task
    assert seen["15_40"] == ["e0", "e3"]
    assert seen["range"] == {"e0", "e1", "e2"}
    assert seen["marked"] == {"e0", "e2"}
    assert seen["deleted"] == ["e0", "e2"]
    assert seen["header_count"] == 2
    assert seen["dup_label_exists"]


def test_page_down_moves_the_highlight(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    """PageDown/PageUp follow the rows as shown, and the highlight and the trim handles follow."""
    from imgui_bundle import imgui

    from tests.conftest import copy_dataset

    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    ed = _editable(app_state, root, tmp_path / "journals")
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root))
        ctx.set_ref("Datasets")
        ctx.item_click("**/Frames")  # sorted by length: e2, e0, e3, e1
        ctx.item_click("**/e0/000000")
        ctx.yield_(2)
        ctx.key_press(imgui.Key.page_down)
        ctx.yield_(2)
        seen["down"] = (app_state.selection.uid, set(app_state.selection.marked), ed.selected_uid.get(root))
        ctx.key_press(imgui.Key.page_up)
        ctx.key_press(imgui.Key.page_up)
        ctx.yield_(2)
        seen["up"] = (app_state.selection.uid, app_state.selection.episode_index, app_state.time.frame_count)
        seen["shot"] = screenshot(ctx, "tree_page_keys")

    run_app_test(app_state, test)
    assert seen["down"] == ("e3", {"e3"}, "e3")
    assert seen["up"] == ("e2", 2, 12)


def test_problems_shown_while_editable(app_state, sample_av1: Path, tmp_path: Path) -> None:
    """A missing mp4 of one episode: the row keeps its problem badge once the journal is attached."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.conftest import copy_dataset

    root = copy_dataset(sample_av1, tmp_path, "av1").resolve()
    path = root / "meta" / "episodes" / "chunk-000" / "file-000.parquet"
    table = pq.read_table(path)
    name = "videos/observation.images.front/file_index"
    i = table.column_names.index(name)
    pq.write_table(table.set_column(i, name, pa.array([0, 7, 0], type=pa.int64())), path)
    ed = _editable(app_state, root, tmp_path / "journals")
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root))
        ctx.set_ref("Datasets")
        ctx.item_input_value("**/##filter", "")
        ctx.item_click("**/###problems_only")
        ctx.yield_(3)
        view = app_state.tree_views[root]
        seen["editable_rows"] = view.rows.working is not None
        seen["shown"] = _shown_uids(app_state, root)
        seen["shot"] = screenshot(ctx, "tree_problems_editable")

    run_app_test(app_state, test)
    assert seen["editable_rows"]
    assert seen["shown"] == ["e1"]


def test_100k_episodes_scroll_filter_select_play(app_state, tmp_path: Path) -> None:
    """The benchmark's 100,000-episode dataset in the real app: jump to the end of the list,
    filter, select the last episode and play it. Frame times are printed (no limit here)."""
    import time

    from imgui_bundle import imgui

    from tools.scale_dataset import cached_scale_dataset

    root = cached_scale_dataset(100_000)
    ed = _editable(app_state, root, tmp_path / "journals")
    seen: dict = {}

    def frame_ms(ctx, frames: int) -> list[float]:
        out = []
        for _ in range(frames):
            start = time.perf_counter()
            ctx.yield_()
            out.append((time.perf_counter() - start) * 1000)
        return out

    def test(ctx) -> None:
        started = time.perf_counter()
        assert yield_until(ctx, lambda: bool(app_state.datasets)), "the dataset never opened"
        seen["open_s"] = time.perf_counter() - started
        assert yield_until(ctx, lambda: ed.attached(root), max_frames=3000), "the journal never attached"
        seen["attached_s"] = time.perf_counter() - started
        ctx.set_ref("Datasets")
        ctx.item_click("**/e0/000000")
        seen["idle_ms"] = frame_ms(ctx, 30)
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.end)  # to the end of the list
        ctx.yield_(3)
        seen["end"] = (app_state.selection.uid, ctx.item_exists("**/e99999/099999"))
        seen["shot_end"] = screenshot(ctx, "tree_100k_end")
        ctx.item_input_value("**/##filter", "99998")
        ctx.yield_(2)
        seen["filtered"] = _shown_uids(app_state, root)
        ctx.item_click("**/e99998/099998")
        ctx.yield_(2)
        seen["selected"] = app_state.selection.episode_index
        ctx.key_press(imgui.Key.space)  # play
        seen["play_ms"] = frame_ms(ctx, 60)
        seen["frame_after_play"] = app_state.time.frame_index
        seen["shot_play"] = screenshot(ctx, "tree_100k_playing")

    run_app_test(app_state, test)
    idle, play = np.median(seen["idle_ms"]), np.median(seen["play_ms"])
    print(
        f"\n100k episodes: open {seen['open_s']:.2f} s, editable after {seen['attached_s']:.2f} s; "
        f"frame time median idle {idle:.1f} ms, playing {play:.1f} ms (max {max(seen['play_ms']):.1f} ms)"
    )
    assert seen["end"] == ("e99999", True)
    assert seen["filtered"] == ["e99998"]
    assert seen["selected"] == 99_998
    assert seen["frame_after_play"] > 0


def test_table_not_shifted_after_reopen(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    """Close the dataset and open it again: the episode table is drawn where it was, in full."""
    from tests.conftest import copy_dataset

    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    ed = _editable(app_state, root, tmp_path / "journals")
    seen: dict = {}

    def rect(ctx) -> tuple[float, float, float]:
        info = ctx.item_info("**/e0/000000")
        window = ctx.window_info("//Datasets").window
        return info.rect_full.min.x, info.rect_full.max.x, window.pos.x + window.size.x

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root))
        ctx.set_ref("Datasets")
        ctx.item_click("**/e0/000000")
        ctx.yield_(2)
        seen["before"] = rect(ctx)
        app_state.close_dataset(app_state.datasets[0].root)
        ctx.yield_(2)
        app_state.open_dataset_async(root)
        assert yield_until(ctx, lambda: bool(app_state.datasets) and ed.attached(root))
        ctx.yield_(3)
        ctx.item_open("**/###dataset")
        ctx.yield_(2)
        seen["after"] = rect(ctx)
        seen["shot"] = screenshot(ctx, "tree_after_reopen")

    run_app_test(app_state, test)
    (x0, x1, _), (y0, y1, edge2) = seen["before"], seen["after"]
    assert abs(x0 - y0) < 1 and abs(x1 - y1) < 1, (seen["before"], seen["after"])
    assert y1 <= edge2 + 1, "the row reaches past the window's right edge"


def test_doctor_watch_and_task_hooks(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    """The tree's columns from the other panels: the doctor's worst finding (sortable), the
    watcher's mark, the Tasks tab's filter, and a pending task edit in the task column."""
    from leropilot_gl.dataset.problems import Severity
    from leropilot_gl.dataset.watch import NEW
    from leropilot_gl.quality.findings import Finding
    from leropilot_gl.quality.run import DoctorReport
    from tests.conftest import copy_dataset

    root = copy_dataset(sample_uneven, tmp_path, "uneven").resolve()
    ed = _editable(app_state, root, tmp_path / "journals")
    seen: dict = {}

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root)), "the journal never attached"
        ctx.set_ref("Datasets")
        ctx.yield_(2)
        # What a doctor run leaves: findings of episodes 1 (an error) and 2 (a warning).
        app_state.doctor.reports[root] = DoctorReport(
            root,
            [
                Finding("frozen", Severity.WARNING, "camera frozen for 10 frames", 2, 0, 10),
                Finding("spike", Severity.ERROR, "joint 3 jumps", 1, 4, 5),
            ],
        )
        app_state.watch.marks[root] = {3: NEW}  # what the watcher sets for a new recording
        ed.session.set_task(root, ["e0"], "Stack the cups.")  # a pending task edit
        ctx.yield_(3)
        seen["shot_hooks"] = screenshot(ctx, "tree_hooks")
        ctx.item_click("**/##doctor")  # ascending: no finding first, the error last
        ctx.yield_(2)
        seen["by_doctor"] = _shown_uids(app_state, root)
        ctx.item_click("**/##doctor")
        ctx.yield_(2)
        seen["by_doctor_desc"] = _shown_uids(app_state, root)
        seen["shot_sorted"] = screenshot(ctx, "tree_hooks_sorted_by_doctor")
        app_state.watch.task_list.filter = (root, "Stack the cups.")  # the Tasks tab's "show only"
        ctx.yield_(3)
        seen["task_filter"] = _shown_uids(app_state, root)
        seen["shot_task_filter"] = screenshot(ctx, "tree_hooks_task_filter")
        app_state.watch.task_list.filter = None
        ctx.yield_(2)
        seen["unfiltered"] = _shown_uids(app_state, root)

    run_app_test(app_state, test)
    assert seen["by_doctor"][-2:] == ["e2", "e1"]
    assert seen["by_doctor_desc"][:2] == ["e1", "e2"]
    assert seen["task_filter"] == ["e0"]
    assert sorted(seen["unfiltered"]) == ["e0", "e1", "e2", "e3"]
