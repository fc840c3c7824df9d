from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _make_read_only, tree_checksum
from tests.quality.defects import cached_defects_dataset


@pytest.fixture(scope="session")
def defects_dataset() -> Path:
    """The planted-defect dataset (tests/quality/defects.py), read-only."""
    root = cached_defects_dataset()
    _make_read_only(root)
    before = tree_checksum(root)
    yield root
    assert tree_checksum(root) == before, "a test modified the defects dataset; use copy_dataset()"
