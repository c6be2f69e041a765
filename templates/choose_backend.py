# Keras reads the backend once, when it is first imported.
os.environ.setdefault("KERAS_BACKEND", "{{ cookiecutter.keras_backend }}")
# Hides TensorFlow's C++ log lines (CUDA probing, oneDNN notes, XLA start-up),
# error lines included: errors in this code still raise Python exceptions that
# carry the whole message. The few lines it prints while loading come earlier.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
