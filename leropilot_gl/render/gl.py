"""PyOpenGL, loaded on first use: importing it costs ~0.1 s that the window and the dataset tree
need not wait for. app.py starts loading it on a thread before its other imports
(`preload_in_background`), so it is ready by the first texture upload."""

from __future__ import annotations

import importlib
import threading
from typing import Any


class _LazyGL:
    """Stands for `OpenGL.GL`: the first use of a name imports the module and keeps the name here,
    so later lookups are plain attribute reads."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(importlib.import_module("OpenGL.GL"), name)
        setattr(self, name, value)
        return value


GL: Any = _LazyGL()


def raw_vertex_attrib_pointer(*args: Any) -> None:
    """The raw glVertexAttribPointer (see scene3d.py for why not the wrapped one)."""
    from OpenGL.raw.GL.VERSION.GL_2_0 import glVertexAttribPointer

    glVertexAttribPointer(*args)


def preload_in_background() -> None:
    """Import PyOpenGL on a daemon thread (no GL call, no context needed to import it)."""
    threading.Thread(
        target=importlib.import_module, args=("OpenGL.GL",), name="gl-import", daemon=True
    ).start()
