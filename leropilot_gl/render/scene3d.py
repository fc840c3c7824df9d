"""Offscreen rendering of a posed robot: lit meshes, a ghost pose, ground grid, axes, trails.

Everything here runs on the UI thread (it owns the GL context). GL objects are created lazily on
the first render and freed by release(); never from __del__ or a worker. The result is a colour
texture the UI shows with imgui.image (its rows are bottom-up, as GL writes them).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leropilot_gl.render.camera import OrbitCamera
from leropilot_gl.render.gl import GL, raw_vertex_attrib_pointer
from leropilot_gl.render.shader import ShaderProgram
from leropilot_gl.robot import MeshData, RobotModel

CLEAR_RGBA = (0.13, 0.14, 0.16, 1.0)
GHOST_RGBA = (0.35, 0.75, 1.0, 0.38)
GHOST_SKIP_TOLERANCE = 1e-5  # metres / rotation matrix entries
LIGHT_DIR = np.array([0.35, 0.25, 0.9]) / np.linalg.norm([0.35, 0.25, 0.9])
GRID_HALF_M = 1.0
GRID_STEP_M = 0.05
AXIS_LENGTH_M = 0.12
TRAIL_PAST_RGBA = (1.0, 0.55, 0.15, 0.95)
TRAIL_FUTURE_RGBA = (1.0, 0.55, 0.15, 0.3)
FLOATS_PER_LINE_VERTEX = 7  # xyz rgba


@dataclass(frozen=True)
class PosedArm:
    """One arm to draw: world_from_link for each link (the arm's base offset already applied)."""

    world_from_link: dict[str, np.ndarray]


@dataclass(frozen=True)
class Trail:
    positions: np.ndarray  # (frames, 3) float32 world positions
    current_frame: int  # drawn bright up to here, faint after


# PyOpenGL's wrapped glVertexAttribPointer records the pointer per context, and cannot find an EGL
# context when its platform layer is GLX (the headless and Null-platform case): use the raw call.


class _GpuMesh:
    def __init__(self, mesh: MeshData) -> None:
        positions = np.ascontiguousarray(mesh.positions, dtype=np.float32)
        indices = np.ascontiguousarray(mesh.indices, dtype=np.uint32)
        self.index_count = indices.size
        self.vao = GL.glGenVertexArrays(1)
        self.vbo, self.ebo = GL.glGenBuffers(2)
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        GL.glBufferData(GL.GL_ARRAY_BUFFER, positions.nbytes, positions, GL.GL_STATIC_DRAW)
        GL.glEnableVertexAttribArray(0)
        raw_vertex_attrib_pointer(0, 3, GL.GL_FLOAT, GL.GL_FALSE, 12, ctypes.c_void_p(0))
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, self.ebo)
        GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, indices.nbytes, indices, GL.GL_STATIC_DRAW)
        GL.glBindVertexArray(0)

    def draw(self) -> None:
        GL.glBindVertexArray(self.vao)
        GL.glDrawElements(GL.GL_TRIANGLES, self.index_count, GL.GL_UNSIGNED_INT, ctypes.c_void_p(0))

    def release(self) -> None:
        GL.glDeleteBuffers(2, [self.vbo, self.ebo])
        GL.glDeleteVertexArrays(1, [self.vao])


class _LineBuffer:
    """A VAO of coloured line vertices; `upload` replaces its contents."""

    def __init__(self) -> None:
        self.vao = GL.glGenVertexArrays(1)
        self.vbo = GL.glGenBuffers(1)
        self.vertex_count = 0
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        stride = FLOATS_PER_LINE_VERTEX * 4
        GL.glEnableVertexAttribArray(0)
        raw_vertex_attrib_pointer(0, 3, GL.GL_FLOAT, GL.GL_FALSE, stride, ctypes.c_void_p(0))
        GL.glEnableVertexAttribArray(1)
        raw_vertex_attrib_pointer(1, 4, GL.GL_FLOAT, GL.GL_FALSE, stride, ctypes.c_void_p(12))
        GL.glBindVertexArray(0)

    def upload(self, vertices: np.ndarray) -> None:
        data = np.ascontiguousarray(vertices, dtype=np.float32).reshape(-1, FLOATS_PER_LINE_VERTEX)
        self.vertex_count = len(data)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        GL.glBufferData(
            GL.GL_ARRAY_BUFFER, max(data.nbytes, 4), data if len(data) else None, GL.GL_DYNAMIC_DRAW
        )

    def draw(self, mode: int, first: int = 0, count: int | None = None) -> None:
        count = self.vertex_count - first if count is None else count
        if count > 0:
            GL.glBindVertexArray(self.vao)
            GL.glDrawArrays(mode, first, count)

    def release(self) -> None:
        GL.glDeleteBuffers(1, [self.vbo])
        GL.glDeleteVertexArrays(1, [self.vao])


def grid_and_axes_vertices() -> np.ndarray:
    """Ground grid lines (every 5 cm, brighter every 25 cm) and the x/y/z axes, as GL_LINES."""
    rows = []
    steps = int(round(GRID_HALF_M / GRID_STEP_M))
    for i in range(-steps, steps + 1):
        c = i * GRID_STEP_M
        alpha = 0.45 if i % 5 == 0 else 0.18
        color = (0.6, 0.62, 0.66, alpha)
        rows += [(c, -GRID_HALF_M, 0, *color), (c, GRID_HALF_M, 0, *color)]
        rows += [(-GRID_HALF_M, c, 0, *color), (GRID_HALF_M, c, 0, *color)]
    lift = 0.0005  # above the grid so the axes win the depth test
    for axis, color in ((0, (0.95, 0.25, 0.2, 1)), (1, (0.3, 0.9, 0.3, 1)), (2, (0.3, 0.5, 1.0, 1))):
        end = [0.0, 0.0, lift]
        end[axis] += AXIS_LENGTH_M
        rows += [(0, 0, lift, *color), (*end, *color)]
    return np.array(rows, dtype=np.float32)


def trail_vertices(trail: Trail) -> np.ndarray:
    positions = np.asarray(trail.positions, dtype=np.float32).reshape(-1, 3)
    colors = np.tile(np.array(TRAIL_FUTURE_RGBA, dtype=np.float32), (len(positions), 1))
    colors[: max(trail.current_frame, 0) + 1] = TRAIL_PAST_RGBA
    return np.hstack([positions, colors])


class RobotSceneRenderer:
    def __init__(self) -> None:
        self._ready = False
        self._robot: RobotModel | None = None
        self._meshes: dict[str, _GpuMesh] = {}
        self._meshes_for: RobotModel | None = None
        self._fbo = self._color_tex = self._depth_rb = 0
        self.size: tuple[int, int] = (0, 0)
        self.triangles_drawn = 0

    @property
    def texture_id(self) -> int:
        return self._color_tex

    def set_robot(self, robot: RobotModel | None) -> None:
        """Meshes are uploaded on the next render (the caller is on the UI thread then)."""
        self._robot = robot

    def _init_gl(self) -> None:
        self._mesh_program = ShaderProgram("mesh.vert", "mesh.frag")
        self._line_program = ShaderProgram("line.vert", "line.frag")
        self._grid = _LineBuffer()
        self._grid.upload(grid_and_axes_vertices())
        self._trail = _LineBuffer()
        self._ready = True

    def _sync_meshes(self) -> None:
        if self._meshes_for is self._robot:
            return
        for gpu in self._meshes.values():
            gpu.release()
        self._meshes = {}
        if self._robot is not None:
            for visual in self._robot.visuals:
                if visual.mesh.key not in self._meshes:
                    self._meshes[visual.mesh.key] = _GpuMesh(visual.mesh)
        self._meshes_for = self._robot

    def _ensure_target(self, width: int, height: int) -> None:
        if self.size == (width, height) and self._fbo:
            return
        self._release_target()
        self._color_tex = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self._color_tex)
        GL.glTexImage2D(
            GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, width, height, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None
        )
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self._depth_rb = GL.glGenRenderbuffers(1)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self._depth_rb)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH_COMPONENT24, width, height)
        self._fbo = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glFramebufferTexture2D(
            GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, self._color_tex, 0
        )
        GL.glFramebufferRenderbuffer(
            GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, self._depth_rb
        )
        status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        if status != GL.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"3D view framebuffer incomplete (status {status:#x})")
        self.size = (width, height)

    def render(
        self,
        *,
        width: int,
        height: int,
        camera: OrbitCamera,
        arms: Sequence[PosedArm],
        ghost_arms: Sequence[PosedArm] = (),
        trails: Sequence[Trail] = (),
    ) -> int:
        """Draw into the offscreen target and return its colour texture id."""
        width, height = max(int(width), 1), max(int(height), 1)
        if not self._ready:
            self._init_gl()
        self._sync_meshes()
        self._ensure_target(width, height)
        previous_fbo = GL.glGetIntegerv(GL.GL_FRAMEBUFFER_BINDING)
        previous_viewport = GL.glGetIntegerv(GL.GL_VIEWPORT)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        try:
            GL.glViewport(0, 0, width, height)
            GL.glClearColor(*CLEAR_RGBA)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
            GL.glEnable(GL.GL_DEPTH_TEST)
            GL.glDepthFunc(GL.GL_LEQUAL)
            GL.glDisable(GL.GL_CULL_FACE)
            GL.glDisable(GL.GL_SCISSOR_TEST)
            GL.glEnable(GL.GL_BLEND)
            GL.glBlendFunc(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)
            clip_from_world = camera.clip_from_world(width / height)
            self.triangles_drawn = 0
            GL.glDepthMask(GL.GL_TRUE)
            self._draw_arms(camera, clip_from_world, arms, ghost_rgba=None)
            self._draw_lines(clip_from_world, trails)
            if ghost_arms:
                # Translucent, after everything opaque, without writing depth; pushed back a little
                # so that where the ghost coincides with the solid robot (no divergence) it is hidden.
                GL.glDepthMask(GL.GL_FALSE)
                GL.glDepthFunc(GL.GL_LESS)
                GL.glEnable(GL.GL_POLYGON_OFFSET_FILL)
                GL.glPolygonOffset(1.0, 8.0)
                self._draw_arms(camera, clip_from_world, ghost_arms, ghost_rgba=GHOST_RGBA, solid_arms=arms)
                GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)
                GL.glDepthMask(GL.GL_TRUE)
        finally:
            GL.glBindVertexArray(0)
            GL.glUseProgram(0)
            GL.glDisable(GL.GL_DEPTH_TEST)
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, previous_fbo)
            GL.glViewport(*[int(v) for v in previous_viewport])
        return self._color_tex

    def _draw_arms(
        self,
        camera,
        clip_from_world,
        arms: Sequence[PosedArm],
        ghost_rgba,
        solid_arms: Sequence[PosedArm] = (),
    ) -> None:
        if self._robot is None:
            return
        program = self._mesh_program
        program.use()
        program.set_mat4("u_clip_from_world", clip_from_world)
        program.set_vec3("u_eye_world", camera.eye())
        program.set_vec3("u_light_dir_world", LIGHT_DIR)
        for i, arm in enumerate(arms):
            solid = solid_arms[i].world_from_link if i < len(solid_arms) else {}
            for visual in self._robot.visuals:
                world_from_link = arm.world_from_link.get(visual.link)
                gpu = self._meshes.get(visual.mesh.key)
                if world_from_link is None or gpu is None:
                    continue
                same = solid.get(visual.link)
                if same is not None and np.allclose(world_from_link, same, atol=GHOST_SKIP_TOLERANCE):
                    continue  # a ghost link exactly on the solid one would be hidden: skip its cost
                world_from_model = world_from_link @ visual.link_from_visual
                program.set_mat4("u_world_from_model", world_from_model)
                program.set_vec4("u_color", ghost_rgba if ghost_rgba is not None else visual.rgba)
                gpu.draw()
                self.triangles_drawn += gpu.index_count // 3

    def _draw_lines(self, clip_from_world, trails: Sequence[Trail]) -> None:
        program = self._line_program
        program.use()
        program.set_mat4("u_clip_from_world", clip_from_world)
        self._grid.draw(GL.GL_LINES)
        if trails:
            pieces = [trail_vertices(t) for t in trails]
            self._trail.upload(np.concatenate(pieces))
            first = 0
            for piece in pieces:
                self._trail.draw(GL.GL_LINE_STRIP, first, len(piece))
                first += len(piece)

    def read_rgba(self) -> np.ndarray:
        """The last render as (height, width, 4) uint8, top row first (for tests and screenshots)."""
        width, height = self.size
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        data = GL.glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 4)[::-1].copy()

    def _release_target(self) -> None:
        if self._fbo:
            GL.glDeleteFramebuffers(1, [self._fbo])
            GL.glDeleteTextures(1, [self._color_tex])
            GL.glDeleteRenderbuffers(1, [self._depth_rb])
        self._fbo = self._color_tex = self._depth_rb = 0
        self.size = (0, 0)

    def release(self) -> None:
        """Free every GL object; call on the UI thread with the context current."""
        self._release_target()
        for gpu in self._meshes.values():
            gpu.release()
        self._meshes = {}
        self._meshes_for = None
        if self._ready:
            self._grid.release()
            self._trail.release()
            self._mesh_program.release()
            self._line_program.release()
            self._ready = False
