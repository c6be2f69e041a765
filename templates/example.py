{% from "macros.jinja" import from_import -%}
"""Trains `MaskedSequenceModel`, the model that threads masks by hand through
`{{ cookiecutter.layer_class_name }}`, on padded token batches: your starting point.

{% block task -%}
The task: say whether most of a row's real tokens lie in the upper half of the
vocabulary. Rows hold 1 to `--max-length` tokens, then padding (token id 0),
so the answer depends on the real tokens only and the mask must do its job.
{% endblock %}
The script trains with `fit`, evaluates on held-out rows, saves the model to a
`.keras` file in a temporary folder, loads it back and checks that both give
the same predictions; it exits with 1 if they do not.

    python examples/train.py
    python examples/train.py --rows 256 --epochs 2

It needs the package installed (`python -m pip install -e ".[dev]"`). It runs on
the {{ cookiecutter.keras_backend }} backend, or on the one `KERAS_BACKEND` names.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

{% include "choose_backend.py" %}
import keras
import numpy as np

{{ from_import(cookiecutter.package_name ~ ".masked_model", "MaskedSequenceModel") }}


def padded_tokens(rng, rows, max_length, vocabulary_size, min_length=1):
    """`(rows, max_length)` int32 token ids: `min_length` to `max_length` real
    ones in `[1, vocabulary_size)` a row, then 0s."""
    lengths = rng.integers(min_length, max_length + 1, rows)
    tokens = rng.integers(1, vocabulary_size, (rows, max_length))
    real = np.arange(max_length) < lengths[:, None]
    return np.where(real, tokens, 0).astype("int32")


def mostly_high(tokens, vocabulary_size):
    """1 for a row whose real tokens are mostly in the upper half, else 0."""
    high = tokens > vocabulary_size // 2
    low = (tokens > 0) & ~high
    return (high.sum(axis=1) > low.sum(axis=1)).astype("int32")
{% block dataset %}

def dataset(rng, rows, max_length, vocabulary_size):
    """`(tokens, labels)`: `rows` padded rows of varied lengths and their labels."""
    tokens = padded_tokens(rng, rows, max_length, vocabulary_size)
    return tokens, mostly_high(tokens, vocabulary_size)
{%- endblock %}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2048, help="training rows")
    parser.add_argument("--max-length", type=int, default=24)
    parser.add_argument("--vocabulary-size", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def train_and_test_sets(args):
    """`((x_train, y_train), (x_test, y_test))`, drawn from `args.seed`."""
    rng = np.random.default_rng(args.seed)
    sizes = (args.max_length, args.vocabulary_size)
    train = dataset(rng, args.rows, *sizes)
    test = dataset(rng, max(args.rows // 4, 1), *sizes)
    return train, test


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = train_and_test_sets(args)

    print(f"Backend: {keras.backend.backend()}")
    model = MaskedSequenceModel(vocabulary_size=args.vocabulary_size)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    # Every variable made before `fit`: the model's (called on one row), the
    # optimizer's and the metric's (an instance, not the name "accuracy"). On
    # TensorFlow, `fit` would make those it finds missing while tracing its
    # first step, and then trace that step a second time.
    model(keras.tree.map_structure(lambda rows: rows[:1], x_train))
    model.optimizer.build(model.trainable_variables)
    history = model.fit(
        x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, verbose=0
    )
    losses = history.history["loss"]
    print(f"Training loss by epoch: {' '.join(f'{loss:.3f}' for loss in losses)}")
    scores = model.evaluate(
        x_test, y_test, batch_size=args.batch_size, return_dict=True, verbose=0
    )
    print(
        f"Held-out rows: {len(y_test)}, loss {scores['loss']:.3f}, "
        f"accuracy {scores['accuracy']:.3f}"
    )

    predictions = model.predict(x_test, batch_size=args.batch_size, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path)
        reloaded_predictions = reloaded.predict(
            x_test, batch_size=args.batch_size, verbose=0
        )
    difference = float(np.max(np.abs(reloaded_predictions - predictions)))
    if not np.allclose(reloaded_predictions, predictions, rtol=1e-5, atol=1e-5):
        sys.exit(
            f"Save and load: the reloaded model's predictions differ by up to "
            f"{difference:.3g}"
        )
    print(f"Save and load: predictions match (largest difference {difference:.3g})")
    return {"losses": losses, **scores, "difference": difference}


if __name__ == "__main__":
    main()
