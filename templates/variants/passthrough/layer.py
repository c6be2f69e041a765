{%- from "macros.jinja" import register -%}
import keras
from keras import ops


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Per-step projection that keeps the mask.

    Applies the same dense projection `activation(inputs @ kernel + bias)` to
    every time step. Masking: the incoming `(batch, time)` mask is returned
    unchanged by `compute_mask`, so the next layer receives it, and padded steps
    are set to zero in the output so that nothing downstream can read them, even
    a layer that ignores masks. A fully masked row gives an all-zero output.

    Args:
        units: Positive integer, size of the output features. Defaults to
            `None`, which keeps the number of input features.
        activation: Activation function applied after the projection. Defaults
            to `None` (linear).
        use_bias: Boolean, whether to add a bias vector. Defaults to `True`.
        **kwargs: Standard layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 3D float tensor of shape `(batch, time, features)`.
        mask: Optional tensor of shape `(batch, time)`, `True` (or 1) for a
            real step and `False` (or 0) for padding. Int and float 0/1 masks
            are read as bool. `None` means every step is real.

    Input shape:
        3D tensor of shape `(batch, time, features)`.

    Output shape:
        3D tensor of shape `(batch, time, units)`. Output mask: the input mask,
        `(batch, time)` bool, or `None` when there was no input mask.

    Example:

    >>> import numpy as np
    >>> layer = {{ cookiecutter.layer_class_name }}(units=4)
    >>> x = np.ones((2, 3, 5), "float32")
    >>> mask = np.array([[True, True, False], [True, False, False]])
    >>> y = layer(x, mask=mask)
    >>> tuple(y.shape)
    (2, 3, 4)
    >>> bool(keras.ops.all(y[0, 2] == 0.0))
    True
    >>> keras.ops.convert_to_numpy(layer.compute_mask(x, mask)).tolist()
    [[True, True, False], [True, False, False]]
    """

    def __init__(self, units=None, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        if units is not None and (not isinstance(units, int) or units < 1):
            raise ValueError(
                f"`units` must be a positive integer or None. Received: units={units}"
            )
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "The last dimension of the inputs must be known. "
                f"Received: input_shape={input_shape}"
            )
        units = self.units or features
        self.kernel = self.add_weight(
            name="kernel", shape=(features, units), initializer="glorot_uniform"
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(units,), initializer="zeros"
            )
        else:
            self.bias = None

    def call(self, inputs, mask=None):
        outputs = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        outputs = self.activation(outputs)
        if mask is None:
            return outputs
        # `where`, not a multiply by the mask: a padded step holding inf or NaN
        # would turn into NaN under `0 * x`.
        mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
        return ops.where(mask, outputs, ops.zeros_like(outputs))

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return ops.cast(mask, "bool")

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units or input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
            }
        )
        return config
