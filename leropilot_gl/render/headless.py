"""OpenGL without a display: GLFW's Null platform with an EGL context (Mesa llvmpipe on a server).

Used by `leropilot-gl --offscreen`, the benchmarks and the tests. The Null platform needs GLFW
3.5, which imgui-bundle ships beside its module; the pip `glfw` package is pointed at that library
(the same way imgui-bundle does it on import) before it loads, without importing imgui here.
"""

from __future__ import annotations

import importlib.util
import os
import platform
from pathlib import Path
from types import ModuleType

_GLFW_LIBRARY_NAMES = {"Linux": "libglfw.so.3", "Darwin": "libglfw.3.dylib", "Windows": "glfw3.dll"}


def bundled_glfw() -> ModuleType:
    """The glfw module, bound to imgui-bundle's GLFW 3.5 (a user's PYGLFW_LIBRARY wins)."""
    if not os.environ.get("PYGLFW_LIBRARY"):
        spec = importlib.util.find_spec("imgui_bundle")
        name = _GLFW_LIBRARY_NAMES.get(platform.system())
        if spec is not None and spec.submodule_search_locations and name:
            library = Path(next(iter(spec.submodule_search_locations))) / name
            if library.is_file():
                os.environ["PYGLFW_LIBRARY"] = str(library)
    import glfw

    if glfw.get_version() < (3, 5):
        raise RuntimeError(
            f"GLFW {glfw.get_version()} has no Null platform (3.5 needed): glfw was loaded before "
            "imgui-bundle's library could be selected"
        )
    return glfw


def init_null_platform() -> ModuleType:
    """Start GLFW on its Null platform with EGL contexts; hints last until glfw.terminate()."""
    glfw = bundled_glfw()
    glfw.init_hint(glfw.PLATFORM, glfw.PLATFORM_NULL)
    if not glfw.init():
        raise RuntimeError("GLFW's Null platform did not start")
    glfw.window_hint(glfw.CONTEXT_CREATION_API, glfw.EGL_CONTEXT_API)
    return glfw


def create_offscreen_context(title: str = "offscreen") -> tuple[ModuleType, object]:
    """A hidden 64x64 window whose OpenGL 3.3 core context is current; release with
    `glfw.destroy_window(window)` then `glfw.terminate()`."""
    glfw = init_null_platform()
    glfw.window_hint(glfw.VISIBLE, glfw.FALSE)
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    window = glfw.create_window(64, 64, title, None, None)
    if not window:
        glfw.terminate()
        raise RuntimeError("no EGL context (are Mesa's libegl1 and libgl1-mesa-dri installed?)")
    glfw.make_context_current(window)
    return glfw, window
