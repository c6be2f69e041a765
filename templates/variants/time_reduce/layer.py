{%- from "macros.jinja" import register -%}
from typing import Any

import keras
from keras import ops

# A backend tensor, or a `keras.KerasTensor` while a model is being built.
Tensor = Any
Shape = tuple[int | None, ...]


{% include "check_mask.py" %}

def _sum_of_real_steps(inputs: Tensor, mask: Tensor) -> Tensor:
    """`inputs` summed over time where the bool `mask` is `True`.

    A padded value never enters the sum, not even as `0 * x`, which is NaN
    when `x` is inf or NaN.
    """

    def select_then_sum() -> Tensor:
        return ops.sum(ops.where(ops.expand_dims(mask, -1), inputs, 0), axis=1)

    if keras.backend.backend() not in ("tensorflow", "jax"):
        # `ops.cond` below is a Python `if` on a tensor here: a device-to-host
        # sync, and a break in a torch.compile graph. torch.compile fuses the
        # select into the sum, so this reads `inputs` once. A product with the
        # mask would be no faster there: on CPU, Inductor turns it into the
        # same loop over time, not a BLAS call.
        return select_then_sum()
    # XLA on CPU does not fuse a select into a sum: the selected copy of
    # `inputs` makes the masked mean 3-12x slower than the plain one. A product
    # with the mask reads `inputs` once, and is right unless a padded step
    # holds inf or NaN. Only when it is not finite does the select run: under
    # `jax.jit` and `tf.function`, `ops.cond` is a conditional inside the
    # compiled program, not a Python `if`.
    product = ops.einsum("bt,btc->bc", ops.cast(mask, inputs.dtype), inputs)
    return ops.cond(ops.all(ops.isfinite(product)), lambda: product, select_then_sum)


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Masked mean over time that consumes the mask.

    Averages the features of the real time steps of each row:
    `sum(inputs[:, t] for real t) / number of real steps`, as
    `keras.layers.GlobalAveragePooling1D` does, and takes its `keepdims`
    argument. A real step holding inf or NaN gives inf or NaN, as in any mean.

    Masking: padded steps are left out of both the sum and the count, whatever
    they hold (even inf or NaN), and get exactly zero gradient. The time axis
    is gone from the output, so the mask is consumed: `compute_mask` returns
    `None`. A fully masked row, or an empty time axis, gives all zeros, where
    `keras.layers.GlobalAveragePooling1D` gives NaN (0 / 0). The sum runs in
    float32 under every dtype policy, so a mixed-precision mean over
    thousands of steps, or of large values, is float32's, cast to the compute
    dtype. A mask whose shape is not `(batch, time)` is refused with a
    `ValueError`.

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
        `(batch, 1, features)` with `keepdims=True`, in the compute dtype.
        Output mask: `None`.

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

    def __init__(self, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(keepdims, bool):
            raise ValueError(
                f"`keepdims` must be a bool. Received: keepdims={keepdims!r}"
            )
        self.keepdims = keepdims
        self.input_spec = keras.InputSpec(ndim=3)
        self.supports_masking = True

    def call(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_mask(inputs, mask)
        # Summed in float32 under every dtype policy: in float16 a sum of ones
        # stops growing at 2048, and one of large values overflows past 65504.
        inputs = ops.cast(inputs, "float32")
        if mask is None:
            total = ops.sum(inputs, axis=1)
            # max(time, 1): an empty time axis gives zeros, like an empty row.
            # The cast comes first: a symbolic time dim under torch.compile is
            # not a tensor, and `ops.maximum` cannot trace it.
            count = ops.maximum(ops.cast(ops.shape(inputs)[1], "int32"), 1)
        else:
            mask = ops.cast(mask, "bool")
            # Counted in int32: a float16 or bfloat16 running count stops
            # being exact long before the time axis is long.
            count = ops.maximum(
                ops.sum(ops.cast(mask, "int32"), axis=1, keepdims=True), 1
            )
            total = _sum_of_real_steps(inputs, mask)
        mean = ops.divide(total, ops.cast(count, "float32"))
        mean = ops.cast(mean, self.compute_dtype)
        return ops.expand_dims(mean, 1) if self.keepdims else mean

    def compute_mask(self, inputs: Tensor, mask: Tensor | None = None) -> None:
        # Keras calls it while a model is built, where `call` does not run.
        _check_mask(inputs, mask)
        return None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if self.keepdims:
            return (input_shape[0], 1, input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"keepdims": self.keepdims})
        return config
