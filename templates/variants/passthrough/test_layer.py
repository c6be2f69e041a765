{%- from "macros.jinja" import from_import -%}
"""Tests for `{{ cookiecutter.layer_class_name }}`: the mask contract, then numbers against NumPy."""

import inspect

import keras
import numpy as np
import pytest
from mask_contract import MaskContract
from mask_contract import activity_loss_divisor
from mask_contract import assert_close
from mask_contract import assert_equal
from mask_contract import assert_mask_equal
from mask_contract import assert_output_shape
from mask_contract import check_same_config
from mask_contract import check_that
from mask_contract import run_layer
from mask_contract import sequence_mask
from mask_contract import to_numpy
from mask_contract import with_garbage

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}

# The arguments the layer shares with `keras.layers.Dense`, each away from its
# default but `use_bias`, given as names and as objects: both kinds must
# serialize as Dense does.
DENSE_ARGUMENTS = {
    "units": 4,
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
    configs = {
        "default": {},
        "units_3_relu": {"units": 3, "activation": "relu"},
        "units_7_no_bias": {"units": 7, "use_bias": False},
        "dense_arguments": DENSE_ARGUMENTS,
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

    @pytest.mark.parametrize("units", [0, -2, 1.5, "8", True, False])
    def test_rejects_bad_units(self, units):
        error = raised(lambda: {{ cookiecutter.layer_class_name }}(units=units))
        check_that(
            isinstance(error, ValueError) and "units" in str(error),
            "a bad `units` must raise a ValueError that names it",
            expected="ValueError: `units` must be a positive integer or None",
            actual=repr(error),
            where=f"units={units!r}",
        )

    def test_accepts_numpy_integer_units(self):
        layer = {{ cookiecutter.layer_class_name }}(units=np.int64(3))
        check_that(
            type(layer.units) is int and layer.units == 3,
            "a NumPy integer `units` must be stored as a Python int",
            expected="3 (int)",
            actual=f"{layer.units!r} ({type(layer.units).__name__})",
            where="units=np.int64(3)",
        )
        assert_output_shape(layer, (2, 7, 5), (2, 7, 3), where="units=np.int64(3)")

    @pytest.mark.parametrize(
        "shape,known",
        [((2, 4, 4), "value 5"), ((2, 5), "ndim=3")],
        ids=["other_features", "rank_2"],
    )
    def test_input_spec_refuses_other_inputs_after_build(self, shape, known):
        layer = {{ cookiecutter.layer_class_name }}(units=3)
        layer(np.ones((2, 4, 5), "float32"))
        error = raised(lambda: layer(np.ones(shape, "float32")))
        check_that(
            isinstance(error, ValueError) and known in str(error),
            "after build, the InputSpec must refuse inputs of another shape",
            expected=f"Keras's ValueError, expected ... {known}",
            actual=repr(error),
            where=f"built on (2, 4, 5), called on {shape}",
        )


def raised(function):
    """The exception `function()` raises, or `None`."""
    try:
        function()
    except Exception as error:
        return error
    return None


SIGNATURE = inspect.signature({{ cookiecutter.layer_class_name }})
ARGUMENT_NAMES = [
    name
    for name, parameter in SIGNATURE.parameters.items()
    if parameter.kind is not parameter.VAR_KEYWORD
]


def check_config_as_dense(layer, arguments, where):
    """`layer.get_config()` holds each argument serialized as Dense's config does.

    Dense leaves `activity_regularizer` out of its config when it is `None`:
    a missing entry counts as `None`.
    """
    __tracebackhide__ = True
    ours, dense = layer.get_config(), keras.layers.Dense(**arguments).get_config()
    check_same_config(
        {name: ours.get(name) for name in ARGUMENT_NAMES},
        {name: dense.get(name) for name in ARGUMENT_NAMES},
        "get_config must serialize each argument as keras.layers.Dense does",
        where=where,
    )


def masked_batch(rng, lengths=(6, 4, 0, 1), time=6, features=5):
    """Random `(batch, time, features)` inputs, garbage at padding, and the mask."""
    mask = sequence_mask(list(lengths), time)
    x = rng.standard_normal((len(lengths), time, features)).astype("float32")
    return with_garbage(x, mask, rng), mask


def random_like(rng, arrays):
    """Standard normal float32 arrays of the shapes of `arrays`."""
    return [rng.standard_normal(tuple(a.shape)).astype("float32") for a in arrays]


def losses_of(layer):
    """`layer.losses` (weight penalties and the last call's) as NumPy values."""
    return [to_numpy(loss) for loss in layer.losses]


def with_random_weights(rng, **arguments):
    """A layer with 3 units built on 5 features, random weights set; and those."""
    layer = {{ cookiecutter.layer_class_name }}(units=3, **arguments)
    layer.build((None, None, 5))
    weights = random_like(rng, layer.weights)
    layer.set_weights(weights)
    return layer, weights


class Test{{ cookiecutter.layer_class_name }}DenseArguments:
    """Dense's arguments take effect, serialize as Dense's and survive `.keras`."""

    @pytest.mark.parametrize(
        "name,arguments",
        [("defaults", {"units": 4}), ("every argument", DENSE_ARGUMENTS)],
        ids=["defaults", "every_argument"],
    )
    def test_config_serializes_arguments_as_dense_does(self, name, arguments):
        layer = {{ cookiecutter.layer_class_name }}(**arguments)
        check_config_as_dense(layer, arguments, where=name)

    def test_initializers_set_the_weights(self):
        rng = np.random.default_rng(20)
        x, mask = masked_batch(rng)
        layer = {{ cookiecutter.layer_class_name }}(
            units=3,
            kernel_initializer=keras.initializers.Constant(0.5),
            bias_initializer=keras.initializers.Constant(-1.0),
        )
        where = "kernel Constant(0.5), bias Constant(-1.0)"
        outputs, _ = run_layer(layer, x, mask, where=where)
        expected, _ = reference(
            x, mask, np.full((5, 3), 0.5, "float32"), np.full(3, -1.0, "float32")
        )
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
        expected, _ = reference(x, mask, kernel, bias)
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
        gradients = random_like(rng, [kernel, bias])
        optimizer = keras.optimizers.SGD(learning_rate=0.5)
        optimizer.apply(
            [keras.ops.convert_to_tensor(g) for g in gradients],
            [layer.kernel, layer.bias],
        )
        kernel = kernel - 0.5 * gradients[0]
        # MaxNorm scales each column down to norm 1, with Keras's epsilon.
        norms = np.sqrt(np.sum(kernel**2, axis=0))
        kernel *= np.minimum(norms, 1.0) / (keras.config.epsilon() + norms)
        bias = np.maximum(bias - 0.5 * gradients[1], 0.0)
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
        layer = {{ cookiecutter.layer_class_name }}(**DENSE_ARGUMENTS)
        where = "every Dense argument, functional model with a mask input"
        # Checked first: a lost argument breaks loading the weights.
        check_config_as_dense(layer, DENSE_ARGUMENTS, where)
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
