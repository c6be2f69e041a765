{% extends "masked_model.py" %}
{%- block module_note %}
Here the mask goes through a stack of two `{{ cookiecutter.layer_class_name }}`
layers. The second one strides by 2: its output, and its mask, are half as
long as the tokens, so only that layer can say which of its steps are real.
Each layer is asked for the mask of its output in turn, and the GRU gets the
last one.
{% endblock %}
{%- block summary %}
    """Token classifier: Embedding -> 2 x {{ cookiecutter.layer_class_name }} -> GRU -> Dense.

    Token id 0 is padding. `Embedding(mask_zero=True)` makes the `(batch, time)`
    mask. The first convolution (`padding="same"`) keeps it; the second
    (`padding="causal"`, `strides=2`) keeps every other step, real where its
    anchor token is real; the GRU consumes that mask.
{%- endblock %}
{% block masked_layers %}        self.masked_layers = [
            {{ cookiecutter.layer_class_name }}(activation="relu"),
            {{ cookiecutter.layer_class_name }}(
                strides=2,
                padding="causal",
                activation="relu",
            ),
        ]{% endblock %}
{% block call %}
    def call(self, tokens):
        mask = self.embedding.compute_mask(tokens)
        x = self.embedding(tokens)
        for layer in self.masked_layers:
            y = layer(x, mask=mask)
            # Each layer decides the mask of its output: ask it, from its inputs.
            mask = layer.compute_mask(x, mask)
            x = y
        return self.head(self.encoder(x, mask=mask))
{% endblock %}
{% block functional %}
def build_functional_model(model):
    """The same network as `model`, as a functional model sharing its layers.

    Here nothing is threaded by hand: each layer hands its mask to the next.
    """
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = model.embedding(tokens)
    for layer in model.masked_layers:
        x = layer(x)
    x = model.encoder(x)
    return keras.Model(tokens, model.head(x))
{% endblock %}
