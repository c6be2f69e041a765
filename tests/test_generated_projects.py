"""Every mask_variant x keras_backend bake: its files, its lint and its own tests."""

import ast
import re
import subprocess
import sys
import tomllib

import pytest
from bakery import BACKENDS
from bakery import VARIANTS
from bakery import bake
from bakery import run_generated_tests

COMBINATIONS = [(v, b) for v in VARIANTS for b in BACKENDS]
IDS = [f"{v}-{b}" for v, b in COMBINATIONS]
# GitHub expressions `${{ ... }}` in the workflow are meant to stay.
JINJA_LEFTOVER = re.compile(r"(?<!\$){{|{%|{#")


def expected_files(package="my_masked_layer", module="my_masked_layer"):
    return {
        ".github/workflows/ci.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "LICENSE",
        "README.md",
        f"benchmarks/bench_{module}.py",
        "pyproject.toml",
        f"src/{package}/__init__.py",
        f"src/{package}/py.typed",
        f"src/{package}/{module}.py",
        f"src/{package}/masked_model.py",
        "tests/conftest.py",
        "tests/mask_contract.py",
        "tests/test_benchmark.py",
        "tests/test_scale_out.py",
        f"tests/test_{module}.py",
        "tests/test_masked_model.py",
    }


def ruff(project, *args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )


def project_files(project):
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("variant,backend", COMBINATIONS, ids=IDS)
def test_files_render_cleanly(output_dir, variant, backend):
    project = bake(output_dir, mask_variant=variant, keras_backend=backend)
    assert project_files(project) == expected_files()
    for name in project_files(project):
        text = (project / name).read_text(encoding="utf-8")
        assert not JINJA_LEFTOVER.search(text), f"unrendered Jinja in {name}"
        assert "\r" not in text, f"CRLF in {name}"
        assert str(output_dir) not in text, f"local path in {name}"
        if name.endswith(".py"):
            ast.parse(text, filename=name)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    assert any(d.startswith(backend) for d in dependencies), dependencies
    conftest = (project / "tests" / "conftest.py").read_text()
    assert f'"KERAS_BACKEND", "{backend}"' in conftest


def test_names_follow_the_answers(output_dir):
    project = bake(
        output_dir,
        project_name="Ragged Pool",
        layer_class_name="HTTPMaskPool",
    )
    assert project.name == "ragged-pool"
    assert project_files(project) == expected_files("ragged_pool", "http_mask_pool")
    init = (project / "src/ragged_pool/__init__.py").read_text()
    assert "from ragged_pool.http_mask_pool import HTTPMaskPool" in init


@pytest.mark.parametrize("variant", VARIANTS)
def test_longest_names_still_pass_the_linter(output_dir, variant):
    project = bake(
        output_dir,
        mask_variant=variant,
        package_name="a" * 40,
        layer_class_name="L" + "ong" * 13,
    )
    lint = ruff(project, "check")
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.slow
@pytest.mark.parametrize("variant,backend", COMBINATIONS, ids=IDS)
def test_generated_project_lints_and_passes_its_tests(
    output_dir, tmp_path, variant, backend
):
    project = bake(output_dir, mask_variant=variant, keras_backend=backend)
    for check in (("check",), ("format", "--check")):
        lint = ruff(project, *check)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    result = run_generated_tests(project, backend, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
    assert project_files(project) == expected_files(), "the test run left files"


# What `-m scale_out` must run on each backend: the rest skip, naming the backend.
SCALE_OUT_RUNS = {"tensorflow": "2 passed, 1 skipped", "jax": "1 passed, 2 skipped"}


@pytest.mark.slow
@pytest.mark.parametrize("backend", SCALE_OUT_RUNS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_generated_scale_out_tests_pass(output_dir, tmp_path, variant, backend):
    project = bake(output_dir, mask_variant=variant, keras_backend=backend)
    result = run_generated_tests(project, backend, "-m", "scale_out", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert f"\n{SCALE_OUT_RUNS[backend]}, " in result.stdout
    assert project_files(project) == expected_files(), "the test run left files"
