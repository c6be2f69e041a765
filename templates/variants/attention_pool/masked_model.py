{% extends "masked_model.py" %}
{%- block module_note %}
Here an encoder works step by step and keeps the mask, and
`{{ cookiecutter.layer_class_name }}` consumes it: the mask is threaded through
the encoder into the pooling and stops there, since the layers after it see one
vector per row.
{% endblock %}
{%- block summary %}
    """Sequence classifier: Embedding -> Dense -> {{ cookiecutter.layer_class_name }} -> Dense.

    Token id 0 is padding. `Embedding(mask_zero=True)` makes the `(batch, time)`
    mask, a Dense encoder maps each step on its own and keeps the mask,
    `{{ cookiecutter.layer_class_name }}` pools the real steps with softmax
    weights and consumes the mask, and a Dense head maps the pooled vector to
    logits. A row of padding only gives the head's output for a zero vector.
{%- endblock %}
{% block encoder_name %}Dense encoder{% endblock %}
{% block encoder %}keras.layers.Dense(hidden_units, activation="tanh"){% endblock %}
{% block call %}
    def call(self, tokens):
        mask = self.embedding.compute_mask(tokens)
        x = self.embedding(tokens)
        h = self.encoder(x)
        # Each layer decides the mask of its output: ask it, from its inputs.
        mask = self.encoder.compute_mask(x, mask)
        return self.head(self.masked_layer(h, mask=mask))
{% endblock %}
{% block functional %}
def build_functional_model(model):
    """The same network as `model`, as a functional model sharing its layers.

    Here nothing is threaded by hand: each layer hands its mask to the next.
    """
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = model.embedding(tokens)
    x = model.encoder(x)
    x = model.masked_layer(x)
    return keras.Model(tokens, model.head(x))
{% endblock %}
