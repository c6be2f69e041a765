{{ cookiecutter.description | python_string }}

from {{ cookiecutter.package_name }}.masked_model import MaskedSequenceModel
from {{ cookiecutter.package_name }}.masked_model import build_functional_model
from {{ cookiecutter.package_name }}.{{ cookiecutter.__layer_module }} import {{ cookiecutter.layer_class_name }}

__all__ = ["{{ cookiecutter.layer_class_name }}", "MaskedSequenceModel", "build_functional_model"]
