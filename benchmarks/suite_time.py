"""Times each generated test suite against `python -c "import tensorflow"`.

Both are measured in alternating rounds in one run, so drift in a shared machine
hits both alike; the table gives medians and their ratio. This is a script, not a
test: timings are never asserted.

    python benchmarks/suite_time.py                 # the default project, 3 rounds
    python benchmarks/suite_time.py --all --rounds 1
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
from bakery import run_generated_tests  # noqa: E402


def wall_time(run, *args, **kwargs):
    """Seconds `run(*args, **kwargs)` takes; it must succeed."""
    start = time.perf_counter()
    result = run(*args, **kwargs)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every variant x backend")
    args = parser.parse_args()
    combinations = [("passthrough", "tensorflow")]
    if args.all:
        combinations = [(v, b) for v in VARIANTS for b in BACKENDS]
    import_tf = [sys.executable, "-c", "import tensorflow"]
    print("| variant | backend | suite (s) | import tensorflow (s) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch_dir:
        for variant, backend in combinations:
            scratch = Path(scratch_dir) / f"{variant}-{backend}"
            scratch.mkdir()
            project = bake(
                scratch, accept_hooks=False, mask_variant=variant, keras_backend=backend
            )
            suite_times, import_times = [], []
            for _ in range(args.rounds):
                import_times.append(
                    wall_time(subprocess.run, import_tf, capture_output=True, text=True)
                )
                suite_times.append(
                    wall_time(run_generated_tests, project, backend, tmp_path=scratch)
                )
            suite_median = statistics.median(suite_times)
            import_median = statistics.median(import_times)
            print(
                f"| {variant} | {backend} | {suite_median:.1f} | "
                f"{import_median:.1f} | {suite_median / import_median:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
