"""The rules every answer must keep, and the filters that escape answers.

cookiecutter imports this module (the template folder is on ``sys.path`` while it
renders) to check the answers before it creates any folder: a ``project_slug`` such as
``a/b`` or ``/tmp/x`` must be refused before ``a/`` or ``/tmp/x`` exists. The pre-gen
hook imports it again for ``cookiecutter --replay``, which skips the prompts.
"""

import json
import keyword
import re
import sys
from pathlib import Path

from cookiecutter.exceptions import FailedHookException
from cookiecutter.utils import simple_filter
from jinja2.ext import Extension

TEMPLATE = Path(__file__).resolve().parent
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
FREE_TEXT_EXAMPLES = {
    "project_name": "My Masked Layer",
    "description": "A Keras 3 layer that handles masks correctly.",
    "author_name": "Ada Lovelace",
    "author_email": "ada@example.com",
}


class InvalidAnswer(FailedHookException):
    """An answer that cannot give a working project.

    It subclasses ``FailedHookException`` because cookiecutter's command line prints
    exactly those as one line and exits 1, instead of a traceback.
    """


def snake_case(name):
    """``MyMaskedLayer`` -> ``my_masked_layer``; ``HTTPMask2D`` -> ``http_mask2_d``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", str(name))
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def python_string(value):
    """A double-quoted Python string literal holding `value` exactly."""
    # JSON escapes quotes, backslashes and control characters as Python does.
    return json.dumps(str(value), ensure_ascii=False)


def toml_string(value):
    """A TOML basic string holding `value` exactly (for pyproject.toml)."""
    # JSON escapes quotes, backslashes and control characters the way TOML reads
    # them; TOML also wants DEL escaped, which JSON leaves raw.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _template_tags():
    """Every Jinja tag this template renders from a string, not from a file."""
    sources = [(TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8")]
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


def _refusal(field, value, rule, example):
    return f"{field}={value!r} is refused: {rule}. A valid example: {example!r}."


def answer_errors(answers):
    """Returns one line for each answer in ``answers`` that breaks a rule."""
    errors = []
    for field, example in FREE_TEXT_EXAMPLES.items():
        value = str(answers.get(field, ""))
        if field == "project_name" and not value.strip():
            errors.append(_refusal(field, value, "it must not be empty", example))
        elif len(value.splitlines()) > 1 or value.endswith(("\n", "\r")):
            errors.append(_refusal(field, value, "it must fit on one line", example))
    slug = str(answers.get("project_slug", ""))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", slug):
        errors.append(
            _refusal(
                "project_slug",
                slug,
                "it names the project folder, so it must start with a letter or "
                "digit and hold only ASCII letters, digits, '-', '_' and '.' "
                "(no path separators, at most 100 characters)",
                "my-masked-layer",
            )
        )
    package = str(answers.get("package_name", ""))
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,39}", package) or keyword.iskeyword(
        package
    ):
        errors.append(
            _refusal(
                "package_name",
                package,
                "it must be a lower-case ASCII Python identifier of at most 40 "
                "characters, and not a keyword",
                "my_masked_layer",
            )
        )
    elif package in SHADOWED_MODULES:
        errors.append(
            _refusal(
                "package_name",
                package,
                f"importing it would shadow the module {package!r}",
                f"my_{package}",
            )
        )
    class_name = str(answers.get("layer_class_name", ""))
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]{0,39}", class_name) or keyword.iskeyword(
        class_name
    ):
        errors.append(
            _refusal(
                "layer_class_name",
                class_name,
                "it must be an ASCII CamelCase Python class name of at most 40 "
                "characters: a capital letter first, then letters and digits, "
                "and not a keyword",
                "MyMaskedLayer",
            )
        )
    elif class_name in RESERVED_CLASSES or snake_case(class_name) in RESERVED_MODULES:
        errors.append(
            _refusal(
                "layer_class_name",
                class_name,
                "the generated package already uses that name for its example model",
                "MyMaskedLayer",
            )
        )
    return errors


def check_answers(answers):
    """Jinja filter: raises ``InvalidAnswer`` on the first broken rule, else 'ok'."""
    errors = answer_errors(answers)
    if errors and "cruft._cli" in sys.modules:
        # cruft's command line prints a traceback for any exception; SystemExit
        # prints just the line and exits 1, as cookiecutter's command line does.
        raise SystemExit(errors[0])
    if errors:
        raise InvalidAnswer(errors[0])
    return "ok"


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
