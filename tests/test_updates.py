"""Updating a project with cruft, and retrying a failed run with --replay.

The cruft tests copy this template into a scratch git repository, as a user's
clone would be, and run cruft's command line in a subprocess: cruft renders the
old and the new template version in one process, and that process must not
reuse the `local_extensions` this test session has imported. Every temporary
folder cruft makes goes under the test's own tmp_path.

What the records hold, read from cruft 2.16 and cookiecutter 2.7:
- `.cruft.json`: the template URL (for a local template, its absolute path:
  cruft's `resolve_template_url`), the commit, and the answers with `_template`
  (the same URL again) and `_commit`. cruft calls cookiecutter's
  `generate_files` itself, so cookiecutter's `_output_dir`, `_repo_dir` and
  `_checkout` are never added.
- The replay file (cookiecutter's `replay_dir`, `<template folder name>.json`):
  the answers plus `_template` (as typed), `_repo_dir` (the template folder:
  the path typed, or the clone under `cookiecutters_dir`) and `_output_dir`
  (always absolute). It stays in the user's replay folder, never in the
  project, and `--replay` overwrites `_output_dir` with the new output folder.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from bakery import TEMPLATE
from bakery import bake
from bakery import run_cookiecutter
from bakery import scratch_env
from bakery import write_cookiecutter_config
from cookiecutter import prompt as cookiecutter_prompt
from cookiecutter.exceptions import FailedHookException
from cookiecutter.exceptions import OutputDirExistsException

ANSWERS = {
    "project_name": "Replay Me",
    "mask_variant": "reshape",
    "keras_backend": "jax",
    "author_name": 'Ada "Quote" O\'Brien',
}
REFUSAL = (
    "package_name='keras' is refused: importing it would shadow the module "
    "'keras'. A valid example: 'my_keras'."
)
SHOUT_FILTER = """

def shout(value):
    return str(value).upper()


ShoutFilter = simple_filter(shout)
"""
# Files that only exist in a checkout, never in a template a user clones.
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git",
    ".ci",
    ".venv",
    "venv",
    "__pycache__",
    "*.py[cod]",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
)


# ---------------------------------------------------------------- helpers


def isolated_env(tmp_path):
    """Environment for git and cruft: no user git config, temp files in tmp_path."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    name, email = "Template Tests", "template-tests@example.invalid"
    return scratch_env(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
        TMPDIR=str(scratch),
        COLUMNS="200",
    )


def git(folder, *args, env):
    result = subprocess.run(
        ["git", *args], cwd=folder, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def cruft(folder, *args, env):
    return subprocess.run(
        [sys.executable, "-m", "cruft", *args],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


def template_repo(tmp_path, env):
    """This template's working tree, committed to a fresh git repository."""
    repo = tmp_path / "keras-masked-layer"
    shutil.copytree(TEMPLATE, repo, ignore=NOT_TEMPLATE)
    git(repo, "init", "-q", env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", "Template", env=env)
    return repo


def append(path, text):
    with path.open("a") as file:
        file.write(text)


def commit_template_change(repo, env, change):
    change(repo)
    git(repo, "commit", "-q", "-a", "-m", "Template change", env=env)
    return git(repo, "rev-parse", "HEAD", env=env).strip()


def template_gitignore_gains(line):
    """A template change: the generated .gitignore gets `line` at its end."""
    return lambda repo: append(
        repo / "{{cookiecutter.project_slug}}" / ".gitignore", f"{line}\n"
    )


def cruft_create(tmp_path, env):
    """`cruft create --no-input` into tmp_path/work; returns (repo, project, run)."""
    repo = template_repo(tmp_path, env)
    work = tmp_path / "work"
    work.mkdir()
    context = json.dumps({"run_tests": False})
    run = cruft(
        work,
        "create",
        "--no-input",
        str(repo),
        "--extra-context",
        context,
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (project,) = work.iterdir()
    return repo, project, run


def linked_project(tmp_path):
    """A project made by `cruft create`, committed, and then edited by its user.

    Returns (env, template repo, project).
    """
    env = isolated_env(tmp_path)
    repo, project, _ = cruft_create(tmp_path, env)
    git(project, "init", "-q", env=env)
    git(project, "add", "-A", env=env)
    git(project, "commit", "-q", "-m", "Generated", env=env)
    return env, repo, project


def user_edit(project, name, line, env):
    append(project / name, f"{line}\n")
    git(project, "commit", "-q", "-a", "-m", "User edit", env=env)


def strings(value, where=()):
    """Every string in a JSON value, with the keys leading to it."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*where, index))
    elif isinstance(value, str):
        yield where, value


def local_paths(record, *roots):
    """The keys of `record` that hold an absolute path or name one of `roots`."""
    return {
        where
        for where, text in strings(record)
        if os.path.isabs(text) or any(str(root) in text for root in roots)
    }


def files(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def replay_file(tmp_path):
    """Where `write_cookiecutter_config(tmp_path)` has cookiecutter save answers."""
    return tmp_path / ".cookiecutter_replay" / f"{TEMPLATE.name}.json"


def refuse_to_prompt(monkeypatch):
    """Makes every question cookiecutter could ask fail the test."""

    def ask(question, *args, **kwargs):
        raise AssertionError(f"cookiecutter asked {question!r}")

    for name in (
        "read_user_variable",
        "read_user_yes_no",
        "read_user_choice",
        "read_user_dict",
        "read_repo_password",
    ):
        monkeypatch.setattr(cookiecutter_prompt, name, ask)


# ---------------------------------------------------------------- cruft


def test_cruft_create_then_check_passes_and_records_no_local_path(tmp_path):
    env = isolated_env(tmp_path)
    repo, project, run = cruft_create(tmp_path, env)
    assert "Running the generated tests" not in run.stdout
    assert "Tests not run (run_tests is off)" in run.stdout

    record = json.loads((project / ".cruft.json").read_text())
    assert record["template"] == str(repo)
    assert record["commit"] == git(repo, "rev-parse", "HEAD", env=env).strip()
    answers = record["context"]["cookiecutter"]
    assert answers["package_name"] == "my_masked_layer"
    assert answers["run_tests"] is False
    # The template URL is the one path cruft needs: a published template's
    # `https://` URL, and this scratch repo's local path here. cookiecutter's
    # own `_output_dir` and `_repo_dir` are not recorded.
    assert local_paths(record, tmp_path) == {
        ("template",),
        ("context", "cookiecutter", "_template"),
    }
    assert not {"_output_dir", "_repo_dir", "_checkout"} & set(answers)
    for name, content in files(project).items():
        if name != ".cruft.json":
            assert str(tmp_path).encode() not in content, name

    check = cruft(project, "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_cruft_update_applies_a_template_change_and_keeps_user_edits(tmp_path):
    env, repo, project = linked_project(tmp_path)
    init = "src/my_masked_layer/__init__.py"
    user_edit(project, init, "# The user's own line.", env)
    change = template_gitignore_gains("scratch-from-template-update/")
    new_commit = commit_template_change(repo, env, change)
    stale = cruft(project, "check", env=env)
    assert stale.returncode == 1 and "out of date" in stale.stdout

    update = cruft(project, "update", "--skip-apply-ask", env=env)
    assert update.returncode == 0, update.stdout + update.stderr
    assert "Running the generated tests" not in update.stdout
    assert "scratch-from-template-update/" in (project / ".gitignore").read_text()
    assert (project / init).read_text().endswith("# The user's own line.\n")
    changed = git(project, "status", "--porcelain", env=env).splitlines()
    assert sorted(line[3:] for line in changed) == [".cruft.json", ".gitignore"]
    assert not list(project.rglob("*.rej"))

    record = json.loads((project / ".cruft.json").read_text())
    assert record["commit"] == new_commit
    assert local_paths(record, tmp_path) == {
        ("template",),
        ("context", "cookiecutter", "_template"),
    }
    check = cruft(project, "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_cruft_update_turns_a_clash_with_a_user_edit_into_a_merge_conflict(
    tmp_path,
):
    env, repo, project = linked_project(tmp_path)
    user_edit(project, ".gitignore", "user-line/", env)
    commit_template_change(repo, env, template_gitignore_gains("template-line/"))
    update = cruft(project, "update", "--skip-apply-ask", env=env)
    assert update.returncode == 0, update.stdout + update.stderr
    text = (project / ".gitignore").read_text()
    assert "<<<<<<<" in text and "user-line/" in text and "template-line/" in text
    status = git(project, "status", "--porcelain", env=env).splitlines()
    assert "UU .gitignore" in status
    assert not list(project.rglob("*.rej"))


def test_cruft_update_picks_up_a_new_filter_in_local_extensions(tmp_path):
    env, repo, project = linked_project(tmp_path)

    def add_filter(template):
        append(template / "local_extensions.py", SHOUT_FILTER)
        context_file = template / "cookiecutter.json"
        context = json.loads(context_file.read_text())
        context["_extensions"].insert(0, "local_extensions.ShoutFilter")
        context_file.write_text(json.dumps(context, indent=2))
        template_gitignore_gains("# {{ cookiecutter.project_slug | shout }}")(template)

    commit_template_change(repo, env, add_filter)
    update = cruft(project, "update", "--skip-apply-ask", env=env)
    assert update.returncode == 0, update.stdout + update.stderr
    assert "# MY-MASKED-LAYER" in (project / ".gitignore").read_text()


def test_cruft_refuses_a_bad_answer_before_writing_anything(tmp_path):
    env = isolated_env(tmp_path)
    repo = template_repo(tmp_path, env)
    work = tmp_path / "work"
    work.mkdir()
    context = json.dumps({"package_name": "keras", "run_tests": False})
    run = cruft(
        work, "create", "--no-input", str(repo), "--extra-context", context, env=env
    )
    assert run.returncode == 1
    assert REFUSAL in " ".join(run.stderr.split())
    assert list(work.iterdir()) == []
    assert list((tmp_path / "scratch").iterdir()) == []


def test_cruft_refusal_is_one_line(tmp_path):
    env = isolated_env(tmp_path)
    repo = template_repo(tmp_path, env)
    context = json.dumps({"package_name": "keras", "run_tests": False})
    run = cruft(
        tmp_path, "create", "--no-input", str(repo), "--extra-context", context, env=env
    )
    assert run.returncode == 1
    assert (run.stdout + run.stderr).strip().splitlines() == [REFUSAL]


# ---------------------------------------------------------------- replay


def test_replay_after_a_failed_run_gives_the_same_project_without_prompts(
    tmp_path, monkeypatch
):
    config = write_cookiecutter_config(tmp_path)
    first = tmp_path / "first"
    (first / "replay-me").mkdir(parents=True)
    (first / "replay-me" / "notes.txt").write_text("mine")
    # A real failure after the prompts: the project folder already exists.
    with pytest.raises(OutputDirExistsException):
        bake(first, config_file=config, **ANSWERS)
    assert files(first) == {"replay-me/notes.txt": b"mine"}
    assert replay_file(tmp_path).is_file()

    refuse_to_prompt(monkeypatch)
    retry = tmp_path / "retry"
    project = run_cookiecutter(replay=True, output_dir=str(retry), config_file=config)
    monkeypatch.undo()
    direct = bake(tmp_path / "direct", config_file=config, **ANSWERS)
    assert files(retry / "replay-me") == files(direct)
    assert os.path.realpath(project) == os.path.realpath(retry / "replay-me")


def test_replay_overwrite_if_exists_writes_into_the_existing_folder(
    tmp_path, monkeypatch
):
    config = write_cookiecutter_config(tmp_path)
    (tmp_path / "out" / "replay-me").mkdir(parents=True)
    with pytest.raises(OutputDirExistsException):
        bake(tmp_path / "out", config_file=config, **ANSWERS)
    refuse_to_prompt(monkeypatch)
    run_cookiecutter(
        replay=True,
        overwrite_if_exists=True,
        output_dir=str(tmp_path / "out"),
        config_file=config,
    )
    assert (tmp_path / "out" / "replay-me" / "src" / "replay_me").is_dir()


def test_replay_file_stores_only_the_paths_cookiecutter_adds(tmp_path):
    config = write_cookiecutter_config(tmp_path)
    bake(tmp_path / "out", config_file=config, **ANSWERS)
    record = json.loads(replay_file(tmp_path).read_text())
    answers = record["cookiecutter"]
    assert {key: answers[key] for key in ANSWERS} == ANSWERS
    assert answers["run_tests"] is False
    assert local_paths(record, tmp_path, TEMPLATE) == {
        ("cookiecutter", "_template"),
        ("cookiecutter", "_repo_dir"),
        ("cookiecutter", "_output_dir"),
    }
    assert answers["_output_dir"] == str(tmp_path / "out")
    assert answers["_template"] == answers["_repo_dir"] == str(TEMPLATE)


def test_refused_answers_are_not_saved_for_replay(tmp_path):
    # --replay after a refusal replays the previous run, not the refused answers.
    config = write_cookiecutter_config(tmp_path)
    bake(tmp_path / "good", config_file=config, **ANSWERS)
    saved = replay_file(tmp_path).read_text()
    with pytest.raises(FailedHookException, match=re.escape(REFUSAL)):
        bake(tmp_path / "bad", config_file=config, package_name="keras")
    assert replay_file(tmp_path).read_text() == saved
    assert not (tmp_path / "bad").exists()


def test_replay_file_on_the_command_line(tmp_path):
    config = write_cookiecutter_config(tmp_path)
    bake(tmp_path / "first", config_file=config, **ANSWERS)
    answers_file = tmp_path / "my-answers.json"
    shutil.copy(replay_file(tmp_path), answers_file)
    command = [
        sys.executable,
        "-m",
        "cookiecutter",
        "--replay-file",
        answers_file,
        "--config-file",
        config,
        "--output-dir",
        tmp_path / "second",
        str(TEMPLATE),
    ]
    run = subprocess.run(
        command,
        env=scratch_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert files(tmp_path / "second" / "replay-me") == files(
        tmp_path / "first" / "replay-me"
    )


# ---------------------------------------------------------------- README


def readme_section(title):
    readme = (TEMPLATE / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match[1]


def readme_commands(*titles):
    blocks = [readme_section(title) for title in titles]
    return [
        line.split("#")[0].strip()
        for block in blocks
        for code in re.findall(r"```bash\n(.*?)```", block, re.S)
        for line in code.splitlines()
        if line.startswith(("cookiecutter ", "cruft "))
    ]


def test_readme_retry_and_update_commands_use_real_options():
    commands = readme_commands("Retrying a failed run", "Updating a generated project")
    assert any("--replay " in command for command in commands)
    assert any("--replay-file" in command for command in commands)
    for verb in ("create", "check", "update"):
        assert any(command.startswith(f"cruft {verb}") for command in commands)
    # cruft clones with git, which does not know cookiecutter's gh: abbreviation.
    assert not [c for c in commands if c.startswith("cruft") and " gh:" in c]
    helps = {}
    for command in commands:
        words = command.split()
        tool = words[:2] if words[0] == "cruft" else words[:1]
        if tuple(tool) not in helps:
            helps[tuple(tool)] = subprocess.run(
                [sys.executable, "-m", *tool, "--help"],
                env=scratch_env(COLUMNS="200"),
                capture_output=True,
                text=True,
            ).stdout
        for option in re.findall(r"(?<!\S)(--?[a-z][a-z-]*)", command):
            assert option in helps[tuple(tool)], (command, option)
