{%- from "macros.jinja" import from_import, register -%}
"""A subclassed model that threads the mask through `{{ cookiecutter.layer_class_name }}` by hand.

{% include "threading_note.txt" %}
{%- block module_note %}{% endblock %}
`build_functional_model` wires the same layers as a functional model, where
Keras propagates the mask automatically; both give the same outputs.
"""

import keras

{{ from_import(cookiecutter.package_name ~ "." ~ cookiecutter.__layer_module, cookiecutter.layer_class_name) }}


{{ register(cookiecutter.package_name) }}
class MaskedSequenceModel(keras.Model):
{%- block summary %}
    """Token classifier: Embedding -> {{ cookiecutter.layer_class_name }} -> GRU -> Dense.

    Token id 0 is padding. `Embedding(mask_zero=True)` makes the `(batch, time)`
    mask, `{{ cookiecutter.layer_class_name }}` computes the mask of its output,
    and the GRU consumes that one.
{%- endblock %}

    Args:
        vocabulary_size: Number of token ids, padding (0) included.
        embedding_dim: Size of each token embedding.
        hidden_units: Size of the {% block encoder_name %}GRU state{% endblock %}.
        num_classes: Number of output logits.
        **kwargs: Standard model arguments, such as `name`.

    Call arguments:
{%- block call_arguments %}
        tokens: int tensor of shape `(batch, time)`, 0 for padding.
{%- endblock %}
    """

    def __init__(
        self,
        vocabulary_size=1000,
        embedding_dim=16,
        hidden_units=16,
        num_classes=2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_units = hidden_units
        self.num_classes = num_classes
        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True
        )
{% block masked_layers %}        self.masked_layer = {% block masked_layer %}{{ cookiecutter.layer_class_name }}(){% endblock %}{% endblock %}
        self.encoder = {% block encoder %}keras.layers.GRU(hidden_units){% endblock %}
        self.head = keras.layers.Dense(num_classes)
{% block call %}
    def call(self, tokens):
        mask = self.embedding.compute_mask(tokens)
        x = self.embedding(tokens)
        y = self.masked_layer(x, mask=mask)
        # The layer decides the mask of its output: ask it, from its inputs.
        mask = self.masked_layer.compute_mask(x, mask)
        return self.head(self.encoder(y, mask=mask))
{% endblock %}
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "hidden_units": self.hidden_units,
                "num_classes": self.num_classes,
            }
        )
        return config

{% block functional %}
def build_functional_model(model):
    """The same network as `model`, as a functional model sharing its layers.

    Here nothing is threaded by hand: each layer hands its mask to the next.
    """
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = model.embedding(tokens)
    x = model.masked_layer(x)
    x = model.encoder(x)
    return keras.Model(tokens, model.head(x))
{% endblock %}