{%- from "macros.jinja" import register -%}
import numbers
from typing import Any

import keras
from keras import ops

# A backend tensor, or a `keras.KerasTensor` while a model is being built.
Tensor = Any
Shape = tuple[int | None, ...]


{% include "check_mask.py" %}

def _right_padded(x: Tensor, factor: int) -> tuple[Tensor, Tensor]:
    """`x` with zeros (`False` in a mask) joined on along time up to a multiple
    of `factor` steps, and that multiple divided by `factor`.

    Unknown dims come back from `ops.shape` as scalar tensors (TensorFlow),
    ints (JAX traces with concrete shapes) or symbolic ints (torch.compile), so
    this also runs compiled; the pad is empty, and compilers drop it, when the
    length is a multiple already. Zeros joined on, not `ops.pad`: every
    `ops.pad` call names a new Keras operation, and torch.compile traces again
    when that name moves.
    """
    shape = ops.shape(x)
    steps = (shape[1] + factor - 1) // factor
    zeros = ops.zeros((shape[0], steps * factor - shape[1], *shape[2:]), x.dtype)
    return ops.concatenate([x, zeros], axis=1), steps


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
    and an all-`False` output mask. A mask whose shape is not `(batch, time)`
    is refused with a `ValueError`.

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
        self.input_spec = keras.layers.InputSpec(ndim=3)
        self.supports_masking = True

    def call(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_mask(inputs, mask)
        if mask is not None:
            # `where`, not a multiply by the mask: a padded step holding inf or
            # NaN would turn into NaN under `0 * x`.
            mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
            inputs = ops.where(mask, inputs, 0)
        batch, _, channels = ops.shape(inputs)
        inputs, steps = _right_padded(inputs, self.factor)
        return ops.reshape(inputs, (batch, steps, self.factor * channels))

    def compute_mask(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor | None:
        # Keras calls it while a model is built, where `call` does not run.
        _check_mask(inputs, mask)
        if mask is None:
            return None
        mask = ops.cast(mask, "bool")
        if isinstance(mask, keras.KerasTensor):
            return self._merge_symbolic(mask)
        # Padded as `call` pads the inputs, and each merged step is the OR of
        # its `factor` source steps. torch.compile (Inductor) copied the fixed
        # `factor - 1` step pad of the symbolic path in loops of their own:
        # the masked call ran 4 loops, now 2, as against 1 unmasked; at T=256
        # on 2 busy cores, 0.7-2.0x the unmasked time instead of 1.6-2.8x.
        batch = ops.shape(mask)[0]
        mask, steps = _right_padded(mask, self.factor)
        return ops.any(ops.reshape(mask, (batch, steps, self.factor)), axis=-1)

    def _merge_symbolic(self, mask: Tensor) -> Tensor:
        """The merged mask of a symbolic `mask`, a `keras.KerasTensor`.

        Keras calls `compute_mask` on those when a model is built. Their time
        dim may be None, and the ops run on them become part of the model, so
        these must give the merged mask for any length: the OR of `factor`
        strided slices, slice `k` holding source step `k` of every merged
        step. A right pad of `factor - 1` False steps makes every slice
        `ceil(time / factor)` long. It is a `(batch, 1)` False column joined
        on, not `ops.pad`, for torch.compile as in `call`; `any` gives it even
        when time is 0, where `mask[:, :1]` would not.
        """
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
