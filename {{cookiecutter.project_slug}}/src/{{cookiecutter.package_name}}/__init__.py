{%- from "macros.jinja" import from_import -%}
{{ cookiecutter.description | python_string }}

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version

try:
    {{ from_import(cookiecutter.package_name ~ "." ~ cookiecutter.__layer_module, cookiecutter.layer_class_name) | indent(4) }}
except ModuleNotFoundError as error:
    # Keras imports its backend as it is imported: the one KERAS_BACKEND names,
    # else ~/.keras/keras.json's, else TensorFlow. The package never chooses one,
    # but where Keras's choice is not installed it says which to set, in one line.
    backend = (error.name or "").partition(".")[0]
    if backend not in {"tensorflow", "jax", "jaxlib", "torch"}:
        raise
    raise ModuleNotFoundError(
        f"Keras's backend {backend!r} is not installed: set "
        "KERAS_BACKEND={{ cookiecutter.keras_backend }}, the backend this project was made for, "
        f"before importing {{ cookiecutter.package_name }}, or install {backend}",
        name=error.name,
    ) from None

# The example model that threads masks by hand is not part of the package's
# API: import it from `{{ cookiecutter.package_name }}.masked_model`.
_DISTRIBUTION = {{ cookiecutter.project_slug | python_string }}
try:
    __version__ = version(_DISTRIBUTION)
except PackageNotFoundError:
    # Imported from a checkout that was never installed (the tests do that).
    __version__ = "0+unknown"

__all__ = ["{{ cookiecutter.layer_class_name }}"]
