"""The hello_imgui runner: window, docking layout, menus, the per-frame tick that polls workers."""

# ruff: noqa: E402  (PyOpenGL starts loading on its own thread before the other imports run)
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from leropilot_gl.render.gl import preload_in_background

# Measured with tools/bench/startup.py: loaded here, beside imgui and the dataset code, PyOpenGL is
# ready before the first texture; loaded once the window is up, it delayed the first video frame.
preload_in_background()


def _preload_readers() -> None:
    # PyAV last: the first frames' decoder. Its compiled modules hold the GIL while they load, so
    # imported by the decoder once the window drew, they stalled frames (longest frame 0.7 s) and
    # the first video frame came 1.83 s after launch; loaded here, before the window, 1.16 s and
    # frames of at most 37 ms (tools/bench/startup.py, alternating, 2 cores).
    for group in (("pyarrow", "pyarrow.compute", "pyarrow.parquet"), ("av",)):
        try:
            for name in group:
                __import__(name)  # the import statement's path: `-X importtime` lists it
        except ImportError:  # the user of it imports it again and reports why it cannot
            pass


# The dataset readers' pyarrow and the video decoder's PyAV, on a thread of its own: no module
# imported below needs them (leropilot_gl/lazy.py). Measured with tools/bench/startup.py (2 cores,
# llvmpipe): started here, the window comes up with the dataset tree, earlier than with pyarrow
# imported in line; left to the open worker, a bare window came first and the tree and first video
# frame later.
import threading

threading.Thread(target=_preload_readers, name="readers-import", daemon=True).start()

from imgui_bundle import hello_imgui, icons_fontawesome_6 as fa, imgui, immapp

from leropilot_gl.render.headless import init_null_platform
from leropilot_gl.settings import Settings, load_settings
from leropilot_gl.state import AppState
from leropilot_gl.ui import frame, layout, quit_dialog
from leropilot_gl.ui.folder_browser import choose_path, gui_file_browser
from leropilot_gl.ui.notices import gui_notices
from leropilot_gl.ui.shortcuts_help import gui_shortcuts_help

APP_NAME = "leropilot-gl"
SETTINGS_PREF = "settings"
ASSETS_DIR = Path(__file__).parent / "assets"
SAMPLE_DATASET = ASSETS_DIR / "sample" / "so101_sample"


class _UiOnlyState:
    """Widgets state that lives only as long as the window (never persisted)."""

    def __init__(self) -> None:
        self.open_path_text = ""
        self.open_path_popup_requested = False
        self.open_path_focus = False
        self.show_shortcuts = False
        self.applied_ui_scale = 1.0  # the scale the style's sizes are at now


def tick(state: AppState) -> None:
    """Once per frame, before any panel: poll workers, never wait."""
    state.poll_opening()
    for job in state.jobs.poll_finished():
        snap = job.snapshot()
        if snap.status == "failed":
            hello_imgui.log(hello_imgui.LogLevel.error, f"{snap.title} failed: {snap.error}")
            if not job.reports_own_errors:  # errors are shown once: inline by their panel, or here
                state.notify("error", f"{snap.title} failed: {snap.error}")
        elif snap.status == "cancelled":
            state.notify("info", f"{snap.title} cancelled")
    frame.tick_features(state)


def handle_dropped_paths(state: AppState, paths: list[str]) -> None:
    """A dropped URDF becomes the 3D model; a dropped folder (or a file inside one) opens as a dataset."""
    from leropilot_gl.ui import view3d

    for raw in paths:
        if raw.lower().endswith(".urdf") and view3d.accept_dropped_urdf(state, raw):
            continue
        path = Path(raw)
        if path.is_file():
            path = next((p for p in path.parents if (p / "meta" / "info.json").is_file()), path.parent)
        state.open_dataset_async(path)


def _install_drop_callback(state: AppState) -> None:
    try:
        import glfw
        from imgui_bundle import glfw_utils

        window = glfw_utils.glfw_window_hello_imgui()
        glfw.set_drop_callback(window, lambda _w, paths: handle_dropped_paths(state, list(paths)))
    except Exception as exc:  # no GLFW backend (another platform backend): drag-and-drop is off
        hello_imgui.log(hello_imgui.LogLevel.warning, f"drag-and-drop unavailable: {exc}")


# ---------------------------------------------------------------------------- commands
def open_dataset_dialog(state: AppState) -> None:
    """Ctrl+O, File > Open...: the system folder dialog where there is one, else the built-in browser."""
    recent = state.settings.recent_datasets
    start = Path(recent[0]).parent if recent else None
    choose_path(state, title="Open a LeRobot dataset folder", on_choose=state.open_dataset_async, start=start)


def save_selected(state: AppState) -> None:
    """Ctrl+S, File > Save: the Save confirmation for the dataset being shown, when it has pending edits."""
    from leropilot_gl.ui.edit_actions import request_save

    dataset = state.selected_dataset
    if dataset is None:
        state.notify("info", "Nothing to save: open a dataset first.")
        return
    root = dataset.root.resolve()
    edits = state.edits
    if not edits.attached(root) or not edits.session.journal(root).dirty:
        state.notify("info", f"{dataset.index.name}: no pending edits to save.")
        return
    if edits.busy(root):
        state.notify("warning", f"{dataset.index.name} is being saved already.")
        return
    request_save(state, root)


def set_ui_scale(state: AppState, ui: _UiOnlyState, scale: float) -> None:
    state.settings.set_ui_scale(scale)
    apply_ui_scale(state, ui)


def apply_ui_scale(state: AppState, ui: _UiOnlyState) -> None:
    """Text scales at draw time, and every size the panels give in em follows it. Paddings stay as
    the screen's DPI set them: style.scale_all_sizes there and back again loses the frames' looks."""
    scale = state.settings.ui_scale
    if scale == ui.applied_ui_scale:
        return
    imgui.get_style().font_scale_main = scale
    ui.applied_ui_scale = scale


def reset_layout(state: AppState) -> None:
    """View > Reset layout: the docking splits and the windows shown as on first start."""
    params = hello_imgui.get_runner_params()
    for label, visible in layout.default_visibility(state).items():
        window = params.docking_params.dockable_window_of_name(label)
        if window is not None:
            window.is_visible = visible
    params.docking_params.layout_reset = True


def handle_app_shortcuts(state: AppState, ui: _UiOnlyState) -> None:
    """Ctrl+O open, Ctrl+S save, Ctrl+Q quit, F1 shortcuts (Ctrl+Z/Y live with the edits)."""
    io = imgui.get_io()
    if io.key_ctrl and not io.key_shift and not io.key_alt:
        if imgui.is_key_pressed(imgui.Key.o, False):
            open_dataset_dialog(state)
        if imgui.is_key_pressed(imgui.Key.s, False):
            save_selected(state)
        if imgui.is_key_pressed(imgui.Key.q, False):
            quit_dialog.request_quit(state)
    if imgui.is_key_pressed(imgui.Key.f1, False):
        ui.show_shortcuts = not ui.show_shortcuts


# ---------------------------------------------------------------------------- menus
def gui_menus(state: AppState, ui: _UiOnlyState) -> None:
    _gui_file_menu(state, ui)
    frame.gui_feature_menus(state)
    _gui_view_menu(state, ui)
    _gui_help_menu(state, ui)


def _gui_file_menu(state: AppState, ui: _UiOnlyState) -> None:
    if not imgui.begin_menu("File"):
        return
    if imgui.menu_item(f"{fa.ICON_FA_FOLDER_OPEN} Open...", "Ctrl+O", False)[0]:
        open_dataset_dialog(state)
    if imgui.menu_item("Open path...", "", False)[0]:
        ui.open_path_popup_requested = True
    imgui.set_item_tooltip("Type a dataset folder or a Hub repo id (user/dataset)")
    if imgui.begin_menu("Open recent", bool(state.settings.recent_datasets)):
        for path in state.settings.recent_datasets:
            if imgui.menu_item(path, "", False)[0]:
                state.open_dataset_async(path)
        imgui.end_menu()
    imgui.separator()
    dataset = state.selected_dataset
    if imgui.menu_item(f"{fa.ICON_FA_FLOPPY_DISK} Save...", "Ctrl+S", False, dataset is not None)[0]:
        save_selected(state)
    if (
        imgui.menu_item("Restore previous version...", "", False, dataset is not None)[0]
        and dataset is not None
    ):
        from leropilot_gl.ui.edit_actions import request_restore

        request_restore(state, dataset.resolved_root)  # the backups Save kept; confirmed first
    if imgui.menu_item("Close dataset", "", False, dataset is not None)[0] and dataset is not None:
        state.close_dataset(dataset.root)
    imgui.separator()
    if imgui.menu_item("Quit", "Ctrl+Q", False)[0]:
        quit_dialog.request_quit(state)
    imgui.end_menu()


def _gui_view_menu(state: AppState, ui: _UiOnlyState) -> None:
    if not imgui.begin_menu("View"):
        return
    docking = hello_imgui.get_runner_params().docking_params
    for label in layout.menu_windows(state):
        window = docking.dockable_window_of_name(label)
        if window is not None and imgui.menu_item(label, "", window.is_visible)[0]:
            window.is_visible = not window.is_visible
            if window.is_visible:
                window.focus_window_at_next_frame = True
    imgui.separator()
    if imgui.begin_menu("UI scale"):
        for scale in Settings.UI_SCALES:
            if imgui.menu_item(f"{scale:.0%}", "", state.settings.ui_scale == scale)[0]:
                set_ui_scale(state, ui, scale)
        imgui.end_menu()
    imgui.set_item_tooltip("Text and widget size (remembered with the layout)")
    if imgui.menu_item("Reset layout", "", False)[0]:
        reset_layout(state)
    imgui.separator()
    if imgui.begin_menu("Debug"):
        state.show_demo_window = imgui.menu_item("ImGui demo window", "", state.show_demo_window)[1]
        state.show_metrics_window = imgui.menu_item("Metrics", "", state.show_metrics_window)[1]
        state.show_id_stack_tool = imgui.menu_item("ID stack tool", "", state.show_id_stack_tool)[1]
        imgui.end_menu()
    imgui.end_menu()


def _gui_help_menu(state: AppState, ui: _UiOnlyState) -> None:
    if not imgui.begin_menu("Help"):
        return
    ui.show_shortcuts = imgui.menu_item("Keyboard shortcuts", "F1", ui.show_shortcuts)[1]
    imgui.end_menu()


def gui_frame_extras(state: AppState, ui: _UiOnlyState) -> None:
    """Drawn every frame outside the docked panels: dialogs, popups, debug windows, shortcuts."""
    apply_ui_scale(state, ui)  # settings load after the first frames; the menu changes it too
    handle_app_shortcuts(state, ui)
    gui_file_browser(state)
    if ui.open_path_popup_requested:
        imgui.open_popup("Open dataset path")
        ui.open_path_popup_requested = False
        ui.open_path_text = ""  # a fresh field: typing must not append to the last path
        ui.open_path_focus = True
    if imgui.begin_popup_modal("Open dataset path", None, imgui.WindowFlags_.always_auto_resize)[0]:
        imgui.text("Dataset folder or Hub repo id:")
        imgui.set_next_item_width(hello_imgui.em_size(30))
        if ui.open_path_focus:
            imgui.set_keyboard_focus_here()
            ui.open_path_focus = False
        entered, ui.open_path_text = imgui.input_text(
            "##path", ui.open_path_text, imgui.InputTextFlags_.enter_returns_true
        )
        if (imgui.button("Open") or entered) and ui.open_path_text.strip():
            state.open_dataset_async(ui.open_path_text.strip())
            imgui.close_current_popup()
        imgui.same_line()
        if imgui.button("Browse..."):
            imgui.close_current_popup()
            choose_path(
                state, title="Open a LeRobot dataset folder", on_choose=state.open_dataset_async, native=False
            )
        imgui.same_line()
        if imgui.button("Cancel") or imgui.is_key_pressed(imgui.Key.escape):
            imgui.close_current_popup()
        imgui.end_popup()
    frame.gui_modals(state)
    gui_notices(state)
    if ui.show_shortcuts:
        ui.show_shortcuts = gui_shortcuts_help(state)
    if state.show_demo_window:
        state.show_demo_window = imgui.show_demo_window(state.show_demo_window) or state.show_demo_window
    if state.show_metrics_window:
        imgui.show_metrics_window()
    if state.show_id_stack_tool:
        imgui.show_id_stack_tool_window()


def gui_status_bar(state: AppState) -> None:
    if state.opening:
        imgui.text(f"{fa.ICON_FA_SPINNER} opening {len(state.opening)} dataset(s)...")
        imgui.same_line()
    for job in state.jobs.running():
        snap = job.snapshot()
        imgui.text(snap.title)
        imgui.same_line()
        imgui.progress_bar(snap.progress if snap.progress is not None else 0.0, hello_imgui.em_to_vec2(8, 0))
        imgui.same_line()
    dataset, episode = state.selected_dataset, state.selected_episode
    if dataset is not None and episode is not None:
        imgui.text(f"{dataset.index.name} / episode {episode.episode_index}")


def build_runner_params(state: AppState, *, persist_layout: bool = True) -> hello_imgui.RunnerParams:
    """The app as RunnerParams: used by run_app and, through headless_runner_params, by the GUI
    tests (persist_layout=False)."""
    ui = _UiOnlyState()
    state.playback_view.panel_objects["app_ui"] = ui  # GUI tests read the menus' own state through this
    params = hello_imgui.RunnerParams()
    params.app_window_params.window_title = APP_NAME
    params.app_window_params.window_geometry.size = (1440, 900)
    params.app_window_params.restore_previous_geometry = persist_layout
    params.imgui_window_params.default_imgui_window_type = (
        hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space
    )
    params.imgui_window_params.show_menu_bar = True
    params.imgui_window_params.show_menu_app = False
    params.imgui_window_params.show_menu_view = False  # ours comes after File and Edit, with Debug inside
    params.imgui_window_params.show_status_bar = True
    params.imgui_window_params.enable_viewports = False
    params.callbacks.default_icon_font = hello_imgui.DefaultIconFont.font_awesome6
    params.callbacks.show_menus = lambda: gui_menus(state, ui)
    params.callbacks.show_status = lambda: gui_status_bar(state)
    params.callbacks.show_gui = lambda: gui_frame_extras(state, ui)
    params.callbacks.post_new_frame = lambda: tick(state)

    def post_init() -> None:
        if persist_layout:  # older versions kept the window's preferences in hello_imgui's user prefs
            state.use_settings(load_settings(legacy_prefs=hello_imgui.load_user_pref(SETTINGS_PREF)))
        _install_drop_callback(state)

    def before_exit() -> None:
        frame.release(state)
        if persist_layout:
            try:
                state.settings.save(environments=False)
            except OSError as exc:
                hello_imgui.log(hello_imgui.LogLevel.error, f"settings not saved: {exc}")
        state.shutdown()

    params.callbacks.post_init = post_init
    params.callbacks.before_exit = before_exit
    # Closing the window with pending edits asks first (ui/quit_dialog.py, also Ctrl+Q / File > Quit).
    params.callbacks.confirm_exit = lambda: quit_dialog.confirm_exit(state)
    if persist_layout:  # a real launch reopens the datasets whose edits were kept
        state.edits.reopen_pending = True
    params.docking_params = layout.make_docking_params(state)
    params.fps_idling.enable_idling = True
    if persist_layout:
        params.ini_folder_type = hello_imgui.IniFolderType.app_user_config_folder
        params.ini_filename = f"{APP_NAME}/layout.ini"
    else:
        params.ini_disable = True
    return params


def headless_runner_params(state: AppState, *, persist_layout: bool = False) -> hello_imgui.RunnerParams:
    """The app without a display or GPU (GLFW's Null platform + EGL): `--offscreen` and the GUI tests.

    No MSAA (hello_imgui asks for 8 samples): the renderer is then usually Mesa's llvmpipe, where
    MSAA doubles the CPU cost of every frame. No idling: no user input will come to wake the loop.
    """
    init_null_platform()  # again after each run: the previous app's glfwTerminate reset it
    params = build_runner_params(state, persist_layout=persist_layout)
    params.renderer_backend_options.open_gl_options.anti_aliasing_samples = 0
    params.fps_idling.enable_idling = False
    return params


def add_ons() -> immapp.AddOnsParams:
    return immapp.AddOnsParams(with_implot=True)


def _display_missing() -> str | None:
    """On Linux a window needs X11 or Wayland; say so plainly instead of a GLFW assertion."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return (
            "no display: the leropilot-gl window needs a desktop session (DISPLAY or WAYLAND_DISPLAY is "
            "unset). The headless commands work anywhere (leropilot-gl --help), and "
            "`leropilot-gl --offscreen shot.png` renders the window without a screen."
        )
    return None


def _exit_when_settled(state: AppState, started_at: float, max_wait_s: float) -> None:
    """Offscreen runs: stop once the datasets are open and every camera tile shows a frame."""
    params = hello_imgui.get_runner_params()
    tiles = state.playback.tiles
    settled = (
        not state.opening
        and not state.hub.open_requests
        and all(t.shown_frame is not None or t.problem for t in tiles.values())
        and imgui.get_frame_count() > 10
    )
    if settled or time.monotonic() - started_at > max_wait_s:
        params.app_shall_exit = True


def run_app(dataset_args: list[str], *, offscreen_png: str | None = None, max_wait_s: float = 120.0) -> int:
    """Open the window on the given datasets (the bundled sample when none).

    With offscreen_png, render without a screen until the data is shown, save the window as PNG
    and exit: a smoke test of the whole app for scripts and CI.
    """
    state = AppState()
    targets = dataset_args or [str(SAMPLE_DATASET)]
    for target in targets:
        state.open_dataset_async(target)
    if offscreen_png:
        params = headless_runner_params(state)  # never touches the user's layout
        started_at = time.monotonic()
        tick_then_check = params.callbacks.post_new_frame
        params.callbacks.post_new_frame = lambda: (
            tick_then_check(),
            _exit_when_settled(state, started_at, max_wait_s),
        )
    else:
        missing = _display_missing()
        if missing:
            print(f"error: {missing}", file=sys.stderr)
            return 2
        params = build_runner_params(state)
    try:
        immapp.run(params, add_ons())
    except RuntimeError as exc:
        if "glfwInit" in str(exc) or "GLFW" in str(exc):
            print(
                f"error: cannot open a window ({exc}); try `leropilot-gl --offscreen shot.png`",
                file=sys.stderr,
            )
            return 2
        raise
    if offscreen_png:
        from PIL import Image

        Image.fromarray(hello_imgui.final_app_window_screenshot()).convert("RGB").save(offscreen_png)
        errors = [n.text for n in state.notices if n.level == "error"]
        for text in errors:
            print(f"error: {text}", file=sys.stderr)
        return 1 if errors else 0
    return 0
