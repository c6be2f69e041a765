"""The README's commands are the ones CI runs."""

import re

from bakery import TEMPLATE


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
