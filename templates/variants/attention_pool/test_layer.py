{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from mask_contract import CONSUMED_MASK_RULE
from mask_contract import MaskContract
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_finite
from mask_contract import assert_output_shape
from mask_contract import check_output_mask
from mask_contract import check_that
from mask_contract import gradients
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}

# Every argument away from its default, given as names and as objects: both
# kinds must serialize.
ARGUMENTS = {
    "units": 4,
    "kernel_initializer": "he_normal",
    "bias_initializer": keras.initializers.Constant(0.1),
    "kernel_regularizer": keras.regularizers.L2(1e-3),
    "bias_regularizer": "l1",
    "kernel_constraint": keras.constraints.MaxNorm(2.0),
    "bias_constraint": "non_neg",
}

# As the kit's property test: few examples, the same ones on every run, one
# failure reported, and no explain phase (its notes point into NumPy).
PROPERTY = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[phase for phase in Phase if phase is not Phase.explain],
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.differing_executors],
)


class Test{{ cookiecutter.layer_class_name }}Contract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    configs = {
        "default": {},
        "units_3": {"units": 3},
        "arguments": ARGUMENTS,
    }
    input_features = (5,)
    propagates_mask = False


def reference(x, mask, score_kernel, kernel=None, bias=None):
    """NumPy twin of the layer, in float64: `(outputs, weights)`.

    Padded values are never read; a row with no real step gives zeros.
    """
    mask = np.ones(x.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    real = np.where(mask[..., None], x.astype("float64"), 0.0)
    hidden = real if kernel is None else np.tanh(real @ kernel + bias)
    scores = np.where(mask, (hidden @ score_kernel)[..., 0], -np.inf)
    top = np.max(scores, axis=1, keepdims=True, initial=-np.inf)
    # A row with no real step: no max to subtract, and no weight to give.
    top = np.where(mask.any(axis=1, keepdims=True), top, 0.0)
    exps = np.where(mask, np.exp(scores - top), 0.0)
    total = exps.sum(axis=1, keepdims=True)
    weights = np.divide(exps, total, out=np.zeros_like(exps), where=total > 0)
    return (weights[..., None] * real).sum(axis=1), weights


def layer_weights(layer):
    """The layer's weights as the keyword arguments of `reference`."""
    names = {"score_kernel": "score_kernel", "kernel": "kernel", "bias": "bias"}
    return {
        argument: to_numpy(getattr(layer, name)).astype("float64")
        for name, argument in names.items()
        if getattr(layer, name) is not None
    }


def built_layer(units=None, features=3, seed=0, **kwargs):
    """A layer built for `features`, with a score kernel large enough that the
    weights are far from uniform."""
    layer = {{ cookiecutter.layer_class_name }}(units=units, **kwargs)
    layer.build((None, None, features))
    rng = np.random.default_rng(seed)
    layer.score_kernel.assign(rng.normal(size=layer.score_kernel.shape) * 2.0)
    if units is not None:
        layer.bias.assign(rng.normal(size=(units,)) * 0.5)
    return layer


def with_weights(layer, x, mask, where=""):
    """`layer(x, mask=mask, return_attention_scores=True)`: `(outputs, weights)`."""
    try:
        return layer(x, mask=mask, return_attention_scores=True)
    except TypeError as error:
        check_that(
            False,
            "call must take return_attention_scores=True and return the weights",
            expected="(outputs, weights)",
            actual=f"TypeError: {str(error).splitlines()[0]}",
            where=where,
        )


def pool(layer, x, mask, where=""):
    """`(outputs, weights)` of an eager call as NumPy, the output mask checked first."""
    output_mask = layer.compute_mask(x, mask)
    check_output_mask(output_mask, None, CONSUMED_MASK_RULE, where=where)
    outputs, weights = with_weights(layer, x, mask, where)
    return to_numpy(outputs), to_numpy(weights)


def random_mask(rng, batch, time, min_real=0):
    """A `(batch, time)` mask with real steps anywhere, not only first."""
    mask = rng.random((batch, time)) < 0.5
    for row in range(batch):
        if mask[row].sum() < min_real:
            mask[row, rng.choice(time, min_real, replace=False)] = True
    return mask


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @pytest.mark.parametrize("units", [None, 3], ids=["dot_score", "units_3"])
    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_matches_numpy(self, masked, units):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((4, 5, 3)).astype("float32")
        mask = sequence_mask([5, 3, 1, 0], 5) if masked else None
        if masked:
            x = with_garbage(x, mask, rng)
        layer = built_layer(units)
        where = f"units {units}, {'masked' if masked else 'no mask'}"
        outputs, weights = pool(layer, x, mask, where)
        expected, expected_weights = reference(x, mask, **layer_weights(layer))
        assert_close(
            outputs,
            expected,
            "the attention pooling must match NumPy",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        assert_close(
            weights,
            expected_weights,
            "the attention weights must match NumPy's softmax over the real steps",
            where=where,
            rtol=1e-5,
            atol=1e-7,
        )

    def test_weights_are_zero_at_padding_and_sum_to_one(self):
        rng = np.random.default_rng(1)
        mask = random_mask(rng, 6, 7)
        mask[0], mask[1] = False, True
        x = with_garbage(rng.standard_normal((6, 7, 3)).astype("float32"), mask, rng)
        _, weights = pool(built_layer(), x, mask)
        where = f"mask {mask.astype(int).tolist()}"
        assert_equal(
            np.where(mask, 0.0, weights),
            0.0,
            "padded steps must get zero attention weight",
            where=where,
        )
        assert_close(
            weights.sum(axis=1),
            mask.any(axis=1).astype("float32"),
            "attention weights must sum to 1 on a row with a real step, 0 without",
            where=where,
            rtol=0.0,
            atol=1e-6,
        )

    @PROPERTY
    @given(
        time=st.integers(1, 9),
        channels=st.integers(1, 4),
        units=st.sampled_from([None, 3]),
        seed=st.integers(0, 2**16),
    )
    def test_one_real_step_returns_that_step_exactly(self, time, channels, units, seed):
        rng = np.random.default_rng(seed)
        steps = rng.integers(0, time, size=3)
        mask = np.arange(time) == steps[:, None]
        x = with_garbage(rng.standard_normal((3, time, channels)), mask, rng)
        x = x.astype("float32")
        x[1][~mask[1]] = np.inf
        x[2][~mask[2]] = np.nan
        where = f"time {time}, channels {channels}, units {units}, steps {steps}"
        outputs, weights = pool(built_layer(units, channels, seed), x, mask, where)
        assert_equal(
            outputs,
            x[np.arange(3), steps],
            "a row with one real step must return that step exactly",
            where=where,
        )
        assert_equal(
            weights,
            mask.astype("float32"),
            "a row with one real step must give it all the weight",
            where=where,
        )

    @PROPERTY
    @given(
        batch=st.integers(1, 4),
        time=st.integers(1, 9),
        channels=st.integers(1, 4),
        seed=st.integers(0, 2**16),
    )
    def test_output_is_a_convex_mix_of_the_real_steps(
        self, batch, time, channels, seed
    ):
        rng = np.random.default_rng(seed)
        mask = random_mask(rng, batch, time, min_real=1)
        x = rng.standard_normal((batch, time, channels)).astype("float32")
        x = with_garbage(x, mask, rng)
        where = f"batch {batch}, time {time}, channels {channels}, seed {seed}"
        outputs, weights = pool(built_layer(None, channels, seed), x, mask, where)
        check_that(
            np.all(weights >= 0.0) and np.all(weights <= 1.0),
            "attention weights must lie in [0, 1]",
            expected="weights in [0, 1]",
            actual=f"from {weights.min():.6g} to {weights.max():.6g}",
            where=where,
        )
        real = np.where(mask[..., None], x, 0.0)
        assert_close(
            outputs,
            np.einsum("bt,btc->bc", weights.astype("float64"), real),
            "the output must be the weighted sum of the real steps",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        low = np.where(mask[..., None], x, np.inf).min(axis=1)
        high = np.where(mask[..., None], x, -np.inf).max(axis=1)
        slack = 1e-5 * np.maximum(np.abs(low), np.abs(high)) + 1e-6
        inside = (outputs >= low - slack) & (outputs <= high + slack)
        worst = np.unravel_index(np.argmin(inside), inside.shape)
        check_that(
            inside.all(),
            "the output must lie between the smallest and largest real values",
            expected=f"{low[worst]:.6g} to {high[worst]:.6g} at {list(worst)}",
            actual=f"{outputs[worst]:.6g}",
            where=where,
        )

    @PROPERTY
    @given(
        time=st.integers(1, 9),
        channels=st.integers(1, 4),
        units=st.sampled_from([None, 3]),
        seed=st.integers(0, 2**16),
    )
    def test_reordering_the_real_steps_changes_nothing(
        self, time, channels, units, seed
    ):
        rng = np.random.default_rng(seed)
        mask = random_mask(rng, 3, time)
        x = rng.standard_normal((3, time, channels)).astype("float32")
        x = with_garbage(x, mask, rng)
        # Each row's steps shuffled, padding moving with them.
        order = np.argsort(rng.random((3, time)), axis=1)
        shuffled = np.take_along_axis(x, order[..., None], axis=1)
        shuffled_mask = np.take_along_axis(mask, order, axis=1)
        layer = built_layer(units, channels, seed)
        where = f"time {time}, channels {channels}, units {units}, seed {seed}"
        outputs, weights = pool(layer, x, mask, where)
        shuffled_outputs, shuffled_weights = pool(layer, shuffled, shuffled_mask, where)
        assert_close(
            shuffled_outputs,
            outputs,
            "reordering the real steps must not change the output",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        assert_close(
            shuffled_weights,
            np.take_along_axis(weights, order, axis=1),
            "reordering the real steps must reorder their weights alike",
            where=where,
            rtol=1e-5,
            atol=1e-7,
        )

    @pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
    def test_long_padding_and_large_scores_stay_finite(self, policy):
        # Real values near float16's largest (65504) and a score kernel of
        # ones: the scores reach 3 * 6e4, past what float16 holds, and the
        # padding holds float16's largest value on all but a few steps.
        time, channels = 512, 3
        lengths = [time, 3, 1, 0]
        mask = sequence_mask(lengths, time)
        rng = np.random.default_rng(2)
        x = rng.uniform(5e4, 6e4, (4, time, channels)).astype("float16")
        x[~mask] = 65504.0
        x[1, 0] = -6e4
        layer = {{ cookiecutter.layer_class_name }}(dtype=policy)
        layer.build(x.shape)
        layer.score_kernel.assign(np.ones((channels, 1)))
        where = f"{policy}, time {time}, lengths {lengths}"
        outputs, weights = pool(layer, x, mask, where)
        assert_finite(outputs, "large scores must give finite outputs", where=where)
        assert_finite(weights, "large scores must give finite weights", where=where)
        # float32 scores: the largest real score takes all the weight.
        expected, expected_weights = reference(x, mask, np.ones((channels, 1)))
        assert_close(
            weights,
            expected_weights,
            "large scores must give float32's softmax weights",
            where=where,
            rtol=0.0,
            atol=1e-3,
        )
        assert_close(
            outputs,
            expected,
            "large scores must give float32's output, rounded to the policy",
            where=where,
            rtol=1e-2,
            atol=0.0,
        )

    @pytest.mark.parametrize("units", [None, 3], ids=["dot_score", "units_3"])
    def test_inf_and_nan_at_padded_steps_reach_no_output_or_gradient(self, units):
        rng = np.random.default_rng(3)
        mask = sequence_mask([4, 2, 0], 4)
        x = rng.standard_normal((3, 4, 2)).astype("float32")
        poisoned = x.copy()
        poisoned[1, 2:] = np.inf
        poisoned[1, 3, 1] = -np.inf
        poisoned[2] = np.nan
        layer = built_layer(units, features=2)
        outputs, weights = pool(layer, poisoned, mask)
        expected, expected_weights = reference(x, mask, **layer_weights(layer))
        where = f"units {units}, lengths [4, 2, 0], inf and NaN padding"
        assert_close(
            outputs,
            expected,
            "inf and NaN at padded steps must not reach the outputs",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        assert_close(
            weights,
            expected_weights,
            "inf and NaN at padded steps must not reach the weights",
            where=where,
            rtol=1e-5,
            atol=1e-7,
        )
        kernels = [to_numpy(w) for w in layer.trainable_variables]
        scale = keras.ops.convert_to_tensor(np.arange(1.0, 3.0, dtype="float32"))

        def loss(inputs, *trainable):
            outputs, _ = layer.stateless_call(list(trainable), [], inputs, mask=mask)
            return keras.ops.sum(keras.ops.multiply(outputs, scale))

        clean = gradients(loss, [x, *kernels])
        poisoned_gradients = gradients(loss, [poisoned, *kernels])
        for index, (got, want) in enumerate(zip(poisoned_gradients, clean)):
            assert_close(
                got,
                want,
                "inf and NaN at padded steps must not reach the gradients",
                where=f"{where}, gradient {index} (0: inputs, then the weights)",
                rtol=1e-5,
                atol=1e-7,
            )

    def test_inf_or_nan_at_a_real_step_gives_nan_in_its_row_only(self):
        # As in any softmax: a real inf is no padding to hide.
        rng = np.random.default_rng(4)
        mask = sequence_mask([3, 3, 3], 4)
        x = rng.standard_normal((3, 4, 2)).astype("float32")
        x[:, 3] = np.inf
        poisoned = x.copy()
        poisoned[0, 1, 0] = np.inf
        poisoned[1, 2, 1] = np.nan
        layer = built_layer(features=2)
        outputs, _ = pool(layer, poisoned, mask)
        check_that(
            np.isnan(outputs[:2]).any(axis=1).all(),
            "a real inf or NaN must give NaN in its row, as any softmax does",
            expected="NaN in rows 0 and 1",
            actual=outputs[:2].tolist(),
            where="lengths [3, 3, 3]",
        )
        expected, _ = reference(x[2:], mask[2:], **layer_weights(layer))
        assert_close(
            outputs[2:],
            expected,
            "a real inf or NaN must not reach the other rows",
            where="lengths [3, 3, 3]",
            rtol=1e-5,
            atol=1e-6,
        )

    @pytest.mark.parametrize("masked", [True, False], ids=["all_true_mask", "no_mask"])
    def test_empty_time_axis_gives_zeros(self, masked):
        x = np.zeros((2, 0, 3), "float32")
        mask = np.ones((2, 0), bool) if masked else None
        outputs, weights = pool(built_layer(), x, mask)
        where = "masked" if masked else "no mask"
        rule = "an empty time axis must give zero outputs and no weights"
        assert_equal(outputs, np.zeros((2, 3)), rule, where=where)
        assert_equal(weights, np.zeros((2, 0)), rule, where=where)

    def test_matches_the_keras_layers_where_they_are_defined(self):
        # Dense(1) scores, Softmax(axis=1) with the mask, then a weighted sum:
        # defined on rows with a real step and finite padding.
        rng = np.random.default_rng(5)
        mask = sequence_mask([6, 4, 1, 3], 6)
        x = with_garbage(rng.standard_normal((4, 6, 5)).astype("float32"), mask, rng)
        layer = built_layer(features=5)
        dense = keras.layers.Dense(1, use_bias=False)
        dense.build(x.shape)
        # The score kernel has Dense(1)'s layout.
        dense.set_weights(layer.get_weights())
        attention = keras.layers.Softmax(axis=1)(dense(x), mask=mask[..., None])
        expected = to_numpy(keras.ops.sum(keras.ops.multiply(attention, x), axis=1))
        outputs, weights = pool(layer, x, mask)
        where = "lengths [6, 4, 1, 3]"
        assert_close(
            outputs,
            expected,
            "the layer must match Dense(1), Softmax(axis=1) and a weighted sum",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        assert_close(
            weights,
            to_numpy(attention)[..., 0],
            "the weights must match Softmax(axis=1) with the mask",
            where=where,
            rtol=1e-5,
            atol=1e-7,
        )

    def test_attention_weights_from_a_functional_model(self):
        inputs = keras.Input((None, 3))
        mask = keras.Input((None,), dtype="bool")
        layer = built_layer()
        outputs, weights = with_weights(layer, inputs, mask, "a functional model")
        model = keras.Model([inputs, mask], [outputs, weights])
        check_that(
            [tuple(outputs.shape), tuple(weights.shape)] == [(None, 3), (None, None)],
            "return_attention_scores must give (batch, features) and (batch, time)",
            expected=[(None, 3), (None, None)],
            actual=[tuple(outputs.shape), tuple(weights.shape)],
        )
        rng = np.random.default_rng(6)
        real = sequence_mask([5, 2, 0], 5)
        x = with_garbage(rng.standard_normal((3, 5, 3)).astype("float32"), real, rng)
        expected = reference(x, real, **layer_weights(layer))
        for got, want, kind in zip(model([x, real]), expected, ["outputs", "weights"]):
            assert_close(
                got,
                want,
                f"a functional model must give the layer's {kind}",
                where="lengths [5, 2, 0]",
                rtol=1e-5,
                atol=1e-6,
            )

    @pytest.mark.parametrize(
        "input_shape,expected",
        [((2, 7, 5), (2, 5)), ((None, None, 5), (None, 5))],
        ids=["known_dims", "unknown_dims"],
    )
    @pytest.mark.parametrize("units", [None, 3], ids=["dot_score", "units_3"])
    def test_compute_output_shape(self, units, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(units=units)
        where = f"units {units}"
        assert_output_shape(layer, input_shape, expected, masked=True, where=where)

    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_compute_mask_returns_none(self, masked):
        x = np.ones((2, 3, 4), "float32")
        mask = sequence_mask([3, 1], 3) if masked else None
        layer = {{ cookiecutter.layer_class_name }}()
        where = "masked" if masked else "no mask"
        output_mask = layer.compute_mask(x, mask)
        check_output_mask(output_mask, None, CONSUMED_MASK_RULE, where=where)
        check_that(
            layer.supports_masking,
            "a layer that takes a mask must support masking",
            expected="supports_masking True",
            actual=layer.supports_masking,
        )

    @pytest.mark.parametrize("units", [0, -2, 2.5, True, "3"], ids=repr)
    def test_rejects_bad_units(self, units):
        with pytest.raises(ValueError, match="units"):
            {{ cookiecutter.layer_class_name }}(units=units)

    def test_accepts_numpy_integer_units(self):
        layer = {{ cookiecutter.layer_class_name }}(units=np.int64(3))
        units = layer.get_config().get("units")
        check_that(
            type(units) is int and units == 3,
            "units must be saved as a plain int",
            expected="3 as int",
            actual=f"{units!r} as {type(units).__name__}",
        )

    def test_rejects_other_feature_sizes_once_built(self):
        layer = {{ cookiecutter.layer_class_name }}()
        layer(np.ones((2, 3, 4), "float32"))
        with pytest.raises(ValueError, match="expected axis -1"):
            layer(np.ones((2, 3, 5), "float32"))
