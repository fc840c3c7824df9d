"""A hidden GL 3.3 core context for render tests: GLFW's Null platform with EGL (no display)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def gl_context() -> Iterator[object]:
    # imgui_bundle must be imported before glfw: it points the glfw package at its own GLFW 3.5
    # (the one with the Null platform); imported the other way round, glfw loads GLFW 3.4.
    importlib.import_module("imgui_bundle")
    import glfw

    assert glfw.get_version() >= (3, 5), glfw.get_version()

    glfw.init_hint(glfw.PLATFORM, glfw.PLATFORM_NULL)
    assert glfw.init(), "GLFW (Null platform) did not start"
    glfw.window_hint(glfw.CONTEXT_CREATION_API, glfw.EGL_CONTEXT_API)
    glfw.window_hint(glfw.VISIBLE, glfw.FALSE)
    glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
    glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
    glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
    window = glfw.create_window(64, 64, "render tests", None, None)
    assert window, "no EGL context"
    glfw.make_context_current(window)
    yield window
    glfw.destroy_window(window)
    glfw.terminate()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
