{% extends "masked_model.py" %}
{%- block module_note %}
Here `{{ cookiecutter.layer_class_name }}` consumes the mask (its `compute_mask`
returns `None`), so the mask is threaded into it and stops there: the layers
after it see one vector per row and need none.
{% endblock %}
{%- block summary %}
    """Sequence classifier: Embedding -> {{ cookiecutter.layer_class_name }} -> Dense -> Dense.

    Token id 0 is padding. `Embedding(mask_zero=True)` makes the `(batch, time)`
    mask, `{{ cookiecutter.layer_class_name }}` averages the embeddings of the
    real tokens and consumes it, and two Dense layers map that average to
    logits. A row of padding only gives the output for a zero vector.
{%- endblock %}
{% block encoder_name %}hidden Dense layer{% endblock %}
{% block encoder %}keras.layers.Dense(hidden_units, activation="relu"){% endblock %}
{% block call %}
    def call(self, tokens):
        mask = self.embedding.compute_mask(tokens)
        x = self.embedding(tokens)
        y = self.masked_layer(x, mask=mask)
        return self.head(self.encoder(y))
{% endblock %}
