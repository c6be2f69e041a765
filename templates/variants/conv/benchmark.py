{% extends "benchmark.py" %}
{% block builtin_name %}Conv1D{% endblock %}
{% block builtin_summary %}, and next to `Conv1D` with the same weights{% endblock %}
{% block masked_batch %}
    x, mask = padded_batch(rng, batch, length, channels)
    # Garbage of the inputs' own scale: the unmasked call and Conv1D sum it
    # into their outputs, and sums of values near 1e3 round differently
    # compiled and eager, beyond the checks' tolerance.
    x = np.where(mask[..., None], x, rng.normal(size=x.shape)).astype("float32")
    layer = {{ cookiecutter.layer_class_name }}()
    return layer, ops.convert_to_tensor(x), ops.convert_to_tensor(mask)
{%- endblock %}
{% block builtin %}

    # Keras's nearest built-in, with the layer's weights, timed on the same
    # inputs. It takes no mask: it reads the padding as it is, and its
    # `compute_mask` (the base layer's) hands the mask on unchanged.
    conv1d = keras.layers.Conv1D(
        layer.kernel.shape[-1], layer.kernel_size, padding=layer.padding
    )
    conv1d.build(inputs.shape)
    conv1d.set_weights(layer.get_weights())

    def builtin(weights, inputs, mask):
        outputs, _ = conv1d.stateless_call(*weights, inputs)
        return outputs, conv1d.compute_mask(inputs, mask)

    builtin_weights = (
        [variable.value for variable in conv1d.trainable_variables],
        [variable.value for variable in conv1d.non_trainable_variables],
    )
    timed["Conv1D"] = (builtin, (builtin_weights, inputs, mask))
{%- endblock %}
{% block check_builtin %}
        # Conv1D reads the padding as it is: the layer must give its outputs
        # on the same inputs with their padding zeroed, as the layer sees them.
        conv1d, (weights, inputs, mask) = functions["Conv1D"]
        zeroed = ops.where(ops.expand_dims(mask, -1), inputs, 0)
        builtin_outputs = wait_for(conv1d(weights, zeroed, mask))
        check_against_builtin(eager["masked"], builtin_outputs, f"T={length}")
{%- endblock %}
