{%- from "macros.jinja" import from_import, propagates_mask -%}
"""The hand-threaded subclassed model against its functional twin."""

import keras
import numpy as np
{% block kit_imports -%}
from mask_contract import MaskProbe
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_finite
from mask_contract import check_that
from mask_contract import run_embedded
from mask_contract import to_numpy
from mask_contract import token_batch
{%- endblock %}

{{ from_import(cookiecutter.package_name ~ ".masked_model", "MaskedSequenceModel") }}
{{ from_import(cookiecutter.package_name ~ ".masked_model", "build_functional_model") }}

WHERE = "MaskedSequenceModel on token_batch()"


{% block check_masked_layer -%}
def check_masked_layer(model, tokens, where=WHERE):
    """Runs the model's masked layer alone on `tokens`, before the model runs."""
    run_embedded(
        model.masked_layer,
        model.embedding,
        tokens,
        propagates_mask={{ propagates_mask(cookiecutter.mask_variant) }},
        where=where,
    )
{%- endblock %}


def test_subclassed_model_equals_functional_model():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    functional = build_functional_model(model)
    assert_close(
        model(tokens),
        functional(tokens),
        "threading the mask by hand must give the functional model's outputs",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )


def test_subclassed_model_ignores_padding():
    # Odd and even lengths: a layer that merges steps gets half-padded ones.
    tokens, lengths = token_batch()
    assert np.any(lengths % 2 == 1) and np.any(lengths % 2 == 0)
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    outputs = to_numpy(model(tokens))
    assert_finite(outputs, "the model must give finite outputs", where=WHERE)
    for row, length in enumerate(lengths):
        if length == 0 and isinstance(model.encoder, keras.layers.RNN):
            continue  # An RNN cannot run on zero steps; the row is checked above.
        alone = to_numpy(model(tokens[row : row + 1, :length]))
        assert_close(
            outputs[row],
            alone[0],
            "each row must give what it gives alone, unpadded",
            where=f"{WHERE}, row {row} of length {length}",
            rtol=1e-5,
            atol=1e-5,
        )


{% block raw_op_test -%}
def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    model(tokens)
    probe = MaskProbe()
    x = model.embedding(tokens)
    y = model.masked_layer(x)
    # The layer's own mask, checked by `check_masked_layer` to fit its outputs
    # (its values are checked against NumPy in its tests).
    mask = model.masked_layer.compute_mask(x, model.embedding.compute_mask(tokens))
    expected = to_numpy(mask)
    check_that(
        not expected.all(),
        "the layer's mask must keep padding for this example to show anything",
        expected="some False",
        actual="all True",
        where=WHERE,
    )
    # Layer to layer, that mask travels on its own ...
    assert_equal(
        probe(y), expected, "the layer's mask must reach the next layer", where=WHERE
    )
    # ... but a raw op makes a new tensor that carries none.
    assert_equal(
        probe(y * 1.0), -1, "a raw op must drop the mask (-1: no mask)", where=WHERE
    )
    # Threading by hand survives the raw op.
    assert_equal(
        probe(y * 1.0, mask=mask),
        expected,
        "a mask threaded by hand must survive a raw op",
        where=WHERE,
    )
{%- endblock %}


def test_save_and_load_keeps_outputs(tmp_path):
    tokens, _ = token_batch()
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


def test_functional_save_and_load_keeps_outputs(tmp_path):
    # A functional .keras file stores each mask as a graph node from compute_mask.
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    functional = build_functional_model(model)
    expected = to_numpy(functional(tokens))
    functional.save(tmp_path / "functional.keras")
    loaded = keras.saving.load_model(tmp_path / "functional.keras")
    assert_close(
        loaded(tokens),
        expected,
        "a .keras round trip must keep the functional model's outputs",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )
{% block more_tests %}{% endblock %}