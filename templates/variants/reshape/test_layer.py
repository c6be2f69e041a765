{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import keras
import numpy as np
import pytest
from keras import ops
from mask_contract import MaskContract
from mask_contract import gradients
from mask_contract import to_numpy
from mask_contract import torch_compiled
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}


class Test{{ cookiecutter.layer_class_name }}Contract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    # With the kit's 6 steps, factors 1 and 3 divide the time dim and 4 does not.
    configs = {
        "default": {},
        "factor_1": {"factor": 1},
        "factor_3": {"factor": 3},
        "factor_4": {"factor": 4},
    }
    input_features = (5,)


def reference(x, mask, factor):
    """NumPy twin of the layer, written step by step.

    Returns the merged outputs and the merged mask (`None` without a mask).
    """
    batch, time, channels = x.shape
    steps = -(-time // factor)
    real = (
        np.ones((batch, time), bool) if mask is None else np.asarray(mask).astype(bool)
    )
    outputs = np.zeros((batch, steps, factor * channels), x.dtype)
    merged_mask = np.zeros((batch, steps), bool)
    for row in range(batch):
        for step in range(time):
            if real[row, step]:
                merged, slot = divmod(step, factor)
                outputs[row, merged, slot * channels : (slot + 1) * channels] = x[
                    row, step
                ]
                merged_mask[row, merged] = True
    return outputs, None if mask is None else merged_mask


def random_mask(rng, batch, time):
    """A mask with holes (not only right padding), one full and one empty row."""
    mask = rng.random((batch, time)) < 0.5
    mask[0] = True
    mask[1] = False
    return mask


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    @pytest.mark.parametrize("time", [6, 7], ids=["T6", "T7"])
    @pytest.mark.parametrize(
        "factor", [1, 2, 3], ids=["factor_1", "factor_2", "factor_3"]
    )
    def test_matches_numpy(self, factor, time, masked):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((5, time, 3)).astype("float32")
        mask = random_mask(rng, 5, time) if masked else None
        if masked:
            x = with_garbage(x, mask, rng)
        layer = {{ cookiecutter.layer_class_name }}(factor=factor)
        expected, expected_mask = reference(x, mask, factor)
        outputs = to_numpy(layer(x, mask=mask))
        np.testing.assert_array_equal(outputs, expected)
        output_mask = to_numpy(layer.compute_mask(x, mask))
        if masked:
            assert output_mask.dtype == np.bool_
            np.testing.assert_array_equal(output_mask, expected_mask)
        else:
            assert output_mask is None

    def test_partially_real_merged_steps(self):
        x = np.arange(1.0, 11.0, dtype="float32").reshape((2, 5, 1))
        mask = np.array([[0, 1, 0, 0, 1], [0, 0, 0, 0, 0]], "int32")
        layer = {{ cookiecutter.layer_class_name }}(factor=2)
        outputs = to_numpy(layer(x, mask=mask))
        np.testing.assert_array_equal(outputs[0], [[0.0, 2.0], [0.0, 0.0], [5.0, 0.0]])
        np.testing.assert_array_equal(outputs[1], 0.0)
        np.testing.assert_array_equal(
            to_numpy(layer.compute_mask(x, mask)),
            [[True, False, True], [False, False, False]],
        )

    def test_inf_and_nan_at_padded_steps_reach_neither_outputs_nor_gradients(self):
        rng = np.random.default_rng(1)
        factor, channels = 3, 2
        mask = random_mask(rng, 4, 7)
        clean = rng.standard_normal((4, 7, channels)).astype("float32")
        x = clean.copy()
        x[~mask] = np.where(
            rng.random((int((~mask).sum()), channels)) < 0.5, np.inf, np.nan
        )
        layer = {{ cookiecutter.layer_class_name }}(factor=factor)
        expected, _ = reference(clean, mask, factor)
        np.testing.assert_array_equal(to_numpy(layer(x, mask=mask)), expected)

        weights = rng.standard_normal(expected.shape).astype("float32")

        def loss(inputs):
            return ops.sum(layer(inputs, mask=mask) * ops.convert_to_tensor(weights))

        (grad,) = gradients(loss, [x])
        # d loss / d x[row, step] is the weight at the step's slot, 0 if padded.
        unmerged = weights.reshape((4, -1, channels))[:, :7]
        np.testing.assert_array_equal(grad, np.where(mask[..., None], unmerged, 0.0))

    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_zero_steps(self, masked):
        x = np.zeros((3, 0, 4), "float32")
        mask = np.zeros((3, 0), bool) if masked else None
        layer = {{ cookiecutter.layer_class_name }}(factor=2)
        assert tuple(layer(x, mask=mask).shape) == (3, 0, 8)
        output_mask = layer.compute_mask(x, mask)
        if masked:
            assert tuple(output_mask.shape) == (3, 0)
        else:
            assert output_mask is None

    def test_compiled_with_unknown_time(self):
        """The pad amount, computed from the run-time shape, works compiled."""
        layer = {{ cookiecutter.layer_class_name }}(factor=3)

        def merge(x, mask):
            return layer(x, mask=mask), layer.compute_mask(x, mask)

        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            # One trace with unknown batch and time dims serves every length.
            signature = [
                tf.TensorSpec((None, None, 2), "float32"),
                tf.TensorSpec((None, None), "bool"),
            ]
            compiled = [
                tf.function(merge, input_signature=signature, jit_compile=jit_compile)
                for jit_compile in (False, True)
            ]
        elif backend == "jax":
            import jax

            compiled = [jax.jit(merge)]
        elif backend == "torch":
            compiled, graphs = torch_compiled(merge)
            compiled = [compiled]
        else:
            pytest.skip(f"No compiled-function helper for the {backend!r} backend.")
        rng = np.random.default_rng(2)
        for time in (0, 1, 5, 6, 7):
            mask = rng.random((3, time)) < 0.5
            x = with_garbage(
                rng.standard_normal((3, time, 2)).astype("float32"), mask, rng
            )
            expected, expected_mask = reference(x, mask, 3)
            for function in compiled:
                # Backend tensors in: Dynamo would trace NumPy inputs with a break.
                outputs, output_mask = function(
                    ops.convert_to_tensor(x), ops.convert_to_tensor(mask)
                )
                np.testing.assert_array_equal(to_numpy(outputs), expected)
                np.testing.assert_array_equal(to_numpy(output_mask), expected_mask)
        if backend == "tensorflow":
            assert [f.experimental_get_tracing_count() for f in compiled] == [1, 1]
        if backend == "torch":
            # Dynamo specializes lengths 0 and 1; 5, 6 and 7 share one trace
            # with a symbolic time dim.
            assert 1 <= len(graphs) <= 3, f"{len(graphs)} traces for five lengths"

    @pytest.mark.parametrize(
        "factor,input_shape,expected",
        [
            (2, (2, 7, 5), (2, 4, 10)),
            (3, (2, 6, 5), (2, 2, 15)),
            (1, (2, 7, 5), (2, 7, 5)),
            (2, (None, None, 5), (None, None, 10)),
            (3, (4, None, 2), (4, None, 6)),
        ],
        ids=["not_divisible", "divisible", "factor_1", "unknown_dims", "unknown_time"],
    )
    def test_compute_output_shape(self, factor, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(factor=factor)
        assert layer.compute_output_shape(input_shape) == expected
        spec = layer.compute_output_spec(keras.KerasTensor(input_shape))
        assert spec.shape == expected

    @pytest.mark.parametrize(
        "factor,time,expected_time",
        [(2, None, None), (3, 7, 3), (2, 6, 3), (1, None, None)],
        ids=["unknown_time", "not_divisible", "divisible", "factor_1"],
    )
    @pytest.mark.parametrize("mask_dtype", ["bool", "int32"])
    def test_symbolic_compute_mask(self, factor, time, expected_time, mask_dtype):
        layer = {{ cookiecutter.layer_class_name }}(factor=factor)
        inputs = keras.KerasTensor((None, time, 4))
        mask = keras.KerasTensor((None, time), dtype=mask_dtype)
        output_mask = layer.compute_mask(inputs, mask)
        assert isinstance(output_mask, keras.KerasTensor)
        assert output_mask.shape == (None, expected_time)
        assert output_mask.dtype == "bool"
        assert layer.compute_mask(inputs, None) is None

    @pytest.mark.parametrize("factor", [0, -2, 1.5, "2", True, None])
    def test_rejects_bad_factor(self, factor):
        with pytest.raises(ValueError, match="factor"):
            {{ cookiecutter.layer_class_name }}(factor=factor)
