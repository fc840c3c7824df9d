"""The dataset tree: open datasets > episodes, with length, task and problems."""

from __future__ import annotations

from imgui_bundle import icons_fontawesome_6 as fa, imgui, imgui_ctx

from leropilot_gl.state import AppState, OpenDataset
from leropilot_gl.ui import edit_actions
from leropilot_gl.ui.problem_badge import problem_badge

TABLE_FLAGS = (
    imgui.TableFlags_.row_bg
    | imgui.TableFlags_.borders_inner_v
    | imgui.TableFlags_.resizable
    | imgui.TableFlags_.sizing_stretch_prop
)


def gui_dataset_tree(state: AppState) -> None:
    if not state.datasets and not state.opening:
        imgui.text_wrapped("No dataset open. File > Open folder (Ctrl+O), or drop a dataset folder here.")
    for path in state.opening:
        imgui.text_disabled(f"{fa.ICON_FA_SPINNER} opening {path} ...")
    for dataset in list(state.datasets):
        with imgui_ctx.push_id(str(dataset.root)):
            _dataset_node(state, dataset)


def _dataset_node(state: AppState, dataset: OpenDataset) -> None:
    index = dataset.index
    selected_here = state.selection.dataset_root == dataset.root
    flags = imgui.TreeNodeFlags_.default_open if selected_here else 0
    opened = imgui.tree_node_ex(f"{fa.ICON_FA_DATABASE} {index.name}###dataset", flags)
    if imgui.begin_popup_context_item("dataset_menu"):
        if imgui.menu_item("Reload from disk", "", False)[0]:
            root = dataset.root
            state.close_dataset(root)
            state.open_dataset_async(root)
        if imgui.menu_item("Close", "", False)[0]:
            state.close_dataset(dataset.root)
        edit_actions.gui_dataset_menu_items(state, dataset)
        imgui.end_popup()
    if imgui.is_item_hovered():
        imgui.set_tooltip(
            f"{index.root}\n{index.version}, {index.fps:g} fps, robot {index.robot_type or 'unknown'}"
        )
    imgui.same_line()
    imgui.text_disabled(f"{index.version}  {len(index.episodes)} ep")
    edit_actions.gui_dataset_badges(state, dataset)
    dataset_level = [p for p in index.problems if p.episode_index is None]
    if dataset_level:
        imgui.same_line()
        problem_badge(dataset_level)
    if not opened:
        return
    if imgui.begin_table("episodes", 3, TABLE_FLAGS):
        imgui.table_setup_column("Episode", imgui.TableColumnFlags_.width_fixed)
        imgui.table_setup_column("Frames", imgui.TableColumnFlags_.width_fixed)
        imgui.table_setup_column("Task")
        if edit_actions.gui_edit_rows(state, dataset):  # the journal's working list (pending edits)
            imgui.end_table()
            imgui.tree_pop()
            return
        clipper = imgui.ListClipper()
        clipper.begin(len(index.episodes))
        while clipper.step():
            for row in range(clipper.display_start, clipper.display_end):
                episode = index.episodes[row]
                with imgui_ctx.push_id(episode.episode_index):
                    imgui.table_next_row()
                    imgui.table_next_column()
                    is_selected = selected_here and state.selection.episode_index == episode.episode_index
                    clicked, _ = imgui.selectable(
                        f"{episode.episode_index:06d}", is_selected, imgui.SelectableFlags_.span_all_columns
                    )
                    if clicked:
                        state.select_episode(dataset.root, episode.episode_index)
                    if is_selected and imgui.is_window_appearing():
                        imgui.set_scroll_here_y()
                    imgui.table_next_column()
                    imgui.text(str(episode.length))
                    imgui.table_next_column()
                    if episode.problems:
                        problem_badge(episode.problems)
                        imgui.same_line()
                    imgui.text(" | ".join(episode.tasks) if episode.tasks else "")
        imgui.end_table()
    imgui.tree_pop()
