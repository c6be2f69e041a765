"""Times generating a project and running its suite, next to `import tensorflow`.

Three things are timed in alternating rounds in one run, so drift in a shared
machine hits all alike: `python -c "import tensorflow"`; a generated project's
test suite on its own; and `cookiecutter --no-input <template>` from its start to
the end of the post-gen hook's test run (strict, so a failing or skipped run
cannot pass for a fast one). The table gives medians and the ratios to the
import. This is a script, not a test: timings are never asserted.

    python benchmarks/project_time.py                 # the default project, 3 rounds
    python benchmarks/project_time.py --all --rounds 1
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bakery import BACKENDS  # noqa: E402
from bakery import VARIANTS  # noqa: E402
from bakery import bake  # noqa: E402
from bakery import run_cookiecutter_cli  # noqa: E402
from bakery import run_generated_tests  # noqa: E402


def wall_time(run, *args, **kwargs):
    """Seconds `run(*args, **kwargs)` takes; it must succeed."""
    start = time.perf_counter()
    result = run(*args, **kwargs)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return elapsed


def generate(scratch, variant, backend):
    """`cookiecutter --no-input` into a new folder, post-gen test run included."""
    result = run_cookiecutter_cli(
        tempfile.mkdtemp(dir=scratch),
        f"mask_variant={variant}",
        f"keras_backend={backend}",
        env={"KERAS_MASKED_LAYER_STRICT": "1"},
    )
    assert " passed" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every variant x backend")
    args = parser.parse_args()
    combinations = [("passthrough", "tensorflow")]
    if args.all:
        combinations = [(v, b) for v in VARIANTS for b in BACKENDS]
    import_tf = [sys.executable, "-c", "import tensorflow"]
    print(
        "| variant | backend | import tensorflow (s) | suite (s) | ratio "
        "| cookiecutter to end of tests (s) | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch_dir:
        for variant, backend in combinations:
            scratch = Path(scratch_dir) / f"{variant}-{backend}"
            scratch.mkdir()
            project = bake(
                scratch, accept_hooks=False, mask_variant=variant, keras_backend=backend
            )
            times = {"import": [], "suite": [], "generate": []}
            for _ in range(args.rounds):
                times["import"].append(
                    wall_time(subprocess.run, import_tf, capture_output=True, text=True)
                )
                times["suite"].append(
                    wall_time(run_generated_tests, project, backend, tmp_path=scratch)
                )
                times["generate"].append(wall_time(generate, scratch, variant, backend))
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
