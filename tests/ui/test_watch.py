"""The real app while LeRobot records into an open dataset from another process: the new episode
appears in the tree (data pending, then playable), the selection and playhead stay put, and it
plays. The task list shows counts, filters on click and renames through the journal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from imgui_bundle import hello_imgui, imgui
from PIL import Image

from leropilot_gl.dataset import EditSession
from leropilot_gl.dataset.watch import NEW, RECORDING
from leropilot_gl.editor_state import EditorState
from tests.conftest import REPO_ROOT, copy_dataset
from tests.ui.conftest import run_app_test, screenshot, yield_until
from tools.frame_code import read_frame_code
from tools.make_sample_dataset import TASKS


def _codes_on_screen(state, shot: Path) -> list:
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    out = []
    for key in state.playback.media.video_keys:
        x0, y0, x1, y1 = (round(v) for v in state.playback_view.tile_rects[key])
        out.append(read_frame_code(pixels[y0:y1, x0:x1]))
    return out


def _settled(state) -> bool:
    frame = state.time.frame_index
    return bool(state.playback.tiles) and all(
        not t.buffering and t.shown_frame == frame for t in state.playback.tiles.values()
    )


def test_a_recorded_episode_appears_in_the_tree_and_plays(
    app_state, sample_av1: Path, tmp_path: Path
) -> None:
    root = copy_dataset(sample_av1, tmp_path, "live").resolve()
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    app_state.open_dataset_async(root)
    ed, w = app_state.edits, app_state.watch
    seen: dict = {}
    recorder: list[subprocess.Popen] = []
    go = tmp_path / "finalize-now"  # the recorder holds its files open until the test has looked

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root) and root in w.watchers), "never attached"
        ctx.set_ref("Datasets")
        ctx.item_click("**/e1/000001")
        ctx.yield_(2)
        app_state.time.seek_frame(10)
        ctx.yield_(2)
        recorder.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.record_more", str(root), "1", "--frames", "20", "--pause", "0"]
                + ["--finalize-after", str(go)],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        hello_imgui.get_runner_params().docking_params.focus_dockable_window("Tasks")
        assert yield_until(ctx, lambda: w.mark(root, 3) is not None, max_frames=3000, min_wait_s=300), (
            "the recorded episode never appeared"
        )
        assert w.mark(root, 3) == RECORDING
        seen["pending_uids"] = [e.uid for e in ed.session.episodes(root)]
        seen["pending_usable"] = app_state.datasets[0].index.episode(3).usable
        seen["kept_selection"] = (app_state.selection.episode_index, app_state.time.frame_index)
        ctx.yield_(3)
        seen["shot_pending"] = screenshot(ctx, "watch_recording_pending")
        go.touch()

        assert yield_until(ctx, lambda: w.mark(root, 3) == NEW, max_frames=3000, min_wait_s=300), (
            "the episode never became playable"
        )
        seen["kept_after_ready"] = (app_state.selection.episode_index, app_state.time.frame_index)
        ctx.set_ref("Datasets")
        ctx.item_click("**/e3/000003")
        ctx.yield_(2)
        assert app_state.selection.episode_index == 3
        ctx.key_press(imgui.Key.space)  # play
        assert yield_until(ctx, lambda: app_state.time.frame_index >= 5), "the playhead never advanced"
        ctx.key_press(imgui.Key.space)  # pause
        assert yield_until(ctx, lambda: _settled(app_state)), "tiles never caught up"
        shot = screenshot(ctx, "watch_new_episode_playing")
        seen["codes"] = _codes_on_screen(app_state, shot)
        seen["frame"] = app_state.time.frame_index

        # The task list: counts, a click filters, a rename is a pending edit.
        hello_imgui.get_runner_params().docking_params.focus_dockable_window("Tasks")
        ctx.yield_(2)
        ctx.set_ref("Tasks")
        ctx.item_click(f"**/{TASKS[1]}/{TASKS[1]}")
        ctx.yield_(2)
        seen["filter"] = w.task_list.filter
        seen["shot_tasks"] = screenshot(ctx, "watch_task_list_filtered")
        ctx.item_click(f"**/{TASKS[1]}/{TASKS[1]}", imgui.MouseButton_.right)
        ctx.item_click("//$FOCUSED/Rename...")
        ctx.yield_(2)
        ctx.item_input_value("**/##rename_text", "push block")
        ctx.item_click("**/Rename")
        ctx.yield_(2)
        seen["after_rename"] = w.task_list.counts(ed.session, root)
        seen["filter_after"] = w.task_list.filter
        seen["shot_renamed"] = screenshot(ctx, "watch_task_list_renamed")

    try:
        run_app_test(app_state, test)
    finally:
        go.touch()
        for proc in recorder:
            proc.wait(timeout=300)
    assert recorder and recorder[0].returncode == 0, recorder[0].stderr.read() if recorder[0].stderr else ""
    assert seen["pending_uids"] == ["e0", "e1", "e2", "e3"]
    assert seen["pending_usable"] is False
    assert seen["kept_selection"] == (1, 10)
    assert seen["kept_after_ready"] == (1, 10)
    assert seen["codes"] and all(code == (3, seen["frame"]) for code in seen["codes"]), seen["codes"]
    assert seen["filter"] == (root, TASKS[1])
    assert ("push block", 1) in seen["after_rename"] and all(t != TASKS[1] for t, _ in seen["after_rename"])
    assert seen["filter_after"] == (root, "push block")
    assert ("Record one more episode.", 1) in seen["after_rename"]
    for key in ("shot_pending", "shot_tasks", "shot_renamed"):
        assert seen[key].is_file()


def test_tree_hooks_marks_and_task_filter(app_state, sample_uneven: Path, tmp_path: Path) -> None:
    """What the tree asks per row: the watch mark and whether the task filter shows the episode."""
    from leropilot_gl.dataset import open_dataset
    from leropilot_gl.ui.task_list import episode_visible
    from leropilot_gl.ui.watch_status import episode_marks, mark_label

    root = copy_dataset(sample_uneven, tmp_path, "hooks").resolve()
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals"))
    session = app_state.edits.session
    session.attach(open_dataset(root))
    app_state.watch.marks[root] = {3: RECORDING, 2: NEW}
    assert episode_marks(app_state, root, 3) == RECORDING and mark_label(RECORDING).endswith("data pending")
    assert episode_marks(app_state, root, 2) == NEW and episode_marks(app_state, root, 0) is None

    episodes = {e.uid: e for e in session.episodes(root)}
    assert all(episode_visible(app_state, root, e) for e in episodes.values())  # no filter
    app_state.watch.task_list.filter = (root, TASKS[2])
    assert [u for u, e in episodes.items() if episode_visible(app_state, root, e)] == ["e2"]
    session.set_task(root, ["e0"], TASKS[2])  # the filter follows pending task edits
    assert [e.uid for e in session.episodes(root) if episode_visible(app_state, root, e)] == ["e0", "e2"]
    assert all(episode_visible(app_state, tmp_path / "other", e) for e in session.episodes(root))
