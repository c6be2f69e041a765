"""The benchmark runs to completion on tiny sizes; its timings are not tested."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
BENCHMARK = BENCHMARKS / "bench_{{ cookiecutter.__layer_module }}.py"


@pytest.fixture(scope="module")
def benchmark():
    # The script's functions, as a module's attributes: it is no package to import.
    return SimpleNamespace(**runpy.run_path(str(BENCHMARK)))


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


def test_benchmark_refuses_a_compiled_call_that_computes_something_else(benchmark):
    ones, zeros = np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")
    benchmark.check("same", (ones, None), (ones, None))
    with pytest.raises(AssertionError, match="wrong: the compiled call disagrees"):
        benchmark.check("wrong", (ones, None), (zeros, None))
    with pytest.raises(AssertionError, match="lost mask: the output mask is"):
        benchmark.check("lost mask", (ones, None), (ones, ones > 0))
{%- if cookiecutter.mask_variant in ("time_reduce", "concat") %}


def test_benchmark_names_the_layer_when_it_disagrees_with_keras(benchmark):
    outputs = np.ones((2, 3, 4), "float32")
    mask = np.array([[True, True, False], [True, False, False]])
    # Padded steps may differ: the built-in leaves them as they are.
    padding_differs = np.where(mask[..., None], outputs, 1e3)
    benchmark.check_against_builtin((outputs, mask), (padding_differs, mask))
    blame = "{{ cookiecutter.layer_class_name }} disagrees with keras.layers."
    with pytest.raises(AssertionError, match=blame):
        benchmark.check_against_builtin((outputs, mask), (outputs + 1, mask))
    with pytest.raises(AssertionError, match=blame):
        benchmark.check_against_builtin((outputs, None), (outputs, mask))
{%- endif %}
