"""The Doctor panel: run the checks, list findings (filter, click to seek), apply the suggested fixes
as pending edits, flag episodes by hand with a note."""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.problems import Severity
from leropilot_gl.quality.doctor_state import DoctorState
from leropilot_gl.quality.findings import KINDS, Finding
from leropilot_gl.state import AppState

WINDOW = "Doctor"
GROUPS = ["all", *sorted(set(KINDS.values()))]
SEVERITY_COLOURS = {
    Severity.INFO: imgui.ImVec4(0.55, 0.75, 1.0, 1.0),
    Severity.WARNING: imgui.ImVec4(1.0, 0.78, 0.25, 1.0),
    Severity.ERROR: imgui.ImVec4(1.0, 0.35, 0.3, 1.0),
}
SEVERITY_ICONS = {
    Severity.INFO: fa.ICON_FA_CIRCLE_INFO,
    Severity.WARNING: fa.ICON_FA_TRIANGLE_EXCLAMATION,
    Severity.ERROR: fa.ICON_FA_CIRCLE_EXCLAMATION,
}
TABLE_FLAGS = (
    imgui.TableFlags_.row_bg
    | imgui.TableFlags_.borders_inner_v
    | imgui.TableFlags_.scroll_y
    | imgui.TableFlags_.resizable
    | imgui.TableFlags_.no_saved_settings  # the columns change with the panel's width
)
# The findings table: (header, fixed width in em; 0 stretches). Six columns where there is room.
WIDE_TABLE_EMS = 44
WIDE_COLUMNS = (
    ("Severity", 4.5),
    ("Kind", 8.0),
    ("Ep.", 2.5),
    ("Frames", 4.5),
    ("Camera", 4.5),
    ("Message", 0),
)
NARROW_COLUMNS = (("Ep.", 2.5), ("Finding", 0))


def doctor_tick_hook(state: AppState) -> None:
    """Once per frame: collect a finished check, without waiting."""
    notice = state.doctor.poll(state.executor)
    if notice is not None:
        state.notify(*notice)


def gui_doctor_panel(state: AppState) -> None:
    doctor = state.doctor
    dataset = state.selected_dataset
    if dataset is None:
        imgui.text_disabled("Open a dataset, then run the doctor on it.")
        return
    root = dataset.root
    _run_controls(state, doctor, dataset.index)
    report = doctor.report_for(root)
    if report is None:
        imgui.text_wrapped(
            "The doctor checks every episode: timestamps, video against data, frozen or black "
            "frames, idle start and end, stuck joints, spikes, duplicates. Nothing changes on disk."
        )
        return
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    cached = f", {report.episodes_from_cache} episodes from cache" if report.episodes_from_cache else ""
    summary = (
        f"{len(report.findings)} findings: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} "
        f"warnings, {counts[Severity.INFO]} info ({report.elapsed_s:.1f} s{cached})"
    )
    # Wide (its default dock, under the video): the controls share lines, leaving the height to
    # the findings; narrow: one group under the other.
    wide = imgui.get_content_region_avail().x >= hello_imgui.em_size(WIDE_TABLE_EMS)
    if wide:
        imgui.same_line(0, hello_imgui.em_size(1))
        imgui.text(summary)
    else:
        imgui.text_wrapped(summary)
    _fix_buttons(state, root, report)
    if wide:
        _same_line_if_fits("W" * 30)
    _filters(doctor)
    if wide:
        _same_line_if_fits("W" * 24)
    _flag_controls(state, doctor, root, wide=wide)
    _findings_table(state, doctor, root, doctor.visible(report))


def _run_controls(state: AppState, doctor: DoctorState, index) -> None:  # noqa: ANN001
    if doctor.running:
        stage, done, total = doctor.progress.snapshot()
        fraction = done / total if total else 0.0
        imgui.progress_bar(
            fraction, hello_imgui.em_to_vec2(16, 0), f"{stage} {done}/{total} frames" if total else stage
        )
        imgui.same_line()
        if imgui.button(f"{fa.ICON_FA_XMARK} Cancel###doctor_cancel"):
            doctor.request_cancel()
        return
    if imgui.button(f"{fa.ICON_FA_STETHOSCOPE} Run doctor###doctor_run"):
        doctor.start(index, state.executor)
    imgui.same_line()
    _, doctor.pixels = imgui.checkbox("Check pixels", doctor.pixels)
    if imgui.is_item_hovered():
        imgui.set_tooltip("Decode every frame once: frozen, black and boundary frames, still images")


def _fix_buttons(state: AppState, root: Path, report) -> None:  # noqa: ANN001
    trims = report.suggested_trims()
    flagged = report.flagged_episodes()
    ed = state.edits
    attached = ed.attached(root)
    imgui.begin_disabled(not trims or not attached)
    if imgui.button(f"Apply suggested trims ({len(trims)})###doctor_trims"):
        apply_trims(state, root, trims)
    imgui.end_disabled()
    delete_label = f"Delete flagged episodes ({len(flagged)})###doctor_delete"
    _same_line_if_fits(delete_label)
    imgui.begin_disabled(not flagged or not attached)
    if imgui.button(delete_label):
        delete_flagged(state, root, flagged)
    imgui.end_disabled()
    if imgui.is_item_hovered(imgui.HoveredFlags_.allow_when_disabled):
        imgui.set_tooltip("Episodes with an error, a suggested delete, or a flag set by hand")


def apply_trims(state: AppState, root: Path, trims: dict[int, tuple[int, int]]) -> None:
    """Each suggested trim becomes an ordinary pending edit (undoable, listed in Pending edits)."""
    session = state.edits.session
    for ep, (start, end) in sorted(trims.items()):
        state.edits.run(
            lambda ep=ep, s=start, e=end: session.trim(root, session.uid_of(root, ep), s, e), state.notify
        )


def delete_flagged(state: AppState, root: Path, episodes: list[int]) -> None:
    session = state.edits.session
    state.edits.run(lambda: session.delete(root, [session.uid_of(root, ep) for ep in episodes]), state.notify)


def _flag_controls(state: AppState, doctor: DoctorState, root: Path, *, wide: bool = False) -> None:
    episode = state.selected_episode
    if episode is None or doctor.flags is None:
        return
    ep = episode.episode_index
    note = doctor.flags.note(root, ep)
    style = imgui.get_style()
    button_w = (
        imgui.calc_text_size(f"{fa.ICON_FA_FLAG} Flag episode {ep}").x
        + style.frame_padding.x * 2
        + style.item_spacing.x
    )
    width = max(hello_imgui.em_size(6), imgui.get_content_region_avail().x - button_w)
    imgui.set_next_item_width(min(width, hello_imgui.em_size(18)) if wide else width)
    _, doctor.note_text = imgui.input_text_with_hint(
        "##doctor_note", f"note for episode {ep}", doctor.note_text
    )
    imgui.same_line()
    if imgui.button(f"{fa.ICON_FA_FLAG} Flag episode {ep}###doctor_flag"):
        doctor.set_flag(root, ep, doctor.note_text.strip(), state.executor)
        doctor.note_text = ""
    if note is not None:
        imgui.text_disabled(f"flagged: {note}" if note else "flagged")
        imgui.same_line()
        if imgui.button("Unflag###doctor_unflag"):
            doctor.clear_flag(root, ep, state.executor)


def _filters(doctor: DoctorState) -> None:
    imgui.set_next_item_width(hello_imgui.em_size(8))
    if imgui.begin_combo("Kind##doctor_group", doctor.group_filter):
        for group in GROUPS:
            if imgui.selectable(group, group == doctor.group_filter)[0]:
                doctor.group_filter = group
        imgui.end_combo()
    _same_line_if_fits("At least" + "W" * 10)
    imgui.set_next_item_width(hello_imgui.em_size(8))
    if imgui.begin_combo("At least##doctor_severity", doctor.min_severity.label):
        for severity in Severity:
            if imgui.selectable(severity.label, severity is doctor.min_severity)[0]:
                doctor.min_severity = severity
        imgui.end_combo()


def _same_line_if_fits(label: str) -> None:
    """Keep the next widget on this line when there is room (the panel is often narrow)."""
    text = label.split("##")[0]
    need = (
        imgui.calc_text_size(text).x
        + imgui.get_style().frame_padding.x * 2
        + imgui.get_style().item_spacing.x
    )
    imgui.same_line()
    if imgui.get_content_region_avail().x < need:
        imgui.new_line()


def _findings_table(state: AppState, doctor: DoctorState, root: Path, findings: list[Finding]) -> None:
    """One row per finding; clicking it seeks there, hovering shows the whole of it. Wide (the
    default dock, beside Plots): one line in six columns. Docked narrow: two lines a row, severity,
    kind, frames and camera over the message."""
    wide = imgui.get_content_region_avail().x >= hello_imgui.em_size(WIDE_TABLE_EMS)
    columns = WIDE_COLUMNS if wide else NARROW_COLUMNS
    # At least a few rows tall: in a short window the table scrolls instead of vanishing.
    line_h = imgui.get_text_line_height_with_spacing()
    outer = imgui.ImVec2(0, max(imgui.get_content_region_avail().y, 4 * line_h))
    if not imgui.begin_table("doctor_findings", len(columns), TABLE_FLAGS, outer):
        return
    imgui.table_setup_scroll_freeze(0, 1)
    for name, width_ems in columns:
        if width_ems:
            imgui.table_setup_column(
                name, imgui.TableColumnFlags_.width_fixed, hello_imgui.em_size(width_ems)
            )
        else:
            imgui.table_setup_column(name, imgui.TableColumnFlags_.width_stretch)
    imgui.table_headers_row()
    selected_ep = state.selection.episode_index if state.selection.dataset_root == root else None
    # Rows of one height, so the clipper draws only those in view however many findings there are.
    row_h = imgui.get_text_line_height() if wide else line_h + imgui.get_text_line_height()
    clipper = imgui.ListClipper()
    clipper.begin(len(findings))
    while clipper.step():
        for row in range(clipper.display_start, clipper.display_end):
            f = findings[row]
            imgui.table_next_row()
            imgui.table_next_column()
            with imgui_ctx.push_id(row):
                # The whole row is one selectable, under its first cell (tests click "$$row/###finding").
                colour = SEVERITY_COLOURS[f.severity]
                imgui.push_style_color(imgui.Col_.text, colour)
                clicked, _ = imgui.selectable(
                    f"{f.severity.label if wide else _episode_text(f)}###finding",
                    f.episode_index is not None and f.episode_index == selected_ep,
                    imgui.SelectableFlags_.span_all_columns,
                    imgui.ImVec2(0, row_h),
                )
                imgui.pop_style_color()
                if clicked:
                    go_to(state, root, f)
                _row_tooltip(f)
            if wide:
                _wide_cells(f)
            else:
                _narrow_cell(f)
    imgui.end_table()


def _episode_text(f: Finding) -> str:
    return "-" if f.episode_index is None else str(f.episode_index)


def _where(f: Finding) -> str:
    parts = [f"frames {f.frames_text()}" if f.frames_text() else ""]
    parts.append(f.camera.rsplit(".", 1)[-1] if f.camera else "")
    return "  ".join(p for p in parts if p)


def _message(f: Finding) -> str:
    return f.message + (f"  [{f.fix_text()}]" if f.fix else "")


def _message_cell(f: Finding) -> None:
    """The message on one line (the row's tooltip has the whole of it)."""
    imgui.text(_message(f))


def _row_tooltip(f: Finding) -> None:
    """Hovering a row shows the whole finding, wrapped: the narrow panel cuts long messages."""
    if not imgui.begin_item_tooltip():
        return
    imgui.push_text_wrap_pos(hello_imgui.em_size(30))
    imgui.text_colored(
        SEVERITY_COLOURS[f.severity], f"{SEVERITY_ICONS[f.severity]} {f.severity.label}: {f.kind}"
    )
    where = _where(f)
    episode = "the whole dataset" if f.episode_index is None else f"episode {f.episode_index}"
    imgui.text_disabled(f"{episode}  {where}" if where else episode)
    imgui.text_wrapped(f.message)
    if f.fix:
        imgui.text_wrapped(f"suggested: {f.fix_text()}")
    imgui.pop_text_wrap_pos()
    imgui.end_tooltip()


def _wide_cells(f: Finding) -> None:
    imgui.table_next_column()
    imgui.text_colored(SEVERITY_COLOURS[f.severity], f.kind)
    imgui.table_next_column()
    imgui.text(_episode_text(f))
    imgui.table_next_column()
    imgui.text(f.frames_text() or "-")
    imgui.table_next_column()
    imgui.text(f.camera.rsplit(".", 1)[-1] if f.camera else "-")
    imgui.table_next_column()
    _message_cell(f)


def _narrow_cell(f: Finding) -> None:
    """Severity icon, kind, frames and camera; the message below."""
    imgui.table_next_column()
    imgui.text_colored(SEVERITY_COLOURS[f.severity], f"{SEVERITY_ICONS[f.severity]} {f.kind}")
    if imgui.is_item_hovered():
        imgui.set_tooltip(f.severity.label)
    where = _where(f)
    if where:
        imgui.same_line()
        imgui.text_disabled(where)
    _message_cell(f)


def go_to(state: AppState, root: Path, finding: Finding) -> None:
    """Select the finding's episode and put the playhead on its first frame."""
    if finding.episode_index is None:
        return
    dataset = state.find_dataset(root)
    if dataset is None:
        return
    try:
        dataset.index.episode(finding.episode_index)
    except KeyError:
        return
    if state.selection.dataset_root != root or state.selection.episode_index != finding.episode_index:
        state.select_episode(root, finding.episode_index)
    state.time.set_playing(False)
    state.time.seek_frame(finding.frame_start or 0)
