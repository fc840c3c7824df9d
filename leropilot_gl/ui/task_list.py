"""The task list (a tab beside Details): each task text of the selected dataset with its episode
count. Click a task to filter the tree to its episodes; rename a task everywhere; set the task of
the selected episode or of every episode the filter shows. Every change is a pending edit.

The tree asks `episode_visible(state, root, working_episode)` before drawing a row.
"""

from __future__ import annotations

from pathlib import Path

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.dataset.journal import WorkingEpisode
from leropilot_gl.dataset.tasks import episode_tasks, episodes_with_task
from leropilot_gl.paths import resolved
from leropilot_gl.state import AppState
from leropilot_gl.ui.watch_status import gui_watch_status

WINDOW = "Tasks"
TABLE_FLAGS = (
    imgui.TableFlags_.row_bg | imgui.TableFlags_.borders_inner_v | imgui.TableFlags_.sizing_stretch_prop
)


def episode_visible(state: AppState, root: Path, e: WorkingEpisode) -> bool:
    """False when the task filter is on for this dataset and the episode lacks the task."""
    active = state.watch.task_list.filter
    if active is None or active[0] != resolved(root):
        return True
    return active[1] in episode_tasks(state.edits.session, e)


def gui_task_list(state: AppState) -> None:
    dataset = state.selected_dataset
    if dataset is None:
        imgui.text_disabled("Select a dataset to see its tasks.")
        return
    root = dataset.resolved_root
    gui_watch_status(state, root)
    ed = state.edits
    if not ed.attached(root) or ed.session.indexes.get(str(root)) is not dataset.index:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} reading tasks ...")
        return
    ui = state.watch.task_list
    counts = ui.counts(ed.session, root)
    active = ui.filter[1] if ui.filter is not None and ui.filter[0] == root else None
    imgui.separator_text(f"Tasks of {dataset.index.name}")
    if active is not None:
        imgui.text_wrapped(f"Tree shows only: {active}")
        if imgui.small_button("Show every episode"):
            ui.filter = None
    if not counts:
        imgui.text_disabled("No task texts in this dataset.")
    if counts and imgui.begin_table("tasks", 2, TABLE_FLAGS):
        imgui.table_setup_column("Task")
        imgui.table_setup_column("Episodes", imgui.TableColumnFlags_.width_fixed)
        imgui.table_headers_row()
        for task, count in counts:
            with imgui_ctx.push_id(task):
                imgui.table_next_row()
                imgui.table_next_column()
                clicked, _ = imgui.selectable(task, task == active, imgui.SelectableFlags_.span_all_columns)
                if clicked:
                    ui.filter = None if task == active else (root, task)
                if imgui.begin_popup_context_item("task_menu"):
                    if imgui.menu_item("Rename...", "", False)[0]:
                        ui.rename_from, ui.rename_text = task, task
                    imgui.end_popup()
                imgui.table_next_column()
                imgui.text(str(count))
        imgui.end_table()
    _rename_field(state, root)
    _set_field(state, root, active)


def _rename_field(state: AppState, root: Path) -> None:
    ui = state.watch.task_list
    if ui.rename_from is None:
        return
    imgui.separator_text("Rename task")
    imgui.text_wrapped(f"Every episode with: {ui.rename_from}")
    imgui.set_next_item_width(-hello_imgui.em_size(1))
    _, ui.rename_text = imgui.input_text("##rename_text", ui.rename_text)
    if imgui.button("Rename"):
        old, new = ui.rename_from, ui.rename_text
        done = state.edits.run(lambda: state.edits.session.rename_task(root, old, new), state.notify)
        if done is not None:
            if ui.filter == (root, old):
                ui.filter = (root, new.strip())
            ui.rename_from = None
    imgui.same_line()
    if imgui.button("Cancel##rename"):
        ui.rename_from = None


def _set_field(state: AppState, root: Path, active: str | None) -> None:
    ui = state.watch.task_list
    ed = state.edits
    imgui.separator_text("Set task")
    selected = ed.selected_uid.get(root)
    if selected is None and state.selection.episode_index is not None:
        selected = f"e{state.selection.episode_index}"
    episode = ed.session.journal(root).find(selected) if selected is not None else None  # O(1) per frame
    episode = None if episode is None or episode.deleted else episode
    if episode is not None:
        current = ", ".join(episode_tasks(ed.session, episode)) or "none"
        imgui.text_wrapped(f"Selected episode {episode.slice.source_episode}: {current}")
    imgui.set_next_item_width(-hello_imgui.em_size(1))
    _, ui.set_text = imgui.input_text("##set_text", ui.set_text)
    imgui.begin_disabled(episode is None or not ui.set_text.strip())
    if imgui.button("Set for the selected episode") and episode is not None:
        uid, text = episode.uid, ui.set_text
        ed.run(lambda: ed.session.set_task(root, [uid], text), state.notify)
    imgui.end_disabled()
    if active is not None:
        uids = episodes_with_task(ed.session, root, active)
        imgui.begin_disabled(not ui.set_text.strip())
        if imgui.button(f"Set for the {len(uids)} episode(s) shown"):
            text = ui.set_text
            before = len(ed.session.changes(root))
            ed.run(lambda: ed.session.set_task(root, uids, text), state.notify)
            if len(ed.session.changes(root)) != before:
                ui.filter = (root, text.strip())  # follow the episodes to their new task
        imgui.end_disabled()
