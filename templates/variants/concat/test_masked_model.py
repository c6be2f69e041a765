{%- from "macros.jinja" import from_import -%}
"""The hand-threaded subclassed model against its functional twin."""

import keras
import numpy as np
from mask_contract import MaskProbe
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_finite
from mask_contract import padded_tokens
from mask_contract import run_embedded
from mask_contract import to_numpy

{{ from_import(cookiecutter.package_name ~ ".masked_model", "MaskedSequenceModel") }}
{{ from_import(cookiecutter.package_name ~ ".masked_model", "build_functional_model") }}


def padded_pairs(seed=0, time_a=6, time_b=4):
    """Two token batches whose rows are full, empty, or random in length.

    Row 0: both full; row 1: `a` empty; row 2: `b` empty; row 3: both empty.
    """
    rng = np.random.default_rng(seed)
    lengths_a = np.array([time_a, 0, 3, 0, *rng.integers(1, time_a + 1, 2)])
    lengths_b = np.array([time_b, 2, 0, 0, *rng.integers(1, time_b + 1, 2)])
    tokens = [
        padded_tokens(rng, lengths_a, time_a, 50),
        padded_tokens(rng, lengths_b, time_b, 50),
    ]
    return tokens, (lengths_a, lengths_b)


WHERE = "MaskedSequenceModel on padded_pairs()"


def check_masked_layer(model, tokens, where=WHERE):
    """Runs the model's masked layer alone on `tokens`, before the model runs."""
    run_embedded(model.masked_layer, model.embedding, tokens, where=where)


def test_subclassed_model_equals_functional_model():
    tokens, _ = padded_pairs()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    functional = build_functional_model(model)
    assert_close(
        model(tokens),
        functional(tokens),
        "threading the masks by hand must give the functional model's outputs",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )


def test_subclassed_model_ignores_padding():
    tokens, (lengths_a, lengths_b) = padded_pairs()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    outputs = to_numpy(model(tokens))
    assert_finite(outputs, "the model must give finite outputs", where=WHERE)
    for row, (length_a, length_b) in enumerate(zip(lengths_a, lengths_b)):
        if length_a + length_b == 0:
            continue  # A GRU cannot run on zero steps; the row is checked above.
        alone = [
            tokens[0][row : row + 1, :length_a],
            tokens[1][row : row + 1, :length_b],
        ]
        assert_close(
            outputs[row],
            to_numpy(model(alone))[0],
            "each row must give what it gives alone, unpadded",
            where=f"{WHERE}, row {row} of lengths {[length_a, length_b]}",
            rtol=1e-5,
            atol=1e-5,
        )


def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = padded_pairs()
    expected = np.concatenate([t != 0 for t in tokens], axis=1)
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    model(tokens)
    probe = MaskProbe()
    x = [model.embedding(t) for t in tokens]
    y = model.masked_layer(x)
    # Layer to layer, the masks travel on their own and are joined ...
    assert_equal(
        probe(y), expected, "the joined mask must reach the next layer", where=WHERE
    )
    # ... but a raw op makes a new tensor that carries none.
    assert_equal(
        probe(y * 1.0), -1, "a raw op must drop the mask (-1: no mask)", where=WHERE
    )
    # Threading by hand survives the raw op.
    masks = [model.embedding.compute_mask(t) for t in tokens]
    mask = model.masked_layer.compute_mask(x, masks)
    assert_equal(
        probe(y * 1.0, mask=mask),
        expected,
        "a mask threaded by hand must survive a raw op",
        where=WHERE,
    )


def test_save_and_load_keeps_outputs(tmp_path):
    tokens, _ = padded_pairs()
    model = MaskedSequenceModel(vocabulary_size=50, num_classes=3)
    check_masked_layer(model, tokens)
    expected = to_numpy(model(tokens))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert_close(
        loaded(tokens),
        expected,
        "a .keras round trip must keep the model's outputs",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )
