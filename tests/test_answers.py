"""Answers: the rules in local_extensions.py, and how a refusal looks to a user."""

import ast
import json
import shutil
import tomllib

import pytest
from bakery import TEMPLATE
from bakery import bake
from bakery import run_cookiecutter_cli
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

import local_extensions

BAD_IDENTIFIERS = [
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
    ("project_name", "   ", "blank"),
    ("description", "two\nlines", "newline"),
    ("author_name", "Ada\r\nLovelace", "carriage return"),
]


@pytest.mark.parametrize(
    "field,value,why", BAD_IDENTIFIERS, ids=[why for _, _, why in BAD_IDENTIFIERS]
)
def test_bad_answer_is_one_line_and_leaves_nothing(output_dir, field, value, why):
    result = run_cookiecutter_cli(output_dir, f"{field}={value}", "run_tests=no")
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines() + result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    assert lines[0].startswith(f"{field}=") and "A valid example" in lines[0]
    assert list(output_dir.iterdir()) == []
    assert list(output_dir.parent.iterdir()) == [output_dir]


def test_replay_with_bad_answer_is_refused_by_the_pre_gen_hook(output_dir, tmp_path):
    # `--replay` skips the prompts, and so the check made while rendering them.
    config = tmp_path / "config.yaml"
    config.write_text(f"replay_dir: {json.dumps(str(tmp_path / 'replay'))}\n")
    project = bake(output_dir, config_file=str(config))
    shutil.rmtree(project)
    (replay_file,) = (tmp_path / "replay").iterdir()
    context = json.loads(replay_file.read_text())
    context["cookiecutter"]["package_name"] = "keras"
    replay_file.write_text(json.dumps(context))
    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE),
            replay=str(replay_file),
            output_dir=str(output_dir),
            config_file=str(config),
        )
    assert list(output_dir.iterdir()) == []


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


def test_default_answers_pass_the_rules():
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    answers = {
        "project_name": context["project_name"],
        "project_slug": "my-masked-layer",
        "package_name": "my_masked_layer",
        "layer_class_name": "MyMaskedLayer",
        "description": context["description"],
        "author_name": context["author_name"],
        "author_email": context["author_email"],
    }
    assert local_extensions.answer_errors(answers) == []
