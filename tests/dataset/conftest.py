"""Writable copies of the cached sample datasets, shared by the journal tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_dataset


@pytest.fixture
def uneven(sample_uneven: Path, tmp_path: Path) -> Path:
    return copy_dataset(sample_uneven, tmp_path, "uneven")


@pytest.fixture
def av1(sample_av1: Path, tmp_path: Path) -> Path:
    return copy_dataset(sample_av1, tmp_path, "av1")
