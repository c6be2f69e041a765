{%- from "macros.jinja" import from_import -%}
{{ cookiecutter.description | python_string }}

{% for module, name in [
    (cookiecutter.__layer_module, cookiecutter.layer_class_name),
    ("masked_model", "MaskedSequenceModel"),
    ("masked_model", "build_functional_model"),
] | sort(attribute="0") -%}
{{ from_import(cookiecutter.package_name ~ "." ~ module, name) }}
{% endfor %}
# One name a line: ruff keeps this form for class names of any length.
__all__ = [
    "{{ cookiecutter.layer_class_name }}",
    "MaskedSequenceModel",
    "build_functional_model",
]
