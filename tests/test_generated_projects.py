"""Every mask_variant x keras_backend bake: its files, its lint and its own tests."""

import ast
import re
import subprocess
import sys

import pytest
from bakery import BACKENDS
from bakery import TEMPLATE
from bakery import VARIANTS
from bakery import bake
from bakery import copy_of_bake
from bakery import run_generated_tests
from bakery import scratch_env

COMBINATIONS = [(v, b) for v in VARIANTS for b in BACKENDS]
IDS = [f"{v}-{b}" for v, b in COMBINATIONS]
# GitHub expressions `${{ ... }}` in the workflow are meant to stay.
JINJA_LEFTOVER = re.compile(r"(?<!\$){{|{%|{#")
TORCH_CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


def expected_files(package="my_masked_layer", module="my_masked_layer"):
    return {
        ".git_archival.txt",
        ".gitattributes",
        ".github/dependabot.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "CONTRIBUTING.md",
        "LICENSE",
        "README.md",
        "noxfile.py",
        f"benchmarks/bench_{module}.py",
        "examples/train.py",
        "pyproject.toml",
        f"src/{package}/__init__.py",
        f"src/{package}/py.typed",
        f"src/{package}/{module}.py",
        f"src/{package}/masked_model.py",
        "tests/conftest.py",
        "tests/mask_contract.py",
        "tests/test_benchmark.py",
        "tests/test_example.py",
        "tests/test_package.py",
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
    # The kit is copied as it is, so users can diff it against a newer template.
    kit = "tests/mask_contract.py"
    skeleton = TEMPLATE / "{{cookiecutter.project_slug}}"
    assert (project / kit).read_bytes() == (skeleton / kit).read_bytes()
    # The tests, the benchmark and the example default to the chosen backend;
    # the package leaves the choice to the program that imports it.
    for name in (
        "tests/conftest.py",
        "benchmarks/bench_my_masked_layer.py",
        "examples/train.py",
    ):
        text = (project / name).read_text()
        assert f'os.environ.setdefault("KERAS_BACKEND", "{backend}")' in text, name
    for path in (project / "src").rglob("*.py"):
        assert "environ" not in path.read_text(), path
    readme = (project / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S)[1]
    # A virtual environment first; the backend named next to the install.
    assert first_block.startswith("python -m venv .venv && . .venv/bin/activate\n")
    assert 'python -m pip install -e ".[dev]"\n' in first_block
    assert first_block.endswith("python -m pytest\n")
    exported = re.findall(r"^export KERAS_BACKEND=(\w+)$", first_block, re.M)
    assert exported == ([] if backend == "tensorflow" else [backend])
    # PyPI's Linux torch wheel brings CUDA: only a torch project needs the note.
    assert (TORCH_CPU_INDEX in readme) == (backend == "torch")
    # The example of another backend names one that is not the project's own,
    # and installs it with the extra of that name.
    other = re.search(r"another one, say `KERAS_BACKEND=(\w+) python", readme)[1]
    assert other != backend and other in BACKENDS, f"{other} is no other backend"
    assert f'pip install -e ".[{other}]"' in readme


def import_the_layer(project, tmp_path, missing=None, **variables):
    """`from my_masked_layer import MyMaskedLayer` in a fresh interpreter with
    no KERAS_BACKEND and no keras.json, as if `missing` were not installed."""
    hide = f"import sys; sys.modules[{missing!r}] = None; " if missing else ""
    code = f"{hide}from my_masked_layer import MyMaskedLayer; import keras; "
    code += "print(keras.backend.backend())"
    env = scratch_env(
        PYTHONPATH=str(project / "src"),
        PYTHONDONTWRITEBYTECODE="1",
        KERAS_HOME=str(tmp_path / "keras-home"),
        **{"KERAS_BACKEND": None, **variables},
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_without_tensorflow_names_the_backend_to_set(
    output_dir, tmp_path, backend
):
    project = copy_of_bake(output_dir, keras_backend=backend)
    result = import_the_layer(project, tmp_path, missing="tensorflow")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "ModuleNotFoundError: Keras's backend 'tensorflow' is not installed: set "
        f"KERAS_BACKEND={backend}, the backend this project was made for, before "
        "importing my_masked_layer, or install tensorflow"
    )
    # Set as it says, the import works, on that backend.
    result = import_the_layer(
        project, tmp_path, missing="tensorflow", KERAS_BACKEND=backend
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [backend]


def test_the_package_leaves_an_installed_backend_as_keras_chose_it(
    output_dir, tmp_path
):
    # A JAX project, where TensorFlow, Keras's own default, is installed too.
    project = copy_of_bake(output_dir, keras_backend="jax")
    result = import_the_layer(project, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["tensorflow"]


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
    # As the generated CI runs them; ruff formats the README's Python blocks too.
    for check in (("check",), ("format", "--check")):
        lint = ruff(project, *check)
        assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.slow
@pytest.mark.parametrize("variant,backend", COMBINATIONS, ids=IDS)
def test_generated_project_lints_and_passes_its_tests(
    output_dir, tmp_path, variant, backend
):
    project = copy_of_bake(output_dir, mask_variant=variant, keras_backend=backend)
    for check in (("check",), ("format", "--check")):
        lint = ruff(project, *check)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    result = run_generated_tests(project, backend, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
    assert project_files(project) == expected_files(), "the test run left files"


def readme_snippet(project):
    """The Python block of the README's "Use the layer in your model" section."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Use the layer in your model\n")[1].split("\n## ")[0]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


# One variant per backend, as a user would pick them.
DEFAULT_BACKEND_RUNS = [
    ("time_reduce", "jax"),
    ("reshape", "torch"),
    ("concat", "tensorflow"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant,backend", DEFAULT_BACKEND_RUNS, ids=[b for _, b in DEFAULT_BACKEND_RUNS]
)
def test_scripts_run_on_the_generated_backend_unless_told_otherwise(
    output_dir, variant, backend
):
    project = copy_of_bake(output_dir, mask_variant=variant, keras_backend=backend)
    # This interpreter has every backend: only the script's default picks one.
    env = scratch_env(PYTHONPATH=str(project / "src"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("KERAS_BACKEND", None)

    def run(*command, **variables):
        result = subprocess.run(
            [sys.executable, *command],
            cwd=project,
            env={**env, **variables},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        return result

    tiny = ["--rows", "16", "--max-length", "5", "--epochs", "1", "--batch-size", "8"]
    example = run("examples/train.py", *tiny)
    assert example.stdout.splitlines()[0] == f"Backend: {backend}"
    assert example.stdout.splitlines()[-1].startswith(
        "Save and load: predictions match"
    )
    other = "torch" if backend == "jax" else "jax"
    example = run("examples/train.py", *tiny, KERAS_BACKEND=other)
    assert example.stdout.splitlines()[0] == f"Backend: {other}"
    benchmark = run(
        "benchmarks/bench_my_masked_layer.py",
        *["--batch", "2", "--channels", "3", "--lengths", "8", "--rounds", "2"],
    )
    assert benchmark.stdout.startswith(f"{backend} backend (")
    # TensorFlow's C++ log lines after it loads, the cuInit error among them.
    assert "cuInit" not in benchmark.stderr
    run("-c", readme_snippet(project), KERAS_BACKEND=backend)


# What `-m scale_out` must run on each backend: the rest skip, naming the backend.
SCALE_OUT_RUNS = {"tensorflow": "2 passed, 1 skipped", "jax": "1 passed, 2 skipped"}


@pytest.mark.slow
@pytest.mark.parametrize("backend", SCALE_OUT_RUNS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_generated_scale_out_tests_pass(output_dir, tmp_path, variant, backend):
    project = copy_of_bake(output_dir, mask_variant=variant, keras_backend=backend)
    result = run_generated_tests(project, backend, "-m", "scale_out", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    # Under pytest-xdist the summary counts no deselected tests: it ends here.
    assert f"\n{SCALE_OUT_RUNS[backend]} in " in result.stdout
    # -ra lists each skip with its reason, which names the backend.
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    skipped = int(re.search(r"(\d+) skipped", SCALE_OUT_RUNS[backend])[1])
    counts = [int(re.match(r"SKIPPED \[(\d+)\]", line)[1]) for line in skips]
    assert sum(counts) == skipped, result.stdout
    assert all(f"not {backend}" in line for line in skips), skips
    assert project_files(project) == expected_files(), "the test run left files"


def test_readme_scale_out_snippet_imports_what_it_uses(output_dir):
    project = bake(output_dir)
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Training on several devices\n")[1].split("\n## ")[0]
    tree = ast.parse(re.search(r"```python\n(.*?)```", section, re.S)[1])
    nodes = list(ast.walk(tree))
    imported = {
        alias.asname or alias.name
        for node in nodes
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    names = [node for node in nodes if isinstance(node, ast.Name)]
    assigned = {node.id for node in names if isinstance(node.ctx, ast.Store)}
    used = {node.id for node in names if isinstance(node.ctx, ast.Load)}
    # The reader's own data is all it may leave undefined.
    assert used - imported - assigned == {"tokens", "labels"}


def test_readme_says_why_pytorch_has_no_scale_out_recipe(output_dir):
    project = bake(output_dir, keras_backend="torch")
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Training on several devices\n")[1].split("\n## ")[0]
    assert "On PyTorch all three skip" in section
    # The failure it quotes is the one Keras gives.
    quoted = re.search(r"fails there with `(.*?)`", " ".join(section.split()))[1]
    code = "import keras; keras.distribution.DataParallel()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=scratch_env(KERAS_BACKEND="torch"),
        capture_output=True,
        text=True,
    )
    assert result.stderr.strip().splitlines()[-1] == quoted


def test_conv_readme_names_the_conv1d_arguments_it_leaves_out(output_dir):
    project = bake(output_dir, mask_variant="conv")
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    assert "`keras.layers.Conv1D` (except `data_format`, `groups` and LoRA)" in readme
