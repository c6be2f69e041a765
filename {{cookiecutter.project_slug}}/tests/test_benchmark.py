"""The benchmark runs to completion on tiny sizes; its timings are not tested."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
BENCHMARK = BENCHMARKS / "bench_{{ cookiecutter.__layer_module }}.py"


@pytest.fixture(scope="module")
def benchmark():
    spec = importlib.util.spec_from_file_location("benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_checks_and_times_every_candidate(benchmark, capsys):
    argv = ["--batch", "2", "--channels", "3", "--lengths", "4"]
    rows = benchmark.main([*argv, "--rounds", "2", "--min-seconds", "0"])
    names = {name for pair in benchmark.TARGETS for name in pair}
    assert [row["length"] for row in rows] == [4]
    for row in rows:
        assert set(row["seconds"]) == names
        assert all(seconds > 0 for seconds in row["seconds"].values())
        assert set(row["ratios"]) == set(benchmark.TARGETS)
    table = capsys.readouterr().out.splitlines()
    assert table[-1].startswith("| 4 | ")


def test_benchmark_refuses_a_candidate_that_computes_something_else(benchmark):
    ones, zeros = np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")
    benchmark.check("same", (ones, None), (ones, None))
    with pytest.raises(AssertionError, match="disagrees"):
        benchmark.check("wrong output", (ones, None), (zeros, None))
    with pytest.raises(AssertionError, match="output mask"):
        benchmark.check("lost mask", (ones, None), (ones, ones > 0))
