"""Shared fixtures: the latest date's front, a population index, a temp user-data dir."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis import layers, stats


@pytest.fixture(scope="session")
def front():
    return layers.front(layers.DATA_DATE)


@pytest.fixture(scope="session")
def pop_index(front):
    return stats.population_index(front)


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path, monkeypatch):
    """User-added snapshots go to a temp dir, never into geodata/."""
    monkeypatch.setenv("FFE_USER_DATA", str(tmp_path / "user"))
    yield
