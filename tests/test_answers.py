"""Answers: the rules in local_extensions.py, and how a refusal looks to a user."""

import ast
import json
import re
import shutil
import tomllib

import pytest
from bakery import TEMPLATE
from bakery import bake
from bakery import run_cookiecutter
from bakery import run_cookiecutter_cli
from bakery import write_cookiecutter_config
from cookiecutter.exceptions import FailedHookException

import local_extensions

BAD_ANSWERS = [
    ("package_name", "class", "keyword"),
    ("package_name", "2fast", "leading digit"),
    ("package_name", "my-layer", "hyphen"),
    ("package_name", "my layer", "space"),
    ("package_name", "MyLayer", "upper case"),
    ("package_name", "", "empty"),
    ("package_name", "keras", "shadows keras"),
    ("package_name", "tensorflow", "shadows tensorflow"),
    ("package_name", "jax", "shadows jax"),
    ("package_name", "numpy", "shadows numpy"),
    ("package_name", "os", "shadows the standard library"),
    ("package_name", "caf\u00e9", "non-ASCII"),
    ("layer_class_name", "myLayer", "lower-case first letter"),
    ("layer_class_name", "My-Layer", "hyphen"),
    ("layer_class_name", "My Layer", "space"),
    ("layer_class_name", "None", "keyword"),
    ("layer_class_name", "9Layer", "leading digit"),
    ("layer_class_name", "", "empty"),
    ("layer_class_name", "MaskedSequenceModel", "taken by the example model"),
    ("layer_class_name", "MaskedModel", "module taken by the example model"),
    ("project_slug", "a/b", "path separator"),
    ("project_slug", "../escape", "parent folder"),
    ("project_slug", "/tmp/abs", "absolute path"),
    ("project_slug", "a\\b", "backslash"),
    ("project_slug", "my layer", "space"),
    ("project_slug", "", "empty"),
    ("project_slug", ".hidden", "leading dot"),
    ("project_slug", "layer-", "trailing hyphen: not a distribution name"),
    ("project_name", "   ", "blank"),
    ("description", "two\nlines", "newline"),
    ("author_name", "Ada\r\nLovelace", "carriage return"),
    ("author_email", "ada@example", "no dot in the domain"),
    ("author_email", "not-an-email", "no @"),
    ("author_email", "ada@localhost", "a host, not a domain"),
    ("author_email", "", "empty email"),
    ("mask_variant", "foo", "not a variant"),
    ("keras_backend", "mxnet", "not a backend"),
    ("license", "GPL-3.0", "not a license offered"),
    ("run_tests", "maybe", "neither yes nor no"),
]


def refusal(field, value):
    return local_extensions.broken_rule(field, value).refusal(value)


@pytest.mark.parametrize(
    "field,value,why", BAD_ANSWERS, ids=[why for _, _, why in BAD_ANSWERS]
)
def test_bad_answer_is_one_line_and_leaves_nothing(
    output_dir, tmp_path_factory, field, value, why
):
    home = tmp_path_factory.mktemp("home")
    config = write_cookiecutter_config(home)
    # The answer last: a later `key=value` wins.
    result = run_cookiecutter_cli(
        output_dir,
        "run_tests=no",
        f"{field}={value}",
        env={"COOKIECUTTER_CONFIG": config},
    )
    line = the_one_line(result)
    # The value as typed, but for Jinja's \r\n -> \n: the reason and example agree.
    expected = refusal(field, value)
    assert line.startswith(f"{field}=")
    assert line.split(" is refused: ")[1] == expected.split(" is refused: ")[1]
    assert list(output_dir.iterdir()) == []
    assert list(output_dir.parent.iterdir()) == [output_dir]
    # No replay file either: --replay would otherwise replay the refused answer.
    assert [path.name for path in home.iterdir()] == [".cookiecutterrc"]


def the_one_line(result):
    """The one line a refused run prints, once its exit status is checked."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines() + result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "given,hint",
    [
        ("mask_varient=conv", "did you mean mask_variant? A valid example: "),
        ("keras-backend=jax", "did you mean keras_backend? A valid example: "),
        ("colour=blue", "it asks project_name, project_slug, package_name, "),
    ],
)
def test_unknown_key_on_the_command_line_is_refused(
    output_dir, tmp_path_factory, given, hint
):
    home = tmp_path_factory.mktemp("home")
    config = write_cookiecutter_config(home)
    result = run_cookiecutter_cli(
        output_dir, given, "run_tests=no", env={"COOKIECUTTER_CONFIG": config}
    )
    key, value = given.split("=")
    assert the_one_line(result) == local_extensions.unknown_question(
        key, value, "on the command line"
    )
    assert hint in the_one_line(result)
    assert list(output_dir.iterdir()) == []
    assert [path.name for path in home.iterdir()] == [".cookiecutterrc"]


def test_unknown_key_in_the_user_configs_default_context_is_refused(
    output_dir, tmp_path
):
    config = write_cookiecutter_config(tmp_path)
    with open(config, "a") as file:
        file.write("default_context:\n  mask_varient: conv\n")
    result = run_cookiecutter_cli(
        output_dir, "run_tests=no", env={"COOKIECUTTER_CONFIG": config}
    )
    assert the_one_line(result) == (
        "mask_varient='conv' is refused: this template asks no such question (in "
        "the user config's default_context); did you mean mask_variant? A valid "
        "example: 'mask_variant=conv'."
    )
    assert list(output_dir.iterdir()) == []


def test_choice_questions_are_still_asked_as_menus(output_dir):
    # A bad choice on the command line is refused at once, and the menu offers
    # the options; "5" picks conv.
    result = run_cookiecutter_cli(
        output_dir,
        "run_tests=no",
        "mask_variant=foo",
        typed=[""] * 8 + ["5", "", ""],
        env={"COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.splitlines() == [refusal("mask_variant", "foo")]
    assert "    5 - conv: masked Conv1D, padding never enters a window" in result.stdout
    (project,) = output_dir.iterdir()
    layer = (project / "src/my_masked_layer/my_masked_layer.py").read_text()
    assert "1D convolution over time that never lets padding" in layer


@pytest.mark.parametrize(
    "key,value",
    [
        ("package_name", "keras"),
        ("mask_variant", "foo"),
        ("author_email", "ada@example"),
        ("mask_varient", "conv"),
    ],
)
def test_replay_file_with_a_bad_answer_writes_nothing(output_dir, tmp_path, key, value):
    # `--replay-file` skips the prompts, and so the check made while rendering them.
    config = write_cookiecutter_config(tmp_path)
    project = bake(output_dir, config_file=config)
    shutil.rmtree(project)
    (replay_file,) = (tmp_path / ".cookiecutter_replay").iterdir()
    context = json.loads(replay_file.read_text())
    context["cookiecutter"][key] = value
    edited = tmp_path / "my-answers.json"
    edited.write_text(json.dumps(context))
    result = run_cookiecutter_cli(
        output_dir,
        "--replay-file",
        str(edited),
        typed=[],
        env={"COOKIECUTTER_CONFIG": config},
    )
    if key in local_extensions.QUESTIONS:
        expected = refusal(key, value)
    else:
        expected = local_extensions.unknown_question(key, value, "in the replay file")
    assert the_one_line(result) == expected
    assert list(output_dir.iterdir()) == []


def test_pre_gen_hook_refuses_a_bad_answer_the_extensions_never_saw(
    output_dir, tmp_path
):
    # A replay file without the template's extensions reaches the hook.
    config = write_cookiecutter_config(tmp_path)
    project = bake(output_dir, config_file=config)
    shutil.rmtree(project)
    (replay_file,) = (tmp_path / ".cookiecutter_replay").iterdir()
    context = json.loads(replay_file.read_text())
    context["cookiecutter"]["package_name"] = "keras"
    context["cookiecutter"]["_extensions"] = ["local_extensions.TemplateFolder"]
    replay_file.write_text(json.dumps(context))
    with pytest.raises(FailedHookException):
        run_cookiecutter(
            replay=str(replay_file), output_dir=str(output_dir), config_file=config
        )
    assert list(output_dir.iterdir()) == []


def answer_prompts(output_dir, *typed):
    """Types `typed` at the prompts, in order, then Enter (the default) at the
    rest; `run_tests=no` on the command line makes "no" that default.

    Returns the project, the lines printed on stderr, and what was shown on
    stdout: the prompts, each with its number and its default.
    """
    result = run_cookiecutter_cli(
        output_dir,
        "run_tests=no",
        typed=[*typed, *[""] * 11],
        env={"COLUMNS": "200"},  # no prompt wrapped across lines
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (project,) = output_dir.iterdir()
    return project, result.stderr.splitlines(), result.stdout


def prompt_numbers(shown):
    return [int(number) for number in re.findall(r"\[(\d+)/11\]", shown)]


def test_refused_package_name_is_asked_again_at_once(output_dir):
    typed = ("", "", "keras", "class", "tidy")
    project, refusals, shown = answer_prompts(output_dir, *typed)
    assert refusals == [
        refusal("package_name", "keras"),
        refusal("package_name", "class"),
    ]
    # Question 3 again, right after each refusal, before question 4.
    assert prompt_numbers(shown)[:6] == [1, 2, 3, 3, 3, 4]
    assert (project / "src" / "tidy" / "tidy.py").is_file()


def test_defaults_after_a_corrected_answer_derive_from_it(output_dir):
    project, refusals, shown = answer_prompts(output_dir, "", "a/b", "zoes-layer")
    assert refusals == [refusal("project_slug", "a/b")]
    assert "Python import name (zoes_layer)" in shown
    assert "Layer class name (CamelCase) (ZoesLayer)" in shown
    assert project.name == "zoes-layer"
    assert (project / "src" / "zoes_layer" / "zoes_layer.py").is_file()


def test_a_refused_default_is_replaced_by_the_valid_example(output_dir):
    # The name "Keras" gives the package default "keras", which is refused.
    project, refusals, shown = answer_prompts(output_dir, "Keras")
    assert refusals == [refusal("package_name", "keras")]
    assert "Python import name (my_keras)" in shown
    assert (project / "src" / "my_keras" / "my_keras.py").is_file()


@pytest.mark.parametrize(
    "project_name,slug,class_name",
    [
        ("Zo\u00eb's Mask Joiner", "zoes-mask-joiner", "ZoesMaskJoiner"),
        ("Zo\u00eb\u2019s Mask Joiner", "zoes-mask-joiner", "ZoesMaskJoiner"),
        ("Rock 'n' Roll", "rock-n-roll", "RockNRoll"),
    ],
)
def test_an_apostrophe_joins_its_word_in_the_derived_names(
    output_dir, project_name, slug, class_name
):
    project = bake(output_dir, project_name=project_name)
    package = slug.replace("-", "_")
    assert project.name == slug
    layer = (project / "src" / package / f"{package}.py").read_text(encoding="utf-8")
    assert f"class {class_name}(" in layer


@pytest.mark.parametrize(
    "name,snake",
    [
        ("MyMaskedLayer", "my_masked_layer"),
        ("Layer", "layer"),
        ("HTTPMask", "http_mask"),
        ("Mask2D", "mask2_d"),
        ("ABC", "abc"),
    ],
)
def test_snake_case(name, snake):
    assert local_extensions.snake_case(name) == snake


FREE_TEXT = [
    "plain",
    "quote \" and apostrophe ' and ''' and \"\"\"",
    "back\\slash\\",
    "caf\u00e9 \u00fcber \u4e2d\u6587",
    "emoji \U0001f600\U0001f680",
    "{{ jinja }} {% raw %}",
    'toml = "x" [table]',
    "x'); __import__('os').system('touch /tmp/PWNED'); ('",
    "tab\tand del\x7f and bell\x07",
]


@pytest.mark.parametrize("text", FREE_TEXT)
def test_python_and_toml_strings_round_trip(text):
    assert ast.literal_eval(local_extensions.python_string(text)) == text
    toml = f"value = {local_extensions.toml_string(text)}"
    assert tomllib.loads(toml)["value"] == text


def test_a_value_that_ends_in_a_line_break_is_not_one_line():
    # str.splitlines gives one line for these, but they still end the line.
    for end in ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"):
        assert local_extensions.broken_rule("description", f"text{end}")


def test_default_answers_pass_the_rules():
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    answers = {key: context[key] for key in local_extensions.QUESTIONS}
    # The derived defaults, as rendered from the name.
    answers.update(
        project_slug="my-masked-layer",
        package_name="my_masked_layer",
        layer_class_name="MyMaskedLayer",
    )
    assert local_extensions.answer_errors(answers) == []


def test_each_choice_defaults_to_its_first_option():
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert set(local_extensions.CHOICES) == {"license", "mask_variant", "keras_backend"}
    for field, options in local_extensions.CHOICES.items():
        assert context[field] == options[0], field
