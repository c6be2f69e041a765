"""The hooks, rendered the way cookiecutter renders them but outside a bake."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bakery import BACKENDS
from bakery import TEMPLATE
from bakery import run_cookiecutter_cli
from bakery import scratch_env
from cookiecutter.utils import create_env_with_context

ANSWERS = {
    "project_name": "My Masked Layer",
    "project_slug": "my-masked-layer",
    "package_name": "my_masked_layer",
    "layer_class_name": "MyMaskedLayer",
    "description": "It's a \"quoted\" ''' description \\ with a backslash.",
    "author_name": "Ada",
    "author_email": "ada@example.com",
    "license": "MIT",
    "mask_variant": "passthrough",
    "keras_backend": "tensorflow",
    "run_tests": True,
    "_extensions": ["local_extensions.TemplateFolder"],
}


def render_hook(name, answers, folder):
    context = {"cookiecutter": answers}
    source = (TEMPLATE / "hooks" / f"{name}.py").read_text()
    rendered = create_env_with_context(context).from_string(source).render(**context)
    path = folder / f"{name}.py"
    path.write_text(rendered)
    return path


def load_hook(name, answers, folder):
    path = render_hook(name, answers, folder)
    spec = importlib.util.spec_from_file_location(f"rendered_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rendered_hooks_read_answers_back_exactly(tmp_path):
    for name in ("pre_gen_project", "post_gen_project"):
        assert load_hook(name, ANSWERS, tmp_path).ANSWERS == ANSWERS


def test_pre_gen_hook_accepts_good_answers(tmp_path):
    script = render_hook("pre_gen_project", ANSWERS, tmp_path)
    result = subprocess.run([sys.executable, script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_pre_gen_hook_refuses_with_one_line_per_bad_answer(tmp_path):
    answers = {**ANSWERS, "package_name": "jax", "project_slug": "a/b"}
    script = render_hook("pre_gen_project", answers, tmp_path)
    result = subprocess.run([sys.executable, script], capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split("=")[0] for line in lines] == [
        "error: project_slug",
        "error: package_name",
    ]


@pytest.mark.parametrize(
    "value,runs",
    [(True, True), (False, False), ("no", False), ("False", False), ("yes", True)],
    ids=["bool-true", "bool-false", "str-no-2.6", "str-False", "str-yes"],
)
def test_post_gen_hook_reads_run_tests_like_cookiecutter_2_6_and_2_7(
    tmp_path, value, runs
):
    module = load_hook("post_gen_project", ANSWERS, tmp_path)
    assert module.is_yes(value) is runs


@pytest.fixture
def hook(tmp_path, monkeypatch):
    """The post-gen hook module, run inside a fresh project folder."""
    project = tmp_path / "my-masked-layer"
    project.mkdir()
    monkeypatch.chdir(project)
    return lambda **answers: load_hook(
        "post_gen_project", {**ANSWERS, **answers}, tmp_path
    )


def test_run_tests_off_runs_nothing(hook, capsys, monkeypatch):
    module = hook(run_tests=False)
    monkeypatch.setattr(module.subprocess, "run", pytest.fail)
    assert module.main(module.ANSWERS, environ={}) == 0
    assert "Tests not run (run_tests is off)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "missing,backend",
    [
        ("pytest", "tensorflow"),
        ("xdist", "tensorflow"),
        ("keras", "jax"),
        ("hypothesis", "torch"),
        *((backend, backend) for backend in BACKENDS),
    ],
)
def test_missing_module_skips_with_install_command(
    hook, capsys, monkeypatch, missing, backend
):
    module = hook(keras_backend=backend)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        module.importlib.util,
        "find_spec",
        lambda name: None if name == missing else real_find_spec(name),
    )
    monkeypatch.setattr(module.subprocess, "run", pytest.fail)
    assert module.main(module.ANSWERS, environ={}) == 0
    (skip_line,) = [
        line for line in capsys.readouterr().out.splitlines() if "skipped" in line
    ]
    assert f"cannot import {missing}." in skip_line
    assert 'python -m pip install -e ".[dev]"' in skip_line
    assert "python -m pytest" in skip_line
    cpu_wheels = "torch==2.13.0 --extra-index-url https://download.pytorch.org/whl/cpu"
    assert (cpu_wheels in skip_line) == (backend == "torch")


@pytest.mark.parametrize("backend", BACKENDS)
def test_next_steps_install_the_dev_extra(hook, capsys, backend):
    module = hook(run_tests=False, keras_backend=backend)
    module.main(module.ANSWERS, environ={})
    install, test = capsys.readouterr().out.split("Next steps:\n")[1].splitlines()
    assert install.endswith('python -m pip install -e ".[dev]"')
    # torch's CPU build first: the dev extra would otherwise pull PyPI's CUDA one.
    assert install.strip().startswith(module.TORCH_CPU_INSTALL) == (backend == "torch")
    assert test.strip() == "python -m pytest"


def write_project_tests(body):
    os.makedirs("tests")
    with open("tests/test_example.py", "w") as file:
        file.write(body)


def test_failing_tests_keep_the_project(hook, capsys):
    module = hook()
    write_project_tests("def test_fails():\n    assert 1 == 2\n")
    assert module.main(module.ANSWERS, environ=scratch_env()) == 0
    out = capsys.readouterr().out
    assert "The generated tests failed (pytest exit 1)" in out
    assert "Your project is kept" in out and "python -m pytest" in out
    assert os.path.exists("tests/test_example.py")


def test_strict_switch_turns_failures_into_exit_1(hook):
    module = hook()
    write_project_tests("def test_fails():\n    assert 1 == 2\n")
    environ = scratch_env(**{module.STRICT_VARIABLE: "1"})
    assert module.main(module.ANSWERS, environ=environ) == 1


def test_passing_tests_leave_no_caches_behind(hook, capsys):
    module = hook()
    write_project_tests("def test_passes():\n    assert 1 + 1 == 2\n")
    assert module.main(module.ANSWERS, environ=scratch_env()) == 0
    assert "All generated tests passed." in capsys.readouterr().out
    left = sorted(str(path) for path in Path(".").rglob("*"))
    assert left == ["tests", os.path.join("tests", "test_example.py")]


def test_answers_json_in_hooks_survives_hostile_text(tmp_path):
    hostile = "x'''); __import__('os').system('touch /tmp/PWNED'); ('\"\"\" \\"
    answers = {**ANSWERS, "description": hostile, "author_name": hostile}
    module = load_hook("pre_gen_project", answers, tmp_path)
    assert module.ANSWERS == answers


def test_template_given_as_a_relative_path(output_dir):
    # `cookiecutter .` from the checkout, as the README says: the hooks must
    # still find the template folder although the context names it ".".
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "."]
    result = subprocess.run(
        [*command, "--output-dir", str(output_dir), "run_tests=no"],
        cwd=TEMPLATE,
        env=scratch_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (output_dir / "my-masked-layer" / "pyproject.toml").exists()


def test_run_tests_no_on_the_command_line_runs_nothing(output_dir):
    result = run_cookiecutter_cli(output_dir, "run_tests=no")
    assert result.returncode == 0, result.stderr
    assert "Tests not run (run_tests is off)" in result.stdout


@pytest.mark.slow
def test_default_bake_runs_its_tests_with_no_stdin(output_dir):
    result = run_cookiecutter_cli(output_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All generated tests passed." in result.stdout
    (project,) = output_dir.iterdir()
    # The file set itself is test_generated_projects' business.
    caches = {".pytest_cache", ".hypothesis", "__pycache__"}
    assert not [p for p in project.rglob("*") if p.name in caches]
