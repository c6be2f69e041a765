"""The rules every answer must keep, and the filters that escape answers.

cookiecutter imports this module (the template folder is on ``sys.path`` while it
renders) to check the answers before it creates any folder: a ``project_slug`` such as
``a/b`` or ``/tmp/x`` must be refused before ``a/`` or ``/tmp/x`` exists. At a prompt,
a refused answer is asked again at once; with ``--no-input`` or ``key=value`` answers
the first refusal ends the run. ``cookiecutter --replay`` skips the prompts: the
answers it replays are checked when the project's files are about to be written
(``CheckAnswersBeforeWriting``), and the pre-gen hook imports this module to check
them once more, for any caller that does not load the extensions.
"""

import difflib
import functools
import json
import keyword
import operator
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address
from pathlib import Path

import cookiecutter.generate
import cookiecutter.main
from cookiecutter import prompt
from cookiecutter.exceptions import FailedHookException
from cookiecutter.utils import simple_filter
from jinja2.ext import Extension

TEMPLATE = Path(__file__).resolve().parent
CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
# The questions a user answers; cookiecutter's own keys start with "_".
QUESTIONS = tuple(key for key in CONTEXT if not key.startswith("_"))
# A question whose options are labelled in __prompts__ is a choice. cookiecutter.json
# gives it a plain default rather than a list: cookiecutter checks a list itself, before
# any of this module runs, and answers a value outside it with a 30-line traceback.
CHOICES = {
    field: [option for option in labels if option != "__prompt__"]
    for field, labels in CONTEXT["__prompts__"].items()
    if isinstance(labels, dict)
}
# The answers cookiecutter's yes/no prompt takes, for the one yes/no question.
YES_WORDS = frozenset(prompt.YesNoPrompt.yes_choices)
NO_WORDS = frozenset(prompt.YesNoPrompt.no_choices)
YES_NO_FIELDS = frozenset({"run_tests"})
# The pattern setuptools checks `project.authors[].email` against (JSON schema's
# idn-email); pip refuses to install a project whose email does not match it.
EMAIL = re.compile(r"[^@]+@[^@]+\.[^@]+")
JINJA_TAG = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)
JINJA_START = re.compile(r"{{|{%|{#")

# Names the generated package must not take: importing it would shadow these.
SHADOWED_MODULES = frozenset(sys.stdlib_module_names) | {
    "cookiecutter",
    "flax",
    "h5py",
    "hypothesis",
    "jax",
    "jaxlib",
    "keras",
    "ml_dtypes",
    "numpy",
    "optree",
    "pytest",
    "scipy",
    "tensorflow",
    "tf_keras",
    "torch",
}
# The generated package already holds these modules next to the layer's.
RESERVED_MODULES = frozenset({"__init__", "masked_model"})
RESERVED_CLASSES = frozenset({"MaskedSequenceModel"})
# Where str.splitlines splits: a value holding any of these is not one line.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class InvalidAnswer(FailedHookException, SystemExit):
    """An answer that cannot give a working project; the message is one line.

    cookiecutter's command line prints a ``FailedHookException`` as one line and
    exits 1. Any other command line that lets it escape, such as cruft's (which
    prints a traceback for an ordinary exception), ends on the ``SystemExit``:
    Python prints its ``code``, the message, and exits 1, with no traceback.
    """

    def __init__(self, message):
        super().__init__(message)
        self.code = message


def snake_case(name):
    """``MyMaskedLayer`` -> ``my_masked_layer``; ``HTTPMask2D`` -> ``http_mask2_d``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", str(name))
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def python_string(value):
    """A Python string literal holding `value` exactly, as `ruff format` writes it.

    ruff writes double quotes unless the text holds more double quotes than
    single ones, and strips the whitespace at both ends of a docstring; so a
    space at either end is written as an escape, as is every character that
    Python does not print.
    """
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'

    def literal(index, char):
        if char in (quote, "\\"):
            return "\\" + char
        if char == " " and index in (0, len(text) - 1):
            return "\\x20"
        if char.isprintable():
            return char
        return char.encode("unicode_escape").decode("ascii")

    return quote + "".join(literal(i, c) for i, c in enumerate(text)) + quote


def toml_string(value):
    """A TOML basic string holding `value` exactly (for pyproject.toml)."""
    # JSON escapes quotes, backslashes and control characters the way TOML reads
    # them; TOML also wants DEL escaped, which JSON leaves raw.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _json_strings(value):
    """Every string in a JSON value, keys included, as cookiecutter reads it."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)
    elif isinstance(value, str):
        yield value


def _template_tags():
    """Every Jinja tag this template renders from a string, not from a file."""
    # Decoded, since a tag in cookiecutter.json may hold JSON escapes (\").
    sources = list(_json_strings(CONTEXT))
    sources += [p.read_text(encoding="utf-8") for p in TEMPLATE.glob("hooks/*.py")]
    sources += [str(p) for p in TEMPLATE.glob("{{cookiecutter.project_slug}}/**/*")]
    return frozenset(tag for source in sources for tag in JINJA_TAG.findall(source))


TEMPLATE_TAGS = _template_tags()


class LiteralAnswers(Extension):
    """Keeps Jinja in answers as text: `description='{{ 7*7 }}'` stays `{{ 7*7 }}`.

    cookiecutter renders each `key=value` answer given on the command line (or in
    a user config) as a Jinja template, so `{{ 7*7 }}` would become 49, an
    expression could run Python, and a stray `{%` would crash with a traceback.
    Strings that hold any Jinja tag besides this template's own are rendered as
    themselves instead. Files are loaded by name and are not affected.
    """

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals.setdefault("_literal_answers", [])

    def preprocess(self, source, name, filename=None):
        if name is not None or not JINJA_START.search(
            JINJA_TAG.sub(lambda tag: "" if tag[0] in TEMPLATE_TAGS else tag[0], source)
        ):
            return source
        answers = self.environment.globals["_literal_answers"]
        answers.append(source)
        return f"{{{{ _literal_answers[{len(answers) - 1}] }}}}"


class TemplateFolder(Extension):
    """Gives templates `template_folder`: where this template lies, as an absolute path.

    The pre-gen hook needs it to import this module: cookiecutter's `_repo_dir` is
    relative (`.` for `cookiecutter .`), and the hook runs from the project folder.
    """

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_folder"] = str(TEMPLATE)


def markdown_text(value):
    """`value` as literal Markdown text: nothing in it renders as markup or HTML."""
    text = re.sub(r"([\\`*_\[\]<>|~!#&])", r"\\\1", str(value))
    # A leading "-", "+", "1." or "1)" would start a list.
    return re.sub(r"^([-+]|\d+[.)])", lambda m: m[1][:-1] + "\\" + m[1][-1], text)


def one_line(value):
    return LINE_BREAKS.isdisjoint(value)


def packaging_email(value):
    """True for an email setuptools builds a project with: it checks
    `project.authors[].email` against JSON schema's idn-email pattern, then
    writes it into the `Author-email` header through the standard library,
    which refuses what it cannot parse (a space, a non-ASCII local part, ...)."""
    if not EMAIL.fullmatch(value):
        return False
    try:
        Address(addr_spec=value)
    except (ValueError, IndexError, MessageError):
        return False
    return True


def identifier(pattern):
    """A check: the value matches `pattern` and is not a Python keyword."""
    regex = re.compile(pattern)
    return lambda value: bool(regex.fullmatch(value)) and not keyword.iskeyword(value)


@dataclass(frozen=True)
class Rule:
    """One rule of one field: ``check(value)`` is true when an answer keeps it.

    ``reason`` and ``example`` may name the refused answer as ``{value}``.
    """

    field: str
    check: Callable[[str], object]
    reason: str
    example: str

    def refusal(self, value):
        reason = self.reason.format(value=value)
        example = self.example.format(value=value)
        return (
            f"{self.field}={value!r} is refused: {reason}. "
            f"A valid example: {example!r}."
        )


ONE_LINE = "it must fit on one line"
# In prompt order; a field's rules in the order they are checked.
RULES = (
    Rule("project_name", str.strip, "it must not be empty", "My Masked Layer"),
    Rule("project_name", one_line, ONE_LINE, "My Masked Layer"),
    Rule(
        "project_slug",
        # A folder name and a PEP 508 distribution name: `abc-` builds no wheel.
        re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,98}[A-Za-z0-9])?").fullmatch,
        "it names the project folder and the distribution, so it must start and "
        "end with a letter or digit and hold only ASCII letters, digits, '-', '_' "
        "and '.' (no path separators, at most 100 characters)",
        "my-masked-layer",
    ),
    Rule(
        "package_name",
        identifier(r"[a-z_][a-z0-9_]{0,39}"),
        "it must be a lower-case ASCII Python identifier of at most 40 characters, "
        "and not a keyword",
        "my_masked_layer",
    ),
    Rule(
        "package_name",
        lambda value: value not in SHADOWED_MODULES,
        "importing it would shadow the module {value!r}",
        "my_{value}",
    ),
    Rule(
        "layer_class_name",
        identifier(r"[A-Z][A-Za-z0-9]{0,39}"),
        "it must be an ASCII CamelCase Python class name of at most 40 characters: "
        "a capital letter first, then letters and digits, and not a keyword",
        "MyMaskedLayer",
    ),
    Rule(
        "layer_class_name",
        lambda value: (
            value not in RESERVED_CLASSES and snake_case(value) not in RESERVED_MODULES
        ),
        "the generated package already uses that name for its example model",
        "MyMaskedLayer",
    ),
    Rule(
        "description",
        one_line,
        ONE_LINE,
        "A Keras 3 layer that handles masks correctly.",
    ),
    Rule("author_name", one_line, ONE_LINE, "Ada Lovelace"),
    Rule("author_email", one_line, ONE_LINE, "ada@example.com"),
    Rule(
        "author_email",
        packaging_email,
        "pyproject.toml lists it as the author's email, and packaging tools "
        "refuse one they cannot read as an address: ASCII without spaces, one "
        "'@', then a domain with a dot",
        "ada@example.com",
    ),
    *(
        Rule(
            field,
            functools.partial(operator.contains, options),
            f"it must be one of {', '.join(options)}",
            options[0],
        )
        for field, options in CHOICES.items()
    ),
    *(
        Rule(
            field,
            lambda value: value.strip().lower() in YES_WORDS | NO_WORDS,
            "it must be yes or no",
            "no",
        )
        for field in YES_NO_FIELDS
    ),
)
FIELDS = tuple(dict.fromkeys(rule.field for rule in RULES))


def broken_rule(field, value):
    """The first rule of `field` that `value` breaks, or None."""
    rules = (rule for rule in RULES if rule.field == field)
    return next((rule for rule in rules if not rule.check(value)), None)


def answer_errors(answers):
    """One line for each field of ``answers`` that breaks a rule."""
    errors = []
    for field in FIELDS:
        value = str(answers.get(field, ""))
        if rule := broken_rule(field, value):
            errors.append(rule.refusal(value))
    return errors


def unknown_question(key, value, where):
    """The refusal of an answer to a question this template does not ask."""
    close = difflib.get_close_matches(str(key), QUESTIONS, n=1)
    if close:
        hint, example = f"did you mean {close[0]}?", f"{close[0]}={value}"
    else:
        first = QUESTIONS[0]
        hint, example = f"it asks {', '.join(QUESTIONS)}.", f"{first}={CONTEXT[first]}"
    return (
        f"{key}={value!r} is refused: this template asks no such question "
        f"({where}); {hint} A valid example: {example!r}."
    )


def unknown_answer_errors(answers, where):
    """One line for each key of ``answers`` that names no question; keys that
    start with "_" are cookiecutter's own, and left to it."""
    return [
        unknown_question(key, value, where)
        for key, value in answers.items()
        if not str(key).startswith("_") and key not in QUESTIONS
    ]


def _running_locals(function):
    """The local variables of the innermost running call of `function`, or {}."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code is not function.__code__:
        frame = frame.f_back
    return frame.f_locals if frame is not None else {}


def given_answer_errors():
    """One line for each answer given to the running ``cookiecutter()`` call, on
    its command line (or as ``extra_context``) or in the user config's
    ``default_context``, that names no question.

    cookiecutter drops such answers without a word before this module is loaded,
    and hands templates no other way to see them than its own call's variables.
    """
    call = _running_locals(cookiecutter.main.cookiecutter)
    config = call.get("config_dict") or {}
    return unknown_answer_errors(
        call.get("extra_context") or {}, "on the command line"
    ) + unknown_answer_errors(
        config.get("default_context") or {}, "in the user config's default_context"
    )


def ask_a_choice(var_name, default_value, *args, **kwargs):
    """Asks a choice or yes/no question as cookiecutter asks its own: a menu of
    the options, the default first, or a yes/no question."""
    if rule := broken_rule(var_name, str(default_value)):
        # A bad `key=value` answer: say so, and offer the valid default.
        print(rule.refusal(default_value), file=sys.stderr)
        default_value = rule.example
    if var_name in YES_NO_FIELDS:
        default = str(default_value).strip().lower() in YES_WORDS
        return prompt.read_user_yes_no(var_name, default, *args, **kwargs)
    others = [option for option in CHOICES[var_name] if option != default_value]
    return prompt.read_user_choice(var_name, [default_value, *others], *args, **kwargs)


def asking_again(ask):
    """`ask` (cookiecutter's read_user_variable), asking again while refused."""

    @functools.wraps(ask)
    def read_user_variable(var_name, default_value, *args, **kwargs):
        if var_name in CHOICES or var_name in YES_NO_FIELDS:
            return ask_a_choice(var_name, default_value, *args, **kwargs)
        value = ask(var_name, default_value, *args, **kwargs)
        while rule := broken_rule(var_name, str(value)):
            print(rule.refusal(value), file=sys.stderr)
            if broken_rule(var_name, str(default_value)):
                default_value = rule.example.format(value=value)
            value = ask(var_name, default_value, *args, **kwargs)
        return value

    read_user_variable.asks_again = True
    return read_user_variable


def asks_again():
    return getattr(prompt.read_user_variable, "asks_again", False)


def ask_again_when_refused():
    """Jinja global, rendered before the first prompt: refused answers are asked again.

    cookiecutter asks every text question through the module-level
    ``prompt.read_user_variable``, and only when it prompts: never with
    ``--no-input`` or ``--replay``. Wrapped, it checks the answer as soon as it
    is typed and asks again with the reason, and cookiecutter stores only the
    answer that passes, so the defaults rendered after it derive from it.
    ``check_answers``, rendered after the last prompt, unwraps it.
    """
    if not asks_again():
        prompt.read_user_variable = asking_again(prompt.read_user_variable)
    return "asked again"


def check_answers(answers):
    """Jinja filter: raises ``InvalidAnswer`` on the first broken rule, else 'ok'.

    Rendered after the last prompt and before cookiecutter saves the answers for
    ``--replay``, so a refused answer is never replayed.
    """
    if asks_again():
        prompt.read_user_variable = prompt.read_user_variable.__wrapped__
    if errors := given_answer_errors() + answer_errors(answers):
        raise InvalidAnswer(errors[0])
    return "ok"


class CheckAnswersBeforeWriting(Extension):
    """Checks the answers once more when cookiecutter is about to write files.

    ``cookiecutter --replay`` and ``--replay-file`` skip the prompts, and with them
    ``check_answers``. ``generate_files`` makes its Jinja environment, and so this
    extension, before it creates the project folder: a refusal here leaves nothing
    behind, where the pre-gen hook's would come after the folder exists and end in
    cookiecutter's traceback. Elsewhere (rendering the prompts) it does nothing.
    """

    def __init__(self, environment):
        super().__init__(environment)
        context = _running_locals(cookiecutter.generate.generate_files).get("context")
        if context is None:
            return
        answers = context.get("cookiecutter", {})
        where = "in the replay file" if _replaying() else "in the answers"
        if errors := unknown_answer_errors(answers, where) + answer_errors(answers):
            raise InvalidAnswer(errors[0])


def _replaying():
    return bool(_running_locals(cookiecutter.main.cookiecutter).get("replay"))


class AskAgainWhenRefused(Extension):
    """Gives templates `ask_again_when_refused()`: see that function."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["ask_again_when_refused"] = ask_again_when_refused


class ReloadNextTime(Extension):
    """Makes the next Jinja environment import this module afresh.

    `cruft update` renders the project's template version and the newest one in
    one process: without this, the newest render would reuse the older version of
    this module from `sys.modules`. It is listed last in `_extensions`, after
    every extension taken from this module.
    """

    def __init__(self, environment):
        super().__init__(environment)
        sys.modules.pop(__name__, None)


SnakeCaseFilter = simple_filter(snake_case)
PythonStringFilter = simple_filter(python_string)
TomlStringFilter = simple_filter(toml_string)
MarkdownTextFilter = simple_filter(markdown_text)
CheckAnswersFilter = simple_filter(check_answers)
