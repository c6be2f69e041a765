{% extends "test_masked_model.py" %}
{% block raw_op_test -%}
def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    model(tokens)
    probe = MaskProbe()
    real = tokens != 0
    x = model.embedding(tokens)
    embedded = to_numpy(x)
    expected = masked_mean(embedded, real)
    # Layer to layer, the mask travels on its own ...
    assert_equal(
        probe(x), real, "Embedding's mask must reach the next layer", where=WHERE
    )
    assert_close(
        model.masked_layer(x),
        expected,
        "the layer must average the real steps",
        where=WHERE,
        rtol=1e-5,
        atol=1e-6,
    )
    # ... but a raw op makes a new tensor that carries none: the layer then
    # averages the padding embeddings too.
    assert_equal(
        probe(x * 1.0), -1, "a raw op must drop the mask (-1: no mask)", where=WHERE
    )
    unmasked = to_numpy(model.masked_layer(x * 1.0))
    assert_close(
        unmasked,
        embedded.mean(axis=1),
        "without a mask the layer must average every step",
        where=WHERE,
        rtol=1e-5,
        atol=1e-6,
    )
    padded_rows = ~real.all(axis=1)
    check_that(
        not np.allclose(unmasked[padded_rows], expected[padded_rows], atol=1e-4),
        "the example's padding must change the mean",
        expected="rows with padding to differ from their masked mean",
        actual="equal means",
        where=WHERE,
    )
    # Threading by hand survives the raw op.
    mask = model.embedding.compute_mask(tokens)
    assert_close(
        model.masked_layer(x * 1.0, mask=mask),
        expected,
        "a mask threaded by hand must survive a raw op",
        where=WHERE,
        rtol=1e-5,
        atol=1e-6,
    )
{%- endblock %}
{% block more_tests %}

def test_fully_padded_row_gives_the_output_for_zeros():
    tokens, lengths = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    check_masked_layer(model, tokens)
    model(tokens)
    # Non-zero biases, so that "the output for a zero vector" is not just zeros.
    model.encoder.bias.assign(np.linspace(0.1, 1.0, model.hidden_units))
    model.head.bias.assign(np.arange(model.num_classes, dtype="float32") + 0.5)
    outputs = to_numpy(model(tokens))
    assert_finite(outputs, "the model must give finite outputs", where=WHERE)
    zeros = np.zeros((1, model.embedding_dim), "float32")
    expected = to_numpy(model.head(model.encoder(zeros)))
    check_that(
        np.all(expected != 0.0),
        "the example's biases must make the output for zeros non-zero",
        expected="no zero logit",
        actual=expected.tolist(),
        where=WHERE,
    )
    # A batched matmul and a one-row matmul may round differently (seen on JAX).
    assert_close(
        outputs[lengths == 0],
        np.broadcast_to(expected, outputs[lengths == 0].shape),
        "a fully padded row must give the model's output for a zero vector",
        where=WHERE,
        rtol=1e-5,
        atol=1e-6,
    )


def masked_mean(x, mask):
    """NumPy masked mean over time, zeros for a row with no real step."""
    total = np.where(mask[..., None], x, 0.0).sum(axis=1)
    return total / np.maximum(mask.sum(axis=1), 1)[:, None]
{% endblock %}