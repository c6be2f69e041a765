"""The files around the package: CI workflow, pre-commit, LICENSE and py.typed.

The workflow is copied without rendering (`_copy_without_render`), so GitHub's
`${{ }}` expressions reach the project as written; these tests read it as GitHub
would and check that every command in it names something the project has.
"""

import email
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from datetime import UTC
from datetime import datetime

import pytest
import yaml
from bakery import BACKENDS
from bakery import TEMPLATE
from bakery import bake
from bakery import build_with_setuptools
from bakery import scratch_env
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

WORKFLOW = ".github/workflows/ci.yml"
GITHUB_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
JINJA_LEFTOVER = re.compile(r"{{|{%|{#")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
LICENSES = ["MIT", "Apache-2.0", "BSD-3-Clause"]
# What comes before the standard text: the title and copyright line that
# choosealicense.com gives MIT and BSD-3-Clause, and for Apache-2.0 a copyright
# line above the unchanged text, as TensorFlow's LICENSE has it.
LICENSE_HEADERS = {
    "MIT": "MIT License\n\nCopyright (c) {year} {author}\n\n",
    "BSD-3-Clause": "BSD 3-Clause License\n\nCopyright (c) {year}, {author}\n\n",
    "Apache-2.0": "Copyright {year} {author}\n",
}
# SHA-256 of the standard text after the header. Apache-2.0: apache.org's
# LICENSE-2.0.txt byte for byte (MD5 3b83ef96387f14655fc854ddc3c6bd57). MIT and
# BSD-3-Clause: choosealicense.com's text, word for word the SPDX one.
LICENSE_BODY_SHA256 = {
    "MIT": "f9c4c77baa3828004ee54b8a4f2db2e88ed44a6237a493965bf551fac0fcb62d",
    "BSD-3-Clause": "7a77915f34caf18d47bc31750dae47dbd7f7895e95bbb8370f477c25009388f6",
    "Apache-2.0": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
}
LICENSE_PHRASES = {
    "MIT": "Permission is hereby granted, free of charge, to any person",
    "BSD-3-Clause": "3. Neither the name of the copyright holder nor the names of its",
    "Apache-2.0": "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
}
HOSTILE_AUTHORS = [
    "{{ 7*7 }}",
    'O\'Brien "x" \\ \U0001f389',
    "{% raw %} unclosed {# and #}",
    "${{ github.token }} $(whoami)",
    "\\u0041 not an escape",
]
LICENSED_AUTHOR = HOSTILE_AUTHORS[1]


def current_years():
    """The UTC year now and the next: a bake started now may end in either."""
    year = datetime.now(UTC).year
    return {str(year), str(year + 1)}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return bake(tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module", params=LICENSES)
def licensed(request, tmp_path_factory):
    """A project under each license by a hostile author, and the years it may carry."""
    years = current_years()
    project = bake(
        tmp_path_factory.mktemp("out"),
        license=request.param,
        author_name=LICENSED_AUTHOR,
    )
    return request.param, project, years


@pytest.fixture(scope="module")
def workflow(project):
    return yaml.safe_load((project / WORKFLOW).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pyproject(project):
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def run_commands(workflow):
    """Each `run:` of the workflow as one line, a folded `>-` block included."""
    return [" ".join(step["run"].split()) for step in steps(workflow) if "run" in step]


def wheel_check(workflow):
    """The build job's script that checks what the wheel holds."""
    build = workflow["jobs"]["build"]
    (step,) = [step for step in build["steps"] if step.get("shell") == "python"]
    return step["run"]


def dev_requirements(pyproject):
    """The `dev` extra, with the extras of the project it names expanded."""
    project = canonicalize_name(pyproject["project"]["name"])
    extras = pyproject["project"]["optional-dependencies"]
    pending, requirements = ["dev"], []
    while pending:
        for line in extras[pending.pop()]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == project:
                assert not requirement.specifier, line
                pending += sorted(requirement.extras)
            else:
                requirements.append(requirement)
    return requirements


def tool_pin(workflow, tool):
    """The version of `tool` that the workflow's lint job pins."""
    (command,) = [c for c in run_commands(workflow) if f" {tool}==" in c]
    return Version(command.split(f"{tool}==")[1].split()[0])


def test_workflow_is_copied_unrendered_whatever_the_answers(output_dir):
    template_text = (TEMPLATE / "{{cookiecutter.project_slug}}" / WORKFLOW).read_text(
        encoding="utf-8"
    )
    hostile = bake(
        output_dir,
        keras_backend="torch",
        license="BSD-3-Clause",
        description="${{ github.token }} {{ 7*7 }}",
        author_name="{% raw %}",
    )
    text = (hostile / WORKFLOW).read_text(encoding="utf-8")
    assert text == template_text
    assert "${{ matrix.python-version }}" in text
    assert "${{ matrix.backend }}" in text
    # Nothing but GitHub's own expressions looks like a template.
    assert not JINJA_LEFTOVER.search(GITHUB_EXPRESSION.sub("", text))


def test_workflow_has_the_shape_github_actions_wants(workflow):
    # PyYAML reads the bare key `on` as the boolean True; GitHub reads "on".
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    assert GITHUB_EXPRESSION.search(workflow["concurrency"]["group"])
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert set(workflow["jobs"]) == {"lint", "build", "test"}
    for name, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", name
        # GitHub's default is six hours: a hung test must not hold a runner so long.
        assert 0 < job["timeout-minutes"] < 360, name
        assert job["steps"], name
        for step in job["steps"]:
            assert len({"uses", "run"} & set(step)) == 1, step
        uses = [step["uses"] for step in job["steps"] if "uses" in step]
        assert uses == ["actions/checkout@v4", "actions/setup-python@v5"], name


def test_workflow_matrix_covers_every_backend_and_two_pythons(workflow, pyproject):
    test = workflow["jobs"]["test"]
    assert test["strategy"]["fail-fast"] is False
    matrix = test["strategy"]["matrix"]
    assert matrix["backend"] == BACKENDS
    pythons = matrix["python-version"]
    # Quoted: unquoted, YAML reads 3.10 as the float 3.1.
    assert all(isinstance(version, str) for version in pythons), pythons
    assert len(set(pythons)) >= 2
    requires_python = SpecifierSet(pyproject["project"]["requires-python"])
    assert all(version in requires_python for version in pythons), pythons
    assert test["env"]["KERAS_BACKEND"] == "${{ matrix.backend }}"
    (setup,) = [s for s in test["steps"] if s.get("uses") == "actions/setup-python@v5"]
    assert setup["with"] == {
        "python-version": "${{ matrix.python-version }}",
        "cache": "pip",
        "cache-dependency-path": "pyproject.toml",
    }


def test_workflow_expressions_name_what_exists(project, workflow):
    text = (project / WORKFLOW).read_text(encoding="utf-8")
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]
    for expression in GITHUB_EXPRESSION.findall(text):
        context, _, key = expression.partition(".")
        if context == "matrix":
            assert key in matrix, expression
        else:
            assert expression in {"github.workflow", "github.ref"}, expression


def test_workflow_commands_use_what_the_project_declares(workflow, pyproject):
    commands = run_commands(workflow)
    (install,) = [c for c in commands if c.startswith('python -m pip install ".[')]
    assert f"--extra-index-url {TORCH_CPU_INDEX}" in install
    extras = re.search(r'"\.\[(.*?)\]"', install)[1].split(",")
    declared = pyproject["project"]["optional-dependencies"]
    for backend in BACKENDS:
        for extra in extras:
            assert extra.replace("${{ matrix.backend }}", backend) in declared
    assert any(Requirement(r).name == "pytest" for r in declared["test"])
    assert "python -m pytest" in commands
    (scale_out,) = [c for c in commands if "-m scale_out" in c]
    pytest_options = pyproject["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("scale_out:") for m in pytest_options["markers"])
    assert "-m 'not scale_out'" in pytest_options["addopts"]
    assert scale_out.startswith("python -m pytest -m scale_out ")
    lint = workflow["jobs"]["lint"]
    assert [s["run"] for s in lint["steps"] if "run" in s][1:] == [
        "ruff check --output-format=github .",
        "ruff format --check .",
        "mypy",
    ]
    assert "ruff" in pyproject["tool"]
    assert pyproject["tool"]["mypy"]["files"] == ["src"]


def test_build_job_builds_and_checks_the_package(workflow):
    build = workflow["jobs"]["build"]
    commands = [step["run"] for step in build["steps"] if "run" in step]
    assert commands[:3] == [
        "python -m pip install build twine",
        "python -m build",
        "twine check dist/*",
    ]
    assert commands[3:] == [wheel_check(workflow)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_dev_extra_brings_one_backend_the_tests_and_the_ci_tools(output_dir, backend):
    # A slug whose spelling differs from its normalized name: the extra names the
    # project by it, and pip matches the two after normalizing.
    project = bake(
        output_dir,
        keras_backend=backend,
        project_slug="Mask.Kit_2",
        package_name="mask_kit",
    )
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = pyproject["project"]["dependencies"]
    assert [Requirement(line).name for line in dependencies] == ["keras"]
    extras = pyproject["project"]["optional-dependencies"]
    for extra in BACKENDS:
        assert [Requirement(line).name for line in extras[extra]] == [extra]
    names = {requirement.name for requirement in dev_requirements(pyproject)}
    assert names == {
        backend,
        *("pytest", "pytest-xdist", "hypothesis"),
        *("ruff", "mypy", "build", "twine"),
    }


def test_workflow_ruff_matches_pre_commit_and_the_template(
    project, workflow, pyproject
):
    config = yaml.safe_load(
        (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    )
    (repo,) = config["repos"]
    assert repo["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    hooks = [hook["id"] for hook in repo["hooks"]]
    # `ruff-check` is the lint hook's current name; older revs call it `ruff`.
    assert hooks == ["ruff-check", "ruff-format"]
    pin = tool_pin(workflow, "ruff")
    assert repo["rev"] == f"v{pin}"
    (dev_ruff,) = [r for r in dev_requirements(pyproject) if r.name == "ruff"]
    assert str(dev_ruff.specifier) == f"=={pin}"
    # The template lints its generated projects with this range: the pin fits it.
    lines = (TEMPLATE / "requirements-dev.txt").read_text().splitlines()
    (ruff,) = [Requirement(line) for line in lines if line.startswith("ruff")]
    assert pin in ruff.specifier


@pytest.mark.skipif(shutil.which("bash") is None, reason="GitHub runs steps in bash")
@pytest.mark.parametrize(
    "status,passes", [(0, True), (5, True), (1, False), (2, False)]
)
def test_scale_out_step_forgives_only_no_tests_collected(
    workflow, tmp_path, status, passes
):
    (command,) = [c for c in run_commands(workflow) if "-m scale_out" in c]
    # A stand-in `python` that exits as pytest would.
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\nexit {status}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    # How GitHub runs a `run:` step on Linux when no shell is given.
    result = subprocess.run(["bash", "-e", "-c", command], env=env)
    assert (result.returncode == 0) == passes


def test_license_carries_the_chosen_text(licensed):
    license_id, project, years = licensed
    text = (project / "LICENSE").read_text(encoding="utf-8")
    template = LICENSE_HEADERS[license_id]
    headers = [template.format(year=year, author=LICENSED_AUTHOR) for year in years]
    (header,) = [h for h in headers if text.startswith(h)]
    body = text[len(header) :]
    assert hashlib.sha256(body.encode()).hexdigest() == LICENSE_BODY_SHA256[license_id]
    assert LICENSE_PHRASES[license_id] in body
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert metadata["project"]["license"] == license_id
    assert metadata["project"]["license-files"] == ["LICENSE"]


@pytest.mark.parametrize("author", HOSTILE_AUTHORS)
def test_hostile_author_name_is_copied_literally(output_dir, author):
    years = current_years()
    project = bake(output_dir, license="MIT", author_name=author)
    lines = (project / "LICENSE").read_text(encoding="utf-8").splitlines()
    assert lines[2] in {f"Copyright (c) {year} {author}" for year in years}


def test_built_wheel_ships_license_and_py_typed(licensed, tmp_path):
    license_id, project, _ = licensed
    package = "my_masked_layer"
    assert (project / "src" / package / "py.typed").read_bytes() == b""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["*"]
    wheel = build_with_setuptools(project, "build_wheel", tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (dist_info,) = {name.split("/")[0] for name in names if ".dist-info/" in name}
        metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
        shipped_license = archive.read(f"{dist_info}/licenses/LICENSE")
    assert f"{package}/py.typed" in names
    assert metadata["License-Expression"] == license_id
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert shipped_license == (project / "LICENSE").read_bytes()


def rewrite_wheel(wheel, drop=(), add=()):
    """Rewrites `wheel` without the files named in `drop`, with those in `add`."""
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            if name not in drop:
                archive.writestr(name, data)
        for name in add:
            archive.writestr(name, "")


def test_build_job_wheel_check_refuses_tests_and_a_missing_py_typed(
    project, workflow, tmp_path
):
    package = "my_masked_layer"
    wheel = build_with_setuptools(project, "build_wheel", tmp_path / "dist")

    def run_check():
        # GitHub runs a `shell: python` step as `python <script file>`, here in
        # the folder that holds dist/.
        return subprocess.run(
            [sys.executable, "-c", wheel_check(workflow)],
            cwd=tmp_path,
            env=scratch_env(),
            capture_output=True,
            text=True,
        )

    passed = run_check()
    assert passed.returncode == 0, passed.stderr
    rewrite_wheel(wheel, add=["tests/test_layer.py"])
    with_tests = run_check()
    assert with_tests.returncode == 1
    assert with_tests.stderr.strip().endswith(
        f"holds ['{package}', 'tests']: want one package, with its py.typed"
    )
    rewrite_wheel(wheel, drop=["tests/test_layer.py", f"{package}/py.typed"])
    without_marker = run_check()
    assert without_marker.returncode == 1
    assert f"holds ['{package}']: want one package" in without_marker.stderr


def test_workflow_mypy_matches_the_dev_extra_and_the_template(workflow, pyproject):
    pin = tool_pin(workflow, "mypy")
    (dev_mypy,) = [r for r in dev_requirements(pyproject) if r.name == "mypy"]
    assert str(dev_mypy.specifier) == f"=={pin}"
    lines = (TEMPLATE / "requirements-dev.txt").read_text().splitlines()
    (mypy,) = [Requirement(line) for line in lines if line.startswith("mypy")]
    assert pin in mypy.specifier
