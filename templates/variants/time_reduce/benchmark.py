{% extends "benchmark.py" %}
{% block builtin_name %}GlobalAveragePooling1D{% endblock %}
{% block builtin_summary %}, and next to `GlobalAveragePooling1D`{% endblock %}
{% block builtin %}

    # Keras's nearest built-in, on the same masked batch. No row is empty here,
    # so its result must equal the layer's (it gives NaN on an empty row).
    pooling = keras.layers.GlobalAveragePooling1D()
    pooling_call, no_weights = as_function(pooling, inputs, mask)
    timed["GlobalAveragePooling1D"] = (pooling_call, (no_weights, inputs, mask))
{%- endblock %}
