{%- from "macros.jinja" import from_import -%}
{{ cookiecutter.description | python_string }}

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version

{{ from_import(cookiecutter.package_name ~ "." ~ cookiecutter.__layer_module, cookiecutter.layer_class_name) }}

# The example model that threads masks by hand is not part of the package's
# API: import it from `{{ cookiecutter.package_name }}.masked_model`.
_DISTRIBUTION = {{ cookiecutter.project_slug | python_string }}
try:
    __version__ = version(_DISTRIBUTION)
except PackageNotFoundError:
    # Imported from a checkout that was never installed (the tests do that).
    __version__ = "0+unknown"

__all__ = ["{{ cookiecutter.layer_class_name }}"]
