#!/usr/bin/env -S uv run --script
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Tasks in fresh virtual environments: `nox` lints and tests, `nox -s build` builds.

`python -m pip install nox`, or run this file with uv (`uv run noxfile.py`). `nox -s tests -- -k mask` passes
the arguments after `--` to pytest; `KERAS_BACKEND=jax nox -s tests` tests on
another backend.
"""

import glob
import os
import shutil

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"

BACKEND = os.environ.get("KERAS_BACKEND", {{ cookiecutter.keras_backend | python_string }})
# PyPI's torch wheel for Linux brings several GB of CUDA libraries.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@nox.session
def lint(session: nox.Session) -> None:
    """Runs every pre-commit check, as CI's lint job does."""
    session.install("pre-commit")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure")


@nox.session
def tests(session: nox.Session) -> None:
    """Installs the package with its tests and backend, then runs pytest."""
    session.install(f".[test,{BACKEND}]", "--extra-index-url", TORCH_CPU_INDEX)
    session.run("pytest", *session.posargs, env={"KERAS_BACKEND": BACKEND})


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Builds the sdist and wheel into dist/ and checks them."""
    shutil.rmtree("dist", ignore_errors=True)
    session.install("build", "twine")
    session.run("python", "-m", "build")
    session.run("twine", "check", "--strict", *glob.glob("dist/*"))


if __name__ == "__main__":
    nox.main()
