"""Shared fixtures: generated LeRobot v3.0 datasets (cached on disk) and the real datasets in tests/data.

Fixture datasets are READ-ONLY: their files are made read-only, and each fixture checks at the end
of the session that nothing changed. Tests that modify data call copy_dataset(src, tmp_path) first.
Every video frame carries tools.frame_code: read_frame_code(pixels) -> (episode, frame).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from leropilot_gl.render.headless import create_offscreen_context
from tools.make_sample_dataset import cached_sample_dataset

REPO_ROOT = Path(__file__).resolve().parent.parent

# Parameters of each fixture dataset (tests may import these to know what to expect).
SAMPLE_AV1_PARAMS = dict(
    repo_id="local/sample_av1", episodes=3, frames=30, cameras=2, width=96, height=64, vcodec="libsvtav1"
)
SAMPLE_H264_PARAMS = dict(
    repo_id="local/sample_h264", episodes=3, frames=30, cameras=3, width=128, height=96, vcodec="h264"
)
# Episodes of different lengths, for trim/split/merge and timeline work.
SAMPLE_UNEVEN_PARAMS = dict(
    repo_id="local/sample_uneven",
    episodes=4,
    frames_per_episode=[20, 45, 12, 33],
    cameras=2,
    width=96,
    height=64,
    vcodec="libsvtav1",
)


def tree_checksum(root: Path) -> str:
    """sha256 over every file's relative path and bytes under root (sorted)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _make_read_only(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def copy_dataset(src: Path, tmp_path: Path, name: str | None = None) -> Path:
    """A writable copy of a dataset folder under tmp_path, for tests that modify or damage data."""
    dst = Path(tmp_path) / (name or Path(src).name)
    shutil.copytree(src, dst, copy_function=shutil.copyfile)
    for dirpath, _dirnames, filenames in os.walk(dst):
        os.chmod(dirpath, 0o755)
        for filename in filenames:
            os.chmod(os.path.join(dirpath, filename), 0o644)
    return dst


def _guarded_dataset(name: str, params: dict) -> Iterator[Path]:
    root = cached_sample_dataset(name, **params)
    _make_read_only(root)
    before = tree_checksum(root)
    yield root
    if tree_checksum(root) != before:
        shutil.rmtree(root, ignore_errors=True)  # the next run rebuilds it
        pytest.fail(f"a test modified the read-only fixture dataset {root}; use copy_dataset()")


@pytest.fixture(scope="session")
def sample_av1() -> Iterator[Path]:
    """2 cameras (front, wrist), 3 episodes x 30 frames, 96x64, AV1, 30 fps, so101_follower."""
    yield from _guarded_dataset("sample_av1", SAMPLE_AV1_PARAMS)


@pytest.fixture(scope="session")
def sample_h264() -> Iterator[Path]:
    """3 cameras (front, wrist, top), 3 episodes x 30 frames, 128x96, H.264, 30 fps."""
    yield from _guarded_dataset("sample_h264", SAMPLE_H264_PARAMS)


@pytest.fixture(scope="session")
def sample_uneven() -> Iterator[Path]:
    """2 cameras, 4 episodes of 20, 45, 12 and 33 frames, 96x64, AV1."""
    yield from _guarded_dataset("sample_uneven", SAMPLE_UNEVEN_PARAMS)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Real datasets made by other people, copied with their licences (see tests/data/README.md)."""
    path = (REPO_ROOT / "tests" / "data").resolve()
    assert path.is_dir(), f"real test data not found at {path}"
    return path


@pytest.fixture
def copy_dataset_to_tmp(tmp_path: Path):
    """copy_dataset bound to this test's tmp_path: copy_dataset_to_tmp(src) -> writable copy."""

    def _copy(src: Path, name: str | None = None) -> Path:
        return copy_dataset(src, tmp_path, name)

    return _copy


@pytest.fixture(scope="session", autouse=True)
def isolated_user_folders(tmp_path_factory) -> Iterator[Path]:
    """No test reads or writes the real user's config, journals, environments or Hub token."""
    home = tmp_path_factory.mktemp("user-home")
    overrides = {
        "XDG_CONFIG_HOME": home / "config",
        "LEROPILOT_DATA_DIR": home / "leropilot",
        "LEROPILOT_GL_JOURNAL_DIR": home / "journals",
        "HF_HOME": home / "hf",
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update({key: str(value) for key, value in overrides.items()})
    os.environ.pop("HF_TOKEN", None)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def gl_context() -> Iterator[object]:
    """A hidden 64x64 window with a current OpenGL 3.3 core context, for render/ and texture tests.

    Module-scoped: GUI tests terminate GLFW when their app exits, so no context outlives a module.
    """
    glfw, window = create_offscreen_context("gl tests")
    yield window
    glfw.destroy_window(window)
    glfw.terminate()
