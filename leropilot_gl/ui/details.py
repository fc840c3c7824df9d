"""Details of the selected dataset and episode: metadata, cameras, features, problems."""

from __future__ import annotations

from imgui_bundle import imgui

from leropilot_gl.state import AppState
from leropilot_gl.ui.language_track import gui_language_details
from leropilot_gl.ui.problem_badge import problem_line

TABLE_FLAGS = (
    imgui.TableFlags_.row_bg | imgui.TableFlags_.borders_inner_v | imgui.TableFlags_.sizing_stretch_prop
)


def gui_details(state: AppState) -> None:
    dataset = state.selected_dataset
    if dataset is None:
        imgui.text_disabled("Select a dataset or an episode in the tree.")
        return
    index = dataset.index
    episode = state.selected_episode
    if episode is not None:
        imgui.separator_text(f"Episode {episode.episode_index}")
        imgui.text(f"Frames: {episode.length}   Duration: {episode.duration_s:.2f} s")
        for task in episode.tasks:
            imgui.text_wrapped(f"Task: {task}")
        imgui.text_disabled(f"Rows {episode.row_start}..{episode.row_end - 1} of {episode.data_path.name}")
        if episode.videos and imgui.begin_table("episode_videos", 3, TABLE_FLAGS):
            imgui.table_setup_column("Camera")
            imgui.table_setup_column("File")
            imgui.table_setup_column("Time in file")
            imgui.table_headers_row()
            for key, video in sorted(episode.videos.items()):
                imgui.table_next_row()
                imgui.table_next_column()
                imgui.text(key)
                imgui.table_next_column()
                rel = (
                    video.path.relative_to(index.root)
                    if video.path.is_relative_to(index.root)
                    else video.path
                )
                imgui.text(str(rel) if video.exists else f"{rel} (missing)")
                imgui.table_next_column()
                imgui.text(f"{video.from_s:.3f} - {video.to_s:.3f} s")
            imgui.end_table()
        for problem in episode.problems:
            problem_line(problem)

    imgui.separator_text(f"Dataset {index.name}")
    imgui.text(f"Version {index.version}   {index.fps:g} fps   Robot: {index.robot_type or 'unknown'}")
    imgui.text(f"{len(index.episodes)} episodes, {index.total_frames} frames")
    imgui.text_disabled(str(index.root))
    if index.cameras and imgui.tree_node_ex("Cameras", imgui.TreeNodeFlags_.default_open):
        for cam in sorted(index.cameras.values(), key=lambda c: c.key):
            size = f"{cam.width}x{cam.height}" if cam.width else "?"
            imgui.bullet_text(f"{cam.key}: {cam.storage}, {cam.codec or '?'}, {size}, {cam.fps or '?'} fps")
        imgui.tree_pop()
    if imgui.tree_node("Features"):
        for feat in index.features.values():
            if imgui.tree_node(f"{feat.key}  ({feat.dtype} {list(feat.shape)})"):
                imgui.text_wrapped(", ".join(feat.names) if feat.names else "(no names)")
                imgui.tree_pop()
        imgui.tree_pop()
    gui_language_details(state)  # annotations, tools, which LeRobot releases read it
    dataset_problems = [p for p in index.problems if p.episode_index is None]
    if dataset_problems:
        imgui.separator_text(f"Problems ({len(index.problems)} in all)")
        for problem in sorted(dataset_problems, key=lambda p: -p.severity):
            problem_line(problem)
