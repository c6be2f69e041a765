{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract on both axes, then numbers against NumPy."""

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
from mask_contract import check_refuses
from mask_contract import check_that
from mask_contract import gradients
from mask_contract import run_layer
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}


# The contract classes leave the layer's name out: it is the module's name,
# and a 40-character class name would not fit the class lines.
class TestTimeContract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    # The default is axis=1.
    configs = {"default": {}}
    input_features = (4, 4)


class TestThreeInputsTimeContract(TestTimeContract):
    input_features = (4, 4, 4)


class AlongFeatures(MaskContract):
    """The contract along features: every layer it makes has `axis=-1`."""

    layer_class = {{ cookiecutter.layer_class_name }}
    # axis=2 runs the same code as axis=-1; the correctness tests below cover it.
    configs = {"axis_minus_1": {"axis": -1}}
    # Along features the inputs share one time axis, so the kit's unpadded
    # runs can only cut them to one length per row. Different lengths (the OR
    # rule) are checked in the correctness tests below.
    same_lengths = True

    def make_layer(self, config=None, **kwargs):
        return super().make_layer({"axis": -1, **(config or {})}, **kwargs)


class TestFeaturesContract(AlongFeatures):
    input_features = (3, 5)


class TestThreeInputsFeaturesContract(AlongFeatures):
    input_features = (2, 3, 5)


def reference(inputs, masks, axis):
    """NumPy twin of the layer: zeros at padded steps, then concatenate.

    Returns the outputs and the output mask (`None` when every mask is).
    """
    full = [
        np.ones(x.shape[:2], bool) if m is None else np.asarray(m, bool)
        for x, m in zip(inputs, masks)
    ]
    outputs = np.concatenate(
        [np.where(m[..., None], x, 0.0) for x, m in zip(inputs, full)], axis=axis
    )
    if all(m is None for m in masks):
        return outputs, None
    if axis == 1:
        return outputs, np.concatenate(full, axis=1)
    return outputs, np.logical_or.reduce(full)


# One letter per input: `m` a bool mask, `i` an int32 mask, `-` no mask (None).
MASK_PATTERNS = ["mm", "-m", "m-", "--", "ii", "mmm", "-mm", "m-m", "mm-", "---", "i-m"]
# Lengths per input (capped at its time): row 0 is real in the first input
# only, row 1 is empty in every input, row 2 mixes lengths, row 3 is full.
LENGTHS = [[9, 0, 2, 9], [0, 0, 3, 9], [1, 0, 0, 9]]


def make_inputs(axis, pattern, rng):
    """Inputs with garbage at padded steps and masks as `pattern` says.

    Along time each input has its own number of steps; along features its own
    number of features.
    """
    count = len(pattern)
    times = [5, 3, 4][:count] if axis == 1 else [4] * count
    features = [3] * count if axis == 1 else [2, 3, 1][:count]
    inputs, masks = [], []
    for letter, time, channels, lengths in zip(pattern, times, features, LENGTHS):
        mask = sequence_mask(np.minimum(lengths, time), time)
        x = rng.standard_normal((4, time, channels)).astype("float32")
        inputs.append(with_garbage(x, mask, rng))
        masks.append({"m": mask, "i": mask.astype("int32"), "-": None}[letter])
    return inputs, masks


AXES = pytest.mark.parametrize("axis", [1, -1, 2], ids=["time", "features", "axis_2"])
PATTERNS = pytest.mark.parametrize("pattern", MASK_PATTERNS)


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @AXES
    @PATTERNS
    def test_matches_numpy(self, axis, pattern):
        rng = np.random.default_rng(0)
        inputs, masks = make_inputs(axis, pattern, rng)
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, masks {pattern!r}"
        outputs, output_mask = run_layer(layer, inputs, masks, where=where)
        expected, expected_mask = reference(inputs, masks, axis)
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
    @pytest.mark.parametrize("count", [2, 3])
    def test_mask_none_equals_no_masks(self, axis, count):
        inputs, _ = make_inputs(axis, "-" * count, np.random.default_rng(1))
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, {count} inputs"
        outputs = to_numpy(layer(inputs, mask=None))
        assert_equal(
            outputs,
            np.concatenate(inputs, axis=axis),
            "without masks the outputs must be the inputs joined",
            where=where,
        )
        assert_equal(
            layer(inputs, mask=[None] * count),
            outputs,
            "a list of None masks must give the outputs of mask=None",
            where=where,
        )
        for mask in (None, [None] * count):
            check_output_mask(
                layer.compute_mask(inputs, mask),
                None,
                "no mask in must give no mask out",
                where=f"{where}, mask {mask}",
            )

    @AXES
    @PATTERNS
    def test_compute_mask_equals_keras_concatenate(self, axis, pattern):
        inputs, masks = make_inputs(axis, pattern, np.random.default_rng(2))
        as_bool = [None if m is None else m.astype(bool) for m in masks]
        expected = keras.layers.Concatenate(axis=axis).compute_mask(inputs, as_bool)
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        assert_mask_equal(
            layer.compute_mask(inputs, masks),
            to_numpy(expected),
            "compute_mask must join the masks as keras.layers.Concatenate does",
            where=f"axis {axis}, masks {pattern!r}",
        )

    @pytest.mark.parametrize(
        "garbage", [np.inf, -np.inf, np.nan], ids=["inf", "-inf", "nan"]
    )
    @AXES
    def test_inf_and_nan_at_padded_steps_give_zeros(self, axis, garbage):
        inputs, masks = make_inputs(axis, "mmm", np.random.default_rng(3))
        inputs = [
            np.where(m[..., None], x, garbage).astype("float32")
            for x, m in zip(inputs, masks)
        ]
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, {garbage} at padded steps"
        outputs, _ = run_layer(layer, inputs, masks, where=where)
        rule = "inf and NaN at padded steps must become zeros"
        assert_equal(outputs, reference(inputs, masks, axis)[0], rule, where=where)
        assert_finite(outputs, rule, where=where)

    def test_features_gradient_is_zero_where_another_input_is_real(self):
        # Row 0 is real in the first input only, so every output step there is
        # real; the padded steps of the other inputs must still get no gradient.
        rng = np.random.default_rng(4)
        inputs, masks = make_inputs(-1, "mmm", rng)
        layer = {{ cookiecutter.layer_class_name }}(axis=-1)
        weights = rng.standard_normal((4, 4, 6)).astype("float32")

        def loss(*args):
            outputs = layer(list(args), mask=masks)
            return keras.ops.sum(outputs * keras.ops.convert_to_tensor(weights))

        rule = "a padded step must get no gradient, even where another input is real"
        pieces = np.split(weights, np.cumsum([x.shape[-1] for x in inputs])[:-1], -1)
        for index, (grad, mask, piece) in enumerate(
            zip(gradients(loss, inputs), masks, pieces)
        ):
            assert_equal(
                grad,
                np.where(mask[..., None], piece, 0.0),
                rule,
                where=f"axis -1, input {index}",
            )

    @pytest.mark.parametrize("axis", [1, -1], ids=["time", "features"])
    def test_three_inputs_in_a_functional_model(self, axis, tmp_path):
        # Three sources of masks: Embedding(mask_zero=True), none at all (the
        # middle input), and Masking. compute_mask builds the missing one
        # symbolically, and the model survives a .keras round trip.
        rng = np.random.default_rng(5)
        tokens = np.array([[3, 4, 0, 0], [0, 0, 0, 0], [5, 0, 0, 0]], "int32")
        dense = rng.standard_normal((3, 4, 2)).astype("float32")
        padded = rng.standard_normal((3, 4, 2)).astype("float32")
        padded[:, 2:] = 0.0
        padded[1] = 0.0
        embedding = keras.layers.Embedding(10, 2, mask_zero=True)
        token_input = keras.Input((None,), dtype="int32")
        dense_input = keras.Input((None, 2))
        padded_input = keras.Input((None, 2))
        joined = [
            embedding(token_input),
            dense_input,
            keras.layers.Masking()(padded_input),
        ]
        values = [to_numpy(embedding(tokens)), dense, padded]
        masks = [tokens != 0, None, np.any(padded != 0.0, axis=-1)]
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        where = f"axis {axis}, masks from Embedding, none, Masking"
        # Eager first: a wrong output mask fails here, not inside the model.
        expected, expected_mask = reference(values, masks, axis)
        run_layer(layer, values, masks, where=where)
        outputs = layer(joined)
        model = keras.Model(
            [token_input, dense_input, padded_input],
            [outputs, MaskProbe()(outputs)],
        )
        data = [tokens, dense, padded]
        got, handed_on = (to_numpy(y) for y in model(data))
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
        assert_keras_file_round_trip(model, data, tmp_path / "model.keras", where=where)

    @pytest.mark.parametrize(
        "axis,input_shape,expected",
        [
            (1, [(2, 5, 3), (2, 4, 3)], (2, 9, 3)),
            (1, [(2, 5, 3), (2, 4, 3), (2, 1, 3)], (2, 10, 3)),
            (-1, [(2, 5, 3), (2, 5, 4)], (2, 5, 7)),
            (-1, [(2, 5, 3), (2, 5, 4), (2, 5, 1)], (2, 5, 8)),
            (2, [(2, 5, 3), (2, 5, 4)], (2, 5, 7)),
            (1, [(None, None, 3), (None, 4, 3)], (None, None, 3)),
            (1, [(None, 2, 3), (None, 4, 3), (None, 1, None)], (None, 7, 3)),
            (-1, [(None, None, 3), (None, None, 4)], (None, None, 7)),
            (-1, [(None, 5, 3), (2, None, 4), (None, None, None)], (2, 5, None)),
        ],
        ids=[
            "time",
            "time_3",
            "features",
            "features_3",
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
        check_refuses(
            lambda: {{ cookiecutter.layer_class_name }}(axis=axis),
            f"Received: axis={axis!r}",
            "an axis other than 1, 2 or -1 must be refused",
        )

    @pytest.mark.parametrize(
        "inputs",
        [[], [np.zeros((2, 3, 4), "float32")], np.zeros((2, 3, 4), "float32")],
        ids=["empty_list", "one_input", "single_tensor"],
    )
    def test_rejects_fewer_than_two_inputs(self, inputs):
        check_refuses(
            lambda: {{ cookiecutter.layer_class_name }}()(inputs),
            "`inputs` must be a list of two or more tensors. Received: input_shape=",
            "a call on fewer than two inputs must be refused",
        )

    def test_compute_mask_rejects_fewer_than_two_inputs(self):
        x = np.zeros((2, 3, 4), "float32")
        layer = {{ cookiecutter.layer_class_name }}()
        check_refuses(
            lambda: layer.compute_mask([x], [None]),
            "Received: inputs=a list of 1",
            "compute_mask on fewer than two inputs must be refused",
        )

    @pytest.mark.parametrize("count", [1, 2, 4])
    def test_rejects_a_mask_list_of_another_length(self, count):
        inputs, masks = make_inputs(1, "mmm", np.random.default_rng(6))
        masks = (masks * 2)[:count]
        layer = {{ cookiecutter.layer_class_name }}()
        message = (
            "`mask` must be None or a list of 3 masks, one per input (each may "
            f"be None). Received: mask=a list of {count}"
        )
        rule = "a mask list of another length than the inputs must be refused"
        check_refuses(lambda: layer(inputs, mask=masks), message, rule, where="call")
        check_refuses(
            lambda: layer.compute_mask(inputs, masks),
            message,
            rule,
            where="compute_mask",
        )

    @pytest.mark.parametrize("index", [0, 2])
    def test_a_wrong_mask_is_refused_by_the_index_of_its_input(self, index):
        inputs, masks = make_inputs(1, "mmm", np.random.default_rng(8))
        masks[index] = masks[index][:, :1]
        layer = {{ cookiecutter.layer_class_name }}()
        message = f"`mask[{index}]` must have shape (batch, time)"
        rule = "a wrong mask must be refused with the index of its input"
        check_refuses(lambda: layer(inputs, mask=masks), message, rule, where="call")
        check_refuses(
            lambda: layer.compute_mask(inputs, masks),
            message,
            rule,
            where="compute_mask",
        )

    def test_rejects_a_single_mask_for_a_list_of_inputs(self):
        inputs, masks = make_inputs(1, "mm", np.random.default_rng(7))
        layer = {{ cookiecutter.layer_class_name }}()
        check_refuses(
            lambda: layer.compute_mask(inputs, masks[0]),
            "Received: mask=a single",
            "one mask for a list of inputs must be refused",
        )

    @pytest.mark.parametrize(
        "axis,shapes",
        [
            (1, [(2, 3, 4), (2, 3, 5)]),
            (1, [(2, 3, 4), (2, 3, 4), (2, 3, 5)]),
            (1, [(2, 3, 4), (3, 3, 4)]),
            (-1, [(2, 3, 4), (2, 5, 4)]),
            (-1, [(2, 3, 4), (2, 3, 1), (2, None, 2), (2, 4, 2)]),
            (1, [(2, 3), (2, 3)]),
            (1, [(2, 3, 4), (2, 3, 4, 1)]),
        ],
        ids=[
            "time_features",
            "time_third_features",
            "time_batch",
            "features_time",
            "features_fourth_time",
            "rank_2",
            "rank_4",
        ],
    )
    def test_rejects_shapes_that_cannot_be_joined(self, axis, shapes):
        layer = {{ cookiecutter.layer_class_name }}(axis=axis)
        check_refuses(
            lambda: layer.build(shapes),
            f"Received: input_shape={shapes}",
            "shapes that differ outside the axis, or are not 3D, must be refused",
            where=f"axis {axis}",
        )

    def test_unknown_dims_pass_build(self):
        layer = {{ cookiecutter.layer_class_name }}(axis=-1)
        shapes = [(None, None, 3), (2, None, 1), (2, 5, 4)]
        layer.build(shapes)
        spec = layer.compute_output_spec([keras.KerasTensor(s) for s in shapes])
        check_that(
            spec.shape == (2, 5, 8),
            "known dims of one input must fill the unknown dims of the others",
            expected=(2, 5, 8),
            actual=spec.shape,
            where=f"axis -1, input shapes {shapes}",
        )
