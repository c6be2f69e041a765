{%- from "macros.jinja" import from_import -%}
"""The hand-threaded subclassed model against its functional twin."""

import keras
import numpy as np
from mask_contract import MaskProbe
from mask_contract import to_numpy
from mask_contract import token_batch

{{ from_import(cookiecutter.package_name, "MaskedSequenceModel") }}
{{ from_import(cookiecutter.package_name, "build_functional_model") }}


def test_subclassed_model_equals_functional_model():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    functional = build_functional_model(model)
    np.testing.assert_allclose(
        to_numpy(model(tokens)), to_numpy(functional(tokens)), rtol=1e-6, atol=1e-6
    )


def test_subclassed_model_ignores_padding():
    # Odd and even lengths: a layer that merges steps gets half-padded ones.
    tokens, lengths = token_batch()
    assert np.any(lengths % 2 == 1) and np.any(lengths % 2 == 0)
    model = MaskedSequenceModel(vocabulary_size=50)
    outputs = to_numpy(model(tokens))
    assert np.all(np.isfinite(outputs))
    for row, length in enumerate(lengths):
        if length == 0 and isinstance(model.encoder, keras.layers.RNN):
            continue  # An RNN cannot run on zero steps; the row is checked above.
        alone = to_numpy(model(tokens[row : row + 1, :length]))
        np.testing.assert_allclose(outputs[row], alone[0], rtol=1e-5, atol=1e-5)


{% block raw_op_test -%}
def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50)
    model(tokens)
    probe = MaskProbe()
    x = model.embedding(tokens)
    y = model.masked_layer(x)
    # The layer's own mask (its values are checked against NumPy in its tests).
    mask = model.masked_layer.compute_mask(x, model.embedding.compute_mask(tokens))
    expected = to_numpy(mask)
    assert expected.shape == y.shape[:2] and not expected.all()
    # Layer to layer, that mask travels on its own ...
    np.testing.assert_array_equal(to_numpy(probe(y)), expected)
    # ... but a raw op makes a new tensor that carries none.
    assert np.all(to_numpy(probe(y * 1.0)) == -1)
    # Threading by hand survives the raw op.
    np.testing.assert_array_equal(to_numpy(probe(y * 1.0, mask=mask)), expected)
{%- endblock %}


def test_save_and_load_keeps_outputs(tmp_path):
    tokens, _ = token_batch()
    model = MaskedSequenceModel(vocabulary_size=50, num_classes=3)
    expected = to_numpy(model(tokens))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    actual = to_numpy(loaded(tokens))
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


def test_functional_save_and_load_keeps_outputs(tmp_path):
    # A functional .keras file stores each mask as a graph node from compute_mask.
    tokens, _ = token_batch()
    functional = build_functional_model(MaskedSequenceModel(vocabulary_size=50))
    expected = to_numpy(functional(tokens))
    functional.save(tmp_path / "functional.keras")
    loaded = keras.saving.load_model(tmp_path / "functional.keras")
    actual = to_numpy(loaded(tokens))
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)
{% block more_tests %}{% endblock %}