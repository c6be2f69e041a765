"""Bakes projects and runs their suites: shared by the tests and the benchmarks."""

import json
import os
import subprocess
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())
VARIANTS = CHOICES["mask_variant"]
BACKENDS = CHOICES["keras_backend"]


def bake(output_dir, run_tests=False, config_file=None, accept_hooks=True, **answers):
    """Generates a project with `answers` and no prompts; returns its folder."""
    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(output_dir),
            config_file=config_file,
            accept_hooks=accept_hooks,
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
    """Runs a generated project's suite under `backend` in a fresh interpreter.

    Like the post-gen hook, it loads no other pytest plugin and leaves no
    caches or bytecode in the project.
    """
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis"),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "_hypothesis_pytestplugin",
    ]
    return subprocess.run(
        [*command, *pytest_args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


def build_with_setuptools(project, hook, output_dir):
    """Runs the PEP 517 `hook` of setuptools (say "build_wheel") on `project` in
    a fresh interpreter, as pip would; returns the path of what it built."""
    code = (
        "import sys; from setuptools import build_meta; "
        f"print(build_meta.{hook}(sys.argv[1]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(output_dir)],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return Path(output_dir) / result.stdout.strip().splitlines()[-1]
