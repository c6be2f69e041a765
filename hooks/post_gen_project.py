"""Runs the generated tests, keeps the project whatever they say, prints next steps.

A failing test run never deletes the project: the hook reports the failure and
exits 0, since a non-zero exit would make cookiecutter remove the folder. Set
KERAS_MASKED_LAYER_STRICT=1 to exit non-zero instead (for CI, with
`--keep-project-on-failure` if you want the folder kept).
"""

import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile

# Answers are read as data: Jinja's `tojson` escapes every backslash and double
# quote and writes ' as \u0027, so no answer can end this string or run as code.
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
STRICT_VARIABLE = "KERAS_MASKED_LAYER_STRICT"
# What cookiecutter's yes/no prompt reads as yes.
TRUE_WORDS = {"1", "true", "t", "yes", "y", "on"}
# PyPI's torch wheel for Linux bundles CUDA (gigabytes); PyTorch's own index
# has the CPU build (`2.13.0+cpu`, which pip prefers to PyPI's `2.13.0`), and
# pip then keeps it when it installs the project. An extra index, not the only
# one: where PyTorch's cannot be reached, pip takes the release it can reach.
TORCH_CPU_INSTALL = (
    "python -m pip install torch==2.13.0 "
    "--extra-index-url https://download.pytorch.org/whl/cpu"
)


def is_yes(value):
    """The yes/no prompt gives a bool; `run_tests=no` stays the string 'no'."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS


def missing_modules(backend):
    # xdist is pytest-xdist's module: pyproject.toml's addopts ask for it.
    needed = ["pytest", "xdist", "hypothesis", "keras", backend]
    return [name for name in needed if importlib.util.find_spec(name) is None]


def main(answers, environ=os.environ):
    backend = answers["keras_backend"]
    project = shlex.quote(os.getcwd())
    rerun = f"cd {project} && python -m pytest"
    install = f'cd {project} && python -m pip install -e ".[dev]"'
    if backend == "torch":
        install = f"{TORCH_CPU_INSTALL} && {install}"
    status = 0
    if not is_yes(answers["run_tests"]):
        print(f"Tests not run (run_tests is off). Run them later with: {rerun}")
    elif missing := missing_modules(backend):
        print(
            f"Tests skipped: {sys.executable} cannot import {', '.join(missing)}. "
            f"Install with `{install}`, then run: {rerun}"
        )
    else:
        print(f"Running the generated tests on the {backend} backend ...", flush=True)
        # Only the plugins the suite needs: other installed plugins cannot
        # break the first run, and pytest does not spend 1.5 s rewriting the
        # asserts of all of hypothesis, which it does for every autoloaded
        # plugin's package when bytecode is not written.
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "xdist.plugin",
            "-p",
            "_hypothesis_pytestplugin",
        ]
        with tempfile.TemporaryDirectory() as scratch:
            # No caches or bytecode in the new project: it stays as generated.
            env = {
                **environ,
                "KERAS_BACKEND": backend,
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                "HYPOTHESIS_STORAGE_DIRECTORY": scratch,
            }
            result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL)
        if result.returncode == 0:
            print("All generated tests passed.")
        else:
            print(
                f"The generated tests failed (pytest exit {result.returncode}). "
                f"Your project is kept in {project}. Rerun with: {rerun}"
            )
            status = 1 if is_yes(environ.get(STRICT_VARIABLE, "")) else 0
    print(f"\nNext steps:\n  {install}\n  python -m pytest")
    return status


if __name__ == "__main__":
    sys.exit(main(ANSWERS))
