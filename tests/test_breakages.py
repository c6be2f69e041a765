"""Each classic masking bug, put into a generated layer, makes its own suite fail,
and every failing test says which rule broke in one plain line.

A breakage is a few lines appended to the generated layer module that replace one
method with a broken version of itself, the way a user's edit would break it. The
generated suite must then fail on assertions (pytest exit 1), not on an import
or collection error (exit 2), so a broken snippet cannot pass for a caught bug.
The whole suite runs, not just up to the first failure, and each line of its
short summary must be an `AssertionError` of the form `rule: expected ..., got
...`: a `TypeError` from a `None` mask or a backend error from deep in Keras
would tell the user nothing about what they broke.
"""

import re
import textwrap

import pytest
from bakery import TEMPLATE
from bakery import VARIANTS
from bakery import copy_of_bake
from bakery import run_generated_tests

LAYER = "MyMaskedLayer"
PREAMBLE = f"""

# --- deliberate breakage, appended by the template's tests ---
_original_call = {LAYER}.call
_original_compute_mask = {LAYER}.compute_mask
"""

BREAKAGES = {
    "call_ignores_mask": f"""
def _call(self, inputs, mask=None, **kwargs):
    return _original_call(self, inputs, mask=None, **kwargs)

{LAYER}.call = _call
""",
    "compute_mask_drops_mask": f"""
{LAYER}.compute_mask = lambda self, inputs, mask=None: None
""",
    "compute_mask_returns_input_mask": f"""
{LAYER}.compute_mask = lambda self, inputs, mask=None: mask
""",
    "compute_mask_returns_first_input_mask": f"""
def _compute_mask(self, inputs, mask=None):
    return mask[0] if isinstance(mask, (list, tuple)) else mask

{LAYER}.compute_mask = _compute_mask
""",
    "compute_mask_inverts_mask": f"""
def _compute_mask(self, inputs, mask=None):
    mask = _original_compute_mask(self, inputs, mask)
    return None if mask is None else ops.logical_not(mask)

{LAYER}.compute_mask = _compute_mask
""",
    "call_inverts_mask": f"""
def _invert(mask):
    return None if mask is None else ops.logical_not(ops.cast(mask, "bool"))

def _call(self, inputs, mask=None, **kwargs):
    if isinstance(mask, (list, tuple)):
        mask = [_invert(m) for m in mask]
    else:
        mask = _invert(mask)
    return _original_call(self, inputs, mask=mask, **kwargs)

{LAYER}.call = _call
""",
    "padding_leaks_a_fraction": f"""
def _call(self, inputs, mask=None, **kwargs):
    outputs = _original_call(self, inputs, mask=mask, **kwargs)
    pieces = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    leak = sum(ops.sum(ops.cast(x, "float32")) for x in pieces)
    # Every output: a layer may return its attention weights too.
    return keras.tree.map_structure(
        lambda y: y + ops.cast(1e-4 * leak, y.dtype), outputs
    )

{LAYER}.call = _call
""",
    "get_config_loses_arguments": f"""
{LAYER}.get_config = lambda self: keras.layers.Layer.get_config(self)
""",
    "nan_on_fully_masked_rows": f"""
def _call(self, inputs, mask=None, **kwargs):
    outputs = _original_call(self, inputs, mask=mask, **kwargs)
    masks = mask if isinstance(mask, (list, tuple)) else [mask]
    masks = [ops.cast(m, "bool") for m in masks if m is not None]
    if not masks:
        return outputs
    empty = ops.logical_not(ops.any(ops.concatenate(masks, axis=1), axis=1))

    def nan_if_empty(y):
        rows = ops.reshape(empty, (-1,) + (1,) * (len(y.shape) - 1))
        return ops.where(rows, ops.full_like(y, float("nan")), y)

    return keras.tree.map_structure(nan_if_empty, outputs)

{LAYER}.call = _call
""",
    "multiplies_by_the_mask_instead_of_selecting": """
import types as _types

def _where(condition, x1, x2):
    # The classic shortcut: `x * mask`, which is NaN where `x` is inf or NaN.
    x1 = _keras_ops.convert_to_tensor(x1)
    keep = _keras_ops.cast(condition, x1.dtype)
    return keep * x1 + (1 - keep) * _keras_ops.cast(x2, x1.dtype)

_keras_ops = ops
ops = _types.SimpleNamespace(**{**vars(_keras_ops), "where": _where})
""",
    "unguarded_matmul_of_padded_inputs": """
def _project(inputs, kernel, mask):
    # A plain product: its kernel gradient reads the padded steps.
    return ops.matmul(inputs, ops.cast(kernel, inputs.dtype))
""",
    "float16_sum_over_time": """
import types as _types

def _cast(x, dtype):
    # The float32 cast before the sum forgotten: under mixed precision the
    # reduction over time then runs in float16 or bfloat16.
    low = hasattr(x, "dtype") and keras.backend.standardize_dtype(x.dtype) in (
        "float16",
        "bfloat16",
    )
    if low and keras.backend.standardize_dtype(dtype) == "float32":
        return x
    return _keras_ops.cast(x, dtype)

_keras_ops = ops
ops = _types.SimpleNamespace(**{**vars(_keras_ops), "cast": _cast})
""",
    "mask_shape_not_checked": """
def _check_mask(inputs, mask, index=None):
    pass
""",
}

# What a variant does with the mask decides which breakages are bugs in it:
# passthrough hands its input mask on by design, and a layer that consumes the
# mask (templates/macros.jinja: MASK_CONSUMERS) returns None by design.
CONSUMERS = {"time_reduce", "attention_pool"}
HANDS_ON = set(VARIANTS) - CONSUMERS
ONLY_FOR = {
    "compute_mask_drops_mask": HANDS_ON,
    "compute_mask_inverts_mask": HANDS_ON,
    "compute_mask_returns_input_mask": set(VARIANTS) - {"passthrough"},
    "compute_mask_returns_first_input_mask": {"concat"},
    # The variants whose weights see the padded inputs through a product
    # (`_project`); conv selects the inputs before its convolution.
    "unguarded_matmul_of_padded_inputs": {"passthrough", "attention_pool"},
    # The variants that reduce over time.
    "float16_sum_over_time": CONSUMERS,
}


def applies(variant, breakage):
    return variant in ONLY_FOR.get(breakage, {variant})


CASES = [(v, b) for v in VARIANTS for b in BREAKAGES if applies(v, b)]


# One line of pytest's short summary, from `-rfE`; anything other than a failed
# test that raised `rule: expected ..., got ...` is a bad line. A docstring
# example in src/ fails with doctest's own exception, given such a line by the
# generated tests/conftest.py.
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) (\S+)( - (.*))?$")
PLAIN_FAILURE = re.compile(
    r"^(AssertionError|DocTestFailure|UnexpectedException): \S.*: expected .+, got .+$"
)


def summary_lines(stdout):
    """The lines of pytest's short test summary, and its count of failures."""
    lines = [line for line in stdout.splitlines() if SUMMARY_LINE.match(line)]
    failed = re.search(r"(\d+) failed", stdout.splitlines()[-1])
    return lines, int(failed.group(1)) if failed else 0


def bad_summary_lines(lines):
    """Lines that are not a failed test with a plain assertion line."""
    bad = []
    for line in lines:
        status, _, _, message = SUMMARY_LINE.match(line).groups()
        if status != "FAILED" or not PLAIN_FAILURE.match(message or ""):
            bad.append(line)
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("variant,breakage", CASES, ids=[f"{v}-{b}" for v, b in CASES])
def test_generated_suite_catches_breakage(
    output_dir, tmp_path, monkeypatch, variant, breakage
):
    project = copy_of_bake(output_dir, mask_variant=variant, keras_backend="tensorflow")
    module = project / "src" / "my_masked_layer" / "my_masked_layer.py"
    with module.open("a") as file:
        file.write(PREAMBLE + textwrap.dedent(BREAKAGES[breakage]))
    # pytest cuts summary lines to the terminal's width below -vv.
    monkeypatch.setenv("COLUMNS", "100000")
    # The whole suite, as a user runs it: the docstring examples in src/ too.
    result = run_generated_tests(project, "tensorflow", "-rfE", tmp_path=tmp_path)
    output = result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 1, (
        f"{breakage} was not caught (pytest exit {result.returncode}):\n{output}"
    )
    lines, failed = summary_lines(result.stdout)
    assert len(lines) == failed > 0, f"{failed} failed, summary:\n{output}"
    bad = bad_summary_lines(lines)
    assert not bad, f"{len(bad)} of {failed} failures are not plain:\n" + "\n".join(
        line[:500] for line in bad
    )


TALLY_LINE = re.compile(r"^(\d+) failed: (.+)$")


@pytest.mark.slow
def test_failed_lines_keep_their_rule_at_80_columns_and_end_with_a_tally(
    output_dir, tmp_path, monkeypatch
):
    project = copy_of_bake(output_dir, keras_backend="tensorflow")
    module = project / "src" / "my_masked_layer" / "my_masked_layer.py"
    with module.open("a") as file:
        file.write(PREAMBLE + textwrap.dedent(BREAKAGES["get_config_loses_arguments"]))
    # An ordinary terminal's width, output piped, and not on CI (where pytest
    # itself would not cut the lines); the suite's own `-ra`, as a user runs it.
    monkeypatch.setenv("COLUMNS", "80")
    for variable in ("CI", "BUILD_NUMBER"):
        monkeypatch.delenv(variable, raising=False)
    result = run_generated_tests(project, "tensorflow", tmp_path=tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    lines, failed = summary_lines(result.stdout)
    assert len(lines) == failed > 0, result.stdout[-3000:]
    assert not bad_summary_lines(lines), "\n".join(line[:300] for line in lines)
    assert any(
        "AssertionError: get_config() must hold every __init__ argument: expected "
        "every __init__ argument, got missing: ['units', " in line
        for line in lines
    )
    # Then one line per broken rule, the most broken first, right before
    # pytest's count: together they count every failure once.
    output = result.stdout.splitlines()
    tally = [TALLY_LINE.match(line) for line in output[-1 - len(lines) : -1]]
    tally = [match for match in tally if match]
    assert output[-1 - len(tally) : -1] == [match[0] for match in tally]
    counts = [int(match[1]) for match in tally]
    assert sum(counts) == failed and counts == sorted(counts, reverse=True)
    assert tally[0][2] == "get_config() must hold every __init__ argument"


@pytest.mark.slow
def test_docstring_example_that_raises_on_a_silent_line_names_its_rule(
    output_dir, tmp_path, monkeypatch
):
    project = copy_of_bake(output_dir, keras_backend="tensorflow")
    module = project / "src" / "my_masked_layer" / "my_masked_layer.py"
    # The example's import loses its alias, as in a hurried edit: the next line
    # that uses `np` raises, and that line, an assignment, prints nothing.
    source = module.read_text()
    assert source.count(">>> import numpy as np\n") == 1
    module.write_text(source.replace(">>> import numpy as np\n", ">>> import numpy\n"))
    monkeypatch.setenv("COLUMNS", "100000")
    result = run_generated_tests(project, "tensorflow", "-rfE", tmp_path=tmp_path)
    lines, failed = summary_lines(result.stdout)
    assert len(lines) == failed == 1, result.stdout[-3000:]
    assert not bad_summary_lines(lines), lines[0][:500]
    assert (
        "UnexpectedException: the docstring example must run: expected no output, "
        "got NameError: name 'np' is not defined [line "
    ) in lines[0]


def test_bad_summary_lines_are_told_apart():
    lines = [
        "FAILED tests/t.py::test_a - AssertionError: padded steps must get no "
        "gradient: expected 0 at [1, 2, 0], got 0.5 (3 of 120 values differ) [c]",
        "FAILED tests/t.py::test_b - TypeError: 'NoneType' object is not subscriptable",
        "FAILED tests/t.py::test_c - AssertionError: ",
        "FAILED tests/t.py::test_d - AssertionError: assert False",
        "FAILED tests/t.py::test_e",
        "ERROR tests/t.py::test_f - AssertionError: rule: expected 1, got 2",
        "FAILED tests/t.py::test_g - tensorflow.python.framework.errors_impl."
        "InvalidArgumentError: Cannot unstack 7 tensors into a TensorArray",
        "FAILED src/p/m.py::p.m.L - 064     Example:",
    ]
    plain = [
        "FAILED src/p/m.py::p.m.L - DocTestFailure: the docstring example must "
        "print what it shows: expected [[True, False]], got None [line 9: m(x)]",
    ]
    assert bad_summary_lines(lines[:1] + plain + lines[1:]) == lines[1:]


def test_readme_table_quotes_the_failure_lines_the_tests_write():
    readme = (TEMPLATE / "{{cookiecutter.project_slug}}" / "README.md").read_text()
    section = readme.split("## When you change the layer")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    quoted = [
        rule for row in rows for rule in re.findall(r"`([^`]+)`", row.split(" | ")[1])
    ]
    # The tests' string literals with at least 20 fixed characters, each
    # f-string field matching anything.
    tests = TEMPLATE / "{{cookiecutter.project_slug}}" / "tests"
    kit, conftest = tests / "mask_contract.py", tests / "conftest.py"
    sources = "\n".join(
        path.read_text()
        for path in [kit, conftest, *(TEMPLATE / "templates").rglob("*.py")]
    )
    parts = [
        re.split(r"\{[^}]*\}", text) for text in re.findall(r'f?"([^"\n]+)"', sources)
    ]
    rules = [
        re.compile(".+".join(map(re.escape, pieces)))
        for pieces in parts
        if len("".join(pieces)) >= 20
    ]
    assert len(quoted) > 20
    unknown = [text for text in quoted if not any(r.fullmatch(text) for r in rules)]
    assert not unknown, f"README quotes lines no test writes: {unknown}"
