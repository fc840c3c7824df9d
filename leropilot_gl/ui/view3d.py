"""The "3D" panel: the robot posed from the recorded state at the playhead, the action as a ghost.

Orbit with the left mouse button, pan with the right or middle one, zoom with the wheel,
double-click to reset the view. The render is redone only when something it shows changed.
"""

from __future__ import annotations

import time
from pathlib import Path

from imgui_bundle import (
    hello_imgui,
    icons_fontawesome_6 as fa,
    imgui,
    imgui_ctx,
)

from leropilot_gl.render.view3d_state import View3DState
from leropilot_gl.state import AppState
from leropilot_gl.ui.folder_browser import choose_path

CANVAS_ID = "##view3d_canvas"
# robot.units.JointUnits values, written out: the robot modules load with the panel's first draw
# (View3DState.load_prefs_async), not with the app (tests/test_startup_imports.py checks them).
UNIT_CHOICES: list[tuple[str | None, str]] = [
    (None, "Auto"),
    ("degrees", "degrees"),
    ("range_100", "-100..100"),
    ("radians", "radians"),
]
NO_JOINT = "(none)"
WARNING_COLOR = imgui.ImVec4(1.0, 0.72, 0.3, 1.0)
ERROR_COLOR = imgui.ImVec4(1.0, 0.42, 0.38, 1.0)


def gui_view3d(state: AppState) -> None:
    view = state.view3d
    dataset, episode = state.selected_dataset, state.selected_episode
    view.update(state.executor, dataset.index if dataset else None, episode)
    _poll_urdf_dialog(state)
    if dataset is None or episode is None:
        imgui.text_disabled("Select an episode to see the robot in 3D.")
        return
    if not view.load_prefs_async(state.executor):
        imgui.text_disabled("Reading the saved robot settings...")
        return
    robot_type = dataset.index.robot_type
    _gui_toolbar(view, robot_type)
    if imgui.collapsing_header("Robot model, joints and units"):
        # Its own scrolling box of at most 40% of the panel: the 3D view below keeps the rest.
        imgui.set_next_window_size_constraints(
            imgui.ImVec2(0, 0), imgui.ImVec2(imgui.FLT_MAX, imgui.get_content_region_avail().y * 0.4)
        )
        child_flags = imgui.ChildFlags_.borders | imgui.ChildFlags_.auto_resize_y
        with imgui_ctx.begin_child("##robot_settings", imgui.ImVec2(0, 0), child_flags):
            _gui_robot_settings(state, robot_type)
    _gui_status(view, robot_type)
    _gui_canvas(state)


# ---------------------------------------------------------------------- toolbar and status
def _gui_toolbar(view: View3DState, robot_type: str | None) -> None:
    _, view.show_ghost = imgui.checkbox("Action ghost", view.show_ghost)
    imgui.same_line()
    _, view.show_trail = imgui.checkbox("Trail", view.show_trail)
    imgui.same_line()
    if imgui.button(f"{fa.ICON_FA_HOUSE} Reset view"):
        view.camera.reset()
    imgui.same_line()
    imgui.set_next_item_width(hello_imgui.em_size(11))
    prefs = view.prefs_for(robot_type)
    current = next((label for value, label in UNIT_CHOICES if value == prefs.units), "Auto")
    if current == "Auto" and view.motion is not None:
        current = f"Auto ({view.motion.unit_guess.units.label})"
    if imgui.begin_combo("Units", current):
        for value, label in UNIT_CHOICES:
            if imgui.selectable(label, value == prefs.units)[0] and value != prefs.units:
                view.update_prefs(robot_type, units=value)
        imgui.end_combo()
    if imgui.is_item_hovered() and view.motion is not None:
        imgui.set_tooltip(
            f"Guess: {view.motion.unit_guess.units.label}, because {view.motion.unit_guess.reason}"
        )


def _gui_status(view: View3DState, robot_type: str | None) -> None:
    if view.robot_source is None:
        imgui.text_wrapped(
            f"No robot model for robot type '{robot_type or 'unknown'}'. Choose its URDF under "
            "'Robot model, joints and units', or drop a .urdf file onto the window."
        )
        return
    if view.robot_error:
        imgui.text_colored(ERROR_COLOR, f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} {view.robot_error}")
    elif view.robot is None:
        imgui.text(f"{fa.ICON_FA_SPINNER} loading {view.robot_source.urdf_path.name}...")
    if view.motion_error:
        imgui.text_colored(ERROR_COLOR, f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} {view.motion_error}")
    problems = (view.robot.problems if view.robot else []) + (view.motion.problems if view.motion else [])
    if problems:
        imgui.text_colored(WARNING_COLOR, f"{fa.ICON_FA_TRIANGLE_EXCLAMATION} {problems[0]}")
        if len(problems) > 1 and imgui.is_item_hovered():
            imgui.set_tooltip("\n".join(problems[:30]))
    if view.motion is not None and view.prefs_for(robot_type).units is None:
        guess = view.motion.unit_guess
        with imgui_ctx.push_style_color(
            imgui.Col_.text, imgui.get_style_color_vec4(imgui.Col_.text_disabled)
        ):
            imgui.text_wrapped(f"Units guessed: {guess.units.label} ({guess.reason})")


# ---------------------------------------------------------------------- robot settings
def _gui_robot_settings(state: AppState, robot_type: str | None) -> None:
    view = state.view3d
    source = view.robot_source
    if source is not None:
        imgui.text_wrapped(
            f"Model: {source.urdf_path}" + (" (bundled for this robot type)" if source.bundled else "")
        )
    imgui.set_next_item_width(-hello_imgui.em_size(14))
    _, view.urdf_path_text = imgui.input_text_with_hint(
        "##urdf_path", "path to a .urdf file", view.urdf_path_text
    )
    imgui.same_line()
    if imgui.button("Use URDF") and view.urdf_path_text.strip():
        _choose_urdf(state, view.urdf_path_text.strip())
    imgui.same_line()
    if imgui.button(f"{fa.ICON_FA_FOLDER_OPEN} Choose..."):
        # The system dialog where there is one, else the built-in browser: the button always answers.
        choose_path(
            state,
            title="Choose the robot's URDF",
            pick="file",
            extensions=(".urdf", ".xml"),
            on_choose=lambda path: _choose_urdf(state, path),
        )
    prefs = view.prefs_for(robot_type)
    if prefs.urdf_path and imgui.button("Forget this model"):
        view.update_prefs(robot_type, urdf_path=None, mapping=None)
    _gui_package_dirs(view, robot_type)
    _gui_mapping(view, robot_type)


def _gui_package_dirs(view: View3DState, robot_type: str | None) -> None:
    prefs = view.prefs_for(robot_type)
    imgui.text("package:// folders:")
    for folder in list(prefs.package_dirs):
        with imgui_ctx.push_id(folder):
            imgui.bullet_text(folder)
            imgui.same_line()
            if imgui.small_button("Remove"):
                view.update_prefs(robot_type, package_dirs=[p for p in prefs.package_dirs if p != folder])
                view.robot_source = None  # reload with the new search path
    imgui.set_next_item_width(-hello_imgui.em_size(7))
    _, view.package_dir_text = imgui.input_text_with_hint(
        "##package_dir", "folder holding ROS packages", view.package_dir_text
    )
    imgui.same_line()
    if imgui.button("Add folder") and view.package_dir_text.strip():
        folder = str(Path(view.package_dir_text.strip()).expanduser())
        view.update_prefs(robot_type, package_dirs=[*prefs.package_dirs, folder])
        view.package_dir_text = ""
        view.robot_source = None


def _gui_mapping(view: View3DState, robot_type: str | None) -> None:
    motion, robot = view.motion, view.robot
    if motion is None or robot is None:
        return
    imgui.separator_text("Joint mapping")
    if imgui.button("Automatic mapping"):
        view.update_prefs(robot_type, mapping=None)
    arms = motion.mapping.arms
    choices = [NO_JOINT] + [
        f"{arm}/{j.name}" if arm else j.name for arm in arms for j in robot.movable_joints
    ]
    table_flags = imgui.TableFlags_.borders_inner_h | imgui.TableFlags_.sizing_stretch_prop
    if imgui.begin_table("##mapping", 2, table_flags):
        for name in motion.feature_names:
            with imgui_ctx.push_id(name):
                imgui.table_next_row()
                imgui.table_next_column()
                imgui.text(name)
                imgui.table_next_column()
                target = motion.mapping.targets.get(name)
                label = (
                    NO_JOINT
                    if target is None
                    else (f"{target.arm}/{target.joint}" if target.arm else target.joint)
                )
                imgui.set_next_item_width(-1)
                if imgui.begin_combo("##joint", label):
                    for choice in choices:
                        if imgui.selectable(choice, choice == label)[0] and choice != label:
                            _set_mapping(view, robot_type, name, choice)
                    imgui.end_combo()
        imgui.end_table()


def _set_mapping(view: View3DState, robot_type: str | None, feature: str, choice: str) -> None:
    mapping = view.motion.mapping.to_json() if view.motion is not None else {}
    if choice == NO_JOINT:
        mapping.pop(feature, None)
    else:
        arm, _, joint = choice.rpartition("/")
        mapping = {k: v for k, v in mapping.items() if v != [arm, joint]}  # one feature per joint
        mapping[feature] = [arm, joint]
    view.update_prefs(robot_type, mapping=mapping)


def _choose_urdf(state: AppState, path: str) -> None:
    dataset = state.selected_dataset
    robot_type = dataset.index.robot_type if dataset else None
    error = state.view3d.choose_urdf(robot_type, path)
    if error:
        state.notify("error", error)


def _poll_urdf_dialog(state: AppState) -> None:
    dialog = state.view3d.urdf_dialog
    if dialog is not None and dialog.ready(0):
        chosen = dialog.result()
        state.view3d.urdf_dialog = None
        if chosen:
            _choose_urdf(state, chosen[0])


def accept_dropped_urdf(state: AppState, path: str) -> bool:
    """For the window's drop handler: a dropped .urdf becomes the selected robot type's model."""
    if not path.lower().endswith(".urdf"):
        return False
    _choose_urdf(state, path)
    return True


# ---------------------------------------------------------------------- the 3D view
def _gui_canvas(state: AppState) -> None:
    view = state.view3d
    avail = imgui.get_content_region_avail()
    # The settings above scroll in their own box, so the view fits in what is left of the panel.
    width, height = int(max(avail.x, 16)), int(max(avail.y, hello_imgui.em_size(3)))
    origin = imgui.get_cursor_screen_pos()
    buttons = (
        imgui.ButtonFlags_.mouse_button_left
        | imgui.ButtonFlags_.mouse_button_right
        | imgui.ButtonFlags_.mouse_button_middle
    )
    imgui.invisible_button(CANVAS_ID, imgui.ImVec2(width, height), buttons)
    state.playback_view.panel_objects["view3d_canvas_rect"] = (
        origin.x,
        origin.y,
        origin.x + width,
        origin.y + height,
    )
    _handle_mouse(view, height)
    if view.renderer is None:
        # Loaded on the executor with the robot settings, which gui_view3d waited for: a lookup.
        from leropilot_gl.render.scene3d import RobotSceneRenderer

        view.renderer = RobotSceneRenderer()
    texture_id = _render(state, width, height)
    draw_list = imgui.get_window_draw_list()
    draw_list.add_image(
        imgui.ImTextureRef(texture_id),
        origin,
        imgui.ImVec2(origin.x + width, origin.y + height),
        imgui.ImVec2(0, 1),
        imgui.ImVec2(1, 0),  # GL rows are bottom-up
    )
    if view.busy:
        draw_list.add_text(
            imgui.ImVec2(origin.x + 8, origin.y + 8), 0xFFFFFFFF, f"{fa.ICON_FA_SPINNER} loading..."
        )


def _handle_mouse(view: View3DState, height: int) -> None:
    io = imgui.get_io()
    if imgui.is_item_active():
        dx, dy = io.mouse_delta.x, io.mouse_delta.y
        if imgui.is_mouse_down(imgui.MouseButton_.left):
            view.camera.orbit(dx, dy)
        elif imgui.is_mouse_down(imgui.MouseButton_.right) or imgui.is_mouse_down(imgui.MouseButton_.middle):
            view.camera.pan(dx, dy, height)
    if imgui.is_item_hovered():
        if io.mouse_wheel:
            view.camera.zoom(io.mouse_wheel)
        if imgui.is_mouse_double_clicked(imgui.MouseButton_.left):
            view.camera.reset()


def _render(state: AppState, width: int, height: int) -> int:
    from leropilot_gl.render.scene3d import PosedArm, Trail  # loaded with the robot settings
    from leropilot_gl.robot.pose import world_from_arm

    view = state.view3d
    renderer = view.renderer
    robot, motion = view.robot, view.motion
    renderer.set_robot(robot)
    frame = view.frame_to_show(state.time.time_s)
    camera = view.camera
    key = (
        width,
        height,
        frame,
        id(robot),
        id(motion),
        view.show_ghost,
        view.show_trail,
        tuple(camera.target),
        camera.yaw_rad,
        camera.pitch_rad,
        camera.distance_m,
    )
    if key == view.last_render_key and renderer.texture_id:
        return renderer.texture_id  # nothing it shows changed: keep the last image
    arms, ghosts, trails = [], [], []
    if robot is not None and motion is not None:
        bases = world_from_arm(motion.mapping.arms)
        for arm, values in motion.state.at(frame).items():
            arms.append(PosedArm(_place(bases[arm], robot.link_poses(values))))
        if view.show_ghost and motion.action is not None:
            for arm, values in motion.action.at(frame).items():
                ghosts.append(PosedArm(_place(bases[arm], robot.link_poses(values))))
        if view.show_trail:
            trails = [Trail(path, frame) for path in motion.end_effector_paths.values()]
    elif robot is not None:
        arms.append(PosedArm(robot.link_poses({})))  # the model at rest until the episode is read
    started = time.perf_counter()
    texture_id = renderer.render(
        width=width, height=height, camera=camera, arms=arms, ghost_arms=ghosts, trails=trails
    )
    view.frame_ms = (time.perf_counter() - started) * 1000
    view.last_render_key = key
    return texture_id


def _place(world_from_base, poses: dict) -> dict:
    return {link: world_from_base @ pose for link, pose in poses.items()}


def release_view3d_gl(state: AppState) -> None:
    """before_exit: free the 3D view's GL objects while the context still exists."""
    if state.view3d.renderer is not None:
        state.view3d.renderer.release()
        state.view3d.renderer = None
