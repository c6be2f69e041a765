import os

import pytest

# The backend this project was generated for; `KERAS_BACKEND=jax pytest` (or
# tensorflow, or torch) overrides it. It must be set before Keras is first imported.
os.environ.setdefault("KERAS_BACKEND", "{{ cookiecutter.keras_backend }}")

# pytest shows values only for asserts in test modules and in modules registered
# before their first import; the kit's own asserts should show them too.
pytest.register_assert_rewrite("mask_contract")
