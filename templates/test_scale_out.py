{%- from "macros.jinja" import from_import, propagates_mask -%}
"""The example model on two devices, and exported as a TensorFlow SavedModel.

Marked `scale_out`, so a plain `python -m pytest` leaves them out; run them with
`python -m pytest -m scale_out`. Devices must be set up before the backend
starts (two logical CPUs for TensorFlow, `XLA_FLAGS` for JAX), and the test
process started it long ago: so each training comparison runs this file as a
script in a fresh interpreter, which saves its results for the test to check.
"""

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
{% block kit_imports -%}
from mask_contract import assert_close
from mask_contract import check_that
from mask_contract import padded_tokens
from mask_contract import run_embedded
from mask_contract import to_numpy
{%- endblock %}

{{ from_import(cookiecutter.package_name ~ ".masked_model", "MaskedSequenceModel") }}
{{ from_import(cookiecutter.package_name ~ ".masked_model", "build_functional_model") }}

pytestmark = pytest.mark.scale_out

BACKEND = keras.backend.backend()
PROJECT = Path(__file__).resolve().parents[1]
VOCABULARY_SIZE = 50
TIME = 7
GLOBAL_BATCH = 8
BATCHES = 2
EPOCHS = 2
# One device sums a batch's gradients in one order, two devices sum each half
# and then the halves: float32 rounding makes the weights differ by up to about
# 3e-8 here. Every weight must move by at least MIN_MOVE, far above ATOL.
RTOL = 1e-5
ATOL = 1e-6
MIN_MOVE = 1e-4


{% block token_inputs -%}
def token_inputs(rng, batch):
    """`(batch, TIME)` token ids: 1 to TIME real tokens a row, then padding (0)."""
    lengths = rng.integers(1, TIME + 1, batch)
    return padded_tokens(rng, lengths, TIME, VOCABULARY_SIZE)
{%- endblock %}


{% block check_masked_layer -%}
def check_masked_layer(inputs):
    """Runs the example model's masked layer alone on `inputs` first.

    A wrong output mask then fails here with the rule it breaks, not as a
    crash of the training script or inside the exported model.
    """
    model = MaskedSequenceModel(vocabulary_size=VOCABULARY_SIZE)
    run_embedded(
        model.masked_layer,
        model.embedding,
        inputs,
        propagates_mask={{ propagates_mask(cookiecutter.mask_variant) }},
        where="MaskedSequenceModel on token_inputs()",
    )
{%- endblock %}


def two_device_scope():
    """Sets up two CPU devices; returns the scope to train in and its replicas."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        return strategy.scope(), strategy.num_replicas_in_sync
    # XLA_FLAGS, set by the test, gave JAX two host devices.
    distribution = keras.distribution.DataParallel(
        devices=keras.distribution.list_devices()
    )
    return distribution.scope(), distribution.device_mesh.shape[0]


def variable_devices(variable):
    """How many devices hold a copy of `variable`."""
    if BACKEND == "tensorflow":
        return len(getattr(variable.value, "values", [variable.value]))
    return len(variable.value.sharding.device_set)


def train(model, inputs, labels):
    """BATCHES * EPOCHS steps of plain SGD; returns the loss of each epoch.

    Plain SGD, not Adam: Adam divides by the gradient's size, so it would train
    the same with gradients summed instead of averaged over the replicas.
    """
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(
        inputs,
        labels,
        batch_size=GLOBAL_BATCH,
        epochs=EPOCHS,
        shuffle=False,
        verbose=0,
    )
    return np.array(history.history["loss"])


def train_on_one_and_two_devices(result_file):
    """The same steps from the same weights on one device and on two."""
    scope, replicas = two_device_scope()
    rng = np.random.default_rng(0)
    inputs = token_inputs(rng, GLOBAL_BATCH * BATCHES)
    labels = rng.integers(0, 2, GLOBAL_BATCH * BATCHES)
    single = MaskedSequenceModel(vocabulary_size=VOCABULARY_SIZE)
    single(inputs)
    initial = single.get_weights()
    single_loss = train(single, inputs, labels)
    with scope:
        distributed = MaskedSequenceModel(vocabulary_size=VOCABULARY_SIZE)
        distributed(inputs)
        distributed.set_weights(initial)
        distributed_loss = train(distributed, inputs, labels)
    np.savez(
        result_file,
        replicas=replicas,
        variable_devices=[variable_devices(v) for v in distributed.weights],
        single_loss=single_loss,
        distributed_loss=distributed_loss,
        **{f"initial_{i}": w for i, w in enumerate(initial)},
        **{f"single_{i}": w for i, w in enumerate(single.get_weights())},
        **{f"distributed_{i}": w for i, w in enumerate(distributed.get_weights())},
    )


def run_in_fresh_interpreter(tmp_path, **env):
    """Runs `train_on_one_and_two_devices` in a new process; returns its results."""
    result_file = tmp_path / "result.npz"
    python_path = os.pathsep.join(
        filter(None, [str(PROJECT / "src"), os.environ.get("PYTHONPATH")])
    )
    completed = subprocess.run(
        [sys.executable, __file__, str(result_file)],
        cwd=PROJECT,
        env={
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **os.environ,
            "KERAS_BACKEND": BACKEND,
            "PYTHONPATH": python_path,
            **env,
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    last_line = (completed.stderr.strip().splitlines() or [""])[-1]
    assert completed.returncode == 0, (
        f"training in a fresh interpreter must succeed: expected exit code 0, "
        f"got {completed.returncode} ({last_line})\n{completed.stderr[-4000:]}"
    )
    with np.load(result_file) as result:
        return dict(result)


def assert_trains_like_one_device(result):
    check_that(
        result["replicas"] == 2,
        "training must run on two replicas",
        expected=2,
        actual=int(result["replicas"]),
    )
    check_that(
        np.all(result["variable_devices"] == 2),
        "every weight must be copied to both devices",
        expected="2 devices per weight",
        actual=result["variable_devices"].tolist(),
    )
    assert_close(
        result["distributed_loss"],
        result["single_loss"],
        "two devices must give the losses of one",
        rtol=RTOL,
        atol=ATOL,
    )
    for i in range(len(result["variable_devices"])):
        initial = result[f"initial_{i}"]
        single = result[f"single_{i}"]
        # Weights that did not move would agree whatever the devices did.
        moved = np.abs(single - initial).max()
        check_that(
            moved > MIN_MOVE,
            "training must move every weight",
            expected=f"a change above {MIN_MOVE:g}",
            actual=f"{moved:.3g}",
            where=f"weight {i}",
        )
        assert_close(
            result[f"distributed_{i}"],
            single,
            "two devices must train the weights of one",
            where=f"weight {i}",
            rtol=RTOL,
            atol=ATOL,
        )


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason=f"MirroredStrategy needs KERAS_BACKEND=tensorflow, not {BACKEND}",
)
def test_mirrored_strategy_on_two_cpus_trains_like_one_device(tmp_path):
    check_masked_layer(token_inputs(np.random.default_rng(0), GLOBAL_BATCH))
    assert_trains_like_one_device(run_in_fresh_interpreter(tmp_path))


@pytest.mark.skipif(
    BACKEND != "jax",
    reason=f"this DataParallel test needs KERAS_BACKEND=jax, not {BACKEND}",
)
def test_data_parallel_on_two_jax_cpus_trains_like_one_device(tmp_path):
    check_masked_layer(token_inputs(np.random.default_rng(0), GLOBAL_BATCH))
    xla_flags = os.environ.get("XLA_FLAGS", "")
    xla_flags += " --xla_force_host_platform_device_count=2"
    assert_trains_like_one_device(
        run_in_fresh_interpreter(tmp_path, XLA_FLAGS=xla_flags.strip())
    )


def more_padding(inputs, steps=3):
    return keras.tree.map_structure(
        lambda tokens: np.pad(tokens, [(0, 0), (0, steps)]), inputs
    )


def row_without_padding(inputs, row):
    return keras.tree.map_structure(
        lambda tokens: tokens[row : row + 1, : np.count_nonzero(tokens[row])], inputs
    )


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason=f"SavedModel export is tested with KERAS_BACKEND=tensorflow, not {BACKEND}",
)
def test_exported_saved_model_serves_padded_batches_like_keras(tmp_path):
    import tensorflow as tf

    inputs = token_inputs(np.random.default_rng(1), GLOBAL_BATCH)
    check_masked_layer(inputs)
    model = build_functional_model(MaskedSequenceModel(vocabulary_size=VOCABULARY_SIZE))
    expected = to_numpy(model(inputs))
    model.export(str(tmp_path / "saved_model"), verbose=False)
    # Keep the loaded object: its variables die with it.
    reloaded = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = reloaded.serve(inputs).numpy()
    assert_close(
        outputs,
        expected,
        "the SavedModel must give the Keras model's outputs",
        rtol=1e-6,
        atol=1e-6,
    )
    # The masks survived export: more padding changes nothing, and each row
    # gives what it gives alone, unpadded.
    assert_close(
        reloaded.serve(more_padding(inputs)).numpy(),
        outputs,
        "more padding must not change the SavedModel's outputs",
        rtol=1e-6,
        atol=1e-6,
    )
    for row in range(GLOBAL_BATCH):
        alone = reloaded.serve(row_without_padding(inputs, row)).numpy()
        # A batched matmul and a one-row matmul may round differently.
        assert_close(
            outputs[row],
            alone[0],
            "each row must give what it gives alone, unpadded",
            where=f"SavedModel, row {row}",
            rtol=1e-5,
            atol=1e-5,
        )


if __name__ == "__main__":
    train_on_one_and_two_devices(sys.argv[1])
