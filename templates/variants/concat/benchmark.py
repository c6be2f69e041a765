{% extends "benchmark.py" %}
{% block builtin_name %}Concatenate{% endblock %}
{% block builtin_summary %}, and next to `Concatenate(axis=1)`{% endblock %}
{% block masked_batch %}
    a, mask_a = padded_batch(rng, batch, length, channels)
    b, mask_b = padded_batch(rng, batch, length, channels)
    inputs = [ops.convert_to_tensor(a), ops.convert_to_tensor(b)]
    masks = [ops.convert_to_tensor(mask_a), ops.convert_to_tensor(mask_b)]
    layer = {{ cookiecutter.layer_class_name }}(axis=1)
    return layer, inputs, masks
{%- endblock %}
{% block builtin %}

    # Keras's nearest built-in. Its `call` takes no mask: its output mask comes
    # from `compute_mask`, and it leaves the padded steps as they are.
    concatenate = keras.layers.Concatenate(axis=1)

    def builtin(inputs, masks):
        return concatenate(inputs), concatenate.compute_mask(inputs, masks)

    timed["Concatenate"] = (builtin, (inputs, mask))
{%- endblock %}
