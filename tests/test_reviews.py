"""What a generated project needs to ship and stay maintained, checked by the
tools that review it: Scientific Python's repo-review, validate-pyproject, the
published schemas (check-jsonschema's vendored copies), actionlint and zizmor.
Also: releases publish the files CI built, versions come from git tags, and the
template repository tests itself on GitHub.

Each review runs on the default project and on conv with PyTorch. A tool that is
not installed skips its test (requirements-dev.txt installs them all).
"""

import email
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from bakery import TEMPLATE
from bakery import bake
from bakery import build_with_setuptools
from bakery import scratch_env
from packaging.requirements import Requirement
from packaging.version import Version

REVIEWED = {
    "default": {},
    "conv-torch": {"mask_variant": "conv", "keras_backend": "torch"},
}
WORKFLOWS = ".github/workflows"
# zizmor's default policy: every action pinned to a commit, its version beside it.
HASH_PIN = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
TEMPLATE_WORKFLOW = TEMPLATE / ".github" / "workflows" / "test.yml"
MAX_REPO_REVIEW_IGNORES = 3


def tool(name):
    """The path of the command `name` beside this Python, or on PATH; skips without."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (requirements-dev.txt has it)")
    return found


def git(folder, *args):
    return subprocess.run(
        ["git", *args],
        cwd=folder,
        env=scratch_env(
            GIT_AUTHOR_NAME="Ada",
            GIT_AUTHOR_EMAIL="ada@example.com",
            GIT_COMMITTER_NAME="Ada",
            GIT_COMMITTER_EMAIL="ada@example.com",
        ),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit_all(folder):
    """Makes `folder` a git repository holding one commit of all its files."""
    git(folder, "init", "--quiet", "--initial-branch=main")
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", "--no-gpg-sign", "-m", "From keras-masked-layer")


@pytest.fixture(scope="module", params=REVIEWED)
def reviewed(request, tmp_path_factory):
    """A project in a git repository, as its user pushes it; and its name."""
    project = bake(tmp_path_factory.mktemp(request.param), **REVIEWED[request.param])
    commit_all(project)
    return project


def load_yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow):
    # PyYAML reads the bare key `on` as the boolean True; GitHub reads "on".
    return workflow.get("on", workflow.get(True))


def run(command, cwd):
    return subprocess.run(
        command, cwd=cwd, env=scratch_env(), capture_output=True, text=True
    )


def test_repo_review_finds_no_failure(reviewed):
    processor = pytest.importorskip("repo_review.processor")
    pytest.importorskip("sp_repo_review")
    _, results = processor.process(reviewed)
    failed = [f"{r.name} {r.description}" for r in results if r.result is False]
    assert not failed, failed
    assert sum(r.result is True for r in results) >= 50
    pyproject = tomllib.loads((reviewed / "pyproject.toml").read_text())
    ignored = pyproject["tool"]["repo-review"]["ignore"]
    # A table, each ignore with its reason, and few of them.
    assert isinstance(ignored, dict)
    assert len(ignored) <= MAX_REPO_REVIEW_IGNORES
    assert all(len(reason.split()) >= 5 for reason in ignored.values()), ignored


def test_validate_pyproject_accepts_the_metadata(reviewed):
    api = pytest.importorskip("validate_pyproject.api")
    pyproject = tomllib.loads((reviewed / "pyproject.toml").read_text())
    api.Validator()(pyproject)


def test_workflows_and_dependabot_match_their_published_schemas(reviewed):
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed")
    checks = {
        "vendor.github-workflows": sorted((reviewed / WORKFLOWS).glob("*.yml")),
        "vendor.dependabot": [reviewed / ".github" / "dependabot.yml"],
    }
    for schema, files in checks.items():
        command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
        result = run([*command, schema, *map(str, files)], reviewed)
        assert result.returncode == 0, result.stdout + result.stderr


def assert_actionlint_and_zizmor_find_nothing(root):
    lint = run([tool("actionlint")], root)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = run([tool("zizmor"), "--offline", "--no-progress", "."], root)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr


def test_actionlint_and_zizmor_find_nothing(reviewed):
    assert_actionlint_and_zizmor_find_nothing(reviewed)


def test_actionlint_and_zizmor_find_nothing_in_the_template_workflow(tmp_path):
    # The workflow alone, in a repository as actionlint wants it.
    (tmp_path / WORKFLOWS).mkdir(parents=True)
    shutil.copy(TEMPLATE_WORKFLOW, tmp_path / WORKFLOWS)
    git(tmp_path, "init", "--quiet")
    assert_actionlint_and_zizmor_find_nothing(tmp_path)


@pytest.mark.parametrize("folder", ["project", "template"])
def test_every_action_is_pinned_to_a_commit(request, folder):
    root = request.getfixturevalue("project") if folder == "project" else TEMPLATE
    files = sorted((root / WORKFLOWS).glob("*.yml"))
    uses = [
        line.split("uses:", 1)[1].strip()
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("uses:", "- uses:"))
    ]
    assert uses
    for action in uses:
        # `$/` is this repository's own workflow, which needs no pin.
        assert action.startswith("$/") or HASH_PIN.match(action), action


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return bake(tmp_path_factory.mktemp("project"))


def test_release_publishes_what_the_build_job_made(project):
    release = load_yaml(project / WORKFLOWS / "release.yml")
    ci = load_yaml(project / WORKFLOWS / "ci.yml")
    assert triggers(release) == {
        "push": {"tags": ["v*"]},
        "release": {"types": ["published"]},
    }
    assert release["permissions"] == {"contents": "read"}
    assert release["jobs"]["ci"] == {"uses": "$/.github/workflows/ci.yml"}
    assert "workflow_call" in triggers(ci)
    (upload,) = [
        step["with"]
        for step in ci["jobs"]["build"]["steps"]
        if step.get("uses", "").startswith("actions/upload-artifact@")
    ]
    publish = release["jobs"]["publish"]
    assert publish["needs"] == "ci"
    # What ci.yml's build job found: a pre-release goes to TestPyPI.
    prerelease = "needs.ci.outputs.prerelease == 'true'"
    environment = f"${{{{ {prerelease} && 'testpypi' || 'pypi' }}}}"
    assert publish["environment"]["name"] == environment
    outputs = triggers(ci)["workflow_call"]["outputs"]
    assert outputs["prerelease"]["value"] == "${{ jobs.build.outputs.prerelease }}"
    # Only the publish job may ask for an OIDC token, and nothing else.
    assert publish["permissions"] == {"id-token": "write"}
    download, upload_to_pypi = publish["steps"]
    assert download["uses"].startswith("actions/download-artifact@")
    assert download["with"]["name"] == upload["name"]
    assert download["with"]["path"] == upload["path"] == "dist/"
    assert upload_to_pypi["uses"].startswith("pypa/gh-action-pypi-publish@")
    # Trusted publishing: no token or password anywhere.
    assert upload_to_pypi["with"]["attestations"] is True
    assert upload_to_pypi["with"]["repository-url"] == (
        f"${{{{ {prerelease} && 'https://test.pypi.org/legacy/'"
        " || 'https://upload.pypi.org/legacy/' }}"
    )
    assert not {"password", "user"} & set(upload_to_pypi["with"])
    assert "secrets." not in (project / WORKFLOWS / "release.yml").read_text()


def test_ci_runs_on_demand_weekly_and_on_the_declared_floors(project):
    ci = load_yaml(project / WORKFLOWS / "ci.yml")
    on = triggers(ci)
    assert {"workflow_dispatch", "schedule", "push", "pull_request"} <= set(on)
    assert on["schedule"][0]["cron"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    requires_python = pyproject["project"]["requires-python"]
    lowest = ci["jobs"]["lowest-versions"]
    assert lowest["name"].startswith("lowest versions")
    oldest_python = requires_python.removeprefix(">=")
    (setup,) = [s for s in lowest["steps"] if "setup-python" in s.get("uses", "")]
    assert setup["with"]["python-version"] == oldest_python
    assert lowest["strategy"]["matrix"]["backend"] == ["tensorflow", "jax", "torch"]
    (install,) = [
        " ".join(s["run"].split()) for s in lowest["steps"] if "uv" in s.get("run", "")
    ]
    assert "--resolution lowest-direct" in install
    assert '".[test,${{ matrix.backend }}]"' in install
    nightly = ci["jobs"]["keras-nightly"]
    assert nightly["continue-on-error"] is True
    assert "schedule" in nightly["if"] and "workflow_dispatch" in nightly["if"]
    assert any("keras-nightly" in s.get("run", "") for s in nightly["steps"])


def test_declared_floors_reach_back_to_keras_3_12(project):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    (keras,) = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    assert keras.name == "keras"
    (floor,) = [Version(s.version) for s in keras.specifier if s.operator == ">="]
    assert floor <= Version("3.12")
    extras = pyproject["project"]["optional-dependencies"]
    for backend in ("tensorflow", "jax", "torch"):
        (requirement,) = [
            r for r in map(Requirement, extras[backend]) if r.name == backend
        ]
        assert any(s.operator == ">=" for s in requirement.specifier), requirement


def test_dependabot_keeps_actions_hooks_and_python_current(project):
    config = load_yaml(project / ".github" / "dependabot.yml")
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"github-actions", "pip", "pre-commit"}
    for ecosystem, update in updates.items():
        assert update["groups"], ecosystem
        assert update["cooldown"]["default-days"] >= 1, ecosystem


def test_ruff_and_mypy_are_pinned_in_pre_commit_alone(project):
    """One place pins them, which CI's lint job and contributors' commits read."""
    config = load_yaml(project / ".pre-commit-config.yaml")
    revs = {repo["repo"].rsplit("/", 1)[1]: repo["rev"] for repo in config["repos"]}
    ruff = Version(revs["ruff-pre-commit"].removeprefix("v"))
    mypy = Version(revs["mirrors-mypy"].removeprefix("v"))
    lint = load_yaml(project / WORKFLOWS / "ci.yml")["jobs"]["lint"]
    commands = [step["run"] for step in lint["steps"] if "run" in step]
    assert commands[-1] == "pre-commit run --all-files --show-diff-on-failure"
    for name in ("pyproject.toml", WORKFLOWS + "/ci.yml", "noxfile.py"):
        text = (project / name).read_text()
        assert not re.search(r"\b(ruff|mypy)==", text), name
    # The template lints and type-checks its bakes with versions that agree.
    lines = (TEMPLATE / "requirements-dev.txt").read_text().splitlines()
    pins = {
        Requirement(line).name: Requirement(line)
        for line in lines
        if line[:1].isalpha()
    }
    assert ruff in pins["ruff"].specifier
    assert str(pins["mypy"].specifier) == f"=={mypy}"


def test_contributing_guide_gives_the_commands(project):
    guide = (project / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for command in (
        'python -m pip install -e ".[dev]"',
        "python -m pip install --group dev",
        "python -m pytest",
        "pre-commit run --all-files",
        "python -m build",
        "git tag v0.1.0 && git push --tags",
        "class TestMyOtherLayerContract(MaskContract):",
    ):
        assert command in guide, command
    readme = (project / "README.md").read_text(encoding="utf-8")
    releasing = readme.split("\n## Releasing\n")[1].split("\n## ")[0]
    assert "git tag v0.1.0 && git push --tags" in releasing
    for name in ("`release.yml`", "`pypi`", "`testpypi`"):
        assert name in releasing, name


def wheel_version(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [
            n for n in archive.namelist() if n.endswith(".dist-info/METADATA")
        ]
        return email.message_from_bytes(archive.read(metadata))["Version"]


def test_version_comes_from_the_git_tag(tmp_path):
    project = bake(tmp_path / "out")
    commit_all(project)
    untagged = build_with_setuptools(project, "build_wheel", tmp_path / "untagged")
    # Before the first tag: a dev version of 0.0, never a made-up release.
    assert re.fullmatch(r"0\.0\.dev\d+\+g[0-9a-f]+", wheel_version(untagged))
    git(project, "tag", "v1.2.3")
    wheel = build_with_setuptools(project, "build_wheel", tmp_path / "tagged")
    assert wheel.name.startswith("my_masked_layer-1.2.3-")
    assert wheel_version(wheel) == "1.2.3"
    # The installed package reports it.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "import my_masked_layer; print(my_masked_layer.__version__)"
    shown = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=scratch_env(PYTHONPATH=str(site), KERAS_BACKEND="jax"),
        capture_output=True,
        text=True,
    )
    assert shown.stdout.strip() == "1.2.3", shown.stderr[-2000:]
    # An archive of the tag (what GitHub serves) builds at that version too.
    tar = tmp_path / "v1.2.3.tar"
    git(project, "archive", "--format=tar", f"--output={tar}", "v1.2.3")
    archived = tmp_path / "archived"
    with tarfile.open(tar) as archive:
        archive.extractall(archived, filter="data")
    assert "$Format" not in (archived / ".git_archival.txt").read_text()
    from_archive = build_with_setuptools(archived, "build_wheel", tmp_path / "arch")
    assert wheel_version(from_archive) == "1.2.3"


def test_template_workflow_runs_the_readme_test_command():
    workflow = load_yaml(TEMPLATE_WORKFLOW)
    assert {"push", "pull_request"} <= set(triggers(workflow))
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    readme = (TEMPLATE / "README.md").read_text()
    (command,) = re.findall(
        r"```bash\n(python -m pip install .* -m pytest)\n```", readme
    )
    assert runs == [command]
    assert command in (TEMPLATE / ".ci" / "run").read_text().splitlines()
