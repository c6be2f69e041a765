{%- from "macros.jinja" import register -%}
import keras
from keras import ops


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Masked mean over time that consumes the mask.

    Averages the features of the real time steps of each row:
    `sum(inputs[t] for real t) / number of real steps`. Masking: padded steps
    are left out of both the sum and the count, whatever values they hold
    (even inf or NaN), and they get exactly zero gradient. The time axis is
    gone from the output, so the mask is consumed: `compute_mask` returns
    `None`. A fully masked row gives all zeros, where
    `keras.layers.GlobalAveragePooling1D` gives NaN (0 / 0).

    Args:
        keepdims: Boolean, whether to keep the time axis with length 1.
            Defaults to `False`.
        **kwargs: Standard layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 3D float tensor of shape `(batch, time, features)`.
        mask: Optional tensor of shape `(batch, time)`, `True` (or 1) for a
            real step and `False` (or 0) for padding. Int and float 0/1 masks
            are read as bool. `None` means every step is real.

    Input shape:
        3D tensor of shape `(batch, time, features)`.

    Output shape:
        2D tensor of shape `(batch, features)`, or 3D tensor of shape
        `(batch, 1, features)` with `keepdims=True`. Output mask: `None`.

    Example:

    >>> import numpy as np
    >>> layer = {{ cookiecutter.layer_class_name }}()
    >>> x = np.array([[[1.0], [3.0], [np.inf]], [[2.0], [4.0], [6.0]]], "float32")
    >>> mask = np.array([[True, True, False], [False, False, False]])
    >>> keras.ops.convert_to_numpy(layer(x, mask=mask)).tolist()
    [[2.0], [0.0]]
    >>> keras.ops.convert_to_numpy(layer(x[1:])).tolist()
    [[4.0]]
    >>> print(layer.compute_mask(x, mask))
    None
    """

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(keepdims, bool):
            raise ValueError(
                f"`keepdims` must be a bool. Received: keepdims={keepdims!r}"
            )
        self.keepdims = keepdims
        self.input_spec = keras.InputSpec(ndim=3)

    def call(self, inputs, mask=None):
        if mask is None:
            total = ops.sum(inputs, axis=1, keepdims=self.keepdims)
            # max(time, 1): an empty time axis gives zeros, like an empty row.
            count = ops.maximum(ops.shape(inputs)[1], 1)
            return ops.divide(total, ops.cast(count, inputs.dtype))
        mask = ops.cast(mask, "bool")
        # The sum of the real steps is a matrix product with the mask: one
        # pass over `inputs`, much faster than a select followed by a sum.
        product = ops.einsum("bt,btc->bc", ops.cast(mask, inputs.dtype), inputs)
        # But `0 * x` is NaN when a padded step holds inf or NaN. Then, and
        # only then, sum again with a select, which never reads padded values.
        total = ops.cond(
            ops.all(ops.isfinite(product)),
            lambda: product,
            lambda: ops.sum(ops.where(ops.expand_dims(mask, -1), inputs, 0), axis=1),
        )
        # Count in int32: a float16 or bfloat16 running count stops being exact
        # long before the time axis is long.
        count = ops.maximum(ops.sum(ops.cast(mask, "int32"), axis=1, keepdims=True), 1)
        mean = ops.divide(total, ops.cast(count, inputs.dtype))
        return ops.expand_dims(mean, 1) if self.keepdims else mean

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0], 1, input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"keepdims": self.keepdims})
        return config
