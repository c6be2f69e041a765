"""Fixtures for the template's tests; the bake helpers live in bakery.py."""

import pytest


def pytest_collection_modifyitems(items):
    """Slow tests first, each group in its collection order: pytest-xdist
    queues tests in this order, so what is left at the end is short and the
    workers end together."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def output_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
