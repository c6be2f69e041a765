{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract on both axes, then numbers against NumPy."""

import re

import keras
import numpy as np
import pytest
from mask_contract import MaskContract
from mask_contract import MaskProbe
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_finite
from mask_contract import assert_keras_file_round_trip
from mask_contract import assert_mask_equal
from mask_contract import assert_output_shape
from mask_contract import check_output_mask
from mask_contract import check_that
from mask_contract import gradients
from mask_contract import run_layer
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}


class Test{{ cookiecutter.layer_class_name }}TimeContract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    configs = {"default": {}, "axis_1": {"axis": 1}}
    input_features = (4, 4)


class Test{{ cookiecutter.layer_class_name }}FeaturesContract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    configs = {"axis_minus_1": {"axis": -1}, "axis_2": {"axis": 2}}
    input_features = (3, 5)
    # Along features both inputs share one time axis, so the kit's unpadded
    # runs can only cut them to one length per row. Different lengths (the OR
    # rule) are checked in the correctness tests below.
    same_lengths = True

    def make_layer(self, config=None, **kwargs):
        return super().make_layer({"axis": -1, **(config or {})}, **kwargs)


def reference(a, b, mask_a, mask_b, axis):
    """NumPy twin of the layer: zeros at padded steps, then concatenate.

    Returns the outputs and the output mask (`None` when both masks are).
    """
    full_a = np.ones(a.shape[:2], bool) if mask_a is None else np.asarray(mask_a, bool)
    full_b = np.ones(b.shape[:2], bool) if mask_b is None else np.asarray(mask_b, bool)
    a = np.where(full_a[..., None], a, 0.0)
    b = np.where(full_b[..., None], b, 0.0)
    outputs = np.concatenate([a, b], axis=axis)
    if mask_a is None and mask_b is None:
        return outputs, None
    if axis == 1:
        return outputs, np.concatenate([full_a, full_b], axis=1)
    return outputs, full_a | full_b


MASK_CASES = {
    "both": (True, True, "bool"),
    "a_none": (False, True, "bool"),
    "b_none": (True, False, "bool"),
    "both_none": (False, False, "bool"),
    "int": (True, True, "int32"),
}


def make_pair(axis, case, rng):
    """Inputs with garbage at padded steps and masks as `MASK_CASES[case]` says.

    The rows mix lengths on purpose: full, empty, and (along features) one
    input real where the other is padded.
    """
    has_a, has_b, dtype = MASK_CASES[case]
    time_a, time_b = (5, 3) if axis == 1 else (4, 4)
    features_a, features_b = (3, 3) if axis == 1 else (2, 3)
    mask_a = sequence_mask([time_a, 0, 2, 1], time_a)
    mask_b = sequence_mask([0, time_b, 3, 2], time_b)
    a = with_garbage(
        rng.standard_normal((4, time_a, features_a)).astype("float32"), mask_a, rng
    )
    b = with_garbage(
        rng.standard_normal((4, time_b, features_b)).astype("float32"), mask_b, rng
    )
    mask_a = mask_a.astype(dtype) if has_a else None
    mask_b = mask_b.astype(dtype) if has_b else None
    return a, b, mask_a, mask_b


AXES = pytest.mark.parametrize("axis", [1, -1, 2], ids=["time", "features", "axis_2"])
CASES = pytest.mark.parametrize("case", list(MASK_CASES))


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @AXES
    @CASES
    def test_matches_numpy(self, axis, case):
        rng = np.random.default_rng(0)
        a, b, mask_a, mask_b = make_pair(axis, case, rng)
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, masks {case}"
        outputs, output_mask = run_layer(layer, [a, b], [mask_a, mask_b], where=where)
        expected, expected_mask = reference(a, b, mask_a, mask_b, axis)
        assert_equal(
            outputs,
            expected,
            "outputs must match NumPy (zeros at padded steps, then joined)",
            where=where,
        )
        assert_mask_equal(
            output_mask,
            expected_mask,
            "the output mask must join the masks as NumPy does",
            where=where,
        )

    @AXES
    def test_mask_none_equals_no_masks(self, axis):
        rng = np.random.default_rng(1)
        a, b, _, _ = make_pair(axis, "both_none", rng)
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}"
        outputs = to_numpy(layer([a, b], mask=None))
        assert_equal(
            outputs,
            np.concatenate([a, b], axis=axis),
            "without masks the outputs must be the inputs joined",
            where=where,
        )
        assert_equal(
            layer([a, b], mask=[None, None]),
            outputs,
            "mask=[None, None] must give the outputs of mask=None",
            where=where,
        )
        for mask in (None, [None, None]):
            check_output_mask(
                layer.compute_mask([a, b], mask),
                None,
                "no mask in must give no mask out",
                where=f"{where}, mask {mask}",
            )

    @AXES
    @CASES
    def test_compute_mask_equals_keras_concatenate(self, axis, case):
        rng = np.random.default_rng(2)
        a, b, mask_a, mask_b = make_pair(axis, case, rng)
        as_bool = [None if m is None else m.astype(bool) for m in (mask_a, mask_b)]
        expected = keras.layers.Concatenate(axis=axis).compute_mask([a, b], as_bool)
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        got = layer.compute_mask([a, b], [mask_a, mask_b])
        assert_mask_equal(
            got,
            None if expected is None else to_numpy(expected),
            "compute_mask must join the masks as keras.layers.Concatenate does",
            where=f"axis {axis}, masks {case}",
        )

    @pytest.mark.parametrize(
        "garbage", [np.inf, -np.inf, np.nan], ids=["inf", "-inf", "nan"]
    )
    @AXES
    def test_inf_and_nan_at_padded_steps_give_zeros(self, axis, garbage):
        rng = np.random.default_rng(3)
        a, b, mask_a, mask_b = make_pair(axis, "both", rng)
        a = np.where(mask_a[..., None], a, garbage).astype("float32")
        b = np.where(mask_b[..., None], b, garbage).astype("float32")
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, {garbage} at padded steps"
        outputs, _ = run_layer(layer, [a, b], [mask_a, mask_b], where=where)
        rule = "inf and NaN at padded steps must become zeros"
        assert_equal(
            outputs, reference(a, b, mask_a, mask_b, axis)[0], rule, where=where
        )
        assert_finite(outputs, rule, where=where)

    def test_features_gradient_is_zero_where_the_other_input_is_real(self):
        # Row 0: `a` real, `b` padded at every step, so every output step is
        # real; the padded `b` steps must still get no gradient.
        rng = np.random.default_rng(4)
        a, b, mask_a, mask_b = make_pair(-1, "both", rng)
        layer = {{ cookiecutter.layer_class_name }}(axis=-1)
        weights = keras.ops.convert_to_tensor(
            rng.standard_normal((4, 4, 5)).astype("float32")
        )

        def loss(a, b):
            return keras.ops.sum(layer([a, b], mask=[mask_a, mask_b]) * weights)

        grad_a, grad_b = gradients(loss, [a, b])
        rule = "a padded step must get no gradient, even where the other input is real"
        assert_equal(
            grad_a,
            np.where(mask_a[..., None], to_numpy(weights)[..., :2], 0.0),
            rule,
            where="axis -1, input a",
        )
        assert_equal(
            grad_b,
            np.where(mask_b[..., None], to_numpy(weights)[..., 2:], 0.0),
            rule,
            where="axis -1, input b",
        )

    @pytest.mark.parametrize("missing", ["a", "b"])
    @AXES
    def test_one_unmasked_input_in_a_functional_model(self, axis, missing, tmp_path):
        # One input comes from Embedding(mask_zero=True), the other carries no
        # mask: compute_mask builds the all-True mask symbolically, and the
        # model survives a .keras round trip.
        rng = np.random.default_rng(5)
        tokens = np.array([[3, 4, 0, 0], [0, 0, 0, 0], [5, 0, 0, 0]], "int32")
        dense = rng.standard_normal((3, 4, 2)).astype("float32")
        token_input = keras.Input((None,), dtype="int32")
        dense_input = keras.Input((None, 2))
        embedding = keras.layers.Embedding(10, 2, mask_zero=True)
        pair = [embedding(token_input), dense_input]
        values = [to_numpy(embedding(tokens)), dense]
        masks = [tokens != 0, None]
        if missing == "a":
            pair, values, masks = pair[::-1], values[::-1], masks[::-1]
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, no mask on input {missing}"
        # Eager first: a wrong output mask fails here, not inside the model.
        expected, expected_mask = reference(*values, *masks, axis)
        run_layer(layer, values, masks, where=where)
        outputs = layer(pair)
        model = keras.Model([token_input, dense_input], [outputs, MaskProbe()(outputs)])
        got, handed_on = (to_numpy(y) for y in model([tokens, dense]))
        assert_close(
            got,
            expected,
            "a functional model must give the outputs of NumPy",
            where=where,
            rtol=1e-6,
            atol=1e-6,
        )
        assert_equal(
            handed_on,
            expected_mask.astype("int32"),
            "a missing mask must count as all True in the joined mask",
            where=where,
        )

        assert_keras_file_round_trip(
            model, [tokens, dense], tmp_path / "model.keras", where=where
        )

    @pytest.mark.parametrize(
        "axis,input_shape,expected",
        [
            (1, [(2, 5, 3), (2, 4, 3)], (2, 9, 3)),
            (-1, [(2, 5, 3), (2, 5, 4)], (2, 5, 7)),
            (2, [(2, 5, 3), (2, 5, 4)], (2, 5, 7)),
            (1, [(None, None, 3), (None, 4, 3)], (None, None, 3)),
            (1, [(None, 2, 3), (None, 4, 3)], (None, 6, 3)),
            (-1, [(None, None, 3), (None, None, 4)], (None, None, 7)),
            (-1, [(None, None, None), (None, None, 4)], (None, None, None)),
        ],
        ids=[
            "time",
            "features",
            "axis_2",
            "time_unknown",
            "time_known",
            "features_unknown",
            "features_none",
        ],
    )
    def test_compute_output_shape(self, axis, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        assert_output_shape(layer, input_shape, expected, where=f"axis {axis}")

    @pytest.mark.parametrize("axis", [1, 2, -1, np.int64(-1)], ids=str)
    def test_accepts_axis(self, axis):
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        saved = layer.get_config().get("axis")
        check_that(
            saved == axis and type(saved) is int,
            "get_config() must hold the axis as a Python int",
            expected=f"int {int(axis)}",
            actual=f"{type(saved).__name__} {saved}",
        )

    @pytest.mark.parametrize("axis", [0, -2, 3, 1.0, 1.5, "1", True, None])
    def test_rejects_bad_axis(self, axis):
        with pytest.raises(ValueError, match=re.escape(f"Received: axis={axis}")):
            {{ cookiecutter.layer_class_name }}(axis=axis)

    @pytest.mark.parametrize("count", [1, 3])
    def test_rejects_other_than_two_inputs(self, count):
        inputs = [np.zeros((2, 3, 4), "float32")] * count
        with pytest.raises(ValueError, match="exactly two inputs"):
            {{ cookiecutter.layer_class_name }}()(inputs)

    @pytest.mark.parametrize("count", [1, 3])
    def test_rejects_other_than_two_masks(self, count):
        a, b, mask_a, mask_b = make_pair(1, "both", np.random.default_rng(6))
        layer = {{ cookiecutter.layer_class_name }}()
        with pytest.raises(ValueError, match="two masks"):
            layer([a, b], mask=[mask_a, mask_b, mask_a][:count])

    def test_rejects_a_single_tensor(self):
        with pytest.raises(ValueError, match="exactly two inputs"):
            {{ cookiecutter.layer_class_name }}()(np.zeros((2, 3, 4), "float32"))

    @pytest.mark.parametrize(
        "axis,shapes",
        [
            (1, [(2, 3, 4), (2, 3, 5)]),
            (1, [(2, 3, 4), (3, 3, 4)]),
            (-1, [(2, 3, 4), (2, 5, 4)]),
            (1, [(2, 3), (2, 3)]),
            (1, [(2, 3, 4), (2, 3, 4, 1)]),
        ],
        ids=["time_features", "time_batch", "features_time", "rank_2", "rank_4"],
    )
    def test_rejects_mismatched_shapes(self, axis, shapes):
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        with pytest.raises(ValueError, match="input_shape"):
            layer.build(shapes)

    def test_unknown_dims_pass_build(self):
        layer = {{ cookiecutter.layer_class_name }}(axis=-1)
        layer.build([(None, None, 3), (2, 5, 4)])
        spec = layer.compute_output_spec(
            [keras.KerasTensor((None, None, 3)), keras.KerasTensor((2, 5, 4))]
        )
        check_that(
            spec.shape == (2, 5, 7),
            "known dims of one input must fill the unknown dims of the other",
            expected=(2, 5, 7),
            actual=spec.shape,
            where="axis -1, input shapes (None, None, 3) and (2, 5, 4)",
        )
