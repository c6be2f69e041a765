{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against Conv1D and NumPy."""

import inspect

import keras
import numpy as np
import pytest
from keras import ops
from mask_contract import MASK_RULE
from mask_contract import UNPADDED_RULE
from mask_contract import MaskContract
from mask_contract import activity_loss_divisor
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_mask_equal
from mask_contract import assert_output_shape
from mask_contract import check_output_mask
from mask_contract import check_same_config
from mask_contract import check_that
from mask_contract import gradients
from mask_contract import run_layer
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import torch_compiled
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}

# The arguments the layer shares with `keras.layers.Conv1D`, each away from its
# default but `use_bias`, given as names and as objects: both kinds must
# serialize as Conv1D does.
CONV1D_ARGUMENTS = {
    "filters": 4,
    "kernel_size": 2,
    "strides": 2,
    "padding": "causal",
    "dilation_rate": 1,
    "activation": "tanh",
    "use_bias": True,
    "kernel_initializer": "he_normal",
    "bias_initializer": keras.initializers.Constant(0.1),
    "kernel_regularizer": keras.regularizers.L2(1e-3),
    "bias_regularizer": "l1",
    "activity_regularizer": keras.regularizers.L1L2(l1=1e-4, l2=1e-3),
    "kernel_constraint": keras.constraints.MaxNorm(2.0),
    "bias_constraint": "non_neg",
}


class Test{{ cookiecutter.layer_class_name }}Contract(MaskContract):
    layer_class = {{ cookiecutter.layer_class_name }}
    # With the kit's 6 steps, every config keeps a real output on a full row.
    configs = {
        "default": {},
        "causal_strides_2": {"filters": 3, "padding": "causal", "strides": 2},
        "valid_dilation_2": {"padding": "valid", "dilation_rate": 2},
        "valid_strides_3": {"kernel_size": 2, "padding": "valid", "strides": 3},
        "kernel_4_no_bias_relu": {
            "filters": 7,
            "kernel_size": 4,
            "use_bias": False,
            "activation": "relu",
        },
        "conv1d_arguments": CONV1D_ARGUMENTS,
    }
    input_features = (5,)


def grid():
    """Every allowed combination of these kernel sizes, strides, dilations and paddings."""
    configs = []
    for padding in ("same", "causal", "valid"):
        for kernel_size in (1, 2, 3, 5):
            for strides, dilation_rate in [(1, 1), (1, 2), (2, 1), (3, 1)]:
                if padding == "same" and strides > 1:
                    continue
                configs.append(
                    {
                        "padding": padding,
                        "kernel_size": kernel_size,
                        "strides": strides,
                        "dilation_rate": dilation_rate,
                    }
                )
    return configs


def describe(config):
    return "{padding}_k{kernel_size}_s{strides}_d{dilation_rate}".format(**config)


GRID = grid()


def window(config):
    """Steps one window covers: (kernel_size - 1) * dilation_rate + 1."""
    return (config.get("kernel_size", 3) - 1) * config.get("dilation_rate", 1) + 1


def output_steps(config, time):
    """The output length the layer promises for `time` input steps."""
    strides = config.get("strides", 1)
    if config.get("padding", "same") == "same":
        return time
    if config["padding"] == "causal":
        return -(-time // strides)
    return max(0, (time - window(config)) // strides + 1)


ACTIVATIONS = {None: lambda y: y, "relu": lambda y: np.maximum(y, 0.0)}


def reference(x, mask, kernel, bias, config, activation=None):
    """NumPy twin of the layer, one anchor at a time.

    Padded steps count as zeros; output step `j` sums the window around its
    anchor and is real when the anchor is. Returns the outputs and the output
    mask (`None` without a mask).
    """
    batch, time, _ = x.shape
    strides = config.get("strides", 1)
    dilation_rate = config.get("dilation_rate", 1)
    padding = config.get("padding", "same")
    span = window(config) - 1
    real = np.ones((batch, time), bool) if mask is None else np.asarray(mask, bool)
    x = np.where(real[..., None], x, 0.0).astype("float64")
    anchors = np.arange(span if padding == "valid" else 0, time, strides)
    outputs = np.zeros((batch, len(anchors), kernel.shape[-1]))
    for j, anchor in enumerate(anchors):
        # The first step of the window: "same" centres it as Conv1D does.
        first = anchor - (span // 2 if padding == "same" else span)
        for tap in range(kernel.shape[0]):
            step = first + tap * dilation_rate
            if 0 <= step < time:
                outputs[:, j] += x[:, step] @ kernel[tap]
    outputs = ACTIVATIONS[activation](outputs + (0.0 if bias is None else bias))
    if mask is None:
        return outputs, None
    output_mask = real[:, anchors]
    return np.where(output_mask[..., None], outputs, 0.0), output_mask


def random_mask(rng, batch, time):
    """A mask with holes (not only right padding), one full and one empty row."""
    mask = rng.random((batch, time)) < 0.6
    mask[0] = True
    mask[1] = False
    return mask


def conv1d_twin(layer, channels):
    """`keras.layers.Conv1D` with the arguments and weights of built `layer`."""
    conv1d = keras.layers.Conv1D(
        layer.kernel.shape[-1],
        layer.kernel_size,
        strides=layer.strides,
        padding=layer.padding,
        dilation_rate=layer.dilation_rate,
        activation=layer.activation,
        use_bias=layer.use_bias,
    )
    conv1d.build((None, None, channels))
    conv1d.set_weights(layer.get_weights())
    return conv1d


def check_against_reference(actual, expected, where):
    """The layer's `(outputs, output_mask)` against `reference`'s."""
    __tracebackhide__ = True
    (outputs, output_mask), (expected_outputs, expected_mask) = actual, expected
    assert_close(
        outputs,
        expected_outputs,
        "outputs must match NumPy (padded steps as zeros, zeros where the "
        "anchor is padded)",
        where=where,
        rtol=1e-5,
        atol=1e-5,
    )
    assert_mask_equal(
        output_mask,
        expected_mask,
        "the output mask must be the input mask at the anchors",
        where=where,
    )


def raised(function):
    """The exception `function()` raises, or `None`."""
    try:
        function()
    except Exception as error:
        return error
    return None


class Test{{ cookiecutter.layer_class_name }}Correctness:
    @pytest.mark.parametrize("config", GRID, ids=[describe(c) for c in GRID])
    def test_real_outputs_equal_conv1d_on_unpadded_rows(self, config):
        rng = np.random.default_rng(0)
        time, channels = 9, 3
        # Lengths 0, shorter than a window, and random; garbage in the padding.
        lengths = np.array([time, 0, window(config) - 1, *rng.integers(1, 10, 5)])
        mask = sequence_mask(lengths, time)
        x = with_garbage(
            rng.standard_normal((len(lengths), time, channels)).astype("float32"),
            mask,
            rng,
        )
        layer = {{ cookiecutter.layer_class_name }}(
            filters=4,
            bias_initializer="glorot_uniform",
            **config,
        )
        where = describe(config)
        outputs, output_mask = run_layer(layer, x, mask, where=where)
        kernel, bias = (to_numpy(w) for w in layer.weights)
        expected, expected_mask = reference(x, mask, kernel, bias, config)
        check_against_reference(
            (outputs, output_mask), (expected, expected_mask), where
        )
        conv1d = conv1d_twin(layer, channels)
        for row, length in enumerate(lengths):
            at = f"{where}, row {row} of length {length}"
            real = outputs[row][output_mask[row]]
            check_that(
                len(real) == output_steps(config, length),
                "the output mask must mark one real step per unpadded output step",
                expected=output_steps(config, length),
                actual=len(real),
                where=at,
            )
            if len(real) == 0:
                # Conv1D itself fails on a row shorter than its window
                # (or gives a wrong shape, on TensorFlow): nothing to compare.
                continue
            assert_close(
                real,
                conv1d(x[row : row + 1, :length])[0],
                f"{UNPADDED_RULE} by keras.layers.Conv1D",
                where=at,
                rtol=1e-5,
                atol=1e-5,
            )

    @pytest.mark.parametrize("activation", [None, "relu"], ids=["linear", "relu"])
    @pytest.mark.parametrize(
        "config",
        [
            {"padding": "same", "kernel_size": 4, "dilation_rate": 2},
            {"padding": "causal", "kernel_size": 3, "strides": 2},
            {"padding": "valid", "kernel_size": 2, "dilation_rate": 3},
        ],
        ids=["same_k4_d2", "causal_k3_s2", "valid_k2_d3"],
    )
    @pytest.mark.parametrize("masked", [True, False], ids=["holes", "no_mask"])
    def test_matches_numpy(self, config, activation, masked):
        rng = np.random.default_rng(1)
        time = 8
        mask = random_mask(rng, 5, time) if masked else None
        x = rng.standard_normal((5, time, 3)).astype("float32")
        if masked:
            x = with_garbage(x, mask, rng)
        layer = {{ cookiecutter.layer_class_name }}(
            filters=2,
            activation=activation,
            **config,
        )
        layer.build(x.shape)
        bias = rng.standard_normal(2).astype("float32")
        layer.bias.assign(bias)
        where = f"{config}, activation {activation}, {'holes' if masked else 'no mask'}"
        outputs, output_mask = run_layer(layer, x, mask, where=where)
        expected, expected_mask = reference(
            x, mask, to_numpy(layer.kernel), bias, config, activation
        )
        check_against_reference(
            (outputs, output_mask), (expected, expected_mask), where
        )

    def test_padded_steps_are_zero_even_with_bias_and_activation(self):
        x = np.full((1, 4, 2), 5.0, "float32")
        layer = {{ cookiecutter.layer_class_name }}(
            filters=2,
            activation="sigmoid",
        )
        outputs = to_numpy(layer(x, mask=np.array([[True, True, False, False]])))
        where = "filters 2, sigmoid, mask [[True, True, False, False]]"
        assert_equal(
            outputs[0, 2:],
            0.0,
            "padded steps must be zero after bias and activation",
            where=where,
        )
        check_that(
            np.all(outputs[0, :2] > 0.0),
            "the real steps must keep sigmoid's positive outputs",
            expected="values above 0",
            actual=outputs[0, :2].tolist(),
            where=where,
        )

    @pytest.mark.parametrize("padding", ["same", "causal", "valid"])
    def test_no_gradient_reaches_padded_steps_inside_a_window(self, padding):
        """A hole in the middle of a row sits inside the windows of real steps."""
        rng = np.random.default_rng(2)
        mask = np.array([[True, True, False, True, True, True]])
        x = rng.standard_normal((1, 6, 3)).astype("float32")
        x[~mask] = np.nan
        layer = {{ cookiecutter.layer_class_name }}(filters=2, padding=padding)
        where = f"padding {padding}, NaN in a hole at step 2"

        def loss(inputs):
            return ops.sum(layer(inputs, mask=mask))

        (grad,) = gradients(loss, [x])
        assert_equal(grad[0, 2], 0.0, "a padded step must get no gradient", where=where)
        assert_equal(
            np.isfinite(grad),
            True,
            "NaN in the padding must not reach the gradients",
            where=where,
        )

    @pytest.mark.parametrize("padding", ["same", "causal", "valid"])
    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_zero_steps(self, padding, masked):
        x = np.zeros((3, 0, 4), "float32")
        mask = np.zeros((3, 0), bool) if masked else None
        layer = {{ cookiecutter.layer_class_name }}(filters=2, padding=padding)
        where = f"padding {padding}, {'masked' if masked else 'no mask'}"
        outputs = layer(x, mask=mask)
        check_that(
            tuple(outputs.shape) == (3, 0, 2),
            "zero steps in must give zero steps out",
            expected=(3, 0, 2),
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
        """Rows shorter than a window, and zero steps, also run compiled."""
        config = {"padding": "valid", "kernel_size": 3, "strides": 2}
        layer = {{ cookiecutter.layer_class_name }}(filters=2, **config)

        def convolve(x, mask):
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
                tf.function(convolve, input_signature=signature, jit_compile=jit)
                for jit in (False, True)
            ]
        elif backend == "jax":
            import jax

            compiled = [jax.jit(convolve)]
        elif backend == "torch":
            compiled, graphs = torch_compiled(convolve, fullgraph=True)
            compiled = [compiled]
        else:
            pytest.skip(f"No compiled-function helper for the {backend!r} backend.")
        rng = np.random.default_rng(3)
        layer.build((None, None, 2))
        kernel, bias = (to_numpy(w) for w in layer.weights)
        for time in (0, 1, 2, 5, 6):
            mask = random_mask(rng, 3, time) if time else np.zeros((3, 0), bool)
            x = with_garbage(
                rng.standard_normal((3, time, 2)).astype("float32"), mask, rng
            )
            expected, expected_mask = reference(x, mask, kernel, bias, config)
            for index, function in enumerate(compiled):
                where = f"{backend} compiled function {index}, time {time}"
                # Backend tensors in: Dynamo would trace NumPy inputs with a break.
                outputs, output_mask = function(
                    ops.convert_to_tensor(x), ops.convert_to_tensor(mask)
                )
                assert_close(
                    outputs,
                    expected,
                    "compiled outputs must match NumPy",
                    where=where,
                    rtol=1e-5,
                    atol=1e-5,
                )
                assert_mask_equal(
                    output_mask,
                    expected_mask,
                    "a compiled output mask must match NumPy",
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

    @pytest.mark.parametrize(
        "config,input_shape,expected",
        [
            ({}, (2, 7, 5), (2, 7, 5)),
            ({"filters": 3}, (None, None, 5), (None, None, 3)),
            ({"padding": "causal", "strides": 3}, (2, 7, 5), (2, 3, 5)),
            ({"padding": "causal", "strides": 3}, (4, None, 5), (4, None, 5)),
            (
                {"padding": "valid", "kernel_size": 3, "strides": 2},
                (2, 8, 5),
                (2, 3, 5),
            ),
            ({"padding": "valid", "dilation_rate": 2}, (2, 4, 5), (2, 0, 5)),
            ({"padding": "valid", "kernel_size": 4}, (2, 0, 5), (2, 0, 5)),
        ],
        ids=[
            "same",
            "unknown_dims",
            "causal_strides_3",
            "causal_unknown_time",
            "valid_strides_2",
            "valid_shorter_than_window",
            "valid_zero_steps",
        ],
    )
    def test_compute_output_shape(self, config, input_shape, expected):
        layer = {{ cookiecutter.layer_class_name }}(**config)
        assert_output_shape(layer, input_shape, expected, where=str(config))

    @pytest.mark.parametrize(
        "config",
        [
            {},
            {"padding": "causal", "strides": 2},
            {"padding": "valid", "kernel_size": 4, "strides": 3},
        ],
        ids=["same", "causal_strides_2", "valid_k4_s3"],
    )
    @pytest.mark.parametrize("time", [None, 7], ids=["unknown_time", "T7"])
    @pytest.mark.parametrize("mask_dtype", ["bool", "int32"])
    def test_symbolic_compute_mask(self, config, time, mask_dtype):
        layer = {{ cookiecutter.layer_class_name }}(**config)
        inputs = keras.KerasTensor((None, time, 4))
        mask = keras.KerasTensor((None, time), dtype=mask_dtype)
        steps = None if time is None else output_steps(config, time)
        where = f"{config}, symbolic time {time}, {mask_dtype} mask"
        check_output_mask(
            layer.compute_mask(inputs, mask), (None, steps), MASK_RULE, where=where
        )
        check_output_mask(
            layer.compute_mask(inputs, None),
            None,
            "no mask in must give no mask out",
            where=where,
        )

    @pytest.mark.parametrize(
        "arguments,named",
        [
            ({"filters": 0}, "filters"),
            ({"filters": 2.0}, "filters"),
            ({"kernel_size": 0}, "kernel_size"),
            ({"kernel_size": True}, "kernel_size"),
            ({"kernel_size": (3, 3)}, "kernel_size"),
            ({"strides": -1}, "strides"),
            ({"dilation_rate": "2"}, "dilation_rate"),
            ({"padding": "full"}, "padding"),
            ({"padding": None}, "padding"),
            ({"padding": "same", "strides": 2}, "depends on the padded length"),
            ({"padding": "causal", "strides": 2, "dilation_rate": 2}, "dilation_rate"),
        ],
        ids=repr,
    )
    def test_refuses_bad_arguments(self, arguments, named):
        error = raised(lambda: {{ cookiecutter.layer_class_name }}(**arguments))
        check_that(
            isinstance(error, ValueError) and named in str(error),
            "bad arguments must raise a ValueError that says why",
            expected=f"ValueError mentioning {named!r}",
            actual=repr(error),
            where=str(arguments),
        )

    def test_accepts_numpy_integers_and_conv1d_tuples(self):
        layer = {{ cookiecutter.layer_class_name }}(
            filters=np.int64(3),
            kernel_size=(2,),
            strides=[np.int32(2)],
            padding="CAUSAL",
        )
        config = layer.get_config()
        stored = {
            name: config.get(name)
            for name in ("filters", "kernel_size", "strides", "dilation_rate")
        }
        check_that(
            stored == {"filters": 3, "kernel_size": 2, "strides": 2, "dilation_rate": 1}
            and all(type(value) is int for value in stored.values()),
            "sizes must be stored as plain ints",
            expected="{'filters': 3, 'kernel_size': 2, 'strides': 2, 'dilation_rate': 1}",
            actual={name: f"{v!r} ({type(v).__name__})" for name, v in stored.items()},
        )
        check_that(
            layer.padding == "causal",
            "padding must be stored in lower case",
            expected="'causal'",
            actual=repr(layer.padding),
        )

    @pytest.mark.parametrize(
        "shape,known",
        [((2, 4, 4), "value 5"), ((2, 5), "ndim=3")],
        ids=["other_channels", "rank_2"],
    )
    def test_input_spec_refuses_other_inputs_after_build(self, shape, known):
        layer = {{ cookiecutter.layer_class_name }}(filters=3)
        layer(np.ones((2, 4, 5), "float32"))
        error = raised(lambda: layer(np.ones(shape, "float32")))
        check_that(
            isinstance(error, ValueError) and known in str(error),
            "after build, the InputSpec must refuse inputs of another shape",
            expected=f"Keras's ValueError, expected ... {known}",
            actual=repr(error),
            where=f"built on (2, 4, 5), called on {shape}",
        )

    def test_weights_move_to_and_from_conv1d(self):
        rng = np.random.default_rng(4)
        x = rng.standard_normal((2, 7, 3)).astype("float32")
        conv1d = keras.layers.Conv1D(
            4, 3, padding="causal", bias_initializer="glorot_uniform"
        )
        expected = to_numpy(conv1d(x))
        layer = {{ cookiecutter.layer_class_name }}(filters=4, padding="causal")
        layer.build(x.shape)
        layer.set_weights(conv1d.get_weights())
        where = "Conv1D(4, 3, padding='causal'), unmasked"
        assert_close(
            layer(x),
            expected,
            "Conv1D's weights must give Conv1D's outputs",
            where=where,
            rtol=1e-5,
            atol=1e-5,
        )
        other = keras.layers.Conv1D(4, 3, padding="causal")
        other.build(x.shape)
        other.set_weights(layer.get_weights())
        assert_close(
            other(x),
            expected,
            "the layer's weights must give Conv1D the same outputs",
            where=where,
            rtol=1e-5,
            atol=1e-5,
        )


SIGNATURE = inspect.signature({{ cookiecutter.layer_class_name }})
ARGUMENT_NAMES = [
    name
    for name, parameter in SIGNATURE.parameters.items()
    if parameter.kind is not parameter.VAR_KEYWORD
]


def single(value):
    """Conv1D stores its sizes as one-element tuples; this layer as ints."""
    return value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value


def check_config_as_conv1d(layer, arguments, where):
    """`layer.get_config()` holds each argument serialized as Conv1D's config does.

    Conv1D leaves `activity_regularizer` out of its config when it is `None`:
    a missing entry counts as `None`.
    """
    __tracebackhide__ = True
    ours = layer.get_config()
    conv1d = keras.layers.Conv1D(**arguments).get_config()
    check_same_config(
        {name: ours.get(name) for name in ARGUMENT_NAMES},
        {name: single(conv1d.get(name)) for name in ARGUMENT_NAMES},
        "get_config must serialize each argument as keras.layers.Conv1D does",
        where=where,
    )


def masked_batch(rng, lengths=(6, 4, 0, 1), time=6, channels=5):
    """Random `(batch, time, channels)` inputs, garbage at padding, and the mask."""
    mask = sequence_mask(list(lengths), time)
    x = rng.standard_normal((len(lengths), time, channels)).astype("float32")
    return with_garbage(x, mask, rng), mask


def random_like(rng, arrays):
    """Standard normal float32 arrays of the shapes of `arrays`."""
    return [rng.standard_normal(tuple(a.shape)).astype("float32") for a in arrays]


def losses_of(layer):
    """`layer.losses` (weight penalties and the last call's) as NumPy values."""
    return [to_numpy(loss) for loss in layer.losses]


def with_random_weights(rng, **arguments):
    """A layer with 3 filters built on 5 channels, random weights set; and those."""
    layer = {{ cookiecutter.layer_class_name }}(filters=3, **arguments)
    layer.build((None, None, 5))
    weights = random_like(rng, layer.weights)
    layer.set_weights(weights)
    return layer, weights


class Test{{ cookiecutter.layer_class_name }}Conv1DArguments:
    """Conv1D's arguments take effect, serialize as Conv1D's and survive `.keras`."""

    @pytest.mark.parametrize(
        "name,arguments",
        [("defaults", {"filters": 4}), ("every argument", CONV1D_ARGUMENTS)],
        ids=["defaults", "every_argument"],
    )
    def test_config_serializes_arguments_as_conv1d_does(self, name, arguments):
        # Conv1D has no default kernel size, and pads "valid" by default: pass
        # this layer's defaults to both.
        arguments = {"kernel_size": 3, "padding": "same", **arguments}
        layer = {{ cookiecutter.layer_class_name }}(**arguments)
        check_config_as_conv1d(layer, arguments, where=name)

    def test_initializers_set_the_weights(self):
        rng = np.random.default_rng(20)
        x, mask = masked_batch(rng)
        layer = {{ cookiecutter.layer_class_name }}(
            filters=3,
            kernel_initializer=keras.initializers.Constant(0.5),
            bias_initializer=keras.initializers.Constant(-1.0),
        )
        where = "kernel Constant(0.5), bias Constant(-1.0)"
        outputs, _ = run_layer(layer, x, mask, where=where)
        expected, _ = reference(x, mask, np.full((3, 5, 3), 0.5), np.full(3, -1.0), {})
        assert_close(
            outputs,
            expected,
            "kernel_initializer and bias_initializer must set the weights",
            where=where,
            rtol=1e-5,
            atol=1e-5,
        )

    def test_weight_regularizers_add_their_penalties(self):
        rng = np.random.default_rng(21)
        layer, (kernel, bias) = with_random_weights(
            rng,
            kernel_regularizer=keras.regularizers.L2(0.1),
            bias_regularizer=keras.regularizers.L1(0.2),
        )
        assert_close(
            losses_of(layer),
            [0.1 * np.sum(kernel**2), 0.2 * np.sum(np.abs(bias))],
            "layer.losses must hold the kernel's L2 and the bias's L1 penalty",
            where="kernel L2(0.1), bias L1(0.2)",
            rtol=1e-5,
        )

    def test_activity_regularizer_sees_real_steps_only(self):
        rng = np.random.default_rng(22)
        # Padding holds values near 1e3: counted, it would dwarf the real steps.
        x, mask = masked_batch(rng)
        layer, (kernel, bias) = with_random_weights(
            rng,
            activity_regularizer=keras.regularizers.L1(0.01),
        )
        where = "activity L1(0.01), lengths [6, 4, 0, 1]"
        run_layer(layer, x, mask, where=where)
        expected, _ = reference(x, mask, kernel, bias, {})
        # Keras 3.14+ divides the activity loss by the batch size, empty rows included.
        assert_close(
            losses_of(layer),
            [0.01 * np.sum(np.abs(expected)) / activity_loss_divisor(len(x))],
            "the activity loss must come from the real steps alone",
            where=where,
            rtol=1e-5,
        )

    def test_constraints_apply_after_an_optimizer_step(self):
        rng = np.random.default_rng(23)
        layer, (kernel, bias) = with_random_weights(
            rng,
            kernel_constraint=keras.constraints.MaxNorm(1.0),
            bias_constraint=keras.constraints.NonNeg(),
        )
        grads = random_like(rng, [kernel, bias])
        optimizer = keras.optimizers.SGD(learning_rate=0.5)
        optimizer.apply(
            [keras.ops.convert_to_tensor(g) for g in grads],
            [layer.kernel, layer.bias],
        )
        kernel = kernel - 0.5 * grads[0]
        # MaxNorm's default axis 0 on a (kernel_size, channels, filters)
        # kernel: each (channels, filters) entry is scaled over the taps, as
        # for Conv1D; with Keras's epsilon.
        norms = np.sqrt(np.sum(kernel**2, axis=0))
        kernel *= np.minimum(norms, 1.0) / (keras.config.epsilon() + norms)
        bias = np.maximum(bias - 0.5 * grads[1], 0.0)
        where = "kernel MaxNorm(1.0), bias NonNeg(), SGD(0.5)"
        assert_close(
            layer.kernel,
            kernel,
            "kernel_constraint must hold after an optimizer step",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )
        assert_close(
            layer.bias,
            bias,
            "bias_constraint must hold after an optimizer step",
            where=where,
            rtol=1e-5,
            atol=1e-6,
        )

    def test_arguments_survive_a_keras_file(self, tmp_path):
        rng = np.random.default_rng(24)
        x, mask = masked_batch(rng)
        layer = {{ cookiecutter.layer_class_name }}(**CONV1D_ARGUMENTS)
        where = "every Conv1D argument, functional model with a mask input"
        # Checked first: a lost argument breaks loading the weights.
        check_config_as_conv1d(layer, CONV1D_ARGUMENTS, where)
        inputs = [keras.Input((None, 5)), keras.Input((None,), dtype="bool")]
        model = keras.Model(inputs, layer(inputs[0], mask=inputs[1]))
        model.save(tmp_path / "model.keras")
        loaded = keras.saving.load_model(tmp_path / "model.keras")
        loaded_layer = loaded.get_layer(layer.name)
        check_same_config(
            loaded_layer.get_config(),
            layer.get_config(),
            "a .keras round trip must keep the layer's config",
            where=where,
        )
        check_same_config(
            {w.name: keras.constraints.serialize(w.constraint) for w in loaded.weights},
            {w.name: keras.constraints.serialize(w.constraint) for w in model.weights},
            "a .keras round trip must keep the constraints on the weights",
            where=where,
        )
        assert_equal(
            loaded([x, mask]),
            model([x, mask]),
            "a .keras round trip must keep the outputs",
            where=where,
        )
        # Both models have just run on the same batch: same activity penalty.
        assert_close(
            losses_of(loaded),
            losses_of(model),
            "a .keras round trip must keep the regularizers' losses",
            where=where,
            rtol=1e-6,
        )
