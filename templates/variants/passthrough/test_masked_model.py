"""The hand-threaded subclassed model against its functional twin."""

import keras
import numpy as np
from mask_contract import MaskProbe
from mask_contract import to_numpy

from {{ cookiecutter.package_name }} import MaskedSequenceModel
from {{ cookiecutter.package_name }} import build_functional_model


def padded_tokens(seed=0, batch=5, time=7, vocabulary_size=50):
    rng = np.random.default_rng(seed)
    lengths = np.array([time, 0, *rng.integers(1, time + 1, batch - 2)])
    tokens = rng.integers(1, vocabulary_size, (batch, time))
    return np.where(np.arange(time) < lengths[:, None], tokens, 0).astype("int32"), lengths


def test_subclassed_model_equals_functional_model():
    tokens, _ = padded_tokens()
    model = MaskedSequenceModel(vocabulary_size=50)
    functional = build_functional_model(model)
    np.testing.assert_allclose(
        to_numpy(model(tokens)), to_numpy(functional(tokens)), rtol=1e-6, atol=1e-6
    )


def test_subclassed_model_ignores_padding():
    tokens, lengths = padded_tokens()
    model = MaskedSequenceModel(vocabulary_size=50)
    outputs = to_numpy(model(tokens))
    assert np.all(np.isfinite(outputs))
    for row, length in enumerate(lengths):
        if length == 0:
            continue  # A GRU cannot run on zero steps; the row is checked above.
        alone = to_numpy(model(tokens[row : row + 1, :length]))
        np.testing.assert_allclose(outputs[row], alone[0], rtol=1e-5, atol=1e-5)


def test_raw_op_drops_the_mask_but_threading_keeps_it():
    tokens, _ = padded_tokens()
    model = MaskedSequenceModel(vocabulary_size=50)
    model(tokens)
    probe = MaskProbe()
    x = model.embedding(tokens)
    y = model.masked_layer(x)
    # Layer to layer, the mask travels on its own ...
    np.testing.assert_array_equal(to_numpy(probe(y)), tokens != 0)
    # ... but a raw op makes a new tensor that carries none.
    assert np.all(to_numpy(probe(y * 1.0)) == -1)
    # Threading by hand survives the raw op.
    mask = model.masked_layer.compute_mask(x, model.embedding.compute_mask(tokens))
    np.testing.assert_array_equal(to_numpy(probe(y * 1.0, mask=mask)), tokens != 0)


def test_save_and_load_keeps_outputs(tmp_path):
    tokens, _ = padded_tokens()
    model = MaskedSequenceModel(vocabulary_size=50, num_classes=3)
    expected = to_numpy(model(tokens))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(to_numpy(loaded(tokens)), expected, rtol=1e-6, atol=1e-6)
