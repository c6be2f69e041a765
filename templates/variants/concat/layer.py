{%- from "macros.jinja" import register -%}
import numbers

import keras
from keras import ops


def _mask_pair(mask):
    """`mask` as a tuple `(mask_a, mask_b)`; `None` stands for `(None, None)`."""
    if mask is None:
        return None, None
    if not isinstance(mask, (list, tuple)) or len(mask) != 2:
        raise ValueError(
            f"`mask` must be None or a list of two masks. Received: mask={mask}"
        )
    return tuple(mask)


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Joins two sequences along time or features and joins their masks.

    Called on `[a, b]`, it zeroes the padded steps of each input, then
    concatenates them. Masking: along time (`axis=1`) the output mask is the two
    masks concatenated, so the next layer sees the real steps of `a`, then the
    padding of `a`, then the real steps of `b`, then the padding of `b`. Along
    features (`axis=-1`) a step is real if it is real in either input (the masks
    are combined with OR, as `keras.layers.Concatenate` does in Keras >= 3.4);
    the input that is padded there contributes zeros. A `None` mask counts as
    all `True`; when both masks are `None` the output mask is `None`. Padded
    steps are zeroed with a select, not a multiply, so inf or NaN at padded
    steps cannot leak and their gradients are exactly zero. A fully masked row
    gives all zeros and an all-`False` output mask.

    Args:
        axis: Axis to concatenate along: `1` for time (the default) or `-1`
            for features (`2` is the same as `-1`).
        **kwargs: Standard layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A list of two 3D float tensors `[a, b]`, of shapes
            `(batch, time_a, features)` and `(batch, time_b, features)` for
            `axis=1`, or `(batch, time, features_a)` and
            `(batch, time, features_b)` for `axis=-1`.
        mask: Optional list `[mask_a, mask_b]` of tensors of shape
            `(batch, time_a)` and `(batch, time_b)`, `True` (or 1) for a real
            step and `False` (or 0) for padding. Int and float 0/1 masks are
            read as bool. Either entry, or the whole list, may be `None`,
            which means every step of that input is real.

    Input shape:
        A list of two 3D tensors, equal in every dimension but the
        concatenation axis.

    Output shape:
        3D tensor of shape `(batch, time_a + time_b, features)` for `axis=1`,
        or `(batch, time, features_a + features_b)` for `axis=-1`. Output
        mask: `(batch, time_a + time_b)` bool, the masks concatenated, for
        `axis=1`; `(batch, time)` bool, `mask_a OR mask_b`, for `axis=-1`;
        `None` when both input masks are `None`.

    Example:

    >>> import numpy as np
    >>> layer = {{ cookiecutter.layer_class_name }}(axis=1)
    >>> a = np.ones((2, 3, 4), "float32")
    >>> b = np.full((2, 2, 4), 2.0, "float32")
    >>> mask_a = np.array([[True, True, False], [True, False, False]])
    >>> y = layer([a, b], mask=[mask_a, None])
    >>> tuple(y.shape)
    (2, 5, 4)
    >>> bool(keras.ops.all(y[0, 2] == 0.0))
    True
    >>> output_mask = layer.compute_mask([a, b], [mask_a, None])
    >>> keras.ops.convert_to_numpy(output_mask).tolist()
    [[True, True, False, True, True], [True, False, False, True, True]]
    """

    def __init__(self, axis=1, **kwargs):
        super().__init__(**kwargs)
        integer = isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
        if not integer or axis not in (1, 2, -1):
            raise ValueError(
                "`axis` must be 1 (time) or -1 (features; 2 is the same). "
                f"Received: axis={axis}"
            )
        self.axis = int(axis)
        self.supports_masking = True

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not all(isinstance(shape, (list, tuple)) for shape in input_shape)
        ):
            raise ValueError(
                "The layer must be called on a list of exactly two inputs. "
                f"Received: input_shape={input_shape}"
            )
        shape_a, shape_b = input_shape
        if len(shape_a) != 3 or len(shape_b) != 3:
            raise ValueError(
                "Both inputs must be 3D, (batch, time, features). "
                f"Received: input_shape={input_shape}"
            )
        kept = (0, 2) if self.axis == 1 else (0, 1)
        for dim in kept:
            known = None not in (shape_a[dim], shape_b[dim])
            if known and shape_a[dim] != shape_b[dim]:
                raise ValueError(
                    "The inputs must match in every dimension but the "
                    f"concatenation axis={self.axis}. "
                    f"Received: input_shape={input_shape}"
                )

    def call(self, inputs, mask=None):
        a, b = inputs
        mask = _mask_pair(mask)
        if mask[0] is None and mask[1] is None:
            return ops.concatenate([a, b], axis=self.axis)
        # `where`, not a multiply by the mask: a padded step holding inf or NaN
        # would turn into NaN under `0 * x`, and its gradient would not be zero.
        if self.axis == 1:
            # One select over the joined sequence costs less than one per input.
            joined_mask = ops.expand_dims(self.compute_mask(inputs, mask), -1)
            return ops.where(joined_mask, ops.concatenate([a, b], axis=1), 0)
        mask_a, mask_b = self._bool_masks(inputs, mask)
        a = ops.where(ops.expand_dims(mask_a, -1), a, 0)
        b = ops.where(ops.expand_dims(mask_b, -1), b, 0)
        return ops.concatenate([a, b], axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        mask = _mask_pair(mask)
        if mask[0] is None and mask[1] is None:
            return None
        mask_a, mask_b = self._bool_masks(inputs, mask)
        if self.axis == 1:
            return ops.concatenate([mask_a, mask_b], axis=1)
        return ops.logical_or(mask_a, mask_b)

    def _bool_masks(self, inputs, mask):
        # A missing mask means every step of that input is real. It is built
        # from the input itself, so it stays connected to a symbolic graph.
        return [
            ops.ones_like(x[..., 0], dtype="bool") if m is None else ops.cast(m, "bool")
            for x, m in zip(inputs, mask)
        ]

    def compute_output_shape(self, input_shape):
        shape_a, shape_b = input_shape
        output_shape = list(shape_a)
        for dim in range(3):
            if output_shape[dim] is None:
                output_shape[dim] = shape_b[dim]
        axis = self.axis % 3
        if shape_a[axis] is None or shape_b[axis] is None:
            output_shape[axis] = None
        else:
            output_shape[axis] = shape_a[axis] + shape_b[axis]
        return tuple(output_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
