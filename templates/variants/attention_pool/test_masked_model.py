{% extends "test_masked_model.py" %}
{% block kit_imports -%}
from mask_contract import MaskProbe
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_finite
from mask_contract import check_that
from mask_contract import run_layer
from mask_contract import to_numpy
from mask_contract import token_batch
{%- endblock %}
{% block check_masked_layer -%}
def check_masked_layer(model, tokens, where=WHERE):
    """Runs the model's masked layer alone on what the model feeds it, the
    encoded `tokens` with the embedding's mask, before the model runs."""
    run_layer(
        model.masked_layer,
        to_numpy(model.encoder(model.embedding(tokens))),
        to_numpy(model.embedding.compute_mask(tokens)),
        propagates_mask=False,
        where=where,
    )
{%- endblock %}
{% block raw_op_test -%}
def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    model(tokens)
    probe = MaskProbe()
    real = tokens != 0
    h = model.encoder(model.embedding(tokens))
    encoded = to_numpy(h)
    expected = to_numpy(model.masked_layer(h, mask=real))
    # Layer to layer, the mask travels on its own, through the encoder ...
    assert_equal(probe(h), real, "Embedding's mask must pass the encoder", where=WHERE)
    assert_close(
        model.masked_layer(h),
        expected,
        "the mask the encoder hands on must reach the layer",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )
    # ... but a raw op makes a new tensor that carries none: the layer then
    # pools the padding steps too.
    assert_equal(
        probe(h * 1.0), -1, "a raw op must drop the mask (-1: no mask)", where=WHERE
    )
    unmasked = to_numpy(model.masked_layer(h * 1.0))
    assert_close(
        unmasked,
        to_numpy(model.masked_layer(encoded, mask=np.ones_like(real))),
        "without a mask the layer must pool every step",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )
    padded_rows = ~real.all(axis=1)
    check_that(
        not np.allclose(unmasked[padded_rows], expected[padded_rows], atol=1e-4),
        "the example's padding must change the pooled vector",
        expected="rows with padding to differ from their masked pooling",
        actual="equal vectors",
        where=WHERE,
    )
    # Threading by hand survives the raw op.
    assert_close(
        model.masked_layer(h * 1.0, mask=real),
        expected,
        "a mask threaded by hand must survive a raw op",
        where=WHERE,
        rtol=1e-6,
        atol=1e-6,
    )
{%- endblock %}
{% block more_tests %}

def test_fully_padded_row_gives_the_output_for_zeros():
    tokens, lengths = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    model(tokens)
    # A non-zero bias, so that "the output for a zero vector" is not just zeros.
    model.head.bias.assign(np.arange(model.num_classes, dtype="float32") + 0.5)
    outputs = to_numpy(model(tokens))
    assert_finite(outputs, "the model must give finite outputs", where=WHERE)
    expected = to_numpy(model.head(np.zeros((1, model.hidden_units), "float32")))
    check_that(
        np.all(expected != 0.0),
        "the example's bias must make the output for zeros non-zero",
        expected="no zero logit",
        actual=expected.tolist(),
        where=WHERE,
    )
    assert_close(
        outputs[lengths == 0],
        np.broadcast_to(expected, outputs[lengths == 0].shape),
        "a fully padded row must give the model's output for a zero vector",
        where=WHERE,
        rtol=1e-5,
        atol=1e-6,
    )
{% endblock %}
