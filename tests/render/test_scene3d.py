"""Offscreen 3D rendering of the SO-101 under software GL (Mesa llvmpipe, EGL, no display)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from leropilot_gl.render.camera import OrbitCamera
from leropilot_gl.render.scene3d import CLEAR_RGBA, PosedArm, RobotSceneRenderer, Trail
from leropilot_gl.robot import (
    BUNDLED_SO101_URDF,
    JointTarget,
    JointTrajectories,
    end_effector_paths,
    load_robot,
)

W, H = 320, 240
REST = {"shoulder_pan": 0.0, "shoulder_lift": -0.4, "elbow_flex": 0.5, "wrist_flex": 0.6, "gripper": 0.3}
TURNED = dict(REST, shoulder_pan=0.9, elbow_flex=-0.2)


@pytest.fixture(scope="module")
def so101():
    return load_robot(BUNDLED_SO101_URDF)


@pytest.fixture
def renderer(gl_context, so101):
    r = RobotSceneRenderer()
    r.set_robot(so101)
    yield r
    r.release()


def _draw(renderer, so101, pose, camera=None, **kwargs) -> np.ndarray:
    renderer.render(
        width=W, height=H, camera=camera or OrbitCamera(), arms=[PosedArm(so101.link_poses(pose))], **kwargs
    )
    return renderer.read_rgba()


def _background_mask(image: np.ndarray) -> np.ndarray:
    clear = np.array(CLEAR_RGBA[:3]) * 255
    return np.all(np.abs(image[..., :3].astype(int) - clear) <= 2, axis=-1)


def test_pose_changes_the_image_and_the_same_pose_repeats_it(renderer, so101, artifacts_dir):
    rest = _draw(renderer, so101, REST)
    again = _draw(renderer, so101, REST)
    turned = _draw(renderer, so101, TURNED)
    Image.fromarray(rest).save(artifacts_dir / "render3d_rest.png")
    Image.fromarray(turned).save(artifacts_dir / "render3d_turned.png")
    assert np.array_equal(rest, again)
    changed = np.any(rest != turned, axis=-1).mean()
    assert changed > 0.02, changed
    # The robot's yellow printed parts cover a good part of the view.
    yellow = (rest[..., 0] > 120) & (rest[..., 1] > 90) & (rest[..., 2] < 60)
    assert yellow.mean() > 0.01


def test_empty_scene_shows_grid_and_axes(gl_context, artifacts_dir):
    r = RobotSceneRenderer()
    try:
        r.render(width=W, height=H, camera=OrbitCamera(), arms=[])
        image = r.read_rgba()
    finally:
        r.release()
    Image.fromarray(image).save(artifacts_dir / "render3d_empty.png")
    assert 0.02 < (~_background_mask(image)).mean() < 0.6  # grid lines, not a filled screen
    red_axis = (image[..., 0] > 180) & (image[..., 1] < 110) & (image[..., 2] < 110)
    assert red_axis.sum() > 10


def test_ghost_shows_only_where_action_and_state_diverge(renderer, so101, artifacts_dir):
    plain = _draw(renderer, so101, REST)
    same = _draw(renderer, so101, REST, ghost_arms=[PosedArm(so101.link_poses(REST))])
    assert np.array_equal(plain, same)  # a coinciding ghost stays hidden (and is not even drawn)
    assert renderer.triangles_drawn == sum(v.mesh.triangle_count for v in so101.visuals)
    diverged = _draw(renderer, so101, REST, ghost_arms=[PosedArm(so101.link_poses(TURNED))])
    Image.fromarray(diverged).save(artifacts_dir / "render3d_ghost.png")
    bluish = (diverged[..., 2].astype(int) - diverged[..., 0] > 25) & ~_background_mask(diverged)
    assert bluish.mean() > 0.01


def test_end_effector_trail_is_drawn(renderer, so101, artifacts_dir):
    frames = 40
    sweep = JointTrajectories(
        frames,
        {
            JointTarget("", "shoulder_pan"): np.linspace(-1.2, 1.2, frames),
            JointTarget("", "elbow_flex"): np.full(frames, 0.5),
        },
    )
    path = end_effector_paths(so101, sweep)[""]
    assert path.shape == (frames, 3)
    plain = _draw(renderer, so101, REST)
    with_trail = _draw(renderer, so101, REST, trails=[Trail(path, current_frame=20)])
    Image.fromarray(with_trail).save(artifacts_dir / "render3d_trail.png")
    orange = (
        (with_trail[..., 0] > 200)
        & (with_trail[..., 1] > 100)
        & (with_trail[..., 1] < 170)
        & (with_trail[..., 2] < 90)
    )
    orange_before = (
        (plain[..., 0] > 200) & (plain[..., 1] > 100) & (plain[..., 1] < 170) & (plain[..., 2] < 90)
    )
    assert orange.sum() > orange_before.sum() + 30


def test_orbit_changes_the_view_and_reset_restores_it(renderer, so101):
    camera = OrbitCamera()
    before = _draw(renderer, so101, REST, camera)
    camera.orbit(120, 0)
    orbited = _draw(renderer, so101, REST, camera)
    camera.reset()
    assert np.any(before != orbited, axis=-1).mean() > 0.05
    assert np.array_equal(before, _draw(renderer, so101, REST, camera))


def test_resize_reallocates_and_release_is_repeatable(gl_context, so101):
    r = RobotSceneRenderer()
    r.set_robot(so101)
    r.render(width=100, height=80, camera=OrbitCamera(), arms=[PosedArm(so101.link_poses({}))])
    first = r.texture_id
    assert r.read_rgba().shape == (80, 100, 4)
    r.render(width=120, height=90, camera=OrbitCamera(), arms=[PosedArm(so101.link_poses({}))])
    assert r.read_rgba().shape == (90, 120, 4) and r.texture_id > 0
    assert r.triangles_drawn == sum(v.mesh.triangle_count for v in so101.visuals)
    r.release()
    r.release()
    assert r.texture_id == 0 and first > 0


def test_camera_math():
    camera = OrbitCamera()
    clip = camera.clip_from_world(4 / 3) @ np.append(camera.target, 1.0)
    np.testing.assert_allclose(clip[:2] / clip[3], [0.0, 0.0], atol=1e-9)  # the target is centred
    view = camera.view_from_world()
    np.testing.assert_allclose(view[:3, :3] @ view[:3, :3].T, np.eye(3), atol=1e-12)
    camera.orbit(0, 10_000)
    assert camera.pitch_rad == pytest.approx(math.radians(89.0))
    camera.zoom(1000)
    assert camera.distance_m == pytest.approx(0.05)
    target = camera.target.copy()
    camera.pan(100, 0, viewport_height_px=400)
    assert np.linalg.norm(camera.target - target) > 0
    assert camera.target[2] == pytest.approx(target[2], abs=1e-9)  # a sideways drag stays level
