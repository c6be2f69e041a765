"""The files around the package: CI workflow, pre-commit, LICENSE and py.typed.

The workflows are copied without rendering (`_copy_without_render`), so GitHub's
`${{ }}` expressions reach the project as written; these tests read them as
GitHub would and check that every command in them names something the project
has. tests/test_reviews.py runs the release, floors and review tools.
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

WORKFLOW = ".github/workflows/ci.yml"
WORKFLOW_FILES = [WORKFLOW, ".github/workflows/release.yml"]
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


def python_step(workflow, name):
    """The script of the build job's `shell: python` step whose name starts so."""
    build = workflow["jobs"]["build"]
    (step,) = [
        step
        for step in build["steps"]
        if step.get("shell") == "python" and step["name"].startswith(name)
    ]
    return step["run"]


def wheel_check(workflow):
    """The build job's script that checks what the wheel holds."""
    return python_step(workflow, "Check that the wheel")


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


def action_names(job):
    """The actions a job uses, without the commit each is pinned to."""
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_workflows_are_copied_unrendered_whatever_the_answers(output_dir):
    hostile = bake(
        output_dir,
        keras_backend="torch",
        license="BSD-3-Clause",
        description="${{ github.token }} {{ 7*7 }}",
        author_name="{% raw %}",
    )
    for name in WORKFLOW_FILES:
        template = TEMPLATE / "{{cookiecutter.project_slug}}" / name
        text = (hostile / name).read_text(encoding="utf-8")
        assert text == template.read_text(encoding="utf-8")
        assert GITHUB_EXPRESSION.search(text), name
        # Nothing but GitHub's own expressions looks like a template.
        assert not JINJA_LEFTOVER.search(GITHUB_EXPRESSION.sub("", text)), name
    text = (hostile / WORKFLOW).read_text(encoding="utf-8")
    assert "${{ matrix.python-version }}" in text
    assert "${{ matrix.backend }}" in text


def test_workflow_has_the_shape_github_actions_wants(workflow):
    # PyYAML reads the bare key `on` as the boolean True; GitHub reads "on".
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {
        *("push", "pull_request", "schedule", "workflow_dispatch"),
        "workflow_call",  # the release workflow runs CI first
    }
    # Tags start the release workflow, which calls this one: not twice.
    assert triggers["push"] == {"branches": ["**"]}
    assert workflow["permissions"] == {"contents": "read"}
    assert GITHUB_EXPRESSION.search(workflow["concurrency"]["group"])
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert set(workflow["jobs"]) == {
        *("lint", "build", "test"),
        *("lowest-versions", "keras-nightly"),
    }
    for name, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", name
        # GitHub's default is six hours: a hung test must not hold a runner so long.
        assert 0 < job["timeout-minutes"] < 360, name
        assert job["steps"], name
        for step in job["steps"]:
            assert len({"uses", "run"} & set(step)) == 1, step
        uses = action_names(job)
        assert uses[:2] == ["actions/checkout", "actions/setup-python"], name
        assert uses[2:] == (["actions/upload-artifact"] if name == "build" else [])
        # The checkout's token stays out of the working tree (zizmor: artipacked).
        assert job["steps"][0]["with"]["persist-credentials"] is False, name


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
    (setup,) = [s for s in test["steps"] if "setup-python" in s.get("uses", "")]
    assert setup["with"] == {"python-version": "${{ matrix.python-version }}"}


def test_workflow_expressions_name_what_exists(project, workflow):
    text = (project / WORKFLOW).read_text(encoding="utf-8")
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]
    for expression in GITHUB_EXPRESSION.findall(text):
        context, _, key = expression.partition(".")
        if context == "matrix":
            assert key in matrix, expression
        elif context == "jobs":
            # What workflow_call passes on: an output the job declares.
            job, _, output = key.partition(".outputs.")
            assert output in workflow["jobs"][job]["outputs"], expression
        elif context == "steps":
            step, _, output = key.partition(".outputs.")
            ids = [s.get("id") for j in workflow["jobs"].values() for s in j["steps"]]
            assert step in ids, expression
        else:
            assert expression in {"github.workflow", "github.ref"}, expression
    for job in workflow["jobs"].values():
        for key in job.get("strategy", {}).get("matrix", {}):
            assert key in matrix, key


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
    assert [s["run"] for s in lint["steps"] if "run" in s] == [
        "python -m pip install pre-commit",
        "pre-commit run --all-files --show-diff-on-failure",
    ]
    assert "ruff" in pyproject["tool"]
    assert pyproject["tool"]["mypy"]["files"] == ["src"]


def test_build_job_builds_and_checks_the_package(workflow):
    build = workflow["jobs"]["build"]
    commands = [step["run"] for step in build["steps"] if "run" in step]
    assert commands[:3] == [
        "python -m pip install build twine",
        "python -m build",
        "twine check --strict dist/*",
    ]
    assert commands[3:] == [wheel_check(workflow), python_step(workflow, "Tell")]
    # setuptools-scm reads the version from the tags: the whole history.
    assert build["steps"][0]["with"]["fetch-depth"] == 0


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
        names = [Requirement(line).name for line in extras[extra]]
        # A backend may raise the Keras floor (torch does: pyproject.toml says why).
        assert names[0] == extra and set(names[1:]) <= {"keras"}, names
    # keras again, from the torch extra, which raises its floor.
    names = {r.name for r in dev_requirements(pyproject)} - {"keras"}
    expected = {
        *("pytest", "pytest-xdist", "hypothesis"),
        *("pre-commit", "build", "twine"),
    }
    assert names == {backend, *expected}
    # The dependency groups hold the same tools, for uv and pip's `--group`.
    groups = pyproject["dependency-groups"]
    test = [Requirement(line) for line in groups["test"]]
    assert list(map(str, test)) == pyproject["project"]["optional-dependencies"]["test"]
    (include, *tools) = groups["dev"]
    assert include == {"include-group": "test"}
    assert {Requirement(line).name for line in tools} | {r.name for r in test} == (
        expected
    )


def test_pre_commit_covers_what_the_lint_job_checks(project):
    config = yaml.safe_load(
        (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    )
    hooks = {
        repo["repo"].rsplit("/", 1)[1]: [hook["id"] for hook in repo["hooks"]]
        for repo in config["repos"]
    }
    # `ruff-check` is the lint hook's current name; older revs call it `ruff`.
    assert hooks["ruff-pre-commit"] == ["ruff-check", "ruff-format"]
    assert hooks["mirrors-mypy"] == ["mypy"]
    by_id = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    # Over src/ as [tool.mypy] says, not the changed files only.
    assert by_id["mypy"]["pass_filenames"] is False
    assert by_id["mypy"]["args"] == []
    # Fixes are shown, not applied silently (repo-review PC191).
    assert by_id["ruff-check"]["args"] == ["--fix", "--show-fixes"]


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


@pytest.mark.parametrize(
    "version,prerelease",
    [
        ("1.2.3", "false"),
        ("1.3.0rc1", "true"),
        ("2.0.0b2", "true"),
        ("0.0.dev4", "true"),
    ],
)
def test_build_job_tells_a_prerelease(workflow, tmp_path, version, prerelease):
    """The release workflow sends a pre-release to TestPyPI on what this says."""
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / f"my_masked_layer-{version}-py3-none-any.whl").touch()
    output = tmp_path / "github_output"
    result = subprocess.run(
        [sys.executable, "-c", python_step(workflow, "Tell")],
        cwd=tmp_path,
        env=scratch_env(GITHUB_OUTPUT=str(output)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert output.read_text() == f"prerelease={prerelease}\n"
