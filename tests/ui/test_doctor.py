"""The Doctor panel in the real app, headless: run, click a finding (the playhead moves), apply the
suggested trims, undo, flag an episode by hand."""

from __future__ import annotations

import threading
from pathlib import Path

from imgui_bundle import hello_imgui, imgui

from leropilot_gl.dataset import EditSession
from leropilot_gl.editor_state import EditorState
from leropilot_gl.quality import doctor_state
from tests.conftest import copy_dataset
from tests.quality import defects as D
from tests.quality.conftest import defects_dataset  # noqa: F401  # the fixture
from tests.ui.conftest import run_app_test, screenshot, yield_until


def _done(ctx, step: str) -> None:
    """Fail at the step the engine could not do: it records its first error and then ignores every
    later action, so the failure would otherwise surface at the next screenshot as a RuntimeError."""
    assert not ctx.is_error(), f"{step}: the test engine failed here (its log is printed above)"


def test_doctor_panel(app_state, defects_dataset: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    root = copy_dataset(defects_dataset, tmp_path, "defects").resolve()
    # The check waits on its worker until the test has seen frames drawn while it runs: a small
    # dataset is otherwise checked between two frames on an idle machine.
    release = threading.Event()
    run_doctor = doctor_state._run_doctor  # noqa: SLF001

    def held_run_doctor(*args, **kwargs):
        release.wait(120)
        return run_doctor(*args, **kwargs)

    monkeypatch.setattr(doctor_state, "_run_doctor", held_run_doctor)
    app_state.edits = EditorState(session=EditSession(tmp_path / "journals", background_writes=True))
    app_state.doctor.cache_dir = tmp_path / "doctor-cache"
    app_state.open_dataset_async(root)
    ed, doctor = app_state.edits, app_state.doctor
    seen: dict = {}

    def row_of(kind: str, episode: int) -> int:
        shown = doctor.visible(doctor.report_for(root))
        return next(i for i, f in enumerate(shown) if f.kind == kind and f.episode_index == episode)

    def kept(uid: str):
        return next(e for e in ed.session.episodes(root) if e.uid == uid)

    def test(ctx) -> None:
        assert yield_until(ctx, lambda: ed.attached(root)), "the journal never attached"
        hello_imgui.get_runner_params().docking_params.focus_dockable_window("Doctor")
        ctx.yield_(2)
        ctx.set_ref("Doctor")
        ctx.item_click("###doctor_run")
        ctx.yield_(1)
        _done(ctx, "click Run doctor")
        frame = imgui.get_frame_count()
        ctx.yield_(3)
        seen["running"] = doctor.running and imgui.get_frame_count() > frame
        release.set()
        assert yield_until(ctx, lambda: doctor.report_for(root) is not None and not doctor.running), (
            "the doctor never finished"
        )
        seen["shot_report"] = screenshot(ctx, "doctor_report")

        # Click a finding: its episode is selected and the playhead lands on its first frame.
        doctor.group_filter = "pixels"
        ctx.yield_(2)
        row = row_of("black_frames", D.BLACK)
        ctx.item_click(f"**/$${row}/###finding")
        ctx.yield_(3)
        _done(ctx, "click the black frames finding")
        seen["black"] = (app_state.selection.episode_index, app_state.time.frame_index)
        seen["shot_black"] = screenshot(ctx, "doctor_black_frames")

        doctor.group_filter = "motion"
        ctx.yield_(2)
        row = row_of("idle_end", D.IDLE)
        ctx.item_click(f"**/$${row}/###finding")
        ctx.yield_(3)
        _done(ctx, "click the idle end finding")
        seen["idle"] = (app_state.selection.episode_index, app_state.time.frame_index)
        seen["shot_marks"] = screenshot(ctx, "doctor_timeline_marks")

        # Apply the suggested trims: an ordinary pending edit, then undo it.
        ctx.item_click("###doctor_trims")
        ctx.yield_(3)
        _done(ctx, "click Apply suggested trims")
        seen["trimmed"] = (kept(f"e{D.IDLE}").slice.start, kept(f"e{D.IDLE}").slice.end)
        seen["shot_trimmed"] = screenshot(ctx, "doctor_trims_applied")
        ctx.key_press(imgui.Key.mod_ctrl | imgui.Key.z)
        ctx.yield_(3)
        seen["undone"] = (kept(f"e{D.IDLE}").slice.start, kept(f"e{D.IDLE}").slice.end)

        # Flag the selected episode by hand with a note.
        assert yield_until(ctx, lambda: doctor.flags is not None)
        ctx.set_ref("Doctor")
        ctx.item_input_value("##doctor_note", "operator bumped the table")
        ctx.item_click("###doctor_flag")
        ctx.yield_(3)
        _done(ctx, "type a note and click Flag")
        seen["flag"] = doctor.flags.note(root, D.IDLE)
        seen["manual"] = [f.message for f in doctor.report_for(root).by_episode[D.IDLE] if f.kind == "manual"]
        seen["shot_flag"] = screenshot(ctx, "doctor_flagged")

    try:
        run_app_test(app_state, test)
    finally:
        release.set()  # a failure before the release must not leave the check waiting on its worker
    assert seen["running"], "the check did not run in the background"
    assert seen["black"] == (D.BLACK, D.BLACK_FROM)
    assert seen["idle"] == (D.IDLE, D.IDLE_END_FROM)
    assert seen["trimmed"] == (D.IDLE_START_FRAMES - 3, D.IDLE_END_FROM + 3)
    assert seen["undone"] == (0, D.LENGTH)
    assert seen["flag"] == "operator bumped the table"
    assert seen["manual"] == ["flagged by hand: operator bumped the table"]
    for key in ("shot_report", "shot_black", "shot_marks", "shot_trimmed", "shot_flag"):
        assert seen[key].is_file()
