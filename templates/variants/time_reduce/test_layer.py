{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import keras
import numpy as np
import pytest
from mask_contract import CONSUMED_MASK_RULE
from mask_contract import MaskContract
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_output_shape
from mask_contract import check_output_mask
from mask_contract import check_that
from mask_contract import gradients
from mask_contract import run_layer
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import torch_compiled
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}


class Test{{ cookiecutter.layer_class_name }}Contract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    configs = {
        "default": {},
        "keepdims": {"keepdims": True},
    }
    input_features = (5,)
    propagates_mask = False


def reference(x, mask=None, keepdims=False):
    """NumPy twin of the layer: mean of the real steps, zeros for an empty row."""
    if mask is None:
        mask = np.ones(x.shape[:2], bool)
    mask = np.asarray(mask).astype(bool)[..., None]
    total = np.where(mask, x, 0.0).sum(axis=1, keepdims=keepdims)
    count = mask.sum(axis=1, keepdims=keepdims)
    return total / np.maximum(count, 1)


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @pytest.mark.parametrize("keepdims", [False, True], ids=["drop_time", "keepdims"])
    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_matches_numpy(self, masked, keepdims):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((4, 5, 3)).astype("float32")
        mask = sequence_mask([5, 3, 1, 0], 5) if masked else None
        if masked:
            x = with_garbage(x, mask, rng)
        layer = {{ cookiecutter.layer_class_name }}(keepdims=keepdims)
        where = f"keepdims {keepdims}, {'masked' if masked else 'no mask'}"
        outputs, _ = run_layer(layer, x, mask, propagates_mask=False, where=where)
        assert_close(
            outputs,
            reference(x, mask, keepdims),
            "the masked mean must match NumPy",
            where=where,
            rtol=1e-5,
            atol=1e-5,
        )

    def test_fully_masked_rows_are_zero(self):
        x = np.full((2, 4, 3), 7.0, "float32")
        mask = np.array([[False] * 4, [True, False, False, False]])
        outputs = to_numpy({{ cookiecutter.layer_class_name }}()(x, mask=mask))
        assert_equal(
            outputs,
            [[0.0] * 3, [7.0] * 3],
            "a fully masked row must give zeros, a one-step row that step",
            where="rows of 7.0, lengths [0, 1]",
        )

    def test_inf_and_nan_at_padded_steps_do_not_leak(self):
        rng = np.random.default_rng(1)
        x = rng.standard_normal((3, 4, 2)).astype("float32")
        mask = sequence_mask([4, 2, 0], 4)
        poisoned = x.copy()
        poisoned[1, 2:] = np.inf
        poisoned[1, 3, 1] = -np.inf
        poisoned[2] = np.nan
        layer = {{ cookiecutter.layer_class_name }}()
        outputs = to_numpy(layer(poisoned, mask=mask))
        assert_close(
            outputs,
            reference(x, mask),
            "inf and NaN at padded steps must not reach the outputs",
            where="lengths [4, 2, 0]",
            rtol=1e-6,
            atol=1e-6,
        )

    def test_inf_and_nan_at_real_steps_give_inf_and_nan(self):
        # As in any mean: a real inf is not padding to hide. Padded inf in the
        # same rows must still be left out.
        x = np.ones((3, 4, 3), "float32")
        mask = sequence_mask([3, 3, 2], 4)
        x[:, 3] = np.inf
        x[0, 1, 0] = np.inf
        x[1, 0, 1] = np.nan
        x[2, 0, 2], x[2, 1, 2] = np.inf, -np.inf
        outputs = to_numpy({{ cookiecutter.layer_class_name }}()(x, mask=mask))
        expected = np.ones((3, 3), "float32")
        expected[0, 0] = np.inf
        expected[1, 1] = np.nan
        expected[2, 2] = np.nan
        assert_equal(
            outputs,
            expected,
            "a real inf or NaN must give inf or NaN as a plain mean does, "
            "padded inf must not reach the outputs",
            where="lengths [3, 3, 2], inf at step 3",
        )

    def test_torch_compile_with_fullgraph(self):
        """No data-dependent Python branch: Dynamo traces `call` whole, even
        when padded steps hold inf or NaN."""
        if keras.backend.backend() != "torch":
            pytest.skip("torch.compile is PyTorch's.")
        import torch

        layer = {{ cookiecutter.layer_class_name }}()
        # fullgraph: a graph break raises instead of falling back to Python.
        # The eager backend runs the traced graph as it is, without Inductor.
        compiled = torch.compile(
            lambda x, mask: layer(x, mask=mask), fullgraph=True, backend="eager"
        )
        rng = np.random.default_rng(5)
        x = rng.standard_normal((3, 5, 2)).astype("float32")
        mask = sequence_mask([5, 2, 0], 5)
        for padding in ("finite", "inf and NaN"):
            poisoned = with_garbage(x, mask, rng)
            if padding != "finite":
                poisoned[~mask] = np.inf
                poisoned[2, 1] = np.nan
            outputs = compiled(
                keras.ops.convert_to_tensor(poisoned), keras.ops.convert_to_tensor(mask)
            )
            assert_close(
                outputs,
                reference(x, mask),
                "torch.compile with fullgraph=True must give the masked mean",
                where=f"lengths [5, 2, 0], {padding} padding",
                rtol=1e-6,
                atol=1e-6,
            )

    @pytest.mark.parametrize("masked", [True, False], ids=["all_true_mask", "no_mask"])
    def test_empty_time_axis_gives_zeros(self, masked):
        x = np.zeros((2, 0, 3), "float32")
        mask = np.ones((2, 0), bool) if masked else None
        outputs = to_numpy({{ cookiecutter.layer_class_name }}()(x, mask=mask))
        assert_equal(
            outputs,
            np.zeros((2, 3)),
            "an empty time axis must give zeros",
            where="masked" if masked else "no mask",
        )

    @pytest.mark.parametrize("keepdims", [False, True], ids=["drop_time", "keepdims"])
    def test_matches_global_average_pooling_on_nonempty_rows(self, keepdims):
        rng = np.random.default_rng(2)
        x = rng.standard_normal((5, 6, 4)).astype("float32")
        mask = sequence_mask([6, 0, 4, 1, 3], 6)
        x = with_garbage(x, mask, rng)
        layer = {{ cookiecutter.layer_class_name }}(keepdims=keepdims)
        outputs = to_numpy(layer(x, mask=mask))
        pooling = keras.layers.GlobalAveragePooling1D(keepdims=keepdims)
        expected = to_numpy(pooling(x, mask=mask))
        where = f"keepdims {keepdims}, lengths [6, 0, 4, 1, 3]"
        # Row 1 has no real step: GlobalAveragePooling1D divides 0 by 0 there.
        nonempty = mask.any(axis=1)
        assert_close(
            outputs[nonempty],
            expected[nonempty],
            "rows with a real step must match GlobalAveragePooling1D",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        assert_equal(
            outputs[~nonempty], 0.0, "a fully masked row must give zeros", where=where
        )
        assert_close(
            to_numpy(layer(x)),
            to_numpy(pooling(x)),
            "without a mask the layer must match GlobalAveragePooling1D",
            where=f"keepdims {keepdims}",
            rtol=1e-5,
            atol=1e-6,
        )

    @pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "jit"])
    def test_no_mask_in_a_compiled_model_with_unknown_time(self, jit_compile):
        inputs = keras.Input((None, 3))
        model = keras.Model(inputs, {{ cookiecutter.layer_class_name }}()(inputs))
        if jit_compile and keras.backend.backend() == "torch":
            # `jit_compile=True` would be Inductor's code generation, seconds
            # per length; as in the contract, Dynamo's trace is the check.
            compiled, _ = torch_compiled(model, fullgraph=True)

            def predict(x):
                return compiled(keras.ops.convert_to_tensor(x))
        else:
            model.compile(jit_compile=jit_compile)

            def predict(x):
                return model.predict(x, verbose=0)

        rng = np.random.default_rng(4)
        for time in (1, 5):
            x = rng.standard_normal((2, time, 3)).astype("float32")
            assert_close(
                predict(x),
                reference(x),
                "a compiled model with unknown time must give the mean over time",
                where=f"jit_compile {jit_compile}, time {time}",
                rtol=1e-5,
                atol=1e-6,
            )

    def test_gradient_is_one_over_the_number_of_real_steps(self):
        rng = np.random.default_rng(3)
        x = rng.standard_normal((3, 4, 2)).astype("float32")
        mask = sequence_mask([4, 1, 0], 4)
        layer = {{ cookiecutter.layer_class_name }}()

        def loss(x):
            return keras.ops.sum(layer(x, mask=mask))

        (grad,) = gradients(loss, [x])
        expected = np.broadcast_to(
            (mask / np.maximum(mask.sum(axis=1, keepdims=True), 1))[..., None], x.shape
        )
        assert_close(
            grad,
            expected,
            "each real step's gradient must be 1 / the number of real steps",
            where="lengths [4, 1, 0]",
            rtol=1e-6,
            atol=0.0,
        )

    @pytest.mark.parametrize(
        "keepdims,input_shape,expected",
        [
            (False, (2, 7, 5), (2, 5)),
            (True, (2, 7, 5), (2, 1, 5)),
            (False, (None, None, 5), (None, 5)),
            (True, (None, None, 5), (None, 1, 5)),
        ],
        ids=["drop_time", "keepdims", "unknown_dims", "unknown_dims_keepdims"],
    )
    def test_compute_output_shape(self, keepdims, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(keepdims=keepdims)
        assert_output_shape(
            layer, input_shape, expected, masked=True, where=f"keepdims {keepdims}"
        )

    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_compute_mask_returns_none(self, masked):
        x = np.ones((2, 3, 4), "float32")
        mask = sequence_mask([3, 1], 3) if masked else None
        layer = {{ cookiecutter.layer_class_name }}()
        where = "masked" if masked else "no mask"
        check_output_mask(
            layer.compute_mask(x, mask), None, CONSUMED_MASK_RULE, where=where
        )
        check_that(
            layer.supports_masking,
            "a layer that takes a mask must support masking",
            expected="supports_masking True",
            actual=layer.supports_masking,
        )

    @pytest.mark.parametrize("keepdims", [1, 0, "yes", None], ids=repr)
    def test_rejects_bad_keepdims(self, keepdims):
        with pytest.raises(ValueError, match="keepdims"):
            {{ cookiecutter.layer_class_name }}(keepdims=keepdims)

    @pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
    @pytest.mark.parametrize("time,value", [(4000, 1.0), (300, 300.0)])
    def test_constant_rows_pool_to_the_constant_under_mixed_precision(
        self, policy, time, value
    ):
        # In float16 a sum of 4000 ones stops at 2048 (a mean of 0.512), and
        # 300 steps of 300.0 overflow 65504 (inf): the sum must be float32's.
        layer = {{ cookiecutter.layer_class_name }}(dtype=policy)
        x = np.full((2, time, 3), value, "float32")
        mask = sequence_mask([time, time // 2], time)
        padded = with_garbage(x, mask, np.random.default_rng(0))
        for name, outputs in [
            ("all-True mask", layer(x, mask=np.ones_like(mask))),
            ("mask=None", layer(x)),
            ("padded rows", layer(padded, mask=mask)),
        ]:
            assert_equal(
                to_numpy(outputs).astype("float32"),
                value,
                "a constant row must pool to the constant under mixed precision",
                where=f"{policy}, time {time}, value {value}, {name}",
            )
