"""Bakes projects and runs their suites: shared by the tests and the benchmarks.

Nothing here writes into the user's home folder. cookiecutter computes its
default replay and clone folders from `~` when it is imported, and Keras makes
`~/.keras` when it is imported: so every bake, and every command these helpers
start, runs with a scratch folder as its home (`scratch_home()`), whose
`.cookiecutterrc` keeps the replay files and cloned templates in it.
"""

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from cookiecutter.main import cookiecutter

import local_extensions

TEMPLATE = Path(__file__).resolve().parents[1]
# Each choice question and its options, read from cookiecutter.json.
CHOICES = local_extensions.CHOICES
VARIANTS = CHOICES["mask_variant"]
BACKENDS = CHOICES["keras_backend"]


def write_cookiecutter_config(folder):
    """Writes `folder`/.cookiecutterrc, which keeps cookiecutter's replay files
    and cloned templates in `folder`; returns its path as a string."""
    config = Path(folder) / ".cookiecutterrc"
    config.write_text(
        f"replay_dir: {json.dumps(str(Path(folder) / '.cookiecutter_replay'))}\n"
        f"cookiecutters_dir: {json.dumps(str(Path(folder) / '.cookiecutters'))}\n"
    )
    return str(config)


@functools.cache
def scratch_home():
    """The home folder of every bake and command here: one per process,
    removed when the process exits."""
    home = Path(tempfile.mkdtemp(prefix="keras-masked-layer-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    write_cookiecutter_config(home)
    return home


def home_variables():
    home = scratch_home()
    return {
        "HOME": str(home),
        "USERPROFILE": str(home),  # what `~` means on Windows
        "KERAS_HOME": str(home / ".keras"),
        # Read by cookiecutter when no config file is given, before ~/.cookiecutterrc.
        "COOKIECUTTER_CONFIG": str(home / ".cookiecutterrc"),
        # A generated suite on JAX keeps its compilation cache in the temp
        # folder, one per checkout; here, one per process that its runs share.
        "JAX_COMPILATION_CACHE_DIR": str(home / "jax-cache"),
    }


def scratch_env(**variables):
    """The environment for a command: this one, with its home in scratch_home(),
    and `variables` set (or unset, where one is None)."""
    env = {**os.environ, **home_variables(), **variables}
    return {name: value for name, value in env.items() if value is not None}


def run_cookiecutter(**options):
    """Runs cookiecutter on this template in this process, home in scratch_home():
    the hooks it starts inherit that home too."""
    with mock.patch.dict(os.environ, home_variables()):
        return Path(cookiecutter(str(TEMPLATE), **options))


def bake(output_dir, run_tests=False, config_file=None, accept_hooks=True, **answers):
    """Generates a project with `answers` and no prompts; returns its folder."""
    return run_cookiecutter(
        no_input=True,
        output_dir=str(output_dir),
        config_file=config_file,
        accept_hooks=accept_hooks,
        extra_context={"run_tests": run_tests, **answers},
    )


@functools.cache
def _pristine_bake(answers):
    """A project baked with `answers` (sorted pairs), once per process, in a
    scratch folder removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="keras-masked-layer-bakes-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return bake(folder, **dict(answers))


def copy_of_bake(output_dir, **answers):
    """A copy, in `output_dir`, of the project `bake(..., **answers)` gives; the
    bake itself runs once per process for each set of answers.

    For tests that run or change a project rather than look at how it was
    rendered: a copy holds no trace of `output_dir` (test_generated_projects
    checks that a real bake holds no local path either)."""
    pristine = _pristine_bake(tuple(sorted(answers.items())))
    return Path(shutil.copytree(pristine, Path(output_dir) / pristine.name))


def run_cookiecutter_cli(
    output_dir, *answers, typed=None, env=None, python=sys.executable
):
    """Runs the `cookiecutter` command line as a user would, in `output_dir`,
    with `python`'s cookiecutter.

    With `typed` (the lines a user types), it prompts and reads them from its
    standard input; without, it runs with `--no-input`. `env` changes the
    environment as `scratch_env` does.
    """
    options = [] if typed is not None else ["--no-input"]
    return subprocess.run(
        [python, "-m", "cookiecutter", *options, str(TEMPLATE), *answers],
        cwd=output_dir,
        env=scratch_env(**(env or {})),
        input="".join(f"{line}\n" for line in typed or []),
        capture_output=True,
        text=True,
    )


# The plugins a generated suite needs, loaded by name as the post-gen hook
# loads them, with autoloading off: pytest-xdist (its addopts ask for two
# worker processes) and hypothesis.
GENERATED_SUITE_PLUGINS = ["-p", "xdist.plugin", "-p", "_hypothesis_pytestplugin"]


def run_generated_tests(project, backend, *pytest_args, tmp_path):
    """Runs a generated project's suite under `backend` in a fresh interpreter.

    Like the post-gen hook, it loads no other pytest plugin and leaves no
    caches or bytecode in the project.
    """
    env = scratch_env(
        KERAS_BACKEND=backend,
        PYTHONDONTWRITEBYTECODE="1",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"),
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *GENERATED_SUITE_PLUGINS, *pytest_args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


def run_setuptools(project, hook, output_dir):
    """Runs the PEP 517 `hook` of setuptools (say "build_wheel") on `project` in
    a fresh interpreter, as pip would; returns the finished process."""
    code = (
        "import sys; from setuptools import build_meta; "
        f"print(build_meta.{hook}(sys.argv[1]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(output_dir)],
        cwd=project,
        env=scratch_env(),
        capture_output=True,
        text=True,
    )


def build_with_setuptools(project, hook, output_dir):
    """`run_setuptools`, which must succeed; returns the path of what it built."""
    result = run_setuptools(project, hook, output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return Path(output_dir) / result.stdout.strip().splitlines()[-1]
