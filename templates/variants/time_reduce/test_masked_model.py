{% extends "test_masked_model.py" %}
{% block raw_op_test -%}
def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    model(tokens)
    probe = MaskProbe()
    real = tokens != 0
    x = model.embedding(tokens)
    embedded = to_numpy(x)
    expected = masked_mean(embedded, real)
    # Layer to layer, the mask travels on its own ...
    np.testing.assert_array_equal(to_numpy(probe(x)), real)
    np.testing.assert_allclose(
        to_numpy(model.masked_layer(x)), expected, rtol=1e-5, atol=1e-6
    )
    # ... but a raw op makes a new tensor that carries none: the layer then
    # averages the padding embeddings too.
    assert np.all(to_numpy(probe(x * 1.0)) == -1)
    unmasked = to_numpy(model.masked_layer(x * 1.0))
    np.testing.assert_allclose(unmasked, embedded.mean(axis=1), rtol=1e-5, atol=1e-6)
    padded_rows = ~real.all(axis=1)
    assert not np.allclose(unmasked[padded_rows], expected[padded_rows], atol=1e-4)
    # Threading by hand survives the raw op.
    mask = model.embedding.compute_mask(tokens)
    np.testing.assert_allclose(
        to_numpy(model.masked_layer(x * 1.0, mask=mask)), expected, rtol=1e-5, atol=1e-6
    )
{%- endblock %}
{% block more_tests %}

def test_fully_padded_row_gives_the_output_for_zeros():
    tokens, lengths = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    model(tokens)
    # Non-zero biases, so that "the output for a zero vector" is not just zeros.
    model.encoder.bias.assign(np.linspace(0.1, 1.0, model.hidden_units))
    model.head.bias.assign(np.arange(model.num_classes, dtype="float32") + 0.5)
    outputs = to_numpy(model(tokens))
    assert np.all(np.isfinite(outputs))
    zeros = np.zeros((1, model.embedding_dim), "float32")
    expected = to_numpy(model.head(model.encoder(zeros)))
    assert np.all(expected != 0.0)
    # A batched matmul and a one-row matmul may round differently (seen on JAX).
    np.testing.assert_allclose(outputs[lengths == 0], expected, rtol=1e-5, atol=1e-6)


def masked_mean(x, mask):
    """NumPy masked mean over time, zeros for a row with no real step."""
    total = np.where(mask[..., None], x, 0.0).sum(axis=1)
    return total / np.maximum(mask.sum(axis=1), 1)[:, None]
{% endblock %}