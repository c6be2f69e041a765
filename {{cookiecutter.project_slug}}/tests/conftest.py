import os

# The backend this project was generated for; `KERAS_BACKEND=jax pytest` (or
# tensorflow, or torch) overrides it. It must be set before Keras is first imported.
os.environ.setdefault("KERAS_BACKEND", "{{ cookiecutter.keras_backend }}")
