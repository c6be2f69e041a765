{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import numpy as np
import pytest
from mask_contract import MaskContract
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_mask_equal
from mask_contract import assert_output_shape
from mask_contract import check_that
from mask_contract import run_layer
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
        where = f"units 6, activation {activation}, {'masked' if masked else 'no mask'}"
        outputs, output_mask = run_layer(layer, x, mask, where=where)
        expected, expected_mask = reference(
            x, mask, to_numpy(layer.kernel), bias, activation
        )
        assert_close(
            outputs,
            expected,
            "outputs must match NumPy (zeros at padded steps)",
            where=where,
            rtol=1e-5,
            atol=1e-5,
        )
        assert_mask_equal(
            output_mask,
            expected_mask,
            "compute_mask must hand on the input mask, as bool",
            where=where,
        )

    def test_padded_steps_are_zero_even_with_bias_and_activation(self):
        x = np.full((1, 3, 2), 5.0, "float32")
        layer = {{ cookiecutter.layer_class_name }}(units=2, activation="sigmoid")
        outputs = to_numpy(layer(x, mask=np.array([[True, False, False]])))
        where = "units 2, sigmoid, mask [[True, False, False]]"
        assert_equal(
            outputs[0, 1:],
            0.0,
            "padded steps must be zero after bias and activation",
            where=where,
        )
        check_that(
            np.all(outputs[0, 0] > 0.0),
            "the real step must keep sigmoid's positive outputs",
            expected="values above 0",
            actual=outputs[0, 0].tolist(),
            where=where,
        )

    @pytest.mark.parametrize(
        "units,input_shape,expected",
        [(None, (2, 7, 5), (2, 7, 5)), (3, (None, None, 5), (None, None, 3))],
        ids=["same_units", "unknown_dims"],
    )
    def test_compute_output_shape(self, units, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(units=units)
        assert_output_shape(layer, input_shape, expected, where=f"units {units}")

    @pytest.mark.parametrize("units", [0, -2, 1.5, "8"])
    def test_rejects_bad_units(self, units):
        with pytest.raises(ValueError, match="units"):
            {{ cookiecutter.layer_class_name }}(units=units)
