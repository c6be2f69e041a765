import collections
import doctest
import gc
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

# The backend this project was generated for; `KERAS_BACKEND=jax pytest` (or
# tensorflow, or torch) overrides it. It must be set before Keras is first imported.
os.environ.setdefault("KERAS_BACKEND", "{{ cookiecutter.keras_backend }}")

if os.environ["KERAS_BACKEND"] == "jax":
    # JAX compiles each jitted function, and each eager op, anew for every new
    # shape: most of this suite's time on JAX. Its persistent compilation cache
    # keeps them all in a temporary folder of this checkout's own, so that the
    # next run loads what this one compiled (measured on the passthrough
    # variant's suite: 42 CPU-seconds cold, 16 warm). Delete the folder at any
    # time, or set JAX_COMPILATION_CACHE_DIR to put it elsewhere.
    checkout = Path(__file__).resolve().parents[1]
    key = hashlib.sha256(str(checkout).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir(), f"{checkout.name}-jax-cache-{key}")
    # JAX evicts nothing from it (that needs the `filelock` package), and each
    # edit of the layer adds entries: past 256 MB it starts again, empty. Only
    # in the process pytest started, before its pytest-xdist workers exist: a
    # worker must not delete what the other one is writing.
    if "PYTEST_XDIST_WORKER" not in os.environ and folder.is_dir():
        if sum(f.stat().st_size for f in folder.iterdir()) > 2**28:
            shutil.rmtree(folder, ignore_errors=True)
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(folder))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

# pytest shows values only for asserts in test modules and in modules registered
# before their first import; the kit's own asserts should show them too.
pytest.register_assert_rewrite("mask_contract")


def pytest_collectstart(collector):
    # No garbage collection while the test modules, and with them Keras and its
    # backend, are imported (this runs as each collector under tests/ starts).
    # Only the processes that collect get here, not pytest-xdist's controller,
    # which keeps collecting garbage all along.
    gc.disable()


def pytest_collection_finish(session):
    # Keras, its backend and every test module are imported by now: about a
    # million objects that live as long as the session. Frozen, they are no
    # longer walked by each full garbage collection, which took 2.8 of this
    # suite's 13 CPU-seconds on TensorFlow (and 0.7 more while importing).
    gc.freeze()
    gc.enable()


def pytest_configure(config):
    # Registered as a plugin: the docstring examples are collected from src/,
    # where the hooks of this file, under tests/, are not called.
    config.pluginmanager.register(DocstringExampleRules(), "docstring_example_rules")


class DocstringExampleRules:
    """A failing docstring example says what failed in one line, as the kit's
    checks do: pytest's summary would show the example's first line instead.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if not report.failed or call.excinfo is None:
            return report
        # One DocTestFailure, or several under --doctest-continue-on-failure.
        error = call.excinfo.value
        failure = next(iter(getattr(error, "failures", [error])), None)
        if isinstance(failure, doctest.DocTestFailure | doctest.UnexpectedException):
            report.longrepr = f"{docstring_rule_line(failure)}\n\n{report.longreprtext}"
        return report


def docstring_rule_line(failure):
    """`DocTestFailure: the docstring example must print what it shows:
    expected ..., got ... [line N: source]`, on one line."""
    example = failure.example
    if isinstance(failure, doctest.DocTestFailure):
        rule, got = "the docstring example must print what it shows", failure.got
    else:
        error = failure.exc_info[1]
        rule, got = "the docstring example must run", f"{type(error).__name__}: {error}"
    # A line that prints nothing wants "", and a failed one may print nothing.
    expected, got = (
        " ".join(text.split()) or "no output" for text in (example.want, got)
    )
    where = " ".join(example.source.split())
    if failure.test.lineno is not None:
        where = f"line {failure.test.lineno + example.lineno + 1}: {where}"
    return f"{type(failure).__name__}: {rule}: expected {expected}, got {got} [{where}]"


# What the short summary lists as FAILED and ERROR lines, by its `-r` letters.
SUMMARY = (("failed", "FAILED", "f"), ("error", "ERROR", "E"))
# `TypeName: rule: expected ..., got ... [where]`, as the kit's checks fail.
RULE_LINE = re.compile(
    r"\w+: (?P<rule>.+?): expected .*?, got (?P<got>.*?)( \[[^]]*\])?"
)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, config):
    """Writes the short summary's FAILED and ERROR lines whole, then one line
    per broken rule with the number of tests that broke it.

    pytest cuts those lines to the terminal's width (except with -vv or on CI),
    and a node id such as `tests/test_x.py::TestXContract::test_...[default]`
    fills 80 columns by itself: the rule, the part that says what broke, would
    be cut off. So pytest keeps the other letters of `-r`, and these lines
    follow its summary, at the end of the run.
    """
    reporter = terminalreporter
    letters = reporter.reportchars
    reporter.reportchars = "".join(c for c in letters if c not in "fE")
    try:
        return (yield)
    finally:
        if not config.option.no_summary:
            write_failures(reporter, config, letters)


def failure_line(report):
    """The first line of what failed: for the kit's checks, the rule's line."""
    if isinstance(report.longrepr, str):
        message = report.longrepr
    else:
        message = getattr(getattr(report.longrepr, "reprcrash", None), "message", "")
    return next(iter(message.strip().splitlines()), "")


def write_failures(reporter, config, letters):
    failures = [
        (stat, word, letter, report)
        for stat, word, letter in SUMMARY
        for report in reporter.stats.get(stat, [])
    ]
    if not failures:
        return
    reporter.write_sep("=", "broken rules")
    tally = collections.defaultdict(list)
    for stat, word, letter, report in failures:
        line = failure_line(report)
        if letter in letters:
            node = config.cwd_relative_nodeid(report.nodeid)
            reporter.write(word, red=True, bold=True)
            reporter.write(f" {node} - {line}\n" if line else f" {node}\n")
        match = RULE_LINE.fullmatch(line)
        rule = match["rule"] if match else line or "no message"
        tally[stat, rule].append(match["got"] if match else None)
    # One line per rule, most often broken first: one mistake can fail dozens.
    for (stat, rule), got in sorted(tally.items(), key=lambda item: -len(item[1])):
        count = f"{len(got)} failed" if stat == "failed" else f"{len(got)} {stat}"
        count += "s" if stat == "error" and len(got) > 1 else ""
        same = got[0] is not None and len(set(got)) == 1
        reporter.write_line(f"{count}: {rule}{f' (got {got[0]})' if same else ''}")
