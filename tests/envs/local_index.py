"""A local package index for the environment tests: real wheels served over HTTP on 127.0.0.1.

The folder layout is PEP 503's (<root>/<index>/<project>/<file>.whl) and http.server's folder
listings are the project pages, so uv reads it like PyPI or the PyPI-hosted PyTorch index. One
project can be made slow (its page waits) to hold an install in the middle of a download.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import threading
import time
import zipfile
from pathlib import Path


def make_wheel(index_dir: Path, name: str, version: str, requires: list[str] | None = None) -> Path:
    """A tiny real wheel (one module whose __version__ is `version`) in index_dir/<name>/."""
    project = index_dir / name
    project.mkdir(parents=True, exist_ok=True)
    filename = f"{name}-{version}-py3-none-any.whl"
    dist_info = f"{name}-{version}.dist-info/"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires or [])
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        dist_info + "METADATA": meta.encode(),
        dist_info
        + "WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = []
    with zipfile.ZipFile(project / filename, "w") as zf:
        for arc, data in files.items():
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{arc},sha256={digest},{len(data)}")
        zf.writestr(dist_info + "RECORD", "\n".join([*rows, dist_info + "RECORD,,"]) + "\n")
    return project / filename


class LocalIndex:
    """http.server over a folder, in a thread. `slow_project`'s page waits until `release()`
    (at most `slow_s`) the first time it is asked for; `slow_seen` is set when that happens."""

    def __init__(self, root: Path, *, slow_project: str = "", slow_s: float = 120.0) -> None:
        self.root = root
        self.slow_project = slow_project
        self.slow_s = slow_s
        self.slow_seen = threading.Event()
        self._release = threading.Event()
        self._slowed = False
        self.requests: list[str] = []
        index = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                index.requests.append(self.path)
                if index.slow_project and f"/{index.slow_project}/" in self.path and not index._slowed:
                    index._slowed = True
                    index.slow_seen.set()
                    index._release.wait(index.slow_s)
                super().do_GET()

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LocalIndex:
        self.thread.start()
        return self

    def release(self) -> None:
        self._release.set()

    def __exit__(self, *exc) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        deadline = time.monotonic() + 5
        while self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
