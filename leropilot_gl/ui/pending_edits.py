"""The Pending edits panel: the journal of every dataset, undo/redo, trim bar, Save and Discard."""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.journal import episode_label
from leropilot_gl.state import AppState
from leropilot_gl.ui import edit_actions, edit_menus
from leropilot_gl.ui.trim_handles import gui_trim_bar

WINDOW = "Pending edits"


def gui_pending_edits(state: AppState) -> None:
    ed = state.edits
    session = ed.session
    busy_any = bool(ed.jobs)
    imgui.begin_disabled(not session.can_undo or busy_any)
    if imgui.button(f"{fa.ICON_FA_ROTATE_LEFT} Undo###undo"):
        edit_actions.undo(state)
    imgui.end_disabled()
    imgui.same_line()
    imgui.begin_disabled(not session.can_redo or busy_any)
    if imgui.button(f"{fa.ICON_FA_ROTATE_RIGHT} Redo###redo"):
        edit_actions.redo(state)
    imgui.end_disabled()
    imgui.same_line()
    imgui.begin_disabled(not session.dirty_roots() or busy_any)
    if imgui.button(f"{fa.ICON_FA_FLOPPY_DISK} Save all..."):
        edit_actions.request_save_all(state)
    imgui.end_disabled()
    imgui.separator()
    gui_trim_bar(state)
    imgui.separator()

    shown = [j for j in session.journals.values() if j.ops and (j.on_disk or j.cursor > 0)]
    if not shown:
        imgui.text_wrapped(
            "No pending edits. Right-click an episode in the tree to delete, trim, duplicate or "
            "move it; drag episodes to reorder them or onto another dataset. Nothing on disk "
            "changes until Save."
        )
    for journal in sorted(shown, key=lambda j: str(j.root)):
        with imgui_ctx.push_id(str(journal.root)):
            _journal_section(state, journal.root)


def _journal_section(state: AppState, root: Path) -> None:
    ed = state.edits
    journal = ed.session.journal(root)
    kept = journal.kept_view()  # per frame: no copy of a 100,000-episode list
    title = (
        f"{root.name}{'' if journal.on_disk else ' (new)'}: {journal.cursor} edit(s), {len(kept)} episodes"
    )
    opened = imgui.collapsing_header(f"{title}###journal", imgui.TreeNodeFlags_.default_open)
    if not journal.on_disk:
        edit_menus.gui_drop_on_new_dataset(state, root)
    if not opened:
        return
    busy = ed.busy(root)
    if busy:
        job = ed.jobs[root]
        snap = job.snapshot()
        imgui.text_colored(
            imgui.ImVec4(0.95, 0.75, 0.25, 1.0), f"{fa.ICON_FA_LOCK} {snap.title}: {snap.status_text}"
        )
        imgui.progress_bar(snap.progress or 0.0, hello_imgui.em_to_vec2(16, 0))
        imgui.same_line()
        if imgui.small_button("Cancel"):
            job.cancel()
    else:
        imgui.begin_disabled(not journal.dirty or bool(ed.jobs))
        if imgui.button(f"{fa.ICON_FA_FLOPPY_DISK} Save...###save"):
            edit_actions.request_save(state, root)
        imgui.same_line()
        if imgui.button("Discard...###discard"):
            edit_actions.request_discard(state, root)
        imgui.end_disabled()
    for change in ed.session.changes(root):
        with imgui_ctx.push_id(change.seq):
            if change.applied:
                imgui.bullet_text(change.label)
            else:
                imgui.text_disabled(f"   {change.label} (undone)")
    if not journal.on_disk:
        imgui.text_disabled(f"will be written to {root}")
        for position, episode in enumerate(kept):
            imgui.text(
                f"   {position}: {episode_label(episode)}"
                f" from {Path(episode.slice.source_root).name} ({episode.length} frames)"
            )
