"""Times generating a project and running its suite, next to `import tensorflow`.

Three things are timed in alternating rounds in one run, so drift in a shared
machine hits all alike: `python -c "import tensorflow"`; a generated project's
test suite, run as a user runs it (`python -m pytest` in the project, bytecode
written, after one warm run that is not counted); and `cookiecutter --no-input
<template>` from its start to the end of the post-gen hook's test run (strict,
so a failing or skipped run cannot pass for a fast one). The table gives medians
and the ratios to the import. This is a script, not a test: timings are never
asserted.

By default everything runs on this interpreter. In the template's venv, where
every backend is installed, a JAX or PyTorch suite also pays for importing
TensorFlow (`keras.utils.set_random_seed` seeds it when it can import it), which
a user's venv does not have. With `--venvs FOLDER`, each backend runs in a venv
of its own there, holding what the generated README installs (the project's
`[dev]` extra, after the CPU build of torch) and cookiecutter; they are made
once and reused.

    python benchmarks/project_time.py                 # the default project, 3 rounds
    python benchmarks/project_time.py --all --rounds 1 --venvs /tmp/user-venvs
    python benchmarks/project_time.py --only conv/jax --only concat/tensorflow
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bakery, and the template's local_extensions, which bakery reads the choices from.
sys.path[:0] = [str(Path(__file__).resolve().parents[1] / d) for d in ("tests", "")]
from bakery import BACKENDS  # noqa: E402
from bakery import GENERATED_SUITE_PLUGINS  # noqa: E402
from bakery import TEMPLATE  # noqa: E402
from bakery import VARIANTS  # noqa: E402
from bakery import bake  # noqa: E402
from bakery import run_cookiecutter_cli  # noqa: E402
from bakery import scratch_env  # noqa: E402

REQUIREMENTS = (TEMPLATE / "requirements-dev.txt").read_text()


def wall_time(run, *args, **kwargs):
    """Seconds `run(*args, **kwargs)` takes; it must succeed."""
    start = time.perf_counter()
    result = run(*args, **kwargs)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return elapsed


def user_python(venvs, backend, project):
    """The interpreter of `venvs`/`backend`, made if missing with what the
    README of `project` (generated for `backend`) installs, and cookiecutter.
    Without `venvs`, this interpreter."""
    if venvs is None:
        return sys.executable
    venv = Path(venvs) / backend
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        readme = (project / "README.md").read_text()
        cookiecutter = re.search(r"^cookiecutter.*$", REQUIREMENTS, re.M).group()
        steps = [f"{project}[dev]", cookiecutter]
        if backend == "torch":
            cpu_build = r"pip install (torch==\S+ --extra-index-url [^\s`]+)"
            steps.insert(0, re.search(cpu_build, readme).group(1))
        for step in steps:
            command = [str(python), "-m", "pip", "install", "-q", *step.split()]
            subprocess.run(command, check=True)
        # The suites run from their checkouts (pytest's `pythonpath`), not this.
        uninstall = [str(python), "-m", "pip", "uninstall", "-q", "-y", project.name]
        subprocess.run(uninstall, check=True)
    return str(python)


def user_variables(scratch):
    """How a user's shell differs from `scratch_env`'s environment: temp folder
    in scratch, bytecode written, and a generated suite's JAX compilation cache
    left where the suite puts it, one per checkout (warm for the checkout whose
    suite ran before, cold for a new project, as for a user), not shared as in
    the template's tests."""
    return {
        "TMPDIR": str(scratch),
        "JAX_COMPILATION_CACHE_DIR": None,
        "PYTHONDONTWRITEBYTECODE": None,
    }


def run_suite(python, project, backend, scratch):
    """`python -m pytest` in `project`, as its user runs it: bytecode and
    pytest's cache written (into the project, a scratch copy), and no plugins
    but pytest-xdist's and hypothesis's loaded (a fresh venv with the project's
    `[dev]` extra has no others)."""
    env = scratch_env(
        **user_variables(scratch),
        KERAS_BACKEND=backend,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        HYPOTHESIS_STORAGE_DIRECTORY=str(Path(scratch) / "hypothesis"),
    )
    command = [python, "-m", "pytest", "-q", *GENERATED_SUITE_PLUGINS]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


def generate(python, scratch, variant, backend):
    """`cookiecutter --no-input` into a new folder, post-gen test run included."""
    result = run_cookiecutter_cli(
        tempfile.mkdtemp(dir=scratch),
        f"mask_variant={variant}",
        f"keras_backend={backend}",
        env={**user_variables(scratch), "KERAS_MASKED_LAYER_STRICT": "1"},
        python=python,
    )
    assert " passed" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every variant x backend")
    parser.add_argument(
        "--only",
        action="append",
        metavar="VARIANT/BACKEND",
        help="this variant on this backend (repeat for more), say conv/jax",
    )
    parser.add_argument(
        "--venvs", type=Path, help="a folder for one venv per backend, as a user has"
    )
    args = parser.parse_args()
    combinations = [("passthrough", "tensorflow")]
    if args.all:
        combinations = [(v, b) for v in VARIANTS for b in BACKENDS]
    elif args.only:
        combinations = [pair.partition("/")[::2] for pair in args.only]
        for variant, backend in combinations:
            if variant not in VARIANTS or backend not in BACKENDS:
                parser.error(
                    f"--only {variant}/{backend}: want one of {', '.join(VARIANTS)}, "
                    f"a slash, and one of {', '.join(BACKENDS)}"
                )
    print(
        "| variant | backend | import tensorflow (s) | suite (s) | ratio "
        "| cookiecutter to end of tests (s) | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch_dir:
        # `import tensorflow` where a user has TensorFlow: the default backend's venv.
        default = bake(Path(scratch_dir), accept_hooks=False)
        import_tf = [user_python(args.venvs, "tensorflow", default), "-c"]
        import_tf.append("import tensorflow")
        for variant, backend in combinations:
            scratch = Path(scratch_dir) / f"{variant}-{backend}"
            scratch.mkdir()
            project = bake(
                scratch, accept_hooks=False, mask_variant=variant, keras_backend=backend
            )
            python = user_python(args.venvs, backend, project)
            suite = (python, project, backend, scratch)
            wall_time(run_suite, *suite)  # Writes the bytecode, and any cache.
            times = {"import": [], "suite": [], "generate": []}
            for _ in range(args.rounds):
                times["import"].append(
                    wall_time(subprocess.run, import_tf, capture_output=True, text=True)
                )
                times["suite"].append(wall_time(run_suite, *suite))
                times["generate"].append(
                    wall_time(generate, python, scratch, variant, backend)
                )
            medians = {name: statistics.median(t) for name, t in times.items()}
            base = medians["import"]
            print(
                f"| {variant} | {backend} | {base:.1f} "
                f"| {medians['suite']:.1f} | {medians['suite'] / base:.2f} "
                f"| {medians['generate']:.1f} | {medians['generate'] / base:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
