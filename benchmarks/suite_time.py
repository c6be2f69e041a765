"""Times each generated test suite against `python -c "import tensorflow"`.

Both are measured in alternating rounds in one run, so drift in a shared machine
hits both alike; the table gives medians and their ratio. This is a script, not a
test: timings are never asserted.

    python benchmarks/suite_time.py                 # the default project, 3 rounds
    python benchmarks/suite_time.py --all --rounds 1
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())


def wall_time(command, cwd, env):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every variant x backend")
    args = parser.parse_args()
    combinations = [("passthrough", "tensorflow")]
    if args.all:
        combinations = [
            (variant, backend)
            for variant in CHOICES["mask_variant"]
            for backend in CHOICES["keras_backend"]
        ]
    import_tf = [sys.executable, "-c", "import tensorflow"]
    suite = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    print("| variant | backend | suite (s) | import tensorflow (s) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch:
        for variant, backend in combinations:
            project = cookiecutter(
                str(TEMPLATE),
                no_input=True,
                output_dir=os.path.join(scratch, f"{variant}-{backend}"),
                accept_hooks=False,
                extra_context={
                    "mask_variant": variant,
                    "keras_backend": backend,
                    "run_tests": False,
                },
            )
            env = {
                **os.environ,
                "KERAS_BACKEND": backend,
                "PYTHONDONTWRITEBYTECODE": "1",
                "HYPOTHESIS_STORAGE_DIRECTORY": os.path.join(scratch, "hypothesis"),
            }
            suite_times, import_times = [], []
            for _ in range(args.rounds):
                import_times.append(wall_time(import_tf, project, env))
                suite_times.append(wall_time(suite, project, env))
            suite_median = statistics.median(suite_times)
            import_median = statistics.median(import_times)
            print(
                f"| {variant} | {backend} | {suite_median:.1f} | "
                f"{import_median:.1f} | {suite_median / import_median:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
