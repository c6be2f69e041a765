"""The README's commands are the ones CI runs."""

import re

from bakery import CHOICES
from bakery import TEMPLATE

import local_extensions


def readme_commands():
    readme = (TEMPLATE / "README.md").read_text()
    return re.findall(r"```bash\n(python -m pip install .*)\n```", readme)


def test_readme_gives_the_two_setup_commands():
    generate, test = readme_commands()
    assert "cookiecutter --no-input ." in generate
    assert test.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = (TEMPLATE / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci_lines


def test_readme_intro_names_every_backend_offered():
    intro = (TEMPLATE / "README.md").read_text().split("\n## ")[0]
    labels = local_extensions.CONTEXT["__prompts__"]["keras_backend"]
    for backend in CHOICES["keras_backend"]:
        # "PyTorch (CPU build)" -> "PyTorch"
        assert labels[backend].split()[0] in intro, backend
