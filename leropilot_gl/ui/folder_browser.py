"""Choosing a folder or a file that always works: the system dialog where one exists, else a built-in
ImGui browser (places: recent datasets, LeRobot's cache HF_LEROBOT_HOME, home).

On Linux the system dialog is a helper program (zenity, kdialog...); without one, the dialog library
neither raises nor shows anything, so the helper is looked for first. Listing a folder is disk work:
it runs on the executor and the browser shows the result when it lands.

    choose_path(state, title="Open a dataset", on_choose=state.open_dataset_async)         # a folder
    choose_path(state, title="URDF", pick="file", extensions=(".urdf",), on_choose=...)   # a file
    gui_file_browser(state)  # once per frame, outside any window (app.py does it)
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from imgui_bundle import (
    hello_imgui,
    icons_fontawesome_6 as fa,
    imgui,
    imgui_ctx,
    portable_file_dialogs as pfd,
)

from leropilot_gl.state import AppState

BROWSER_KEY = "file_browser"
NATIVE_KEY = "native_file_dialog"
POPUP = "Choose###file_browser"
DIALOG_HELPERS = ("zenity", "kdialog", "matedialog", "qarma")
DATASET_COLOR = imgui.ImVec4(0.55, 0.80, 0.55, 1.0)


@dataclass(frozen=True)
class Entry:
    name: str
    is_dir: bool
    is_dataset: bool  # a folder with meta/info.json: a LeRobot dataset


@dataclass
class FileBrowser:
    title: str
    pick: str  # "folder" or "file"
    extensions: tuple[str, ...]
    on_choose: Callable[[str], object]
    directory: Path
    path_text: str = ""
    selected: str | None = None
    entries: list[Entry] = field(default_factory=list)
    listing: Future | None = None
    listed: Path | None = None
    error: str | None = None
    focus_path: bool = True
    opened: bool = False


def lerobot_home() -> Path:
    """Where LeRobot keeps datasets it downloads: HF_LEROBOT_HOME, else $HF_HOME/lerobot."""
    if os.environ.get("HF_LEROBOT_HOME"):
        return Path(os.environ["HF_LEROBOT_HOME"]).expanduser()
    hf_home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface"
    )
    return Path(hf_home).expanduser() / "lerobot"


def native_dialog_available() -> bool:
    """Windows and macOS always have one; Linux needs a helper program on PATH."""
    if not sys.platform.startswith("linux"):
        return True
    return any(shutil.which(name) for name in DIALOG_HELPERS)


def list_folder(directory: Path, pick: str, extensions: tuple[str, ...]) -> list[Entry]:
    """Sorted: folders first, then (when picking a file) the files with a wanted extension."""
    folders, files = [], []
    with os.scandir(directory) as scan:
        for item in scan:
            if item.name.startswith("."):
                continue
            try:
                is_dir = item.is_dir()
            except OSError:
                continue
            if is_dir:
                folders.append(Entry(item.name, True, (Path(item.path) / "meta" / "info.json").is_file()))
            elif pick == "file" and (not extensions or item.name.lower().endswith(extensions)):
                files.append(Entry(item.name, False, False))
    return sorted(folders, key=lambda e: e.name.lower()) + sorted(files, key=lambda e: e.name.lower())


def choose_path(
    state: AppState,
    *,
    title: str,
    on_choose: Callable[[str], object],
    pick: str = "folder",
    extensions: tuple[str, ...] = (),
    start: str | Path | None = None,
    native: bool | None = None,
) -> None:
    """Ask for a folder (or a file); on_choose(path) runs on the UI thread when the user picks one.

    native=None: the system dialog when there is one; False: the built-in browser."""
    objects = state.playback_view.panel_objects
    start_dir = Path(start).expanduser() if start else Path.home()
    use_native = native_dialog_available() if native is None else native
    if use_native:
        try:
            if pick == "folder":
                dialog = pfd.select_folder(title, str(start_dir))
            else:
                patterns = " ".join(f"*{e}" for e in extensions) or "*"
                dialog = pfd.open_file(title, str(start_dir), ["Files", patterns])
            objects[NATIVE_KEY] = (dialog, on_choose, pick)
            return
        except Exception as exc:  # the helper failed to start: the built-in browser does the job
            hello_imgui.log(hello_imgui.LogLevel.warning, f"system file dialog unavailable: {exc}")
    objects[BROWSER_KEY] = FileBrowser(
        title, pick, tuple(e.lower() for e in extensions), on_choose, start_dir
    )


def browser(state: AppState) -> FileBrowser | None:
    return state.playback_view.panel_objects.get(BROWSER_KEY)


def _poll_native(state: AppState) -> None:
    objects = state.playback_view.panel_objects
    pending = objects.get(NATIVE_KEY)
    if pending is None:
        return
    dialog, on_choose, pick = pending
    if not dialog.ready(0):
        return
    del objects[NATIVE_KEY]
    chosen = dialog.result()
    if pick == "file":
        chosen = chosen[0] if chosen else ""
    if chosen:
        on_choose(chosen)


def _places(state: AppState) -> list[tuple[str, Path]]:
    places = [
        (f"{fa.ICON_FA_HOUSE} Home", Path.home()),
        (f"{fa.ICON_FA_DATABASE} LeRobot cache (HF_LEROBOT_HOME)", lerobot_home()),
    ]
    for recent in state.settings.recent_datasets:
        path = Path(recent)
        # its folder: a dataset's siblings
        places.append((f"{fa.ICON_FA_CLOCK_ROTATE_LEFT} {path.name or recent}", path.parent))
    return places


def _go(fb: FileBrowser, directory: Path) -> None:
    fb.directory = directory
    fb.selected = None
    fb.path_text = str(directory)


def gui_file_browser(state: AppState) -> None:
    """The built-in browser's modal, and the system dialog's result when it arrives."""
    _poll_native(state)
    fb = browser(state)
    if fb is None:
        return
    if not fb.opened:
        imgui.open_popup(POPUP)
        fb.opened = True
        fb.path_text = str(fb.directory)
    if fb.listed != fb.directory and fb.listing is None:
        fb.listing = state.executor.submit(list_folder, fb.directory, fb.pick, fb.extensions)
        fb.listed = fb.directory
    if fb.listing is not None and fb.listing.done():
        exc = fb.listing.exception()
        fb.entries, fb.error = ([], f"cannot list {fb.listed}: {exc}") if exc else (fb.listing.result(), None)
        fb.listing = None
    viewport = imgui.get_main_viewport()
    imgui.set_next_window_size(
        imgui.ImVec2(
            min(hello_imgui.em_size(60), viewport.work_size.x * 0.9),
            min(hello_imgui.em_size(34), viewport.work_size.y * 0.85),
        ),
        imgui.Cond_.appearing,
    )
    imgui.set_next_window_pos(viewport.get_center(), imgui.Cond_.appearing, imgui.ImVec2(0.5, 0.5))
    opened, _ = imgui.begin_popup_modal(POPUP)
    if not opened:
        state.playback_view.panel_objects.pop(BROWSER_KEY, None)  # closed from outside (Escape)
        return
    done = _gui_browser_body(state, fb)
    if done:
        state.playback_view.panel_objects.pop(BROWSER_KEY, None)
        imgui.close_current_popup()
    imgui.end_popup()


def _gui_browser_body(state: AppState, fb: FileBrowser) -> bool:
    """Returns True when the browser should close."""
    imgui.text(fb.title)
    if imgui.button(f"{fa.ICON_FA_ARROW_UP}###up"):
        _go(fb, fb.directory.parent)
    imgui.set_item_tooltip("Parent folder")
    imgui.same_line()
    if fb.focus_path:
        imgui.set_keyboard_focus_here()
        fb.focus_path = False
    imgui.set_next_item_width(-1)
    entered, fb.path_text = imgui.input_text(
        "##browser_path", fb.path_text, imgui.InputTextFlags_.enter_returns_true
    )
    imgui.set_item_tooltip("Type or paste a path; Enter goes there (or picks it)")
    if entered and fb.path_text.strip():
        typed = Path(fb.path_text.strip()).expanduser()
        if fb.pick == "file" and typed.suffix:
            fb.on_choose(str(typed))
            return True
        _go(fb, typed)
    footer = imgui.get_frame_height_with_spacing() * 2
    places_w = hello_imgui.em_size(15)
    with imgui_ctx.begin_child("##places", imgui.ImVec2(places_w, -footer), imgui.ChildFlags_.borders):
        for i, (label, path) in enumerate(_places(state)):
            with imgui_ctx.push_id(i):
                if imgui.selectable(label, fb.directory == path)[0]:
                    _go(fb, path)
                imgui.set_item_tooltip(str(path))
    imgui.same_line()
    chosen: str | None = None
    with imgui_ctx.begin_child("##entries", imgui.ImVec2(0, -footer), imgui.ChildFlags_.borders):
        if fb.error:
            imgui.text_colored(imgui.ImVec4(1.0, 0.42, 0.38, 1.0), fb.error)
        elif fb.listing is not None:
            imgui.text_disabled("reading the folder...")
        elif not fb.entries:
            imgui.text_disabled("(empty folder)")
        for entry in fb.entries:
            with imgui_ctx.push_id(entry.name):
                icon = (
                    fa.ICON_FA_DATABASE
                    if entry.is_dataset
                    else fa.ICON_FA_FOLDER
                    if entry.is_dir
                    else fa.ICON_FA_FILE
                )
                label = f"{icon} {entry.name}" + ("   (LeRobot dataset)" if entry.is_dataset else "")
                if entry.is_dataset:
                    imgui.push_style_color(imgui.Col_.text, DATASET_COLOR)
                clicked, _ = imgui.selectable(
                    label, fb.selected == entry.name, imgui.SelectableFlags_.allow_double_click
                )
                if entry.is_dataset:
                    imgui.pop_style_color()
                if clicked:
                    fb.selected = entry.name
                    if imgui.is_mouse_double_clicked(imgui.MouseButton_.left):
                        if entry.is_dir and not (entry.is_dataset and fb.pick == "folder"):
                            _go(fb, fb.directory / entry.name)
                        else:
                            chosen = str(fb.directory / entry.name)
    target = fb.directory / fb.selected if fb.selected else (fb.directory if fb.pick == "folder" else None)
    imgui.text_disabled(
        f"{'Open' if fb.pick == 'folder' else 'Choose'}: {target if target else '(select a file)'}"
    )
    imgui.begin_disabled(target is None)
    if imgui.button("Open###browser_ok"):
        chosen = str(target)
    imgui.end_disabled()
    imgui.same_line()
    if imgui.button("Cancel###browser_cancel") or imgui.is_key_pressed(imgui.Key.escape):
        return True
    if chosen:
        fb.on_choose(chosen)
        return True
    return False
