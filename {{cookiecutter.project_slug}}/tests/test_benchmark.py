{%- from "macros.jinja" import HAS_BUILTIN, propagates_mask -%}
"""The benchmark runs to completion on tiny sizes; its timings are not tested."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from mask_contract import run_layer

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
BENCHMARK = BENCHMARKS / "bench_{{ cookiecutter.__layer_module }}.py"


@pytest.fixture(scope="module")
def benchmark():
    # The script's functions, as a module's attributes: it is no package to import.
    return SimpleNamespace(**runpy.run_path(str(BENCHMARK)))


def test_benchmark_checks_and_times_every_candidate(benchmark, capsys):
    batch, length, channels = 2, 4, 3
    # The layer alone first, on the batch the benchmark makes: a broken mask
    # contract fails here with its rule, not inside a compiled call.
    run_layer(
        *benchmark.masked_batch(batch, length, channels),
        propagates_mask={{ propagates_mask(cookiecutter.mask_variant) }},
        where=f"the benchmark's masked batch, T={length}",
    )
    argv = [f"--batch={batch}", f"--channels={channels}", f"--lengths={length}"]
    # On PyTorch, Dynamo still traces each call whole; Inductor's code
    # generation (seconds per candidate) is left to real runs.
    argv += ["--rounds=2", "--min-seconds=0", "--torch-backend=eager"]
    rows = benchmark.main(argv)
    names = {name for pair in benchmark.TARGETS for name in pair}
    assert [row["length"] for row in rows] == [length]
    for row in rows:
        assert set(row["seconds"]) == names
        assert all(seconds > 0 for seconds in row["seconds"].values())
        assert set(row["ratios"]) == set(benchmark.TARGETS)
    table = capsys.readouterr().out.splitlines()
    assert table[-1].startswith(f"| {length} | ")


def test_benchmark_refuses_a_compiled_call_that_computes_something_else(benchmark):
    ones, zeros = np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")
    mask = np.array([[True, True, False], [True, False, False]])
    benchmark.check_compiled((ones, mask), (ones, mask), "same")
    with pytest.raises(
        AssertionError,
        match=r"^the compiled call must give the eager outputs: expected 0 at "
        r"\[0, 0\], got 1 \(6 of 6 values differ\) \[wrong\]$",
    ):
        benchmark.check_compiled((ones, None), (zeros, None), "wrong")
    with pytest.raises(
        AssertionError,
        match=r"^the compiled call must give the eager output mask: expected an "
        r"array of shape \(2, 3\), got None \[lost mask\]$",
    ):
        benchmark.check_compiled((ones, None), (ones, mask), "lost mask")
{%- if cookiecutter.mask_variant in HAS_BUILTIN %}


def test_benchmark_names_the_layer_when_it_disagrees_with_keras(benchmark):
    outputs = np.ones((2, 3, 4), "float32")
    mask = np.array([[True, True, False], [True, False, False]])
    # Padded steps may differ: the built-in leaves them as they are.
    padding_differs = np.where(mask[..., None], outputs, 1e3)
    benchmark.check_against_builtin((outputs, mask), (padding_differs, mask), "T=3")
    layer = "^{{ cookiecutter.layer_class_name }} must"
    with pytest.raises(AssertionError, match=layer + " agree with keras.layers."):
        benchmark.check_against_builtin((outputs, mask), (outputs + 1, mask), "T=3")
    with pytest.raises(AssertionError, match=layer + " give the output mask of "):
        benchmark.check_against_builtin((outputs, None), (outputs, mask), "T=3")
{%- endif %}
