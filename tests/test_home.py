"""The template's tests leave the user's home folder as it was.

Each helper of bakery.py, and cruft as test_updates.py runs it, runs here in a
fresh interpreter whose HOME is an empty folder: cookiecutter reads `~` when it
is imported, so only a fresh interpreter shows where it would write.
"""

import os
import subprocess
import sys

from bakery import TEMPLATE

HELPERS = """
import sys
from pathlib import Path

from bakery import bake, build_with_setuptools, run_cookiecutter_cli
from bakery import run_generated_tests
from test_updates import cruft_create, isolated_env

work = Path(sys.argv[1])
for name in ("api", "cli", "prompts", "cruft", "metadata"):
    (work / name).mkdir()
project = bake(work / "api", keras_backend="jax")
assert run_cookiecutter_cli(work / "cli", "run_tests=no").returncode == 0
typed = run_cookiecutter_cli(work / "prompts", "run_tests=no", typed=[""] * 11)
assert typed.returncode == 0, typed.stderr
# Collecting the generated tests imports Keras, which makes ~/.keras if it can.
collect = run_generated_tests(project, "jax", "--collect-only", tmp_path=work)
assert collect.returncode == 0, collect.stdout + collect.stderr
cruft_create(work / "cruft", isolated_env(work / "cruft"))
build_with_setuptools(project, "prepare_metadata_for_build_wheel", work / "metadata")
"""
# Variables that would send these files elsewhere than HOME, and so hide a write.
ELSEWHERE = ("KERAS_HOME", "COOKIECUTTER_CONFIG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")


def test_bakes_commands_and_generated_suites_leave_home_empty(tmp_path):
    home, work, scratch = (tmp_path / name for name in ("home", "work", "tmp"))
    for folder in (home, work, scratch):
        folder.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ELSEWHERE}
    env.update(
        HOME=str(home),
        TMPDIR=str(scratch),
        PYTHONPATH=os.pathsep.join([str(TEMPLATE / "tests"), str(TEMPLATE)]),
    )
    result = subprocess.run(
        [sys.executable, "-c", HELPERS, str(work)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert list(home.iterdir()) == []
    # The stand-in home the helpers used is gone too. (cookiecutter leaves its
    # rendered hook scripts in the temp folder: not ours to clean.)
    assert not list(scratch.glob("keras-masked-layer-home-*"))
