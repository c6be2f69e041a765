"""Fixtures for the template's tests; the bake helpers live in bakery.py."""

import pytest


@pytest.fixture
def output_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
