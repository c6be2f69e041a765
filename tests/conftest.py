"""Helpers that make each bake, and each run of a generated suite, one line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
VARIANTS = json.loads((TEMPLATE / "cookiecutter.json").read_text())["mask_variant"]
BACKENDS = json.loads((TEMPLATE / "cookiecutter.json").read_text())["keras_backend"]


def bake(output_dir, run_tests=False, config_file=None, **answers):
    """Generates a project with `answers` and no prompts; returns its folder."""
    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(output_dir),
            config_file=config_file,
            extra_context={"run_tests": run_tests, **answers},
        )
    )


def run_cookiecutter_cli(output_dir, *answers, env=None):
    """Runs the `cookiecutter` command line as a user would, in `output_dir`."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE)]
    return subprocess.run(
        [*command, *answers],
        cwd=output_dir,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


def run_generated_tests(project, backend, *pytest_args, tmp_path):
    """Runs a generated project's suite under `backend` in a fresh interpreter."""
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "PYTHONDONTWRITEBYTECODE": "1",
        "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis"),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *pytest_args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def output_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
