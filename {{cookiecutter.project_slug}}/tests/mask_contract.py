"""Mask-contract checks that any masked Keras layer can be run through.

Subclass `MaskContract` in a test module, name the layer class and its inputs,
and pytest runs every check below against it:

    class TestMyLayerContract(MaskContract):
        layer_class = MyLayer
        configs = {"default": {}, "units_3": {"units": 3}}
        input_features = (5,)

When you edit the layer, these tests tell you what you broke: padding that leaks
into outputs or gradients, a mask that is dropped, inverted or not consumed, NaN
on fully padded rows, masks lost under compilation or mixed precision, and
arguments lost on save/load. Each failure is one line: the rule, the expected and
the actual value (for arrays, the worst element and how many differ), and the
config, such as (here wrapped)

    padded steps must get no gradient: expected 0 at [1, 0, 0], got -0.00128669
    (35 of 120 values differ in (4, 6, 5)) [TestMyLayerContract config 'units_3',
    input 0]

The checks are grouped by the rule they protect, one class per group, each
check's docstring stating its rule: `OutputChecks`, `GradientChecks`,
`OutputMaskChecks`, `CompilationChecks`, `MixedPrecisionChecks`,
`SerializationChecks`, `TrainingChecks` and `InputChecks`; `MaskContract` is
all of them, on the setup in `ContractSetup`. A check that takes `config` runs once per entry
of `configs`; the others run once, on the layer built with no arguments.

The assertion helpers (`assert_close`, `assert_equal`, `assert_finite`,
`assert_mask_equal`, `check_config_round_trip`, `check_output_mask`,
`check_refuses`, `check_that`, `failing_as`, `run_layer`) write those lines;
use them in your own tests too. Only public Keras API is used, so the kit runs
on TensorFlow, JAX and PyTorch; the backend-specific pieces are `gradients`
(and `layer_gradients`, the gradients of a layer's weights and inputs, on top
of it), which uses the backend's own autodiff, and the compiled check on
PyTorch (`test_torch_compile_agrees_with_eager`).
"""

import contextlib
import inspect
import re

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keras import ops

GARBAGE_SCALE = 1e3
MASK_RULE = "compute_mask must return a bool mask with one value per output step"
CONSUMED_MASK_RULE = "a layer that consumes the mask must return None from compute_mask"
UNPADDED_RULE = "real outputs must equal an unpadded run of the row"
MASK_SHAPE_RULE = "a mask that is not (batch, time) for its input must be refused"
# What users' padding holds: zeros, huge or sentinel values, and non-finite ones.
# -1e9 is a common sentinel; under mixed_float16 it becomes -inf.
PADDING_VALUES = (0.0, 1e30, -1e9, np.inf, -np.inf, np.nan)


def check_that(ok, rule, *, expected, actual, where=""):
    """Fails with one line, `rule: expected ..., got ... [where]`, unless `ok`."""
    # pytest leaves frames that set this out of tracebacks: a failure then
    # points at the test's line, not at these helpers.
    __tracebackhide__ = True
    if not ok:
        place = f" [{where}]" if where else ""
        raise AssertionError(f"{rule}: expected {expected}, got {actual}{place}")


def error_line(error):
    """`TypeName: what broke`, on one line: Keras and backend errors run to many
    lines, the first saying what broke, or, when Keras wraps an error raised in
    `call`, the line after its "Exception encountered when calling" header."""
    lines = [
        re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        for line in str(error).splitlines()
        if line.strip()
    ]
    if len(lines) > 1 and lines[0].startswith("Exception encountered when calling"):
        lines = [f"{lines[1]} (in {lines[0].split()[-1].rstrip('.')})"]
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


@contextlib.contextmanager
def failing_as(rule, *, where=""):
    """Inside it, an error other than a check's failure fails with one line
    that names `rule`, not with the error's own many lines."""
    __tracebackhide__ = True
    try:
        yield
    except AssertionError:
        raise
    except Exception as error:
        check_that(
            False, rule, expected="no error", actual=error_line(error), where=where
        )


def _show(value):
    """One value, short: 6 significant digits for floats, quotes for strings."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _as_array(values):
    """NumPy array of `values`; bfloat16 and other extension floats as float32."""
    array = np.asarray(to_numpy(values))
    if array.dtype.kind not in "biufUS":
        array = array.astype("float32")
    return array


def _compare(actual, expected, rule, where, rtol, atol):
    __tracebackhide__ = True
    actual, expected = _as_array(actual), _as_array(expected)
    # A scalar `expected` stands for every element, as in np.testing.
    if expected.ndim:
        check_that(
            actual.shape == expected.shape,
            rule,
            expected=f"shape {expected.shape}",
            actual=f"shape {actual.shape}",
            where=where,
        )
    expected = np.broadcast_to(expected, actual.shape)
    if actual.dtype.kind in "fiu" and expected.dtype.kind in "fiu":
        a, e = actual.astype("float64"), expected.astype("float64")
        with np.errstate(invalid="ignore", over="ignore"):
            close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
            excess = np.abs(a - e) - atol - rtol * np.abs(e)
        # NaN or inf against a number is the worst mismatch there is.
        excess = np.nan_to_num(excess, nan=np.inf)
    else:
        close = actual == expected
        excess = np.ones(actual.shape)
    if close.all():
        return
    if not actual.ndim:
        check_that(
            False,
            rule,
            expected=_show(expected[()]),
            actual=_show(actual[()]),
            where=where,
        )
    index = np.unravel_index(np.argmax(np.where(close, -np.inf, excess)), close.shape)
    at = f" at {list(map(int, index))}"
    tolerance = f", rtol={rtol:g}, atol={atol:g}" if rtol or atol else ""
    count = f"{int((~close).sum())} of {close.size} values differ"
    check_that(
        False,
        rule,
        expected=_show(expected[index]) + at,
        actual=f"{_show(actual[index])} ({count} in {actual.shape}{tolerance})",
        where=where,
    )


def assert_close(actual, expected, rule, *, where="", rtol=1e-7, atol=0.0):
    """`np.testing.assert_allclose`, failing with one line that names `rule`.

    The line gives the shapes when they differ, else the worst element: its
    index, expected and actual value, and how many elements differ.
    """
    __tracebackhide__ = True
    _compare(actual, expected, rule, where, rtol, atol)


def assert_equal(actual, expected, rule, *, where=""):
    """`np.testing.assert_array_equal` (NaN equals NaN), failing with one line."""
    __tracebackhide__ = True
    _compare(actual, expected, rule, where, 0.0, 0.0)


def assert_finite(values, rule, *, where=""):
    """Every element of `values` is finite: no NaN, no inf."""
    __tracebackhide__ = True
    values = _as_array(values)
    finite = np.isfinite(values)
    if not finite.all():
        index = np.unravel_index(np.argmin(finite), finite.shape)
        count = f"{int((~finite).sum())} of {finite.size} values"
        check_that(
            False,
            rule,
            expected="finite values",
            actual=f"{_show(values[index])} at {list(map(int, index))} "
            f"({count} in {values.shape})",
            where=where,
        )


def check_same_config(actual, expected, rule, *, where=""):
    """Two `get_config()` dicts are equal; the line shows only the keys that differ."""
    __tracebackhide__ = True
    differ = sorted(
        key for key in {*actual, *expected} if actual.get(key) != expected.get(key)
    )
    check_that(
        not differ,
        rule,
        expected={key: expected.get(key) for key in differ},
        actual={key: actual.get(key) for key in differ},
        where=where,
    )


def check_refuses(function, message, rule, *, where=""):
    """`function()` raises a `ValueError` whose text holds `message` (a string,
    or a tuple of strings that must all be there)."""
    __tracebackhide__ = True
    parts = (message,) if isinstance(message, str) else tuple(message)
    try:
        function()
    except Exception as error:
        refused = isinstance(error, ValueError) and all(p in str(error) for p in parts)
        got = error_line(error)
    else:
        refused, got = False, "no error"
    check_that(
        refused,
        rule,
        expected=f"a ValueError naming {', '.join(parts)}",
        actual=got,
        where=where,
    )


def _describe_mask(mask):
    if mask is None:
        return "None"
    if isinstance(mask, (list, tuple)):
        return f"a list of {len(mask)} masks"
    shape = tuple(mask.shape)
    return f"a {shape} {keras.backend.standardize_dtype(mask.dtype)} mask"


def check_output_mask(mask, expected_shape, rule, *, where=""):
    """Checks what `compute_mask` returned before anything uses it.

    `expected_shape=None` means the mask must be `None`; otherwise it must be
    one bool tensor of that shape (symbolic shapes too: `(None, 3)`). Returns
    the mask as a NumPy array, or `None` for a symbolic mask.
    """
    __tracebackhide__ = True
    if expected_shape is None:
        check_that(
            mask is None,
            rule,
            expected="None",
            actual=_describe_mask(mask),
            where=where,
        )
        return None
    expected_shape = tuple(expected_shape)
    fits = (
        mask is not None
        and not isinstance(mask, (list, tuple))
        and keras.backend.standardize_dtype(mask.dtype) == "bool"
        and tuple(mask.shape) == expected_shape
    )
    check_that(
        fits,
        rule,
        expected=f"a {expected_shape} bool mask",
        actual=_describe_mask(mask),
        where=where,
    )
    return None if isinstance(mask, keras.KerasTensor) else to_numpy(mask)


def assert_mask_equal(mask, expected, rule, *, where=""):
    """`mask` from `compute_mask` equals `expected`, a bool array or `None`."""
    __tracebackhide__ = True
    shape = None if expected is None else np.shape(expected)
    mask = check_output_mask(mask, shape, rule, where=where)
    if expected is not None:
        assert_equal(mask, expected, rule, where=where)


def _symbolic(values):
    """KerasTensors of the shapes and dtypes of `values` (one or a list)."""
    if isinstance(values, (list, tuple)):
        return [_symbolic(value) for value in values]
    if values is None:
        return None
    return keras.KerasTensor(tuple(values.shape), dtype=values.dtype)


def run_layer(layer, inputs, mask, *, propagates_mask=True, where=""):
    """Calls `layer` eagerly; returns (outputs, output mask) as NumPy.

    The output mask is checked before the layer runs, against the output shape
    the layer declares (`compute_output_spec`), so a wrong one fails with the
    rule it breaks, not with a crash where the layer's own `call`, a test or
    Keras uses it. A layer that consumes the mask must return `None`; any
    other must return a bool mask with one value per output step (or `None`
    when no mask came in, or only `None` masks).
    """
    __tracebackhide__ = True
    output_mask = layer.compute_mask(inputs, mask)
    masks = mask if isinstance(mask, (list, tuple)) else [mask]
    if not propagates_mask:
        check_output_mask(output_mask, None, CONSUMED_MASK_RULE, where=where)
    elif output_mask is not None or any(m is not None for m in masks):
        spec = layer.compute_output_spec(_symbolic(inputs), mask=_symbolic(mask))
        output_mask = check_output_mask(
            output_mask, tuple(spec.shape[:2]), MASK_RULE, where=where
        )
    outputs = to_numpy(layer(inputs, mask=mask))
    if output_mask is not None:
        check_that(
            outputs.shape[:2] == output_mask.shape,
            "call must return the (batch, time) that compute_output_shape declares",
            expected=output_mask.shape,
            actual=outputs.shape[:2],
            where=where,
        )
    return outputs, output_mask


def run_embedded(layer, embedding, tokens, *, propagates_mask=True, where=""):
    """`run_layer` on `embedding(tokens)` with the embedding's mask.

    `tokens` is one `(batch, time)` array or a list of them. Call it before a
    model runs the layer, so a wrong output mask fails with its rule rather
    than inside the layer that consumes the mask next.
    """
    __tracebackhide__ = True
    return run_layer(
        layer,
        keras.tree.map_structure(embedding, tokens),
        keras.tree.map_structure(embedding.compute_mask, tokens),
        propagates_mask=propagates_mask,
        where=where,
    )


def assert_output_shape(layer, input_shape, expected, *, masked=False, where=""):
    """`compute_output_shape` and `compute_output_spec` both give `expected`.

    `input_shape` is one shape, or a list of shapes for a list of inputs;
    `masked=True` hands `compute_output_spec` a bool mask for each input.
    """
    __tracebackhide__ = True
    shapes = input_shape if isinstance(input_shape, list) else [input_shape]
    inputs = [keras.KerasTensor(shape) for shape in shapes]
    masks = [keras.KerasTensor(shape[:2], dtype="bool") for shape in shapes]
    if not isinstance(input_shape, list):
        inputs, masks = inputs[0], masks[0]
    spec = layer.compute_output_spec(inputs, mask=masks if masked else None)
    got = [tuple(layer.compute_output_shape(input_shape)), tuple(spec.shape)]
    check_that(
        got == [tuple(expected)] * 2,
        "compute_output_shape and compute_output_spec must give the output shape",
        expected=tuple(expected),
        actual=f"{got[0]} and {got[1]}",
        where=", ".join(filter(None, [where, f"input shape {input_shape}"])),
    )


def check_config_round_trip(layer, *, where=""):
    """get_config() holds every argument, and from_config rebuilds the layer.

    Returns the rebuilt layer. Check each layer of a model this way before
    saving it: an argument lost from the config otherwise shows as a crash
    of the reloaded model, or as other outputs, not as this rule.
    """
    __tracebackhide__ = True
    layer_class = type(layer)
    layer_config = layer.get_config()
    signature = inspect.signature(layer_class.__init__)
    arguments = [
        name
        for name, parameter in signature.parameters.items()
        if name != "self" and parameter.kind is not parameter.VAR_KEYWORD
    ]
    missing = [name for name in arguments if name not in layer_config]
    check_that(
        not missing,
        "get_config() must hold every __init__ argument",
        expected="every __init__ argument",
        actual=f"missing: {missing}",
        where=where,
    )
    rebuilt = layer_class.from_config(layer_config)
    check_same_config(
        rebuilt.get_config(),
        layer_config,
        "from_config(get_config()) must rebuild the same config",
        where=where,
    )
    return rebuilt


def assert_keras_file_round_trip(model, inputs, path, *, where=""):
    """`model`, saved to the `.keras` file `path` and loaded, gives its outputs."""
    __tracebackhide__ = True
    model.save(path)
    loaded = keras.saving.load_model(path)
    pairs = zip(keras.tree.flatten(loaded(inputs)), keras.tree.flatten(model(inputs)))
    for index, (got, want) in enumerate(pairs):
        assert_equal(
            got,
            want,
            "a .keras round trip must keep the model's outputs",
            where=f"{where}, output {index}",
        )


@keras.saving.register_keras_serializable(package="mask_contract")
class MaskProbe(keras.layers.Layer):
    """Returns the mask Keras hands to the next layer, so a model can output it.

    The output is int32 with 1 for a real step and 0 for padding, or -1 at every
    position when no mask arrived.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Accepting the mask is the point; without this Keras warns it is dropped.
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return -ops.ones_like(inputs[..., 0], dtype="int32")
        return ops.cast(mask, "int32")


def sequence_mask(lengths, time):
    """(batch,) lengths -> (batch, time) bool mask, True on the first `length` steps."""
    return np.arange(time)[None, :] < np.asarray(lengths)[:, None]


def with_garbage(x, mask, rng, scale=GARBAGE_SCALE):
    """Returns `x` with its padded steps replaced by large random values."""
    noise = (scale * rng.standard_normal(x.shape)).astype(x.dtype)
    return np.where(mask[..., None], x, noise)


def with_padding(x, mask, value):
    """Returns `x` with `value` (inf and NaN included) at every padded step."""
    return np.where(mask[..., None], x, np.float32(value))


def padded_tokens(rng, lengths, time, vocabulary_size=20):
    """(batch, time) int32 token ids in [1, vocabulary_size), 0 after each length."""
    tokens = rng.integers(1, vocabulary_size, (len(lengths), time))
    return np.where(sequence_mask(lengths, time), tokens, 0).astype("int32")


def token_batch(seed=0, batch=5, time=7, vocabulary_size=50):
    """(tokens, lengths): one full row, one empty row, the rest random lengths."""
    rng = np.random.default_rng(seed)
    lengths = np.array([time, 0, *rng.integers(1, time + 1, batch - 2)])
    return padded_tokens(rng, lengths, time, vocabulary_size), lengths


def to_numpy(x):
    return None if x is None else keras.ops.convert_to_numpy(x)


def activity_loss_divisor(batch_size):
    """What Keras divides a layer's activity loss by, for a batch of `batch_size`.

    Keras 3.14 and later divide it by the batch size; earlier releases do not.
    Measured on an `Identity` layer, so a test holds on every Keras it installs.
    """
    probe = keras.layers.Identity(activity_regularizer=keras.regularizers.L1(1.0))
    probe(np.ones((batch_size, 1), "float32"))
    (loss,) = probe.losses
    return batch_size / float(to_numpy(loss))


def gradients(fn, args):
    """Gradients of the scalar `fn(*args)` with respect to each array in `args`.

    An input the loss does not depend on gets zeros, on every backend.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        args = [tf.convert_to_tensor(a) for a in args]
        with tf.GradientTape() as tape:
            tape.watch(args)
            loss = fn(*args)
        grads = tape.gradient(
            loss, args, unconnected_gradients=tf.UnconnectedGradients.ZERO
        )
        return [g.numpy() for g in grads]
    if backend == "jax":
        import jax

        grads = jax.grad(fn, argnums=tuple(range(len(args))))(*args)
        return [np.asarray(g) for g in grads]
    if backend == "torch":
        import torch

        # Leaf tensors for autograd; Keras moves them to its device itself.
        args = [torch.tensor(a, requires_grad=True) for a in args]
        fn(*args).backward()
        return [
            (torch.zeros_like(a) if a.grad is None else a.grad).cpu().numpy()
            for a in args
        ]
    pytest.skip(f"No autodiff helper for the {backend!r} backend.")


def layer_gradients(layer, inputs, mask, upstream):
    """Gradients of `sum(outputs * upstream)` for a built `layer`.

    `inputs` is one array or a list of them, `mask` the matching mask or list
    of masks, and `upstream` an array of the outputs' shape. Returns the
    gradients of the inputs (a list, one per input) and a dict of those of
    the trainable weights, by path: the kernel's gradient is where padding
    hides from a check of the outputs (`inputs^T @ upstream`, with the zero
    upstream gradient of a padded step times its inf or NaN).
    """
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    count = len(inputs)
    packed = (lambda xs: list(xs)) if count > 1 else (lambda xs: xs[0])
    variables = layer.trainable_variables
    weights = [to_numpy(v) for v in variables]
    frozen = [v.value for v in layer.non_trainable_variables]

    def loss(*args):
        outputs, _ = layer.stateless_call(
            list(args[count:]), frozen, packed(args[:count]), mask=mask
        )
        outputs = keras.tree.flatten(outputs)[0]
        return ops.sum(outputs * ops.convert_to_tensor(upstream, outputs.dtype))

    grads = gradients(loss, [*inputs, *weights])
    return grads[:count], {v.path: g for v, g in zip(variables, grads[count:])}


def torch_compiled(fn, *, fullgraph=False):
    """`fn` under `torch.compile` with symbolic dims, and the graphs Dynamo traced.

    Dynamo's tracing is the step that can change what the layer's Python code
    does with a mask; the traced graphs then run as they are, without
    Inductor's code generation (seconds per graph, and PyTorch's own kernels).
    An empty list of graphs means nothing was compiled at all. With
    `fullgraph=True` a graph break raises instead of running that part eagerly.
    """
    import torch

    graphs = []

    def record(graph_module, example_inputs):
        graphs.append(graph_module)
        return graph_module.forward

    compiled = torch.compile(fn, dynamic=True, fullgraph=fullgraph, backend=record)
    return compiled, graphs


class ContractSetup:
    """What every group of checks shares: the attributes and the helpers.

    Attributes:
        layer_class: The layer under test.
        configs: Constructor arguments to test, keyed by a readable test id.
            A check that takes `config` runs once per entry; the others run
            once, on the layer built with no arguments.
        input_features: Feature size of each input; two entries mean the layer
            is called on a list of two inputs with a list of two masks.
        same_lengths: Whether all inputs of one row share one length (a layer
            that joins its inputs step by step needs that).
        propagates_mask: `False` for a layer that consumes the mask (e.g. a
            reduction over time): its output mask must then be `None`.
        time: Number of time steps in the fixed-size checks.

    The helpers below are the layer's call convention and its test data; a
    subclass may override them (`make_layer` to pin an argument, say).
    """

    layer_class = None
    configs = {"default": {}}
    input_features = (4,)
    same_lengths = False
    propagates_mask = True
    time = 6

    def __repr__(self):
        # Hypothesis prints it in each failing example.
        return f"{type(self).__name__}()"

    def pytest_generate_tests(self, metafunc):
        if "config" in metafunc.fixturenames:
            metafunc.parametrize(
                "config", list(self.configs.values()), ids=list(self.configs)
            )

    def make_layer(self, config=None, **kwargs):
        return self.layer_class(**{**(config or {}), **kwargs})

    def where(self, config=None, **details):
        """Names the contract, the config and the case, for a failure message."""
        config = config or {}
        name = next((repr(k) for k, v in self.configs.items() if v == config), config)
        parts = [f"{type(self).__name__} config {name}"]
        return ", ".join(parts + [f"{key} {value}" for key, value in details.items()])

    def draw_lengths(self, rng, batch, time, shortest=0):
        """One (batch,) array of lengths in [shortest, time] for each input."""
        if self.same_lengths:
            lengths = rng.integers(shortest, time + 1, size=batch)
            return [lengths] * len(self.input_features)
        return [
            rng.integers(shortest, time + 1, size=batch) for _ in self.input_features
        ]

    def make_batch(self, rng, batch=4, time=None, lengths=None, features=None):
        """Random inputs with garbage at padded steps, their bool masks and lengths."""
        time = self.time if time is None else time
        features = features or self.input_features
        if lengths is None:
            lengths = self.draw_lengths(rng, batch, time)
            # Keep one full and one empty row in every batch that has room.
            if batch >= 3:
                lengths = [np.concatenate([[time, 0], row[2:]]) for row in lengths]
        inputs, masks = [], []
        for channels, row_lengths in zip(features, lengths):
            mask = sequence_mask(row_lengths, time)
            x = rng.standard_normal((batch, time, channels)).astype("float32")
            inputs.append(with_garbage(x, mask, rng))
            masks.append(mask)
        return inputs, masks, lengths

    def pack(self, values):
        """The layer's call convention: one tensor, or a list of them."""
        return values[0] if len(self.input_features) == 1 else list(values)

    def run(self, layer, inputs, masks, where=""):
        """Calls the layer eagerly; returns (outputs, output mask) as NumPy.

        The output mask is checked first (see `run_layer`).
        """
        return run_layer(
            layer,
            self.pack(inputs),
            None if masks is None else self.pack(masks),
            propagates_mask=self.propagates_mask,
            where=where,
        )

    def real_outputs(self, outputs, output_mask, row):
        """The outputs of one row at its real positions, as the output mask says."""
        if not self.propagates_mask:
            return outputs[row]
        return outputs[row][output_mask[row]]

    def run_unpadded(self, layer, inputs, lengths, row, where=""):
        """Runs the layer on the real steps of one row alone, with no mask."""
        pieces = [x[row : row + 1, : int(n[row])] for x, n in zip(inputs, lengths)]
        outputs, _ = self.run(layer, pieces, None, where)
        return outputs[0]

    def check_unpadded_rows(self, layer, inputs, masks, lengths, where):
        """Each row's real outputs equal a run on its real steps alone."""
        __tracebackhide__ = True
        outputs, output_mask = self.run(layer, inputs, masks, where)
        for row in range(len(outputs)):
            row_lengths = [int(n[row]) for n in lengths]
            assert_close(
                self.real_outputs(outputs, output_mask, row),
                self.run_unpadded(layer, inputs, lengths, row, where),
                UNPADDED_RULE,
                where=f"{where}, row {row} of lengths {row_lengths}",
                rtol=1e-5,
                atol=1e-5,
            )

    def explicit_mask_model(self, layer):
        """A functional model with unknown batch and time dims and mask inputs."""
        xs = [keras.Input((None, c)) for c in self.input_features]
        ms = [keras.Input((None,), dtype="bool") for _ in self.input_features]
        outputs = layer(self.pack(xs), mask=self.pack(ms))
        return keras.Model([*xs, *ms], [outputs, MaskProbe()(outputs)])

    def embedded_tokens(self, vocab=20):
        """Token inputs, an Embedding(mask_zero=True) for each, and their outputs."""
        tokens = [keras.Input((None,), dtype="int32") for _ in self.input_features]
        embeddings = [
            keras.layers.Embedding(vocab, channels, mask_zero=True)
            for channels in self.input_features
        ]
        return tokens, embeddings, [e(t) for e, t in zip(embeddings, tokens)]

    def embedding_model(self, layer, vocab=20):
        """Tokens -> Embedding(mask_zero=True) -> layer -> [outputs, mask handed on].

        Returns the model and its embedding layers.
        """
        tokens, embeddings, embedded = self.embedded_tokens(vocab)
        outputs = layer(self.pack(embedded))
        model = keras.Model(self.pack(tokens), [outputs, MaskProbe()(outputs)])
        return model, embeddings

    def make_tokens(self, rng, batch=4, time=None, vocab=20):
        time = self.time if time is None else time
        lengths = self.draw_lengths(rng, batch, time)
        return [padded_tokens(rng, n, time, vocab) for n in lengths]

    def check_handed_on(self, handed_on, expected_mask, where):
        """The mask a model's MaskProbe saw after the layer, against `run`'s."""
        __tracebackhide__ = True
        if self.propagates_mask:
            assert_equal(
                handed_on,
                expected_mask.astype("int32"),
                "the output mask must reach the next layer (1 real, 0 padding)",
                where=where,
            )
        else:
            assert_equal(
                handed_on,
                -1,
                "a consumed mask must not reach the next layer (-1: no mask)",
                where=where,
            )

    def run_on_tokens(self, layer, embeddings, tokens, where):
        """`run` on embedded `tokens` (one array per input), masked where 0.

        Call it before a model runs the layer: a wrong output mask then fails
        here, with its rule, not inside the model.
        """
        embedded = [to_numpy(e(t)) for e, t in zip(embeddings, tokens)]
        return self.run(layer, embedded, [t != 0 for t in tokens], where)


class OutputChecks(ContractSetup):
    """Outputs: real steps give what they give unpadded, whatever the padding holds."""

    # Several contract classes in one session call this test on different
    # instances; it keeps no state on them, so that health check does not apply.
    # No explain phase: its notes point into NumPy, not at the layer. One bug
    # reported, not a group: the short summary then shows its line.
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[phase for phase in Phase if phase is not Phase.explain],
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.differing_executors],
    )
    @given(
        batch=st.integers(1, 8),
        time=st.integers(1, 7),
        channels=st.integers(1, 4),
        seed=st.integers(0, 2**16),
    )
    def test_real_outputs_equal_unpadded_runs(self, batch, time, channels, seed):
        """Each row's real outputs equal a run on its real steps alone."""
        rng = np.random.default_rng(seed)
        # Keep the differences between input sizes (equal sizes stay equal).
        first = self.input_features[0]
        features = tuple(channels + f - first for f in self.input_features)
        inputs, masks, lengths = self.make_batch(rng, batch, time, features=features)
        where = self.where(batch=batch, time=time, channels=channels, seed=seed)
        self.check_unpadded_rows(self.make_layer(), inputs, masks, lengths, where)

    def test_real_outputs_equal_unpadded_runs_in_every_config(self, config):
        """Every config keeps the rule, not only the default one.

        A config may change how outputs map to steps (a stride, a merge
        factor, a window), and so which outputs a row's padding reaches.
        """
        rng = np.random.default_rng(13)
        inputs, masks, lengths = self.make_batch(rng, batch=5)
        where = self.where(config)
        layer = self.make_layer(config)
        self.check_unpadded_rows(layer, inputs, masks, lengths, where)

    @pytest.mark.parametrize("padding", [-7.0, *PADDING_VALUES[1:]])
    def test_padding_values_do_not_matter(self, config, padding):
        """No value at padded steps, inf and NaN included, changes real outputs;
        every output stays finite, and is 0 wherever the output mask is False."""
        rng = np.random.default_rng(0)
        inputs, masks, _ = self.make_batch(rng)
        # Multiplying by the mask is not enough: 0 * inf and 0 * NaN are NaN.
        redrawn = [
            with_padding(x, m, np.float32(padding) * np.abs(x))
            for x, m in zip(inputs, masks)
        ]
        layer = self.make_layer(config)
        where = self.where(config, padding=f"{padding:g}")
        outputs, output_mask = self.run(layer, inputs, masks, where)
        outputs_again, _ = self.run(layer, redrawn, masks, where)
        assert_finite(
            outputs_again,
            f"padding values ({padding:g}) must leave every output finite",
            where=where,
        )
        if self.propagates_mask:
            assert_equal(
                np.where(np.expand_dims(output_mask, -1), 0.0, outputs_again),
                0.0,
                f"outputs where the output mask is False must be 0 ({padding:g} padding)",
                where=where,
            )
        # Rounding may differ by an ULP or so: a layer can take a slower,
        # select-based path only when the padding is not finite, and the two
        # paths add in a different order (on PyTorch, for one).
        for row in range(len(outputs)):
            assert_close(
                self.real_outputs(outputs_again, output_mask, row),
                self.real_outputs(outputs, output_mask, row),
                f"padding values ({padding:g}) must not change real outputs",
                where=f"{where}, row {row}",
                rtol=1e-6,
                atol=1e-6,
            )

    @pytest.mark.parametrize(
        "batch,time", [(1, 6), (4, 1), (1, 1)], ids=["B1", "T1", "B1T1"]
    )
    def test_single_row_and_single_step(self, batch, time):
        """One row or one step is no special case: real outputs equal unpadded runs."""
        rng = np.random.default_rng(6)
        inputs, masks, lengths = self.make_batch(rng, batch, time)
        where = self.where(batch=batch, time=time)
        self.check_unpadded_rows(self.make_layer(), inputs, masks, lengths, where)

    def test_fully_masked_rows_are_finite(self, config):
        """A row with no real step gives finite outputs and an all-False mask."""
        rng = np.random.default_rng(5)
        empty = [np.zeros(3, int)] * len(self.input_features)
        inputs, masks, _ = self.make_batch(rng, batch=3, lengths=empty)
        where = self.where(config)
        outputs, output_mask = self.run(self.make_layer(config), inputs, masks, where)
        assert_finite(
            outputs, "fully masked rows must give finite outputs", where=where
        )
        if self.propagates_mask:
            assert_equal(
                output_mask,
                False,
                "fully masked rows must hand on an all-False mask",
                where=where,
            )

    def test_unknown_batch_and_time_dims(self):
        """Unknown batch and time dims give the eager outputs and output mask."""
        layer = self.make_layer()
        model = self.explicit_mask_model(layer)
        where = self.where()
        check_that(
            model.outputs[0].shape[0] is None,
            "compute_output_shape must keep an unknown batch dim",
            expected="None",
            actual=model.outputs[0].shape[0],
            where=where,
        )
        rng = np.random.default_rng(7)
        for batch, time in [(2, 3), (5, 8)]:
            inputs, masks, _ = self.make_batch(rng, batch, time)
            at = f"{where}, batch {batch}, time {time}"
            expected, expected_mask = self.run(layer, inputs, masks, at)
            outputs, handed_on = (to_numpy(y) for y in model([*inputs, *masks]))
            assert_close(
                outputs,
                expected,
                "a model with unknown batch and time dims must match eager calls",
                where=at,
                rtol=1e-6,
                atol=1e-6,
            )
            if self.propagates_mask:
                self.check_handed_on(handed_on, expected_mask, at)


class GradientChecks(ContractSetup):
    """Gradients: padding gets none, so training cannot learn from it."""

    def test_no_gradient_reaches_padded_steps(self, config):
        """Padded steps get no gradient; real steps get one."""
        rng = np.random.default_rng(1)
        inputs, masks, _ = self.make_batch(rng)
        layer = self.make_layer(config)
        where = self.where(config)
        outputs, output_mask = self.run(layer, inputs, masks, where)
        weights = rng.standard_normal(outputs.shape).astype("float32")
        if self.propagates_mask:
            weights *= output_mask[..., None]

        def loss(*args):
            outputs = layer(self.pack(args), mask=self.pack(masks))
            return ops.sum(outputs * ops.convert_to_tensor(weights))

        for index, (grad, mask) in enumerate(zip(gradients(loss, inputs), masks)):
            at = f"{where}, input {index}"
            assert_equal(
                np.where(mask[..., None], 0.0, grad),
                0.0,
                "padded steps must get no gradient",
                where=at,
            )
            check_that(
                np.any(grad[mask] != 0.0),
                "real steps must get a gradient",
                expected="a non-zero gradient at some real step",
                actual="zero at every real step",
                where=at,
            )

    def test_padding_reaches_no_weight_gradient(self, config):
        """Whatever padding holds, inf and NaN included, every gradient is finite
        and equals the gradient with zeros in the padding: of each weight, and
        of each real step; padded steps get exactly 0.

        The loss reads every output, padded ones too, as a layer after this one
        that ignores the mask would.
        """
        rng = np.random.default_rng(14)
        inputs, masks, _ = self.make_batch(rng)
        layer = self.make_layer(config)
        where = self.where(config)
        outputs, _ = self.run(layer, inputs, masks, where)
        upstream = rng.standard_normal(outputs.shape).astype("float32")
        mask = self.pack(masks)

        def grads(padding):
            padded = [with_padding(x, m, padding) for x, m in zip(inputs, masks)]
            return layer_gradients(layer, self.pack(padded), mask, upstream)

        zero_inputs, zero_weights = grads(0.0)
        for padding in PADDING_VALUES[1:]:
            at = f"{where}, padding {padding:g}"
            input_grads, weight_grads = grads(padding)
            for path, grad in weight_grads.items():
                assert_finite(
                    grad,
                    "padding must not make a weight's gradient inf or NaN",
                    where=f"{at}, weight {path}",
                )
                assert_close(
                    grad,
                    zero_weights[path],
                    "padding must not change a weight's gradient",
                    where=f"{at}, weight {path}",
                    rtol=1e-5,
                    atol=1e-6,
                )
            pairs = zip(input_grads, zero_inputs, masks)
            for index, (grad, zero_grad, m) in enumerate(pairs):
                real = np.expand_dims(m, -1)
                assert_equal(
                    np.where(real, 0.0, grad),
                    0.0,
                    "padded steps must get no gradient",
                    where=f"{at}, input {index}",
                )
                assert_close(
                    np.where(real, grad, 0.0),
                    np.where(real, zero_grad, 0.0),
                    "padding must not change the gradient of a real step",
                    where=f"{at}, input {index}",
                    rtol=1e-5,
                    atol=1e-6,
                )


class OutputMaskChecks(ContractSetup):
    """The output mask: right shape, dtype and values, whatever mask comes in."""

    def test_output_mask_shape_dtype_and_values(self, config):
        """compute_mask: one bool per output step, True if real; None once consumed."""
        rng = np.random.default_rng(2)
        inputs, masks, lengths = self.make_batch(rng)
        layer = self.make_layer(config)
        where = self.where(config)
        # `run` checks that the mask is None, or bool and of the outputs' shape.
        outputs, output_mask = self.run(layer, inputs, masks, where)
        if not self.propagates_mask:
            return
        for row in range(len(outputs)):
            real = self.run_unpadded(layer, inputs, lengths, row, where).shape[0]
            assert_equal(
                output_mask[row].sum(),
                real,
                "the output mask must mark one real step per unpadded output step",
                where=f"{where}, row {row}",
            )

    def test_mask_dtypes_and_all_true_mask(self, config):
        """int and float masks act as bool ones, and mask=None as an all-True mask."""
        rng = np.random.default_rng(3)
        inputs, masks, _ = self.make_batch(rng)
        layer = self.make_layer(config)
        where = self.where(config)
        expected, expected_mask = self.run(layer, inputs, masks, where)
        for dtype in ("int32", "float32"):
            # `run` checks that the mask came back as bool.
            outputs, output_mask = self.run(
                layer,
                inputs,
                [m.astype(dtype) for m in masks],
                f"{where}, {dtype} mask",
            )
            assert_equal(
                outputs,
                expected,
                f"an {dtype} mask must give the outputs of a bool mask",
                where=where,
            )
            if self.propagates_mask:
                assert_equal(
                    output_mask,
                    expected_mask,
                    f"an {dtype} mask must give the output mask of a bool mask",
                    where=where,
                )
        # Without padding garbage: sums of values near 1e3 would round
        # differently when the two cases take different code paths.
        clean = [rng.standard_normal(x.shape).astype("float32") for x in inputs]
        full = [np.ones_like(m) for m in masks]
        assert_close(
            self.run(layer, clean, full, where)[0],
            self.run(layer, clean, None, where)[0],
            "mask=None must give the outputs of an all-True mask",
            where=where,
            rtol=1e-6,
            atol=1e-6,
        )

    def test_mask_from_embedding_reaches_next_layer(self):
        """An Embedding(mask_zero=True) mask reaches call and then the next layer."""
        rng = np.random.default_rng(4)
        tokens = self.make_tokens(rng)
        layer = self.make_layer()
        where = self.where()
        model, embeddings = self.embedding_model(layer)
        expected, expected_mask = self.run_on_tokens(layer, embeddings, tokens, where)
        outputs, handed_on = (to_numpy(y) for y in model(self.pack(tokens)))
        assert_close(
            outputs,
            expected,
            "the Embedding(mask_zero=True) mask must reach call",
            where=where,
            rtol=1e-6,
            atol=1e-6,
        )
        self.check_handed_on(handed_on, expected_mask, where)


class CompilationChecks(ContractSetup):
    """Compilation: graphs, XLA and torch.compile give the eager results."""

    def parity_model(self, layer, vocab=20):
        """One model, three ways in: explicit masks, no masks, Embedding masks.

        Outputs each branch's outputs and the mask it hands on. One model keeps
        the compiled checks to one trace per length.
        """
        xs = [keras.Input((None, c)) for c in self.input_features]
        ms = [keras.Input((None,), dtype="bool") for _ in self.input_features]
        tokens, _, embedded = self.embedded_tokens(vocab)
        branches = [
            layer(self.pack(xs), mask=self.pack(ms)),
            layer(self.pack(xs)),
            layer(self.pack(embedded)),
        ]
        outputs = [y for branch in branches for y in (branch, MaskProbe()(branch))]
        return keras.Model([*xs, *ms, *tokens], outputs)

    @pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "jit"])
    def test_eager_predict_and_jit_agree(self, jit_compile):
        """Compiled predict gives the eager outputs and mask, with any mask source."""
        if jit_compile and keras.backend.backend() == "torch":
            pytest.skip(
                "On PyTorch, test_torch_compile_agrees_with_eager compiles the "
                "layer itself."
            )
        layer = self.make_layer()
        where = self.where(jit_compile=jit_compile)
        # Eager first: a wrong output mask fails here, not inside `predict`.
        inputs, masks, _ = self.make_batch(np.random.default_rng(8), batch=8)
        self.run(layer, inputs, masks, where)
        rng = np.random.default_rng(8)
        model = self.parity_model(layer)
        model.compile(jit_compile=jit_compile)
        names = ["explicit masks", "no masks", "Embedding(mask_zero=True)"]
        # Two time lengths: one compiled model must serve any length.
        for time in (self.time, self.time + 3):
            inputs, masks, _ = self.make_batch(rng, batch=8, time=time)
            data = [*inputs, *masks, *self.make_tokens(rng, batch=8, time=time)]
            eager = [to_numpy(y) for y in model(data)]
            compiled = model.predict(data, batch_size=8, verbose=0)
            for index, (got, want) in enumerate(zip(compiled, eager)):
                kind = "outputs" if index % 2 == 0 else "handed-on mask"
                # Relative to the largest output: without a mask, the padding's
                # values near 1e3 reach the outputs, and a compiler adds them
                # in its own order, so a small output of large terms may round
                # by 1e-4.
                scale = max(float(np.abs(want).max(initial=0.0)), 1.0)
                assert_close(
                    got,
                    want,
                    f"compiled predict must give the eager {kind}",
                    where=f"{where}, {names[index // 2]}, time {time}",
                    rtol=1e-5,
                    atol=1e-5 * scale,
                )

    def test_torch_compile_agrees_with_eager(self):
        """torch.compile(fullgraph=True) of the layer gives the eager outputs and mask.

        Keras runs `jit_compile=True` on PyTorch through `torch.compile` of
        the whole predict step, but Dynamo breaks its graph in Keras's
        functional-model code and, with the three branches of `parity_model`,
        hits its recompile limit and runs the rest eagerly: that check took
        20-80 s per layer. This one compiles the layer's call and
        `compute_mask` directly, whole (`fullgraph=True`: a data-dependent
        Python branch on a mask fails here), with symbolic batch and time
        dims, and compares them with eager runs at two lengths. The Embedding
        branch is left to the eager checks on PyTorch.
        """
        if keras.backend.backend() != "torch":
            pytest.skip(
                "torch.compile is PyTorch's; test_eager_predict_and_jit_agree "
                "compiles on the other backends."
            )
        layer = self.make_layer()

        def call(*args):
            half = len(args) // 2
            inputs, masks = self.pack(args[:half]), self.pack(args[half:])
            return layer(inputs, mask=masks), layer.compute_mask(inputs, masks)

        compiled, graphs = torch_compiled(call, fullgraph=True)
        rng = np.random.default_rng(8)
        for time in (self.time, self.time + 3):
            inputs, masks, _ = self.make_batch(rng, batch=8, time=time)
            where = self.where(compiled="torch.compile", time=time)
            expected, expected_mask = self.run(layer, inputs, masks, where)
            try:
                outputs, output_mask = compiled(
                    *(ops.convert_to_tensor(a) for a in [*inputs, *masks])
                )
            except Exception as error:
                # The eager run above passed, so the error is Dynamo's; its
                # message runs to many lines, the first saying what broke.
                check_that(
                    False,
                    "torch.compile(fullgraph=True) must trace the layer whole",
                    expected="one graph",
                    actual=error_line(error),
                    where=where,
                )
            assert_close(
                outputs,
                expected,
                "torch.compile must give the eager outputs",
                where=where,
                rtol=1e-5,
                atol=1e-5,
            )
            if self.propagates_mask:
                assert_mask_equal(
                    output_mask,
                    expected_mask,
                    "torch.compile must give the eager output mask",
                    where=where,
                )
        check_that(
            graphs,
            "torch.compile must trace the layer",
            expected="at least one graph",
            actual="none",
            where=self.where(),
        )


class MixedPrecisionChecks(ContractSetup):
    """Mixed precision: the policy's dtypes, float32 weights, close outputs."""

    @pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
    def test_mixed_precision(self, policy):
        """Mixed precision: policy dtype, float32 weights, outputs near float32's."""
        rng = np.random.default_rng(9)
        inputs, masks, _ = self.make_batch(rng)
        where = self.where(policy=policy)
        reference_layer = self.make_layer()
        expected, expected_mask = self.run(reference_layer, inputs, masks, where)
        layer = self.make_layer(dtype=policy)
        self.run(layer, inputs, masks, where)
        layer.set_weights(reference_layer.get_weights())
        outputs = layer(self.pack(inputs), mask=self.pack(masks))
        spec = layer.compute_output_spec(
            self.pack([keras.KerasTensor(x.shape) for x in inputs]),
            mask=self.pack([keras.KerasTensor(m.shape, dtype="bool") for m in masks]),
        )
        dtypes = [keras.backend.standardize_dtype(outputs.dtype), spec.dtype]
        check_that(
            dtypes == [layer.compute_dtype] * 2,
            "call and compute_output_spec must give the policy's compute dtype",
            expected=layer.compute_dtype,
            actual=f"{dtypes[0]} from call, {dtypes[1]} from compute_output_spec",
            where=where,
        )
        wrong = {w.path: w.dtype for w in layer.weights if w.dtype != "float32"}
        check_that(
            not wrong,
            "weights must stay float32 under mixed precision",
            expected="float32",
            actual=wrong,
            where=where,
        )
        outputs = to_numpy(outputs).astype("float32")
        assert_finite(outputs, "mixed precision outputs must be finite", where=where)
        _, output_mask = self.run(layer, inputs, masks, where)
        for row in range(len(outputs)):
            assert_close(
                self.real_outputs(outputs, output_mask, row),
                self.real_outputs(expected, expected_mask, row),
                "mixed precision must give the float32 outputs within 0.05",
                where=f"{where}, row {row}",
                rtol=0.05,
                atol=0.05,
            )

    @pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
    def test_mixed_precision_long_rows_and_large_values(self, policy):
        """Long rows and large values give float32's results under mixed precision.

        A float16 sum over time stops at 2048 for ones and overflows past 65504,
        so a reduction over time must accumulate in float32. A -1e9 sentinel in
        the padding is -inf in float16, and NaN is NaN: neither may change a
        real result, and mask=None must give what an all-True mask gives.
        """
        reference = self.make_layer()
        layer = self.make_layer(dtype=policy)
        # Within a few roundings of the compute dtype, relative to the largest
        # output: a float16 sum of 4000 ones is 2048.
        tolerance = {"mixed_float16": 0.01, "mixed_bfloat16": 0.04}[policy]
        for time, value in [(4000, 1.0), (300, 300.0)]:
            where = self.where(policy=policy, time=time, value=value)
            inputs = [
                np.full((3, time, channels), value, "float32")
                for channels in self.input_features
            ]
            lengths = [np.array([time, time // 2, 1])] * len(self.input_features)
            masks = [sequence_mask(n, time) for n in lengths]
            expected, expected_mask = self.run(reference, inputs, masks, where)
            unmasked_expected, _ = self.run(reference, inputs, None, where)
            if not layer.built:
                self.run(layer, inputs, masks, where)
                layer.set_weights(reference.get_weights())
            atol = tolerance * max(np.abs(expected).max(), 1.0)
            for padding in (-1e9, np.nan):
                padded = [with_padding(x, m, padding) for x, m in zip(inputs, masks)]
                outputs, output_mask = self.run(layer, padded, masks, where)
                outputs = _as_array(outputs)
                for row in range(len(outputs)):
                    assert_close(
                        self.real_outputs(outputs, output_mask, row),
                        self.real_outputs(expected, expected_mask, row),
                        "long rows and large values must give float32's results",
                        where=f"{where}, padding {padding:g}, row {row}",
                        rtol=tolerance,
                        atol=atol,
                    )
            outputs, _ = self.run(layer, inputs, None, where)
            assert_close(
                _as_array(outputs),
                unmasked_expected,
                "mask=None must give float32's results under mixed precision",
                where=where,
                rtol=tolerance,
                atol=atol,
            )


class SerializationChecks(ContractSetup):
    """Serialization: every argument and the weights survive config and .keras."""

    def check_config_round_trip(self, layer, where):
        """`check_config_round_trip` of the module, for a layer under test."""
        __tracebackhide__ = True
        return check_config_round_trip(layer, where=where)

    def test_config_holds_every_argument(self, config):
        """from_config(get_config()) rebuilds a layer that gives the same results."""
        layer = self.make_layer(config)
        where = self.where(config)
        rebuilt = self.check_config_round_trip(layer, where)
        rng = np.random.default_rng(11)
        inputs, masks, _ = self.make_batch(rng)
        outputs, output_mask = self.run(layer, inputs, masks, where)
        self.run(rebuilt, inputs, masks, where)
        rebuilt.set_weights(layer.get_weights())
        rebuilt_outputs, rebuilt_mask = self.run(rebuilt, inputs, masks, where)
        assert_equal(
            rebuilt_outputs,
            outputs,
            "a layer rebuilt from its config must give the same outputs",
            where=where,
        )
        if self.propagates_mask:
            assert_equal(
                rebuilt_mask,
                output_mask,
                "a layer rebuilt from its config must give the same output mask",
                where=where,
            )

    def test_registered_for_serialization(self, config):
        """The layer is registered, so deserializing rebuilds its class and config."""
        layer = self.make_layer(config)
        where = self.where(config)
        self.check_config_round_trip(layer, where)
        restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(layer)
        )
        check_that(
            type(restored) is self.layer_class,
            "the layer must be registered with register_keras_serializable",
            expected=self.layer_class.__name__,
            actual=type(restored).__name__,
            where=where,
        )
        check_same_config(
            restored.get_config(),
            layer.get_config(),
            "a deserialized layer must have the same config",
            where=where,
        )

    def test_keras_file_round_trip(self, config, tmp_path):
        """A model holding the layer survives a .keras save and load."""
        rng = np.random.default_rng(12)
        tokens = self.make_tokens(rng)
        layer = self.make_layer(config)
        where = self.where(config)
        # Checked first: a lost argument breaks loading the weights.
        self.check_config_round_trip(layer, where)
        model, embeddings = self.embedding_model(layer)
        self.run_on_tokens(layer, embeddings, tokens, where)
        assert_keras_file_round_trip(
            model, self.pack(tokens), tmp_path / "model.keras", where=where
        )


class TrainingChecks(ContractSetup):
    """Training: fit works on masked inputs and never learns from padding."""

    def training_data(self, rng, seed):
        """64 rows of 8 steps, garbage in the padding, and a target that only
        depends on the real steps: is the first feature's sum positive?"""
        keras.utils.set_random_seed(seed)
        # Every row keeps a real step: GlobalAveragePooling1D gives NaN on empty rows.
        lengths = self.draw_lengths(rng, batch=64, time=8, shortest=1)
        inputs, masks, _ = self.make_batch(rng, batch=64, time=8, lengths=lengths)
        real_sum = sum(
            np.where(m, x[..., 0], 0.0).sum(axis=1) for x, m in zip(inputs, masks)
        )
        return inputs, masks, (real_sum > 0).astype("float32")

    def classifier(self, layer, learning_rate):
        """explicit_mask_model(layer), a masked mean if the mask is handed on,
        and a float32 sigmoid unit, compiled with Adam."""
        model = self.explicit_mask_model(layer)
        outputs = model.outputs[0]
        if self.propagates_mask:
            outputs = keras.layers.GlobalAveragePooling1D()(outputs)
        head = keras.layers.Dense(1, activation="sigmoid", dtype="float32")
        classifier = keras.Model(model.inputs, head(outputs))
        classifier.compile(
            optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy"
        )
        # On TensorFlow, `fit` would make the optimizer's variables while
        # tracing its first step, and then trace that step again without them.
        classifier.optimizer.build(classifier.trainable_variables)
        return classifier

    def test_training_ignores_padding_noise(self):
        """fit learns from real steps only: padding never changes a prediction."""
        rng = np.random.default_rng(10)
        inputs, masks, targets = self.training_data(rng, seed=10)
        layer = self.make_layer()
        where = self.where()
        # Eager first: a wrong output mask fails here, not inside `fit`.
        self.run(layer, inputs, masks, where)
        classifier = self.classifier(layer, learning_rate=0.02)
        history = classifier.fit(
            [*inputs, *masks], targets, epochs=4, batch_size=32, verbose=0
        )
        losses = history.history["loss"]
        check_that(
            losses[-1] < losses[0],
            "training on masked inputs must lower the loss",
            expected=f"a last loss below {losses[0]:.4g}",
            actual=f"{losses[-1]:.4g}",
            where=where,
        )
        redrawn = [with_garbage(x, m, rng, scale=100.0) for x, m in zip(inputs, masks)]
        assert_close(
            classifier.predict([*redrawn, *masks], verbose=0),
            classifier.predict([*inputs, *masks], verbose=0),
            "a trained model's predictions must not depend on padding",
            where=where,
            rtol=1e-5,
            atol=1e-5,
        )

    @pytest.mark.parametrize(
        "policy,padding",
        [("float32", np.nan), ("mixed_float16", -1e9)],
        ids=["float32-nan", "mixed_float16-sentinel"],
    )
    def test_fit_with_non_finite_padding_updates_every_weight(self, policy, padding):
        """Compiled fit steps update every weight and keep it finite, with NaN in
        the padding, or under mixed_float16 with a -1e9 sentinel in it.

        In float16 the sentinel is -inf. A NaN weight gradient turns every
        weight to NaN at the first step; under mixed_float16 the loss-scale
        optimizer instead skips every step, and the model never trains.
        """
        rng = np.random.default_rng(15)
        inputs, masks, targets = self.training_data(rng, seed=15)
        padded = [with_padding(x, m, padding) for x, m in zip(inputs, masks)]
        where = self.where(policy=policy, padding=f"{padding:g}")
        rule = f"fit with {padding:g} padding must run"
        # The model takes the global policy; under mixed_float16, compile then
        # wraps the optimizer in a LossScaleOptimizer, as it does for users.
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(policy)
        try:
            with failing_as(rule, where=where):
                layer = self.make_layer()
                # Eager first: a wrong output mask fails here, not inside `fit`.
                self.run(layer, padded, masks, where)
                classifier = self.classifier(layer, learning_rate=0.01)
        finally:
            keras.config.set_dtype_policy(previous)
        with failing_as(rule, where=where):
            before = [to_numpy(w) for w in classifier.trainable_weights]
            classifier.fit(
                [*padded, *masks], targets, epochs=2, batch_size=16, verbose=0
            )
        for weight, old in zip(classifier.trainable_weights, before):
            at = f"{where}, weight {weight.path}"
            new = to_numpy(weight)
            assert_finite(
                new,
                f"fit with {padding:g} padding must keep every weight finite",
                where=at,
            )
            check_that(
                np.any(new != old),
                f"fit with {padding:g} padding must update every weight",
                expected="a changed weight",
                actual="the initial weight (every step skipped, or no gradient)",
                where=at,
            )


class InputChecks(ContractSetup):
    """Bad inputs: a wrong mask or a non-3D input is refused; an empty batch runs."""

    def test_masks_of_the_wrong_shape_are_refused(self):
        """A mask that is not (batch, time) for its input raises a ValueError
        naming both shapes, eagerly and while a model with known shapes is built."""
        rng = np.random.default_rng(16)
        inputs, masks, _ = self.make_batch(rng)
        layer = self.make_layer()
        where = self.where()
        self.run(layer, inputs, masks, where)
        for index, x in enumerate(inputs):
            batch, time = x.shape[:2]
            wrong = [(batch, 1), (time,), (batch, time, 1), (batch + 1, time)]
            for shape in [*wrong, (batch, time + 1)]:
                bad = [*masks[:index], np.ones(shape, bool), *masks[index + 1 :]]
                at = f"{where}, input {index}, mask shape {shape}"
                named = ("mask", str(shape), str(x.shape))
                check_refuses(
                    lambda bad=bad: layer(self.pack(inputs), mask=self.pack(bad)),
                    named,
                    MASK_SHAPE_RULE,
                    where=at,
                )
                check_refuses(
                    lambda bad=bad: layer(
                        self.pack(_symbolic(inputs)), mask=self.pack(_symbolic(bad))
                    ),
                    named,
                    MASK_SHAPE_RULE,
                    where=f"{at}, symbolic",
                )

    def test_inputs_that_are_not_3d_are_refused(self):
        """A (batch, time) input is refused with Keras's `expected ndim=3`."""
        flat = [np.ones((2, self.time), "float32") for _ in self.input_features]
        check_refuses(
            lambda: self.make_layer()(self.pack(flat)),
            "expected ndim=3",
            "an input that is not 3D must be refused",
            where=self.where(),
        )

    @pytest.mark.parametrize("masked", [True, False], ids=["mask", "no_mask"])
    def test_empty_batch(self, masked):
        """A batch of no rows gives no rows, of the declared output shape."""
        rng = np.random.default_rng(17)
        inputs, masks, _ = self.make_batch(rng, batch=0)
        layer = self.make_layer()
        where = self.where(masked=masked)
        shape = tuple(layer.compute_output_shape(self.pack([x.shape for x in inputs])))
        try:
            outputs, _ = self.run(layer, inputs, masks if masked else None, where)
            got = f"shape {outputs.shape}"
        except Exception as error:
            got = error_line(error)
        check_that(
            got == f"shape {shape}",
            "an empty batch must give an empty batch of outputs",
            expected=f"shape {shape}",
            actual=got,
            where=where,
        )


class MaskContract(
    OutputChecks,
    GradientChecks,
    OutputMaskChecks,
    CompilationChecks,
    MixedPrecisionChecks,
    SerializationChecks,
    TrainingChecks,
    InputChecks,
):
    """The contract every masked layer keeps: all the groups of checks above.

    Subclass it and set the attributes of `ContractSetup`. A check that takes
    `config` runs once per entry of `configs`; the others run once, on the
    layer built with no arguments.
    """
