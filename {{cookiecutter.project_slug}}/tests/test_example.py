{%- from "macros.jinja" import from_import -%}
"""examples/train.py trains, evaluates, saves and reloads, on tiny sizes."""

import math
import runpy
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from mask_contract import check_that
from test_masked_model import check_masked_layer

{{ from_import(cookiecutter.package_name ~ ".masked_model", "MaskedSequenceModel") }}

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "train.py"


@pytest.fixture(scope="module")
def example():
    # The script's functions, as a module's attributes: it is no package to import.
    return SimpleNamespace(**runpy.run_path(str(EXAMPLE)))


def test_example_trains_and_reloads_the_same_model(example, capsys):
    argv = ["--rows", "16", "--max-length", "5", "--vocabulary-size", "10"]
    argv += ["--epochs", "2", "--batch-size", "8"]
    # The model's layer alone first, on the example's own rows: a broken mask
    # contract fails here with its rule, not inside `fit`.
    args = example.parse_args(argv)
    model = MaskedSequenceModel(vocabulary_size=args.vocabulary_size)
    train, test = example.train_and_test_sets(args)
    for rows, (tokens, _) in [("training", train), ("held-out", test)]:
        check_masked_layer(model, tokens, where=f"examples/train.py, {rows} rows")
    try:
        results = example.main(argv)
    except SystemExit as error:
        # The script's own one-line verdict, as the rule it reports.
        check_that(
            False,
            "examples/train.py must finish",
            expected="exit 0",
            actual=f"exit with {error.code!r}",
            where="examples/train.py on tiny sizes",
        )
    assert len(results["losses"]) == 2
    assert all(math.isfinite(loss) for loss in results["losses"])
    assert 0 <= results["accuracy"] <= 1
    report = capsys.readouterr().out.splitlines()
    # Keras was imported by conftest.py: the example runs on the tests' backend.
    assert report[0] == f"Backend: {keras.backend.backend()}"
    assert report[-1].startswith("Save and load: predictions match")


def test_example_rows_hold_real_tokens_then_padding(example):
    rng = np.random.default_rng(0)
    tokens = example.padded_tokens(rng, 64, 6, 10)
    real = tokens != 0
    lengths = real.sum(axis=1)
    assert lengths.min() >= 1 and lengths.max() == 6
    # Once a row's padding starts, it never stops.
    assert (real[:, 1:] <= real[:, :-1]).all()
