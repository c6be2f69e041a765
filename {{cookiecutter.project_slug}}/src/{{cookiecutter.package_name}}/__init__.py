{%- from "macros.jinja" import from_import -%}
{{ cookiecutter.description | python_string }}

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version

{% for module, name in [
    (cookiecutter.__layer_module, cookiecutter.layer_class_name),
    ("masked_model", "MaskedSequenceModel"),
    ("masked_model", "build_functional_model"),
] | sort(attribute="0") -%}
{{ from_import(cookiecutter.package_name ~ "." ~ module, name) }}
{% endfor %}
_DISTRIBUTION = {{ cookiecutter.project_slug | python_string }}
try:
    __version__ = version(_DISTRIBUTION)
except PackageNotFoundError:
    # Imported from a checkout that was never installed (the tests do that).
    __version__ = "0+unknown"

# One name a line: ruff keeps this form for class names of any length.
__all__ = [
    "{{ cookiecutter.layer_class_name }}",
    "MaskedSequenceModel",
    "build_functional_model",
]
