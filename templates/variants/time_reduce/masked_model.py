{% extends "masked_model.py" %}
{%- block module_note %}
Here `{{ cookiecutter.layer_class_name }}` consumes the mask (its `compute_mask`
returns `None`), so the mask is threaded into it and stops there: the layers
after it see one vector per row and need none.
{% endblock %}
{%- block class_docstring %}
    """Sequence classifier: Embedding -> {{ cookiecutter.layer_class_name }} -> Dense -> Dense.

    Token id 0 is padding. `Embedding(mask_zero=True)` makes the `(batch, time)`
    mask, `{{ cookiecutter.layer_class_name }}` averages the embeddings of the
    real tokens and consumes it, and two Dense layers map that average to
    logits. A row of padding only gives the output for a zero vector.

    Args:
        vocabulary_size: Number of token ids, padding (0) included.
        embedding_dim: Size of each token embedding.
        hidden_units: Size of the hidden Dense layer.
        num_classes: Number of output logits.
        **kwargs: Standard model arguments, such as `name`.

    Call arguments:
        tokens: int tensor of shape `(batch, time)`, 0 for padding.
    """
{%- endblock %}
{% block encoder %}keras.layers.Dense(hidden_units, activation="relu"){% endblock %}
{% block call %}
    def call(self, tokens):
        mask = self.embedding.compute_mask(tokens)
        x = self.embedding(tokens)
        y = self.masked_layer(x, mask=mask)
        return self.head(self.encoder(y))
{% endblock %}
{% block functional %}
def build_functional_model(model):
    """The same network as `model`, as a functional model sharing its layers.

    Here nothing is threaded by hand: the embedding hands its mask to the layer.
    """
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = model.embedding(tokens)
    x = model.masked_layer(x)
    x = model.encoder(x)
    return keras.Model(tokens, model.head(x))
{% endblock %}
