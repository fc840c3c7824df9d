"""Camera textures: one per video tile, allocated once and updated in place. UI thread only.

A new frame of the same size goes in with glTexSubImage2D into the existing storage; storage is
reallocated only when the size changes (another episode, another camera resolution).
"""

from __future__ import annotations

import numpy as np

from leropilot_gl.render.gl import GL


class VideoTexture:
    """An RGBA8 texture that holds one decoded frame; `frame_key` says which one (or None).

    Frames come as HxWx4 RGBA (a plain copy on upload) or HxWx3 RGB (the driver converts).
    """

    def __init__(self) -> None:
        self.texture_id: int | None = None
        self.width = 0
        self.height = 0
        self.frame_key: object | None = None  # what the texture shows, e.g. (file, frame index)
        self.allocations = 0  # storage (re)allocations: stays 1 while frames stream in

    def upload(self, image: np.ndarray, frame_key: object) -> None:
        """Put an HxWx4 RGBA or HxWx3 RGB uint8 frame into the texture; a frame already shown costs nothing."""
        if frame_key == self.frame_key and self.texture_id is not None:
            return
        if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
            raise ValueError(f"expected an HxWx4 or HxWx3 uint8 image, got {image.shape} {image.dtype}")
        pixel_format = GL.GL_RGBA if image.shape[2] == 4 else GL.GL_RGB
        if not image.flags.c_contiguous:
            image = np.ascontiguousarray(image)
        height, width = image.shape[:2]
        if self.texture_id is None:
            self.texture_id = int(GL.glGenTextures(1))
            GL.glBindTexture(GL.GL_TEXTURE_2D, self.texture_id)
            GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)
            GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
            GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE)
            GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)
        else:
            GL.glBindTexture(GL.GL_TEXTURE_2D, self.texture_id)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)  # RGB rows of width*3 bytes are not 4-aligned
        if (width, height) != (self.width, self.height):
            GL.glTexImage2D(
                GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, width, height, 0, pixel_format, GL.GL_UNSIGNED_BYTE, image
            )
            self.width, self.height = width, height
            self.allocations += 1
        else:
            GL.glTexSubImage2D(
                GL.GL_TEXTURE_2D, 0, 0, 0, width, height, pixel_format, GL.GL_UNSIGNED_BYTE, image
            )
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 4)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self.frame_key = frame_key

    def read_back(self) -> np.ndarray:
        """The texture's pixels as HxWx3 uint8 (tests and benchmarks: it waits for the GPU)."""
        if self.texture_id is None:
            raise RuntimeError("the texture holds no frame yet")
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.texture_id)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        data = GL.glGetTexImage(GL.GL_TEXTURE_2D, 0, GL.GL_RGB, GL.GL_UNSIGNED_BYTE)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        return np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 3)

    def release(self) -> None:
        """Delete the GL texture (UI thread, before the context goes away)."""
        if self.texture_id is not None:
            GL.glDeleteTextures([self.texture_id])
        self.texture_id = None
        self.frame_key = None
        self.width = self.height = 0
