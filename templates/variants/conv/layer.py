{%- from "macros.jinja" import register -%}
import numbers
from collections.abc import Callable
from typing import Any

import keras
from keras import ops

# A backend tensor, or a `keras.KerasTensor` while a model is being built.
Tensor = Any
Shape = tuple[int | None, ...]

PADDINGS = ("same", "causal", "valid")


{% include "check_mask.py" %}

def _positive_int(name: str, value: Any) -> int:
    """`value` as a plain int, refusing anything but a positive integer.

    A one-element tuple or list, as `keras.layers.Conv1D` stores its sizes,
    stands for its element.
    """
    number = value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value
    # NumPy integers are integers; `True` and `False` are not.
    if (
        isinstance(number, bool)
        or not isinstance(number, numbers.Integral)
        or number < 1
    ):
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    # A plain int: a NumPy integer would not serialize to JSON.
    return int(number)


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """1D convolution over time that never lets padding into a window.

    Convolves `(batch, time, channels)` inputs with `filters` kernels of
    `kernel_size` steps, as `keras.layers.Conv1D` does, and takes the same
    arguments except Conv1D's `data_format`, `groups` and LoRA options. The
    weights have Conv1D's layout, `kernel` `(kernel_size, channels, filters)`
    and `bias` `(filters,)`, so `layer.set_weights(conv1d.get_weights())`
    works both ways. Once built, the layer accepts only inputs with the number
    of channels it was built with.

    Masking: `call` sets padded input steps to zero with a select before the
    convolution, so neither their values (even inf or NaN) nor their
    gradients reach a window. Each output step has an anchor input step, and
    the output mask is the input mask at the anchors: step `j` for `"same"`;
    step `j * strides`, the last step of the window, for `"causal"`; step
    `j * strides + (kernel_size - 1) * dilation_rate`, also the last step of
    the window, for `"valid"`. So on a right-padded row every real output
    equals Conv1D's output on the unpadded row, and a mask with holes follows
    the same rule. Padded output steps are zero, after the bias and the
    activation. A fully masked row gives all zeros and an all-`False` output
    mask. The `activity_regularizer` sees those zeros. A mask whose shape is
    not `(batch, time)` is refused with a `ValueError`.

    Args:
        filters: Positive integer, the number of output channels. Defaults to
            `None`, which keeps the number of input channels.
        kernel_size: Positive integer, the number of steps in a window.
            Defaults to `3`.
        strides: Positive integer, the step between two windows. Defaults to
            `1`. Above 1, it needs `padding="causal"` or `"valid"` and
            `dilation_rate=1`.
        padding: `"same"`, `"causal"` or `"valid"` (any case). `"same"` keeps
            `time` steps, padding `(kernel_size - 1) * dilation_rate // 2`
            zero steps on the left and the rest on the right, as Conv1D does.
            `"causal"` pads `(kernel_size - 1) * dilation_rate` zero steps on
            the left only, so an output never sees a later step. `"valid"`
            pads nothing: only whole windows inside the row. Defaults to
            `"same"`.
        dilation_rate: Positive integer, the step between two taps of a
            window. Defaults to `1`.
        activation: Activation function applied after the convolution.
            Defaults to `None` (linear).
        use_bias: Boolean, whether to add a bias vector. Defaults to `True`.
        kernel_initializer: Initializer for the `kernel` weights. Defaults to
            `"glorot_uniform"`.
        bias_initializer: Initializer for the bias vector. Defaults to
            `"zeros"`.
        kernel_regularizer: Regularizer applied to the `kernel` weights.
            Defaults to `None`.
        bias_regularizer: Regularizer applied to the bias vector. Defaults to
            `None`.
        activity_regularizer: Regularizer applied to the outputs, padded steps
            included as zeros. Keras divides its loss by the batch size.
            Defaults to `None`.
        kernel_constraint: Constraint applied to the `kernel` weights after
            each optimizer step. Defaults to `None`.
        bias_constraint: Constraint applied to the bias vector after each
            optimizer step. Defaults to `None`.
        **kwargs: Standard layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 3D float tensor of shape `(batch, time, channels)`.
        mask: Optional tensor of shape `(batch, time)`, `True` (or 1) for a
            real step and `False` (or 0) for padding. Int and float 0/1 masks
            are read as bool. `None` means every step is real.

    Input shape:
        3D tensor of shape `(batch, time, channels)`.

    Output shape:
        3D tensor of shape `(batch, steps, filters)`, where `steps` is `time`
        for `"same"`, `ceil(time / strides)` for `"causal"` and
        `floor((time - (kernel_size - 1) * dilation_rate - 1) / strides) + 1`,
        but at least 0, for `"valid"`. Output mask: `(batch, steps)` bool, the
        input mask at the anchors, or `None` when there was no input mask.

    Example:

    >>> import numpy as np
    >>> layer = {{ cookiecutter.layer_class_name }}(
    ...     filters=1, strides=2, padding="causal", kernel_initializer="ones"
    ... )
    >>> x = np.ones((1, 5, 1), "float32")
    >>> mask = np.array([[True, True, True, False, False]])
    >>> y = layer(x, mask=mask)
    >>> keras.ops.convert_to_numpy(y)[0, :, 0].tolist()
    [1.0, 3.0, 0.0]
    >>> keras.ops.convert_to_numpy(layer.compute_mask(x, mask)).tolist()
    [[True, True, False]]
    """

    def __init__(
        self,
        filters: int | None = None,
        kernel_size: int = 3,
        strides: int = 1,
        padding: str = "same",
        dilation_rate: int = 1,
        activation: str | dict | Callable | None = None,
        use_bias: bool = True,
        kernel_initializer: str | dict | Callable | None = "glorot_uniform",
        bias_initializer: str | dict | Callable | None = "zeros",
        kernel_regularizer: str | dict | Callable | None = None,
        bias_regularizer: str | dict | Callable | None = None,
        activity_regularizer: str | dict | Callable | None = None,
        kernel_constraint: str | dict | Callable | None = None,
        bias_constraint: str | dict | Callable | None = None,
        **kwargs: Any,
    ) -> None:
        filters = None if filters is None else _positive_int("filters", filters)
        kernel_size = _positive_int("kernel_size", kernel_size)
        strides = _positive_int("strides", strides)
        dilation_rate = _positive_int("dilation_rate", dilation_rate)
        if not isinstance(padding, str) or padding.lower() not in PADDINGS:
            raise ValueError(
                '`padding` must be one of "same", "causal" and "valid". '
                f"Received: padding={padding!r}"
            )
        padding = padding.lower()
        if padding == "same" and strides > 1:
            raise ValueError(
                '`padding="same"` cannot be combined with `strides > 1`: '
                "where its windows fall depends on the padded length, so no "
                "output could equal the run on the unpadded row. Use "
                '`padding="causal"` or `"valid"`. '
                f"Received: padding={padding!r}, strides={strides}"
            )
        if strides > 1 and dilation_rate > 1:
            raise ValueError(
                "`strides > 1` cannot be combined with `dilation_rate > 1`, as "
                "in keras.layers.Conv1D. "
                f"Received: strides={strides}, dilation_rate={dilation_rate}"
            )
        # The base layer applies the activity regularizer to the outputs of
        # every call and keeps it in its config.
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.dilation_rate = dilation_rate
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.input_spec = keras.layers.InputSpec(ndim=3)
        self.supports_masking = True

        # Steps a window spans beyond its first one.
        self._span = (kernel_size - 1) * dilation_rate
        # The anchor of output step `j` is input step `first + j * strides`.
        self._first_anchor = self._span if padding == "valid" else 0
        # Backends refuse a row shorter than one window once padded (even
        # "same" on zero steps, on TensorFlow and PyTorch): the fewest steps
        # that make one.
        self._fewest_steps = self._span + 1 if padding == "valid" else 1

    def build(self, input_shape: Shape) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                "The last dimension of the inputs must be known. "
                f"Received: input_shape={input_shape}"
            )
        filters = self.filters or channels
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, channels, filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        # The kernel fixes the number of channels from now on; Keras then
        # refuses other sizes with a message naming the layer and both sizes.
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: channels})

    def call(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_mask(inputs, mask)
        if mask is not None:
            mask = ops.cast(mask, "bool")
            # `where`, not a multiply by the mask: a padded step holding inf or
            # NaN would turn into NaN under `0 * x`, and its gradient would
            # not be zero.
            inputs = ops.where(ops.expand_dims(mask, -1), inputs, 0)
        batch, time, channels = ops.shape(inputs)
        # 1 for a row too short for one window, else 0. Arithmetic, not a
        # branch: in a compiled function `time` may be symbolic (a tensor in a
        # TensorFlow graph, a symbolic int under torch.compile).
        short = 1 // (time // self._fewest_steps + 1)
        # A short row gets zero steps on the right, whose outputs are cut off
        # below; any other row gets none, which XLA drops. "same" keeps its
        # padding inside the convolution, as Conv1D does. Zeros joined on, not
        # `ops.pad`: every `ops.pad` call names a new Keras operation, and
        # torch.compile traces again when that name moves.
        pieces = [
            inputs,
            ops.zeros((batch, self._fewest_steps * short, channels), inputs.dtype),
        ]
        if self.padding == "causal":
            pieces.insert(0, ops.zeros((batch, self._span, channels), inputs.dtype))
        outputs = ops.conv(
            ops.concatenate(pieces, axis=1),
            self.kernel,
            strides=self.strides,
            padding="same" if self.padding == "same" else "valid",
            dilation_rate=self.dilation_rate,
        )
        # The number of anchors: 0 for a short row.
        steps = (1 - short) * ((time - self._first_anchor - 1) // self.strides + 1)
        outputs = outputs[:, :steps]
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        outputs = self.activation(outputs)
        if mask is None:
            return outputs
        # Zero after the bias and the activation, so that nothing downstream
        # can read a padded step, even a layer that ignores masks.
        mask = ops.expand_dims(self._anchor_mask(mask), -1)
        return ops.where(mask, outputs, 0)

    def _anchor_mask(self, mask: Tensor) -> Tensor:
        """The mask at the anchor steps: a strided slice of static bounds.

        Keras also calls `compute_mask` on symbolic tensors whose time dim is
        `None`; a slice keeps the right length there, and is empty when the
        row is shorter than a window.
        """
        if self._first_anchor == 0 and self.strides == 1:
            return mask
        return mask[:, self._first_anchor :: self.strides]

    def compute_mask(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor | None:
        # Keras calls it while a model is built, where `call` does not run.
        _check_mask(inputs, mask)
        if mask is None:
            return None
        return self._anchor_mask(ops.cast(mask, "bool"))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        batch, time, channels = input_shape
        if time is not None:
            # The number of anchors, as `_anchor_mask` slices them.
            time = max(0, (time - self._first_anchor - 1) // self.strides + 1)
        return (batch, time, self.filters or channels)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "dilation_rate": self.dilation_rate,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                # The base config holds it only when set: here it is always
                # there, as every other argument is.
                "activity_regularizer": keras.regularizers.serialize(
                    self.activity_regularizer
                ),
                "kernel_constraint": keras.constraints.serialize(
                    self.kernel_constraint
                ),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            }
        )
        return config
