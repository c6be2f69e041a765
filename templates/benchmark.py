{% from "macros.jinja" import BUILTIN_TARGETS, from_import -%}
{%- set builtin %}{% block builtin_name %}{% endblock %}{% endset -%}
"""Times `{{ cookiecutter.layer_class_name }}` with a mask, without one{% block builtin_summary %}{% endblock %}.

Every candidate is compiled (`jit_compile=True` through `tf.function` on
TensorFlow, `jax.jit` on JAX, `torch.compile` under `torch.no_grad()` on
PyTorch), takes the weights as arguments, and returns both the output and the
output mask, so the cost of `compute_mask` is counted too.
Before timing, each compiled candidate is checked against its own eager call
{%- if builtin %},
and the layer against {% block builtin_against %}Keras's `{{ builtin }}`{% endblock %}{% endif %}.
After a warm-up, the candidates run in alternating rounds, so that drift in the
machine hits every side of a ratio alike; the table gives median milliseconds
per call and the ratios of those medians.

    python benchmarks/bench_{{ cookiecutter.__layer_module }}.py
    python benchmarks/bench_{{ cookiecutter.__layer_module }}.py --lengths 64 --rounds 3

It needs the package installed (`python -m pip install -e ".[dev]"`). It runs on
the {{ cookiecutter.keras_backend }} backend, or on the one `KERAS_BACKEND` names.
"""

import argparse
import os
import statistics
import time

{% include "choose_backend.py" %}
import keras
import numpy as np
from keras import ops

{{ from_import(cookiecutter.package_name, cookiecutter.layer_class_name) }}

# Ratios of median times the layer is held to (lengths not listed here: none).
TARGETS = {
    # At T=2048 the mask may cost about one select over the inputs, no more.
    ("masked", "unmasked"): {256: 2.0, 2048: 1.25},
{%- if builtin %}
    ("masked", "{{ builtin }}"): {{ BUILTIN_TARGETS[cookiecutter.mask_variant] }},
{%- endif %}
}


def compiler(torch_backend="inductor"):
    """How the backend compiles the timed calls, for the table's title."""
    return {
        "tensorflow": "XLA: tf.function(jit_compile=True)",
        "jax": "XLA: jax.jit",
        "torch": f"torch.compile(backend={torch_backend!r}, fullgraph=True, "
        "dynamic=False) under no_grad",
    }.get(keras.backend.backend(), "eager")


def compile_function(function, torch_backend="inductor"):
    """`function` compiled by the backend, as `compiler()` describes."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function, jit_compile=True)
    if backend == "jax":
        import jax

        return jax.jit(function)
    if backend == "torch":
        import torch

        # Whole (a graph break raises instead of timing a call that runs partly
        # eagerly), and for the shapes at hand, as XLA compiles.
        compiled = torch.compile(
            function, backend=torch_backend, fullgraph=True, dynamic=False
        )

        def inference(*arguments):
            # As in a predict step: no autograd graph to record.
            with torch.no_grad():
                return compiled(*arguments)

        return inference
    return function


def wait_for(outputs):
    """Blocks until `outputs` are computed (JAX dispatches asynchronously)."""
    for tensor in keras.tree.flatten(outputs):
        if hasattr(tensor, "block_until_ready"):
            tensor.block_until_ready()
    return outputs


def padded_batch(rng, batch, length, channels):
    """Float inputs with garbage padding, and a mask keeping 1/2 to all steps."""
    x = rng.normal(size=(batch, length, channels)).astype("float32")
    lengths = rng.integers(max(length // 2, 1), length + 1, size=batch)
    mask = np.arange(length) < lengths[:, None]
    x[~mask] = 1e3
    return x, mask


def as_function(layer, inputs, mask):
    """`layer`, built on `inputs` and `mask`, as a function of its weights,
    inputs and mask that returns the output and the output mask.

    The weights are arguments, as in a compiled training step. Captured as
    constants instead, they would be folded in by XLA (a zero bias vanishes
    from the unmasked call, not from the masked one) and skew the ratios.
    """

    def call(weights, inputs, mask=None):
        outputs, _ = layer.stateless_call(*weights, inputs, mask=mask)
        return outputs, layer.compute_mask(inputs, mask)

    layer(inputs, mask=mask)  # Creates the weights.
    weights = (
        [variable.value for variable in layer.trainable_variables],
        [variable.value for variable in layer.non_trainable_variables],
    )
    return call, weights


def masked_batch(batch, length, channels, seed=0):
    """`(layer, inputs, mask)`: a new layer and inputs for it with garbage
    padding, masked with no empty row."""
    rng = np.random.default_rng(seed)
{%- block masked_batch %}
    x, mask = padded_batch(rng, batch, length, channels)
    layer = {{ cookiecutter.layer_class_name }}()
    return layer, ops.convert_to_tensor(x), ops.convert_to_tensor(mask)
{%- endblock %}


def candidates(batch, length, channels, seed=0):
    """Name -> (function, arguments), all on the batch of `masked_batch`.

    Each function returns `(output, output_mask)`.
    """
    layer, inputs, mask = masked_batch(batch, length, channels, seed)
    call, weights = as_function(layer, inputs, mask)
    timed = {
        "masked": (call, (weights, inputs, mask)),
        "unmasked": (call, (weights, inputs)),
    }
{%- block builtin %}{% endblock %}
    return timed


def to_numpy(tensor):
    return None if tensor is None else ops.convert_to_numpy(tensor)


def show(value):
    """One element, short: 6 significant digits for a float."""
    value = value.item()
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def describe(array):
    return "None" if array is None else f"an array of shape {array.shape}"


def fail(rule, expected, actual, where):
    raise AssertionError(f"{rule}: expected {expected}, got {actual} [{where}]")


def check_close(actual, expected, rule, where):
    """Fails with one line, `rule: expected ..., got ... [where]`, unless
    `actual` equals `expected`: both `None`, bools equal, numbers within 1e-5.

    The line gives the worst element, its index, and how many elements differ.
    """
    actual, expected = to_numpy(actual), to_numpy(expected)
    if actual is None and expected is None:
        return
    if actual is None or expected is None or actual.shape != expected.shape:
        fail(rule, describe(expected), describe(actual), where)
    if actual.dtype == bool or expected.dtype == bool:
        close = actual == expected
        error = np.ones(close.shape)
    else:
        close = np.isclose(actual, expected, rtol=1e-5, atol=1e-5, equal_nan=True)
        # NaN against a number is the worst mismatch there is.
        error = np.nan_to_num(np.abs(actual - expected), nan=np.inf)
    if not close.all():
        index = np.unravel_index(np.argmax(np.where(close, -1, error)), close.shape)
        differ = f"{int((~close).sum())} of {close.size} values differ"
        fail(
            rule,
            f"{show(expected[index])} at {list(map(int, index))}",
            f"{show(actual[index])} ({differ})",
            where,
        )


def check_compiled(outputs, eager, where):
    """The compiled `(output, output_mask)` must be the eager call's."""
    for got, expected, kind in zip(outputs, eager, ["outputs", "output mask"]):
        rule = f"the compiled call must give the eager {kind}"
        check_close(got, expected, rule, where)
{%- block check_against_builtin %}
{%- if builtin %}


def check_against_builtin(outputs, builtin_outputs, where):
    """The layer's `(output, output_mask)` must be the built-in's, on a batch
    with no empty row, at the steps the mask keeps."""
    (output, mask), (expected, expected_mask) = [
        [to_numpy(tensor) for tensor in pair] for pair in (outputs, builtin_outputs)
    ]
    # The name from the class, not in the rules' text: their lines then keep
    # their length, and their formatting, for any class name.
    name = {{ cookiecutter.layer_class_name }}.__name__
    builtin = "{% block builtin_layers %}keras.layers.{{ builtin }}{% endblock %}"
    batch = "a batch with no empty rows"
    rule = f"{name} must give the output mask of {builtin} on {batch}"
    check_close(mask, expected_mask, rule, where)
    # The built-in may leave padded steps as they are: compare the real ones.
    if mask is not None and output.shape == expected.shape:
        expected = np.where(mask[..., None], expected, output)
    rule = f"{name} must agree with {builtin} on the real steps of {batch}"
    check_close(output, expected, rule, where)
{%- endif %}
{%- endblock %}


def median_times(functions, rounds, min_seconds):
    """Median seconds per call of each `(function, arguments)`, in alternating
    rounds: forward order in even rounds, backward in odd ones."""
    calls = {}
    for name, (function, arguments) in functions.items():
        start = time.perf_counter()
        wait_for(function(*arguments))
        calls[name] = max(1, round(min_seconds / (time.perf_counter() - start)))
    times = {name: [] for name in functions}
    order = list(functions)
    for round_index in range(rounds):
        for name in order if round_index % 2 == 0 else order[::-1]:
            function, arguments = functions[name]
            start = time.perf_counter()
            for _ in range(calls[name]):
                wait_for(function(*arguments))
            times[name].append((time.perf_counter() - start) / calls[name])
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def run(batch, channels, lengths, rounds, min_seconds, torch_backend="inductor"):
    """Checks and times every candidate at every length; returns one row per length."""
    rows = []
    for length in lengths:
        functions = {}
        eager = {}
        for name, (function, arguments) in candidates(batch, length, channels).items():
            eager[name] = function(*arguments)
            compiled = compile_function(function, torch_backend)
            outputs = wait_for(compiled(*arguments))
            check_compiled(outputs, eager[name], f"candidate {name!r}, T={length}")
            functions[name] = (compiled, arguments)
{%- block check_builtin %}
{%- if builtin %}
        builtin_outputs = eager["{{ builtin }}"]
        check_against_builtin(eager["masked"], builtin_outputs, f"T={length}")
{%- endif %}
{%- endblock %}
        medians = median_times(functions, rounds, min_seconds)
        ratios = {pair: medians[pair[0]] / medians[pair[1]] for pair in TARGETS}
        rows.append({"length": length, "seconds": medians, "ratios": ratios})
    return rows


def table(rows, batch, channels, torch_backend="inductor"):
    """A Markdown table of `rows`; a ratio over its target is flagged MISSED."""
    names = list(rows[0]["seconds"])
    pairs = list(TARGETS)
    header = ["T", *(f"{name} (ms)" for name in names)]
    header += [f"{a} / {b}" for a, b in pairs]
    backend = keras.backend.backend()
    lines = [
        f"{backend} backend ({compiler(torch_backend)}), B={batch}, C={channels}, "
        "median time per call",
        "",
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    for row in rows:
        cells = [str(row["length"])]
        cells += [f"{row['seconds'][name] * 1e3:.3f}" for name in names]
        for pair in pairs:
            ratio = row["ratios"][pair]
            target = TARGETS[pair].get(row["length"])
            cell = f"{ratio:.2f}"
            if target is not None:
                cell += f" (target <= {target}{'' if ratio <= target else ', MISSED'})"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 2048])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=0.05,
        help="time per candidate per round, from which the number of calls follows",
    )
    parser.add_argument(
        "--torch-backend",
        default="inductor",
        help="torch.compile's backend on PyTorch; the tests use 'eager', which "
        "traces the same graph and skips Inductor's code generation",
    )
    args = parser.parse_args(argv)
    rows = run(
        args.batch,
        args.channels,
        args.lengths,
        args.rounds,
        args.min_seconds,
        args.torch_backend,
    )
    print(table(rows, args.batch, args.channels, args.torch_backend))
    return rows


if __name__ == "__main__":
    main()
