{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import keras
import numpy as np
import pytest
from keras import ops
from mask_contract import MASK_RULE
from mask_contract import MaskContract
from mask_contract import assert_equal
from mask_contract import assert_mask_equal
from mask_contract import assert_output_shape
from mask_contract import check_output_mask
from mask_contract import check_that
from mask_contract import gradients
from mask_contract import run_layer
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
        where = f"factor {factor}, time {time}, {'masked' if masked else 'no mask'}"
        outputs, output_mask = run_layer(layer, x, mask, where=where)
        assert_equal(outputs, expected, "merged steps must match NumPy", where=where)
        assert_mask_equal(
            output_mask,
            expected_mask,
            "a merged step must be real when any of its steps is",
            where=where,
        )

    def test_partially_real_merged_steps(self):
        x = np.arange(1.0, 11.0, dtype="float32").reshape((2, 5, 1))
        mask = np.array([[0, 1, 0, 0, 1], [0, 0, 0, 0, 0]], "int32")
        layer = {{ cookiecutter.layer_class_name }}(factor=2)
        where = "factor 2, int mask [[0, 1, 0, 0, 1], [0, 0, 0, 0, 0]]"
        outputs, output_mask = run_layer(layer, x, mask, where=where)
        assert_equal(
            outputs,
            [[[0.0, 2.0], [0.0, 0.0], [5.0, 0.0]], [[0.0, 0.0]] * 3],
            "padded steps must be zeros within a merged step",
            where=where,
        )
        assert_mask_equal(
            output_mask,
            np.array([[True, False, True], [False, False, False]]),
            "a merged step must be real when any of its steps is",
            where=where,
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
        where = "factor 3, inf and NaN at padded steps"
        assert_equal(
            layer(x, mask=mask),
            expected,
            "inf and NaN at padded steps must not reach the outputs",
            where=where,
        )

        weights = rng.standard_normal(expected.shape).astype("float32")

        def loss(inputs):
            return ops.sum(layer(inputs, mask=mask) * ops.convert_to_tensor(weights))

        (grad,) = gradients(loss, [x])
        # d loss / d x[row, step] is the weight at the step's slot, 0 if padded.
        unmerged = weights.reshape((4, -1, channels))[:, :7]
        assert_equal(
            grad,
            np.where(mask[..., None], unmerged, 0.0),
            "a real step must get its slot's gradient, a padded step none",
            where=where,
        )

    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_zero_steps(self, masked):
        x = np.zeros((3, 0, 4), "float32")
        mask = np.zeros((3, 0), bool) if masked else None
        layer = {{ cookiecutter.layer_class_name }}(factor=2)
        where = f"factor 2, {'masked' if masked else 'no mask'}"
        outputs = layer(x, mask=mask)
        check_that(
            tuple(outputs.shape) == (3, 0, 8),
            "zero steps in must give zero merged steps",
            expected=(3, 0, 8),
            actual=tuple(outputs.shape),
            where=where,
        )
        check_output_mask(
            layer.compute_mask(x, mask),
            (3, 0) if masked else None,
            MASK_RULE,
            where=where,
        )

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
            for index, function in enumerate(compiled):
                where = f"{backend} compiled function {index}, time {time}"
                # Backend tensors in: Dynamo would trace NumPy inputs with a break.
                outputs, output_mask = function(
                    ops.convert_to_tensor(x), ops.convert_to_tensor(mask)
                )
                assert_equal(
                    outputs,
                    expected,
                    "compiled merged steps must match NumPy",
                    where=where,
                )
                assert_mask_equal(
                    output_mask,
                    expected_mask,
                    "a compiled merged mask must match NumPy",
                    where=where,
                )
        if backend == "tensorflow":
            traces = [f.experimental_get_tracing_count() for f in compiled]
            check_that(
                traces == [1, 1],
                "one trace with unknown time must serve every length",
                expected=[1, 1],
                actual=traces,
            )
        if backend == "torch":
            # Dynamo specializes lengths 0 and 1; 5, 6 and 7 share one trace
            # with a symbolic time dim.
            check_that(
                1 <= len(graphs) <= 3,
                "torch.compile must share one trace across lengths 5, 6 and 7",
                expected="1 to 3 traces for five lengths",
                actual=len(graphs),
            )

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
        assert_output_shape(layer, input_shape, expected, where=f"factor {factor}")

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
        where = f"factor {factor}, symbolic time {time}, {mask_dtype} mask"
        check_output_mask(
            layer.compute_mask(inputs, mask),
            (None, expected_time),
            MASK_RULE,
            where=where,
        )
        check_output_mask(
            layer.compute_mask(inputs, None),
            None,
            "no mask in must give no mask out",
            where=where,
        )

    @pytest.mark.parametrize(
        "factor", [0, -2, 1.5, "2", True, False, np.float64(2.0), None], ids=repr
    )
    def test_rejects_bad_factor(self, factor):
        with pytest.raises(ValueError, match="factor"):
            {{ cookiecutter.layer_class_name }}(factor=factor)

    def test_accepts_a_numpy_integer_factor(self):
        layer = {{ cookiecutter.layer_class_name }}(factor=np.int64(3))
        # A plain int in the config: JSON has no NumPy integers.
        for name, factor in [
            ("factor", layer.factor),
            ("get_config()['factor']", layer.get_config().get("factor")),
        ]:
            check_that(
                type(factor) is int and factor == 3,
                "a NumPy integer factor must be stored as a plain int",
                expected="3 of type int",
                actual=f"{factor!r} of type {type(factor).__name__}",
                where=name,
            )
        outputs = layer(np.ones((2, 7, 4), "float32"))
        check_that(
            tuple(outputs.shape) == (2, 3, 12),
            "a NumPy integer factor must merge like the same int",
            expected=(2, 3, 12),
            actual=tuple(outputs.shape),
            where="factor np.int64(3), time 7",
        )
