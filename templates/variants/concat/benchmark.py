{% extends "benchmark.py" %}
{% block builtin_summary %}, and next to `Concatenate(axis=1)`{% endblock %}
{% block builtin_target %}
    ("masked", "Concatenate"): {256: 0.8, 2048: 0.8},
{%- endblock %}
{% block candidates %}
    a, mask_a = padded_batch(rng, batch, length, channels)
    b, mask_b = padded_batch(rng, batch, length, channels)
    a, b = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    masks = [ops.convert_to_tensor(mask_a), ops.convert_to_tensor(mask_b)]
    layer = {{ cookiecutter.layer_class_name }}(axis=1)

    def masked(a, b, masks):
        return layer([a, b], mask=masks), layer.compute_mask([a, b], masks)

    def unmasked(a, b):
        return layer([a, b]), layer.compute_mask([a, b], None)

    # Keras's nearest built-in. Its `call` takes no mask: its output mask comes
    # from `compute_mask`, and it leaves the padded steps as they are.
    concatenate = keras.layers.Concatenate(axis=1)

    def builtin(a, b, masks):
        return concatenate([a, b]), concatenate.compute_mask([a, b], masks)

    return {
        "masked": (masked, (a, b, masks), masked(a, b, masks)),
        "unmasked": (unmasked, (a, b), unmasked(a, b)),
        "Concatenate": (builtin, (a, b, masks), builtin(a, b, masks)),
    }
{%- endblock %}
