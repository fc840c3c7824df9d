"""Modules imported on first use, for libraries the app's window must not wait for.

`pa = lazy_module("pyarrow")` at the top of a module stands for `import pyarrow as pa`: the first
attribute read imports pyarrow (about 0.3 s here) and keeps the name, so later reads are plain
attribute reads. The readers that need pyarrow then pay for it on the worker that opens the first
dataset, while the window is already drawing. No imgui, no GL: every layer may use it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


class LazyModule:
    """Stands for a module: reading a name imports the module once and keeps that name here."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_lazy_name", name)

    def __getattr__(self, attr: str) -> Any:
        # Only called for names not kept yet (and never for _lazy_name, set in __init__).
        value = getattr(importlib.import_module(self._lazy_name), attr)
        object.__setattr__(self, attr, value)
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self._lazy_name!r}>"


def lazy_module(name: str) -> Any:
    """A stand-in for `import name`, typed Any so that call sites read as the module itself."""
    return LazyModule(name)


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], object]:
    """A package's module `__getattr__` (PEP 562): `names` maps each exported name to the submodule
    that defines it, imported on the first read of the name, which is then kept in the package."""

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:  # also how `from package import submodule` finds the submodule
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
