{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import keras
import numpy as np
import pytest
from mask_contract import MaskContract
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}


class Test{{ cookiecutter.layer_class_name }}Contract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    configs = {
        "default": {},
        "units_3_relu": {"units": 3, "activation": "relu"},
        "units_7_no_bias": {"units": 7, "use_bias": False},
    }
    input_features = (5,)


ACTIVATIONS = {None: lambda y: y, "relu": lambda y: np.maximum(y, 0.0)}


def reference(x, mask, kernel, bias, activation=None):
    """NumPy twin of the layer: projection, then zeros at padded steps."""
    y = ACTIVATIONS[activation](x @ kernel + (0.0 if bias is None else bias))
    if mask is None:
        return y, None
    mask = np.asarray(mask).astype(bool)
    return np.where(mask[..., None], y, 0.0), mask


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @pytest.mark.parametrize("activation", [None, "relu"], ids=["linear", "relu"])
    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_matches_numpy(self, activation, masked):
        rng = np.random.default_rng(0)
        mask = sequence_mask([5, 3, 0], 5) if masked else None
        x = rng.standard_normal((3, 5, 4)).astype("float32")
        if masked:
            x = with_garbage(x, mask, rng)
        layer = {{ cookiecutter.layer_class_name }}(units=6, activation=activation)
        layer.build(x.shape)
        bias = rng.standard_normal(6).astype("float32")
        layer.bias.assign(bias)
        outputs = to_numpy(layer(x, mask=mask))
        expected, expected_mask = reference(
            x, mask, to_numpy(layer.kernel), bias, activation
        )
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)
        output_mask = to_numpy(layer.compute_mask(x, mask))
        if masked:
            np.testing.assert_array_equal(output_mask, expected_mask)
        else:
            assert output_mask is None

    def test_padded_steps_are_zero_even_with_bias_and_activation(self):
        x = np.full((1, 3, 2), 5.0, "float32")
        layer = {{ cookiecutter.layer_class_name }}(units=2, activation="sigmoid")
        outputs = to_numpy(layer(x, mask=np.array([[True, False, False]])))
        np.testing.assert_array_equal(outputs[0, 1:], 0.0)
        assert np.all(outputs[0, 0] > 0.0)

    @pytest.mark.parametrize(
        "units,input_shape,expected",
        [(None, (2, 7, 5), (2, 7, 5)), (3, (None, None, 5), (None, None, 3))],
        ids=["same_units", "unknown_dims"],
    )
    def test_compute_output_shape(self, units, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(units=units)
        assert layer.compute_output_shape(input_shape) == expected
        spec = layer.compute_output_spec(keras.KerasTensor(input_shape))
        assert spec.shape == expected

    @pytest.mark.parametrize("units", [0, -2, 1.5, "8"])
    def test_rejects_bad_units(self, units):
        with pytest.raises(ValueError, match="units"):
            {{ cookiecutter.layer_class_name }}(units=units)
