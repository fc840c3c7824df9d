"""Headless GUI harness: the real app, driven by the imgui test engine, on GLFW's Null platform + EGL."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

WAIT_FRAME_S = 1 / 30  # the shortest frame while a test waits on background work (30 fps at most)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def run_app_test(state, test_fn: Callable, *, window_size: tuple[int, int] = (1440, 900)) -> None:
    """Run the whole app (every panel) around `state` and drive it with test_fn(ctx)."""
    from imgui_bundle.immapp import testing

    from leropilot_gl.app import add_ons, headless_runner_params

    params = headless_runner_params(state)
    params.app_window_params.window_geometry.size = window_size

    def with_patient_watchdog(ctx) -> None:
        # The engine kills a test after 60 s by default: meant for hangs, but a loaded 2-core
        # machine rendering with llvmpipe can be that slow without anything being wrong.
        io = ctx.engine_io
        io.config_watchdog_warning, io.config_watchdog_kill_test, io.config_watchdog_kill_app = (
            120.0,
            600.0,
            660.0,
        )
        test_fn(ctx)

    testing.run(test_function=with_patient_watchdog, runner_params=params, add_ons_params=add_ons())


def yield_until(
    ctx, condition: Callable[[], bool], *, max_frames: int = 600, min_wait_s: float = 90.0
) -> bool:
    """Let frames run until condition() holds (background work finishing); False if it never did.

    Gives up only after both max_frames frames and min_wait_s seconds: frames come fast on an idle
    machine and slowly on a loaded one, and workers (mesh loading, decoding) slow down with them.
    Frames come at most every WAIT_FRAME_S, leaving the CPU to the work being waited for.
    """
    deadline = time.monotonic() + min_wait_s
    frames = 0
    while not condition():
        if frames >= max_frames and time.monotonic() >= deadline:
            return condition()
        started = time.monotonic()
        ctx.yield_()
        frames += 1
        # The frame loop waits while this thread sleeps: frames drawn back to back on llvmpipe
        # would take both cores from the work being waited for (a recorder, an install, decoding).
        time.sleep(max(0.0, WAIT_FRAME_S - (time.monotonic() - started)))
    return True


def screenshot(ctx, name: str) -> Path:
    from imgui_bundle.immapp import testing

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    testing.capture(ctx, str(path))
    return path


@pytest.fixture
def app_state():
    from leropilot_gl.state import AppState

    state = AppState()
    yield state
    state.shutdown()
