{% extends "benchmark.py" %}
{% block builtin_name %}Dense+Softmax{% endblock %}
{% block builtin_summary %}, and next to Keras layers{% endblock %}
{% block builtin_against %}`Dense(1)`, `Softmax(axis=1)` and a weighted sum{% endblock %}
{% block builtin_layers %}keras.layers.Dense(1) + Softmax(axis=1) + weighted sum{% endblock %}
{% block builtin %}

    # The same pooling from Keras layers, with the layer's score kernel:
    # Dense(1) scores, Softmax(axis=1) with the mask, then a weighted sum. No
    # row is empty and the padding is finite here, so its result must equal
    # the layer's (it gives NaN where a padded step holds inf or NaN).
    dense = keras.layers.Dense(1, use_bias=False)
    dense.build(inputs.shape)
    softmax = keras.layers.Softmax(axis=1)

    def builtin(kernel, inputs, mask):
        scores, _ = dense.stateless_call(kernel, [], inputs)
        attention = softmax(scores, mask=ops.expand_dims(mask, -1))
        return ops.sum(attention * inputs, axis=1), None

    timed["Dense+Softmax"] = (builtin, (weights[0], inputs, mask))
{%- endblock %}
