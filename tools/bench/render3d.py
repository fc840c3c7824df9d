"""Frame time of the 3D panel's render for the SO-101 under this machine's GL (software here).

Per frame it does what the panel does when the playhead moves: look up the frame's state and
action, run forward kinematics, render the robot, the action ghost and the end-effector trail into
the offscreen target; glFinish is included so the GPU (llvmpipe) work is counted. Headless: GLFW's
Null platform with an EGL context.

    python tools/bench/render3d.py [--frames 120] [--size 400x300] [--size 960x720]

Ends with `summary: frame_ms=<median at the first size, ghost and trail on>`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# About the 3D panel's canvas when docked beside the video in a 1440x900 window, then a large one.
DEFAULT_SIZES = ("400x300", "960x720")


def _headless_context():
    """A hidden GL 3.3 core context without a display (GLFW Null platform + EGL)."""
    from leropilot_gl.render.headless import create_offscreen_context

    return create_offscreen_context("render3d bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--size", action="append", help="WIDTHxHEIGHT (repeatable)")
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in s.lower().split("x")) for s in (args.size or DEFAULT_SIZES)]

    glfw, window = _headless_context()
    import numpy as np
    from OpenGL import GL

    from leropilot_gl.render.camera import OrbitCamera
    from leropilot_gl.render.scene3d import PosedArm, RobotSceneRenderer, Trail
    from leropilot_gl.robot import BUNDLED_SO101_URDF, load_robot
    from leropilot_gl.robot.review import episode_motion
    from tools.make_sample_dataset import ACTION_LEAD_FRAMES, JOINT_NAMES, joint_trajectory

    print(f"GL: {GL.glGetString(GL.GL_RENDERER).decode()} / {GL.glGetString(GL.GL_VERSION).decode()}")
    joints = joint_trajectory(0, args.frames + ACTION_LEAD_FRAMES)
    names = list(JOINT_NAMES)
    rows = []
    summary_ms = None
    for label, cell_m in (("simplified (default)", None), ("full detail", 0.0)):
        started = time.perf_counter()
        robot = (
            load_robot(BUNDLED_SO101_URDF)
            if cell_m is None
            else load_robot(BUNDLED_SO101_URDF, simplify_cell_m=cell_m)
        )
        load_s = time.perf_counter() - started
        motion = episode_motion(
            robot,
            state_names=names,
            state_values=joints[: args.frames],
            action_names=names,
            action_values=joints[ACTION_LEAD_FRAMES:],
            fps=30.0,
        )
        triangles = sum(v.mesh.triangle_count for v in robot.visuals)
        print(f"{label}: {triangles} triangles per pose, URDF + meshes loaded in {load_s:.2f} s")
        renderer = RobotSceneRenderer()
        renderer.set_robot(robot)
        camera = OrbitCamera()
        for width, height in sizes:
            for ghost_and_trail in (True, False):
                times_ms = []
                for frame in range(-3, args.frames):  # 3 warm-up frames (buffer uploads, shader compiles)
                    f = max(frame, 0)
                    t0 = time.perf_counter()
                    arms = [PosedArm(robot.link_poses(motion.state.at(f)[""]))]
                    ghosts = [PosedArm(robot.link_poses(motion.action.at(f)[""]))] if ghost_and_trail else []
                    trails = (
                        [Trail(p, f) for p in motion.end_effector_paths.values()] if ghost_and_trail else []
                    )
                    renderer.render(
                        width=width, height=height, camera=camera, arms=arms, ghost_arms=ghosts, trails=trails
                    )
                    GL.glFinish()
                    if frame >= 0:
                        times_ms.append((time.perf_counter() - t0) * 1000)
                median = statistics.median(times_ms)
                p95 = float(np.percentile(times_ms, 95))
                what = "robot+ghost+trail" if ghost_and_trail else "robot only"
                rows.append((label, f"{width}x{height}", what, median, p95))
                if summary_ms is None:
                    summary_ms = median
        renderer.release()

    print()
    print(f"{'meshes':<22}{'size':<10}{'scene':<19}{'median ms':>10}{'p95 ms':>9}")
    for label, size, what, median, p95 in rows:
        print(f"{label:<22}{size:<10}{what:<19}{median:>10.1f}{p95:>9.1f}")
    glfw.destroy_window(window)
    glfw.terminate()
    print(f"summary: frame_ms={summary_ms:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
