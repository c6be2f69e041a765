"""Hostile answers: kept exactly where they are text, refused where they cannot work.

Refusals (bad identifiers, paths, multi-line text) are in test_answers.py; this
module holds answers that must be accepted and come out unchanged, checks that
no answer ever runs as code, and that the project they give passes its own CI's
lint and build on the first push.
"""

import ast
import email
import email.utils
import os
import subprocess
import sys
import tomllib

import pytest
import yaml
from bakery import CHOICES
from bakery import bake
from bakery import build_with_setuptools
from bakery import run_cookiecutter_cli
from bakery import run_generated_tests
from bakery import run_setuptools
from bakery import scratch_env
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import local_extensions

KEPT = [
    ("description", 'double "quotes"'),
    ("description", "apostrophe's and ''' triple"),
    ("description", 'triple """ quotes'),
    ("description", "back\\slash and trailing \\"),
    ("description", "caf\u00e9 \u00fcber \u4e2d\u6587 \u0639\u0631\u0628\u064a"),
    ("description", "emoji \U0001f600\U0001f680\U0001f9ea"),
    ("description", "{{ 7*7 }} stays as typed"),
    ("description", "{% raw %} unclosed"),
    ("description", "{# a Jinja comment #}"),
    ("description", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    ("description", 'toml = "x"\\n[table]'),
    ("description", "${{ github.token }} and $(whoami) and `id`"),
    ("description", "tab\there, del\x7f, bell\x07, nul\x00"),
    ("description", "*markdown* _here_ [link](http://x) <script>alert(1)</script>"),
    ("description", "# looks like a heading"),
    ("description", "- looks like a list"),
    ("author_name", "O'Brien"),
    ("author_name", 'Dwayne "The Rock" Johnson'),
    ("author_name", "Zo\u00eb \u00c5str\u00f6m"),
    ("author_name", "\\u0041 not an escape"),
    ("author_name", "{{ cookiecutter.author_email }}"),
    ("author_email", "o'brien+tag@example.com"),
    ("project_name", "Quote \"n' Roll"),
    ("project_name", "Caf\u00e9 Layer"),
]


def assert_project_holds(project, answers):
    """Every .py parses, pyproject parses, and the answers come out unchanged."""
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    project_table = metadata["project"]
    if "description" in answers:
        assert project_table["description"] == answers["description"]
    author = project_table["authors"][0]
    if "author_name" in answers:
        assert author["name"] == answers["author_name"]
    if "author_email" in answers:
        assert author["email"] == answers["author_email"]
    if "description" in answers:
        (init,) = project.glob("src/*/__init__.py")
        module = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(module, clean=False) == answers["description"]


@pytest.mark.parametrize(
    "field,value", KEPT, ids=[f"{f}-{i}" for i, (f, _) in enumerate(KEPT)]
)
def test_hostile_text_is_kept_exactly(output_dir, field, value):
    project = bake(output_dir, **{field: value})
    assert_project_holds(project, {field: value})


FIELDS = [
    "project_name",
    "project_slug",
    "package_name",
    "layer_class_name",
    "description",
    "author_name",
    "author_email",
]


@pytest.mark.parametrize("field", FIELDS)
def test_payload_never_runs_during_generation(output_dir, tmp_path, field):
    sentinel = tmp_path / "PWNED"
    payload = f"x'); __import__('pathlib').Path({str(sentinel)!r}).touch(); ('"
    jinja = f"{{{{ cycler.__init__.__globals__.os.system('touch {sentinel}') }}}}"
    for kind, value in (("python", payload), ("jinja", jinja)):
        folder = output_dir / kind
        folder.mkdir()
        result = run_cookiecutter_cli(folder, f"{field}={value}", "run_tests=no")
        assert not sentinel.exists(), f"{field}={value!r} ran as code"
        if result.returncode == 0:
            (project,) = folder.iterdir()
            assert_project_holds(project, {field: value})
        else:
            assert "is refused" in result.stdout, result.stdout + result.stderr
            assert list(folder.iterdir()) == []


@pytest.mark.slow
def test_payload_never_runs_when_the_generated_tests_run(output_dir, tmp_path):
    sentinel = tmp_path / "PWNED"
    payload = f"x'); __import__('pathlib').Path({str(sentinel)!r}).touch(); ('"
    project = bake(output_dir, description=payload, author_name=payload)
    result = run_generated_tests(project, "tensorflow", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not sentinel.exists()


def accepted(field):
    return lambda text: local_extensions.broken_rule(field, text) is None


one_line_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40).filter(
    accepted("description")
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(description=one_line_text, author_name=one_line_text)
def test_any_one_line_text_round_trips(tmp_path_factory, description, author_name):
    output_dir = tmp_path_factory.mktemp("out")
    answers = {"description": description, "author_name": author_name}
    project = bake(output_dir, **answers)
    assert_project_holds(project, answers)


def test_metadata_of_the_built_package_round_trips(output_dir, tmp_path):
    # What pip shows is the METADATA setuptools writes, not pyproject.toml.
    description = "\"q\" 'a' ''' \\ tab\t emoji \U0001f600 {{ 7*7 }} del\x7f nul\x00"
    author_name = 'O\'Brien "Rock" Zo\u00eb \\'
    project = bake(output_dir, description=description, author_name=author_name)
    dist_info = build_with_setuptools(
        project, "prepare_metadata_for_build_wheel", tmp_path
    )
    metadata = email.message_from_string((dist_info / "METADATA").read_text())
    assert metadata["Summary"] == description
    name, address = email.utils.parseaddr(metadata["Author-email"])
    assert (name, address) == (author_name, "you@example.com")


@pytest.mark.parametrize(
    "email",
    [
        "ada@example",
        "not-an-email",
        "ada@localhost",
        "",
        "two@at@example.com",
        "ada lovelace@example.com",
        "ada@example.com.",
        "z\u00f6e@example.com",
        "ada@example.com",
        "o'brien+tag@example.co.uk",
        "zoe@b\u00fccher.example",
    ],
)
def test_the_email_rule_is_the_check_packaging_tools_make(output_dir, tmp_path, email):
    # The rule refuses an email exactly when setuptools refuses to build with it.
    project = bake(output_dir)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    written = 'email = "you@example.com"'
    assert text.count(written) == 1
    email_toml = f"email = {local_extensions.toml_string(email)}"
    pyproject.write_text(text.replace(written, email_toml), encoding="utf-8")
    result = run_setuptools(project, "prepare_metadata_for_build_wheel", tmp_path)
    refused = local_extensions.broken_rule("author_email", email) is not None
    assert (result.returncode != 0) == refused, result.stderr[-2000:]


# Characters that make ruff choose quotes, strip a docstring or need escapes.
TRICKY = st.sampled_from(list("\"'\\ \t\x00\x7f\xa0\u200b\u3000\U0001f600{}#"))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    st.text(TRICKY | st.characters(blacklist_categories=["Cs"])).filter(
        accepted("description")
    )
)
def test_python_string_is_what_ruff_format_writes(text):
    literal = local_extensions.python_string(text)
    # A module docstring, as __init__.py holds the description, and a plain string.
    source = f"{literal}\n\nVALUE = {literal}\n"
    assert ast.get_docstring(ast.parse(source), clean=False) == text
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "-"],
        input=source,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert formatted.stdout == source, formatted.stderr


# A few bakes, each with several hostile answers: together they cover every
# license, backend and variant.
HOSTILE_BAKES = {
    "quotes": {
        "license": "MIT",
        "keras_backend": "tensorflow",
        "mask_variant": "passthrough",
        "project_name": "Quote \"n' Roll \U0001f680",
        "description": 'He said "hi", then ""twice"" and a trailing \\',
        "author_name": 'Dwayne "The Rock" O\'Brien',
        "author_email": "o'brien+tag@example.com",
    },
    "unicode": {
        "license": "Apache-2.0",
        "keras_backend": "jax",
        "mask_variant": "time_reduce",
        "project_name": "Zo\u00eb\u2019s Mask Joiner",
        "description": (
            "  caf\u00e9 \u4e2d\u6587 \u0639\u0631\u0628\u064a \U0001f9ea\ttab\x7f  "
        ),
        "author_name": "Zo\u00eb \u00c5str\u00f6m \\u0041",
    },
    "long": {
        "license": "BSD-3-Clause",
        "keras_backend": "torch",
        "mask_variant": "reshape",
        "project_slug": "a" * 99 + "z",
        "package_name": "p" * 40,
        "layer_class_name": "L" + "x" * 39,
        "description": "{{ 7*7 }} ''' \"\"\" " + "long words " * 40 + "\\",
        "author_name": "{% raw %} $(whoami) `id` " * 8,
    },
    "short_names": {
        "mask_variant": "concat",
        "package_name": "a",
        "layer_class_name": "A",
        "description": "'single' \"double\" \\ '",
    },
    "markup": {
        "license": "MIT",
        "keras_backend": "jax",
        "mask_variant": "conv",
        "project_name": "`Conv|Mask` <b>*bold*</b> _under_ [link](x)",
        "description": "| a | table | row |  <!-- comment --> # not a heading",
        "author_name": "**Ann** <ann@example.com>",
    },
    "spacing": {
        "license": "BSD-3-Clause",
        "keras_backend": "torch",
        "mask_variant": "attention_pool",
        "project_name": "  Attention   Pooling\t ",
        "description": "line one\\nline two \u00a0 nbsp",
        "author_name": " Padded  Author ",
    },
}


def test_hostile_bakes_cover_every_choice():
    for field in ("license", "keras_backend", "mask_variant"):
        # An answer left out takes the first choice, as cookiecutter's default.
        used = {
            answers.get(field, CHOICES[field][0]) for answers in HOSTILE_BAKES.values()
        }
        assert used == set(CHOICES[field]), (
            f"{field}: no hostile bake answers {set(CHOICES[field]) - used}"
        )


# What the pre-commit hooks that CI's lint job runs do, as commands: pre-commit
# itself would clone each hook's repository from GitHub.
PRE_COMMIT_HOOK_COMMANDS = {
    "ruff-check": "ruff check .",
    "ruff-format": "ruff format --check .",
    "mypy": "mypy",
}


def ci_job_steps(project, job):
    """The `run:` steps of `job` in the project's workflow, and each one's shell,
    less its `pip install` steps; a `pre-commit run` becomes its hooks' commands."""
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    for step in workflow["jobs"][job]["steps"]:
        script = step.get("run", "")
        if not script or "pip install" in script:
            continue
        if script.startswith("pre-commit run"):
            config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
            hooks = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
            assert set(PRE_COMMIT_HOOK_COMMANDS) <= set(hooks), hooks
            for hook in PRE_COMMIT_HOOK_COMMANDS:
                yield PRE_COMMIT_HOOK_COMMANDS[hook], None
        else:
            yield script, step.get("shell")


def run_ci_job(project, job):
    """Runs the `run:` steps of `job` in the project's workflow as GitHub would,
    with this interpreter's tools in place of its `pip install` steps."""
    tools = os.path.dirname(sys.executable)
    env = scratch_env(
        PATH=f"{tools}{os.pathsep}{os.environ['PATH']}",
        # Where GitHub collects the outputs a step writes (the build job's
        # pre-release flag): outside the project, which ruff would read.
        GITHUB_OUTPUT=str(project.parent / "github_output"),
    )
    for script, shell_name in ci_job_steps(project, job):
        shell = ["python", "-c"] if shell_name == "python" else ["bash", "-e", "-c"]
        result = subprocess.run(
            [*shell, script], cwd=project, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, (
            f"{job}: {script}\n{result.stdout}{result.stderr}"
        )


# One bake per job: the build leaves a build/ folder that ruff would read.
@pytest.mark.parametrize("job", ["lint", "build"])
@pytest.mark.parametrize("name", HOSTILE_BAKES)
def test_hostile_answers_pass_the_ci_job(output_dir, name, job):
    answers = HOSTILE_BAKES[name]
    project = bake(output_dir, **answers)
    assert_project_holds(project, answers)
    run_ci_job(project, job)
