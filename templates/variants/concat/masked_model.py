{% extends "masked_model.py" %}
{%- block summary %}
    """Pair classifier: Embedding -> {{ cookiecutter.layer_class_name }} (time) -> GRU -> Dense.

    Token id 0 is padding. One shared `Embedding(mask_zero=True)` makes a
    `(batch, time)` mask for each sequence, `{{ cookiecutter.layer_class_name }}`
    joins the two sequences and their masks along time, and the GRU consumes
    the joined mask, so it reads the real steps of the first sequence, then
    the real steps of the second.
{%- endblock %}
{%- block call_arguments %}
        inputs: A list `[tokens_a, tokens_b]` of int tensors of shapes
            `(batch, time_a)` and `(batch, time_b)`, 0 for padding.
{%- endblock %}
{% block masked_layer %}{{ cookiecutter.layer_class_name }}(axis=1){% endblock %}
{% block call %}
    def call(self, inputs):
        tokens_a, tokens_b = inputs
        masks = [self.embedding.compute_mask(t) for t in (tokens_a, tokens_b)]
        x = [self.embedding(t) for t in (tokens_a, tokens_b)]
        y = self.masked_layer(x, mask=masks)
        mask = self.masked_layer.compute_mask(x, masks)
        return self.head(self.encoder(y, mask=mask))
{% endblock %}
{% block functional %}
def build_functional_model(model):
    """The same network as `model`, as a functional model sharing its layers.

    Here nothing is threaded by hand: each layer hands its mask to the next,
    and `{{ cookiecutter.layer_class_name }}` receives the list of both masks.
    """
    tokens_a = keras.Input(shape=(None,), dtype="int32", name="tokens_a")
    tokens_b = keras.Input(shape=(None,), dtype="int32", name="tokens_b")
    x = model.masked_layer([model.embedding(tokens_a), model.embedding(tokens_b)])
    x = model.encoder(x)
    return keras.Model([tokens_a, tokens_b], model.head(x))
{% endblock %}
