"""GLSL programs loaded from leropilot_gl/shaders at run time. UI thread only."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leropilot_gl.render.gl import GL

SHADER_DIR = Path(__file__).resolve().parent.parent / "shaders"


class ShaderError(RuntimeError):
    pass


def _compile(kind: int, source: str, name: str) -> int:
    shader = GL.glCreateShader(kind)
    GL.glShaderSource(shader, source)
    GL.glCompileShader(shader)
    if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
        log = GL.glGetShaderInfoLog(shader)
        GL.glDeleteShader(shader)
        raise ShaderError(
            f"{name} does not compile: {log.decode(errors='replace') if isinstance(log, bytes) else log}"
        )
    return shader


class ShaderProgram:
    def __init__(self, vertex_name: str, fragment_name: str) -> None:
        vs = _compile(GL.GL_VERTEX_SHADER, (SHADER_DIR / vertex_name).read_text(), vertex_name)
        fs = _compile(GL.GL_FRAGMENT_SHADER, (SHADER_DIR / fragment_name).read_text(), fragment_name)
        self.program_id = GL.glCreateProgram()
        GL.glAttachShader(self.program_id, vs)
        GL.glAttachShader(self.program_id, fs)
        GL.glLinkProgram(self.program_id)
        GL.glDeleteShader(vs)
        GL.glDeleteShader(fs)
        if not GL.glGetProgramiv(self.program_id, GL.GL_LINK_STATUS):
            log = GL.glGetProgramInfoLog(self.program_id)
            GL.glDeleteProgram(self.program_id)
            raise ShaderError(f"{vertex_name} + {fragment_name} do not link: {log}")
        self._locations: dict[str, int] = {}

    def use(self) -> None:
        GL.glUseProgram(self.program_id)

    def _location(self, name: str) -> int:
        if name not in self._locations:
            self._locations[name] = GL.glGetUniformLocation(self.program_id, name)
        return self._locations[name]

    def set_mat4(self, name: str, matrix: np.ndarray) -> None:
        GL.glUniformMatrix4fv(
            self._location(name), 1, GL.GL_TRUE, np.ascontiguousarray(matrix, dtype=np.float32)
        )

    def set_vec3(self, name: str, value) -> None:
        GL.glUniform3f(self._location(name), *(float(x) for x in value))

    def set_vec4(self, name: str, value) -> None:
        GL.glUniform4f(self._location(name), *(float(x) for x in value))

    def release(self) -> None:
        if self.program_id:
            GL.glDeleteProgram(self.program_id)
            self.program_id = 0
