"""Each classic masking bug, put into a generated layer, makes its own suite fail.

A breakage is a few lines appended to the generated layer module that replace one
method with a broken version of itself, the way a user's edit would break it. The
generated suite must then fail on an assertion (pytest exit 1), not on an import
or collection error (exit 2), so a broken snippet cannot pass for a caught bug.
"""

import textwrap

import pytest
from bakery import VARIANTS
from bakery import bake
from bakery import run_generated_tests

LAYER = "MyMaskedLayer"
PREAMBLE = f"""

# --- deliberate breakage, appended by the template's tests ---
_original_call = {LAYER}.call
_original_compute_mask = {LAYER}.compute_mask
"""

BREAKAGES = {
    "call_ignores_mask": f"""
def _call(self, inputs, mask=None):
    return _original_call(self, inputs, mask=None)

{LAYER}.call = _call
""",
    "compute_mask_drops_mask": f"""
{LAYER}.compute_mask = lambda self, inputs, mask=None: None
""",
    "compute_mask_keeps_consumed_mask": f"""
{LAYER}.compute_mask = lambda self, inputs, mask=None: mask
""",
    "compute_mask_inverts_mask": f"""
def _compute_mask(self, inputs, mask=None):
    mask = _original_compute_mask(self, inputs, mask)
    return None if mask is None else ops.logical_not(mask)

{LAYER}.compute_mask = _compute_mask
""",
    "padding_leaks_a_fraction": f"""
def _call(self, inputs, mask=None):
    outputs = _original_call(self, inputs, mask=mask)
    pieces = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    leak = sum(ops.sum(ops.cast(x, outputs.dtype)) for x in pieces)
    return outputs + 1e-4 * leak

{LAYER}.call = _call
""",
    "get_config_loses_arguments": f"""
{LAYER}.get_config = lambda self: keras.layers.Layer.get_config(self)
""",
    "nan_on_fully_masked_rows": f"""
def _call(self, inputs, mask=None):
    outputs = _original_call(self, inputs, mask=mask)
    masks = mask if isinstance(mask, (list, tuple)) else [mask]
    masks = [ops.cast(m, "bool") for m in masks if m is not None]
    if not masks:
        return outputs
    empty = ops.logical_not(ops.any(ops.concatenate(masks, axis=1), axis=1))
    empty = ops.reshape(empty, (-1,) + (1,) * (len(outputs.shape) - 1))
    return ops.where(empty, ops.full_like(outputs, float("nan")), outputs)

{LAYER}.call = _call
""",
}

# What a variant does with the mask decides which breakages apply to it.
MASK_CONSUMERS = {"time_reduce"}
ONLY_FOR_PROPAGATING = {"compute_mask_drops_mask", "compute_mask_inverts_mask"}
ONLY_FOR_CONSUMERS = {"compute_mask_keeps_consumed_mask"}


def applies(variant, breakage):
    if breakage in ONLY_FOR_PROPAGATING:
        return variant not in MASK_CONSUMERS
    if breakage in ONLY_FOR_CONSUMERS:
        return variant in MASK_CONSUMERS
    return True


CASES = [(v, b) for v in VARIANTS for b in BREAKAGES if applies(v, b)]


@pytest.mark.slow
@pytest.mark.parametrize("variant,breakage", CASES, ids=[f"{v}-{b}" for v, b in CASES])
def test_generated_suite_catches_breakage(output_dir, tmp_path, variant, breakage):
    project = bake(output_dir, mask_variant=variant, keras_backend="tensorflow")
    module = project / "src" / "my_masked_layer" / "my_masked_layer.py"
    with module.open("a") as file:
        file.write(PREAMBLE + textwrap.dedent(BREAKAGES[breakage]))
    result = run_generated_tests(
        project, "tensorflow", "-x", "tests", tmp_path=tmp_path
    )
    assert result.returncode == 1, (
        f"{breakage} was not caught (pytest exit {result.returncode}):\n"
        + result.stdout[-3000:]
        + result.stderr[-2000:]
    )
