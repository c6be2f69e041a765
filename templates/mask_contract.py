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
arguments lost on save/load. Only public Keras API is used, so the kit runs on
TensorFlow, JAX and PyTorch; the backend-specific pieces are `gradients`, which
uses the backend's own autodiff, and the compiled check on PyTorch (see
`test_eager_predict_and_jit_agree`).
"""

import inspect

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keras import ops

GARBAGE_SCALE = 1e3


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


def torch_compiled(fn):
    """`fn` under `torch.compile` with symbolic dims, and the graphs Dynamo traced.

    Dynamo's tracing is the step that can change what the layer's Python code
    does with a mask; the traced graphs then run as they are, without
    Inductor's code generation (seconds per graph, and PyTorch's own kernels).
    An empty list of graphs means nothing was compiled at all.
    """
    import torch

    graphs = []

    def record(graph_module, example_inputs):
        graphs.append(graph_module)
        return graph_module.forward

    return torch.compile(fn, dynamic=True, backend=record), graphs


class MaskContract:
    """The contract every masked layer keeps. Subclass it and set the attributes.

    Attributes:
        layer_class: The layer under test.
        configs: Constructor arguments to test, keyed by a readable test id.
        input_features: Feature size of each input; two entries mean the layer
            is called on a list of two inputs with a list of two masks.
        same_lengths: Whether all inputs of one row share one length (a layer
            that joins its inputs step by step needs that).
        propagates_mask: `False` for a layer that consumes the mask (e.g. a
            reduction over time): its output mask must then be `None`.
        time: Number of time steps in the fixed-size checks.
    """

    layer_class = None
    configs = {"default": {}}
    input_features = (4,)
    same_lengths = False
    propagates_mask = True
    time = 6

    def pytest_generate_tests(self, metafunc):
        if "config" in metafunc.fixturenames:
            metafunc.parametrize(
                "config", list(self.configs.values()), ids=list(self.configs)
            )

    # Helpers a subclass may override.

    def make_layer(self, config=None, **kwargs):
        return self.layer_class(**{**(config or {}), **kwargs})

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

    def run(self, layer, inputs, masks):
        """Calls the layer eagerly; returns (outputs, output mask) as NumPy."""
        inputs, masks = self.pack(inputs), None if masks is None else self.pack(masks)
        outputs = layer(inputs, mask=masks)
        return to_numpy(outputs), to_numpy(layer.compute_mask(inputs, masks))

    def real_outputs(self, outputs, output_mask, row):
        """The outputs of one row at its real positions, as the output mask says."""
        if not self.propagates_mask:
            return outputs[row]
        return outputs[row][output_mask[row]]

    def run_unpadded(self, layer, inputs, lengths, row):
        """Runs the layer on the real steps of one row alone, with no mask."""
        pieces = [x[row : row + 1, : int(n[row])] for x, n in zip(inputs, lengths)]
        outputs, _ = self.run(layer, pieces, None)
        return outputs[0]

    # 1. Length invariance, property-based.

    # Several contract classes in one session call this test on different
    # instances; it keeps no state on them, so that health check does not apply.
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.differing_executors],
    )
    @given(
        batch=st.integers(1, 8),
        time=st.integers(1, 7),
        channels=st.integers(1, 4),
        seed=st.integers(0, 2**16),
    )
    def test_real_outputs_equal_unpadded_runs(self, batch, time, channels, seed):
        rng = np.random.default_rng(seed)
        # Keep the differences between input sizes (equal sizes stay equal).
        first = self.input_features[0]
        features = tuple(channels + f - first for f in self.input_features)
        inputs, masks, lengths = self.make_batch(rng, batch, time, features=features)
        layer = self.make_layer()
        outputs, output_mask = self.run(layer, inputs, masks)
        for row in range(batch):
            np.testing.assert_allclose(
                self.real_outputs(outputs, output_mask, row),
                self.run_unpadded(layer, inputs, lengths, row),
                rtol=1e-5,
                atol=1e-5,
                err_msg=f"row {row} with lengths {[int(n[row]) for n in lengths]}",
            )

    @pytest.mark.parametrize("padding", [-7.0, np.inf, -np.inf, np.nan])
    def test_padding_values_do_not_matter(self, config, padding):
        rng = np.random.default_rng(0)
        inputs, masks, _ = self.make_batch(rng)
        # Multiplying by the mask is not enough: 0 * inf and 0 * NaN are NaN.
        redrawn = [
            np.where(m[..., None], x, np.float32(padding) * np.abs(x))
            for x, m in zip(inputs, masks)
        ]
        layer = self.make_layer(config)
        outputs, output_mask = self.run(layer, inputs, masks)
        outputs_again, _ = self.run(layer, redrawn, masks)
        # Rounding may differ by an ULP or so: a layer can take a slower,
        # select-based path only when the padding is not finite, and the two
        # paths add in a different order (on PyTorch, for one).
        for row in range(len(outputs)):
            np.testing.assert_allclose(
                self.real_outputs(outputs_again, output_mask, row),
                self.real_outputs(outputs, output_mask, row),
                rtol=1e-6,
                atol=1e-6,
                err_msg=f"row {row}",
            )

    # 2. Gradient isolation.

    def test_no_gradient_reaches_padded_steps(self, config):
        rng = np.random.default_rng(1)
        inputs, masks, _ = self.make_batch(rng)
        layer = self.make_layer(config)
        outputs, output_mask = self.run(layer, inputs, masks)
        weights = rng.standard_normal(outputs.shape).astype("float32")
        if self.propagates_mask:
            weights *= output_mask[..., None]

        def loss(*args):
            outputs = layer(self.pack(args), mask=self.pack(masks))
            return ops.sum(outputs * ops.convert_to_tensor(weights))

        for grad, mask in zip(gradients(loss, inputs), masks):
            assert np.all(grad[~mask] == 0.0), "a padded step has a gradient"
            assert np.any(grad[mask] != 0.0), "no real step has a gradient"

    # 3. compute_mask.

    def test_output_mask_shape_dtype_and_values(self, config):
        rng = np.random.default_rng(2)
        inputs, masks, lengths = self.make_batch(rng)
        layer = self.make_layer(config)
        outputs, output_mask = self.run(layer, inputs, masks)
        if not self.propagates_mask:
            assert output_mask is None, "a layer that consumes the mask returns None"
            return
        assert output_mask is not None, "compute_mask dropped the mask"
        assert output_mask.dtype == np.bool_
        assert output_mask.shape == outputs.shape[:2]
        for row in range(len(outputs)):
            real = self.run_unpadded(layer, inputs, lengths, row).shape[0]
            assert output_mask[row].sum() == real, (
                f"row {row}: wrong number of real steps"
            )

    def test_mask_dtypes_and_all_true_mask(self, config):
        rng = np.random.default_rng(3)
        inputs, masks, _ = self.make_batch(rng)
        layer = self.make_layer(config)
        expected, expected_mask = self.run(layer, inputs, masks)
        for dtype in ("int32", "float32"):
            outputs, output_mask = self.run(
                layer, inputs, [m.astype(dtype) for m in masks]
            )
            np.testing.assert_array_equal(outputs, expected, err_msg=f"{dtype} mask")
            if self.propagates_mask:
                assert output_mask.dtype == np.bool_, f"{dtype} mask not cast to bool"
                np.testing.assert_array_equal(output_mask, expected_mask)
        # Without padding garbage: sums of values near 1e3 would round
        # differently when the two cases take different code paths.
        clean = [rng.standard_normal(x.shape).astype("float32") for x in inputs]
        full = [np.ones_like(m) for m in masks]
        np.testing.assert_allclose(
            self.run(layer, clean, full)[0],
            self.run(layer, clean, None)[0],
            rtol=1e-6,
            atol=1e-6,
            err_msg="mask=None must equal an all-True mask",
        )

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

    def test_mask_from_embedding_reaches_next_layer(self):
        rng = np.random.default_rng(4)
        tokens = self.make_tokens(rng)
        layer = self.make_layer()
        model, embeddings = self.embedding_model(layer)
        outputs, handed_on = (to_numpy(y) for y in model(self.pack(tokens)))
        embedded = [to_numpy(e(t)) for e, t in zip(embeddings, tokens)]
        expected, expected_mask = self.run(layer, embedded, [t != 0 for t in tokens])
        np.testing.assert_allclose(outputs, expected, rtol=1e-6, atol=1e-6)
        if self.propagates_mask:
            np.testing.assert_array_equal(handed_on, expected_mask.astype("int32"))
        else:
            assert np.all(handed_on == -1), "the mask was handed on, not consumed"

    # 4. Edges.

    def test_fully_masked_rows_are_finite(self, config):
        rng = np.random.default_rng(5)
        empty = [np.zeros(3, int)] * len(self.input_features)
        inputs, masks, _ = self.make_batch(rng, batch=3, lengths=empty)
        outputs, output_mask = self.run(self.make_layer(config), inputs, masks)
        assert np.all(np.isfinite(outputs)), "a fully masked row gave NaN or inf"
        if self.propagates_mask:
            assert not output_mask.any()

    @pytest.mark.parametrize(
        "batch,time", [(1, 6), (4, 1), (1, 1)], ids=["B1", "T1", "B1T1"]
    )
    def test_single_row_and_single_step(self, batch, time):
        rng = np.random.default_rng(6)
        inputs, masks, lengths = self.make_batch(rng, batch, time)
        layer = self.make_layer()
        outputs, output_mask = self.run(layer, inputs, masks)
        for row in range(batch):
            np.testing.assert_allclose(
                self.real_outputs(outputs, output_mask, row),
                self.run_unpadded(layer, inputs, lengths, row),
                rtol=1e-5,
                atol=1e-5,
            )

    def explicit_mask_model(self, layer):
        """A functional model with unknown batch and time dims and mask inputs."""
        xs = [keras.Input((None, c)) for c in self.input_features]
        ms = [keras.Input((None,), dtype="bool") for _ in self.input_features]
        outputs = layer(self.pack(xs), mask=self.pack(ms))
        return keras.Model([*xs, *ms], [outputs, MaskProbe()(outputs)])

    def test_unknown_batch_and_time_dims(self):
        layer = self.make_layer()
        model = self.explicit_mask_model(layer)
        assert model.outputs[0].shape[0] is None
        rng = np.random.default_rng(7)
        for batch, time in [(2, 3), (5, 8)]:
            inputs, masks, _ = self.make_batch(rng, batch, time)
            outputs, handed_on = (to_numpy(y) for y in model([*inputs, *masks]))
            expected, expected_mask = self.run(layer, inputs, masks)
            np.testing.assert_allclose(outputs, expected, rtol=1e-6, atol=1e-6)
            if self.propagates_mask:
                np.testing.assert_array_equal(handed_on, expected_mask.astype("int32"))

    # 5. Compiled parity.

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
        if jit_compile and keras.backend.backend() == "torch":
            self.check_torch_compile()
            return
        rng = np.random.default_rng(8)
        model = self.parity_model(self.make_layer())
        model.compile(jit_compile=jit_compile)
        names = ["explicit masks", "no masks", "Embedding(mask_zero=True)"]
        # Two time lengths: one compiled model must serve any length.
        for time in (self.time, self.time + 3):
            inputs, masks, _ = self.make_batch(rng, batch=8, time=time)
            data = [*inputs, *masks, *self.make_tokens(rng, batch=8, time=time)]
            eager = [to_numpy(y) for y in model(data)]
            compiled = model.predict(data, batch_size=8, verbose=0)
            for index, (got, want) in enumerate(zip(compiled, eager)):
                np.testing.assert_allclose(
                    got,
                    want,
                    rtol=1e-5,
                    atol=1e-5,
                    err_msg=f"{names[index // 2]}, T={time}",
                )

    def check_torch_compile(self):
        """`jit_compile=True` on PyTorch, checked on the layer itself.

        Keras runs `jit_compile=True` on PyTorch through `torch.compile` of
        the whole predict step, but Dynamo breaks its graph in Keras's
        functional-model code and, with the three branches of `parity_model`,
        hits its recompile limit and runs the rest eagerly: that check took
        20-80 s per layer. This one compiles the layer's call and
        `compute_mask` directly, with symbolic batch and time dims, and
        compares them with eager runs at two lengths. The Embedding branch is
        left to the eager checks on PyTorch.
        """
        layer = self.make_layer()

        def call(*args):
            half = len(args) // 2
            inputs, masks = self.pack(args[:half]), self.pack(args[half:])
            return layer(inputs, mask=masks), layer.compute_mask(inputs, masks)

        compiled, graphs = torch_compiled(call)
        rng = np.random.default_rng(8)
        for time in (self.time, self.time + 3):
            inputs, masks, _ = self.make_batch(rng, batch=8, time=time)
            outputs, output_mask = compiled(
                *(ops.convert_to_tensor(a) for a in [*inputs, *masks])
            )
            expected, expected_mask = self.run(layer, inputs, masks)
            np.testing.assert_allclose(
                to_numpy(outputs), expected, rtol=1e-5, atol=1e-5, err_msg=f"T={time}"
            )
            if self.propagates_mask:
                np.testing.assert_array_equal(to_numpy(output_mask), expected_mask)
        assert graphs, "torch.compile traced nothing of the layer"

    # 6. Mixed precision.

    @pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
    def test_mixed_precision(self, policy):
        rng = np.random.default_rng(9)
        inputs, masks, _ = self.make_batch(rng)
        reference_layer = self.make_layer()
        expected, expected_mask = self.run(reference_layer, inputs, masks)
        layer = self.make_layer(dtype=policy)
        self.run(layer, inputs, masks)
        layer.set_weights(reference_layer.get_weights())
        outputs = layer(self.pack(inputs), mask=self.pack(masks))
        spec = layer.compute_output_spec(
            self.pack([keras.KerasTensor(x.shape) for x in inputs]),
            mask=self.pack([keras.KerasTensor(m.shape, dtype="bool") for m in masks]),
        )
        assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
        assert spec.dtype == layer.compute_dtype
        assert all(w.dtype == "float32" for w in layer.weights)
        outputs = to_numpy(outputs).astype("float32")
        assert np.all(np.isfinite(outputs))
        _, output_mask = self.run(layer, inputs, masks)
        for row in range(len(outputs)):
            np.testing.assert_allclose(
                self.real_outputs(outputs, output_mask, row),
                self.real_outputs(expected, expected_mask, row),
                rtol=0.05,
                atol=0.05,
            )

    # 7. Training.

    def test_training_ignores_padding_noise(self):
        rng = np.random.default_rng(10)
        keras.utils.set_random_seed(10)
        # Every row keeps a real step: GlobalAveragePooling1D gives NaN on empty rows.
        lengths = self.draw_lengths(rng, batch=64, time=8, shortest=1)
        inputs, masks, _ = self.make_batch(rng, batch=64, time=8, lengths=lengths)
        # The target only depends on real steps: is the first feature's sum positive?
        real_sum = sum(
            np.where(m, x[..., 0], 0.0).sum(axis=1) for x, m in zip(inputs, masks)
        )
        targets = (real_sum > 0).astype("float32")
        layer = self.make_layer()
        model = self.explicit_mask_model(layer)
        outputs = model.outputs[0]
        if self.propagates_mask:
            outputs = keras.layers.GlobalAveragePooling1D()(outputs)
        head = keras.layers.Dense(1, activation="sigmoid")(outputs)
        classifier = keras.Model(model.inputs, head)
        classifier.compile(
            optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy"
        )
        history = classifier.fit(
            [*inputs, *masks], targets, epochs=4, batch_size=32, verbose=0
        )
        losses = history.history["loss"]
        assert losses[-1] < losses[0], f"the loss did not decrease: {losses}"
        redrawn = [with_garbage(x, m, rng, scale=100.0) for x, m in zip(inputs, masks)]
        np.testing.assert_allclose(
            classifier.predict([*redrawn, *masks], verbose=0),
            classifier.predict([*inputs, *masks], verbose=0),
            rtol=1e-5,
            atol=1e-5,
        )

    # 8. Serialization.

    def test_config_holds_every_argument(self, config):
        layer = self.make_layer(config)
        layer_config = layer.get_config()
        signature = inspect.signature(self.layer_class.__init__)
        for name, parameter in signature.parameters.items():
            if name == "self" or parameter.kind is parameter.VAR_KEYWORD:
                continue
            assert name in layer_config, f"get_config() lost the argument {name!r}"
        rebuilt = self.layer_class.from_config(layer_config)
        assert rebuilt.get_config() == layer_config

        rng = np.random.default_rng(11)
        inputs, masks, _ = self.make_batch(rng)
        outputs, output_mask = self.run(layer, inputs, masks)
        self.run(rebuilt, inputs, masks)
        rebuilt.set_weights(layer.get_weights())
        rebuilt_outputs, rebuilt_mask = self.run(rebuilt, inputs, masks)
        np.testing.assert_array_equal(rebuilt_outputs, outputs)
        if self.propagates_mask:
            np.testing.assert_array_equal(rebuilt_mask, output_mask)

    def test_registered_for_serialization(self, config):
        layer = self.make_layer(config)
        restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(layer)
        )
        assert type(restored) is self.layer_class
        assert restored.get_config() == layer.get_config()

    def test_keras_file_round_trip(self, config, tmp_path):
        rng = np.random.default_rng(12)
        tokens = self.pack(self.make_tokens(rng))
        model, _ = self.embedding_model(self.make_layer(config))
        path = tmp_path / "model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        for got, want in zip(loaded(tokens), model(tokens)):
            np.testing.assert_array_equal(to_numpy(got), to_numpy(want))
