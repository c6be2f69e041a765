{% extends "test_masked_model.py" %}
{% block kit_imports -%}
from mask_contract import MaskProbe
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_finite
from mask_contract import check_config_round_trip
from mask_contract import check_that
from mask_contract import run_embedded
from mask_contract import run_layer
from mask_contract import to_numpy
from mask_contract import token_batch
{%- endblock %}
{% block check_masked_layer -%}
def check_masked_layer(model, tokens, where=WHERE):
    """Runs the model's convolutions alone on `tokens`, one after the other,
    before the model runs: each must give a mask that fits its outputs, and
    rebuild from its config (the second one strides: a lost argument would
    show as a crash of the reloaded functional model)."""
    for index, layer in enumerate(model.masked_layers):
        check_config_round_trip(layer, where=f"{where}, masked_layers[{index}]")
    x, mask = run_embedded(
        model.masked_layers[0],
        model.embedding,
        tokens,
        where=f"{where}, masked_layers[0]",
    )
    for index, layer in enumerate(model.masked_layers[1:], start=1):
        x, mask = run_layer(layer, x, mask, where=f"{where}, masked_layers[{index}]")
    return x, mask
{%- endblock %}
{% block raw_op_test -%}
def test_strided_convolution_keeps_the_mask_at_its_anchors():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    _, mask = check_masked_layer(model, tokens)
    # The causal convolution with strides 2 anchors output step j at token 2j.
    assert_equal(
        mask,
        tokens[:, ::2] != 0,
        "the stack's mask must be the token mask at every other step",
        where=WHERE,
    )


def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    _, expected = check_masked_layer(model, tokens)
    model(tokens)
    probe = MaskProbe()
    x = model.embedding(tokens)
    mask = model.embedding.compute_mask(tokens)
    for layer in model.masked_layers:
        x, mask = layer(x), layer.compute_mask(x, mask)
    check_that(
        not expected.all(),
        "the layers' mask must keep padding for this example to show anything",
        expected="some False",
        actual="all True",
        where=WHERE,
    )
    # Layer to layer, the mask travels on its own ...
    assert_equal(
        probe(x),
        expected,
        "the last layer's mask must reach the next layer",
        where=WHERE,
    )
    # ... but a raw op makes a new tensor that carries none.
    assert_equal(
        probe(x * 1.0), -1, "a raw op must drop the mask (-1: no mask)", where=WHERE
    )
    # Threading by hand survives the raw op.
    assert_equal(
        probe(x * 1.0, mask=mask),
        expected,
        "a mask threaded by hand must survive a raw op",
        where=WHERE,
    )
{%- endblock %}
