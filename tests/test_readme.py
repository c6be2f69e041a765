"""The README's commands are the ones CI runs, and do what it says."""

import re
import shlex
import subprocess
import sys

from bakery import CHOICES
from bakery import TEMPLATE
from bakery import bake
from bakery import scratch_env
from bakery import write_cookiecutter_config

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


def retry_commands(block):
    """The commands of the `block`th bash block in "Retrying a failed run", for
    this checkout instead of GitHub."""
    readme = (TEMPLATE / "README.md").read_text()
    section = readme.split("## Retrying a failed run")[1].split("\n## ")[0]
    script = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)[block]
    lines = [line.split("  #")[0] for line in script.splitlines()]
    return [
        shlex.split(line.replace("gh:<org>/keras-masked-layer", str(TEMPLATE)))
        for line in lines
    ]


def run_in(folder, command, config):
    if command[0] == "cookiecutter":
        command = [sys.executable, "-m", *command]
    env = scratch_env(COOKIECUTTER_CONFIG=config)
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)


def test_readme_retry_into_a_fresh_folder_keeps_every_edit(tmp_path):
    config = write_cookiecutter_config(tmp_path)
    work = tmp_path / "work"
    project = bake(work, config_file=config)
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nMy own notes.\n")
    (project / "notes.txt").write_text("mine\n")
    edited = readme.read_text()

    generate, compare = retry_commands(1)
    result = run_in(work, generate, config)
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_in(work, compare, config)
    assert result.returncode == 1, result.stdout + result.stderr
    assert readme.read_text() == edited
    assert (project / "notes.txt").read_text() == "mine\n"
    # The comparison shows both: the edit, and the file the template never made.
    assert "+My own notes." in result.stdout
    assert f"Only in {project.name}: notes.txt" in result.stdout


def test_overwrite_if_exists_overwrites_edits_as_the_readme_warns(tmp_path):
    readme_text = (TEMPLATE / "README.md").read_text()
    assert "Do not add `--overwrite-if-exists`" in readme_text
    config = write_cookiecutter_config(tmp_path)
    work = tmp_path / "work"
    project = bake(work, config_file=config)
    readme = project / "README.md"
    pristine = readme.read_text()
    readme.write_text(pristine + "\nMy own notes.\n")
    (project / "notes.txt").write_text("mine\n")
    command = ["cookiecutter", "--replay", "--overwrite-if-exists", str(TEMPLATE)]
    result = run_in(work, command, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert readme.read_text() == pristine
    assert (project / "notes.txt").read_text() == "mine\n"
