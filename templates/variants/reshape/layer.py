{%- from "macros.jinja" import register -%}
import numbers
from typing import Any

import keras
from keras import ops

# A backend tensor, or a `keras.KerasTensor` while a model is being built.
Tensor = Any
Shape = tuple[int | None, ...]


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Merges every `factor` consecutive time steps into one, merging the mask.

    Reshapes `(batch, time, channels)` into
    `(batch, ceil(time / factor), factor * channels)`: merged step `j` holds
    source steps `j * factor, ..., j * factor + factor - 1` side by side. When
    `time` is not a multiple of `factor`, the last merged step is right-padded
    with zeros.

    Masking: padded source steps are set to zero before merging, so neither
    their values (even inf or NaN) nor their gradients reach the output. The
    output mask is `(batch, ceil(time / factor))` bool, and a merged step is
    real if any of its source steps is real. A fully masked row gives all zeros
    and an all-`False` output mask.

    Args:
        factor: Positive integer, the number of consecutive steps merged into
            one. Defaults to `2`.
        **kwargs: Standard layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 3D float tensor of shape `(batch, time, channels)`.
        mask: Optional tensor of shape `(batch, time)`, `True` (or 1) for a
            real step and `False` (or 0) for padding. Int and float 0/1 masks
            are read as bool. `None` means every step is real.

    Input shape:
        3D tensor of shape `(batch, time, channels)`.

    Output shape:
        3D tensor of shape `(batch, ceil(time / factor), factor * channels)`.
        Output mask: `(batch, ceil(time / factor))` bool, `True` where any
        merged source step is real, or `None` when there was no input mask.

    Example:

    >>> import numpy as np
    >>> layer = {{ cookiecutter.layer_class_name }}(factor=2)
    >>> x = np.arange(10, dtype="float32").reshape((1, 5, 2))
    >>> mask = np.array([[True, True, True, False, False]])
    >>> y = layer(x, mask=mask)
    >>> tuple(y.shape)
    (1, 3, 4)
    >>> keras.ops.convert_to_numpy(y)[0].tolist()
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    >>> keras.ops.convert_to_numpy(layer.compute_mask(x, mask)).tolist()
    [[True, True, False]]
    """

    def __init__(self, factor: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # NumPy integers are integers; `True` and `False` are not.
        if (
            isinstance(factor, bool)
            or not isinstance(factor, numbers.Integral)
            or factor < 1
        ):
            raise ValueError(
                f"`factor` must be a positive integer. Received: factor={factor!r}"
            )
        # A plain int: a NumPy integer would not serialize to JSON.
        self.factor: int = int(factor)
        self.supports_masking = True

    def call(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is not None:
            # `where`, not a multiply by the mask: a padded step holding inf or
            # NaN would turn into NaN under `0 * x`.
            mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
            inputs = ops.where(mask, inputs, 0)
        # Unknown dims come back as scalar tensors (TensorFlow), ints (JAX
        # traces with concrete shapes) or symbolic ints (torch.compile), so
        # this also runs compiled.
        batch, time, channels = ops.shape(inputs)
        steps = (time + self.factor - 1) // self.factor
        # Zeros joined on, not `ops.pad`: every `ops.pad` call names a new
        # Keras operation, and torch.compile traces again when that name moves.
        zeros = ops.zeros((batch, steps * self.factor - time, channels), inputs.dtype)
        inputs = ops.concatenate([inputs, zeros], axis=1)
        return ops.reshape(inputs, (batch, steps, self.factor * channels))

    def compute_mask(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor | None:
        if mask is None:
            return None
        # Built from a fixed-width pad and strided slices only: Keras also
        # calls this on symbolic tensors whose time dim is None, where a pad
        # width that depends on `time` cannot be built. The right pad of
        # `factor - 1` False steps makes every strided slice
        # `ceil(time / factor)` long; slice `k` holds source step `k` of each
        # merged step. The pad is a (batch, 1) False column joined on
        # `factor - 1` times (not `ops.pad`, for torch.compile as in `call`).
        mask = ops.cast(mask, "bool")
        # `any` gives a (batch, 1) tensor even when time is 0, where
        # `mask[:, :1]` would be (batch, 0).
        false_step = ops.zeros_like(ops.any(mask, axis=1, keepdims=True))
        mask = ops.concatenate([mask] + [false_step] * (self.factor - 1), axis=1)
        merged = None
        for k in range(self.factor):
            stop = k + 1 - self.factor
            source = mask[:, k : (stop or None) : self.factor]
            merged = source if merged is None else ops.logical_or(merged, source)
        return merged

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        batch, time, channels = input_shape
        steps = None if time is None else (time + self.factor - 1) // self.factor
        channels = None if channels is None else self.factor * channels
        return (batch, steps, channels)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"factor": self.factor})
        return config
