{%- from "macros.jinja" import register -%}
import numbers
from collections.abc import Callable
from typing import Any

import keras
from keras import ops

# A backend tensor, or a `keras.KerasTensor` while a model is being built.
Tensor = Any
Shape = tuple[int | None, ...]


{% include "check_mask.py" %}

{% include "masked_project.py" %}

{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Per-step projection that keeps the mask.

    Applies the same dense projection `activation(inputs @ kernel + bias)` to
    every time step, as `keras.layers.Dense` does on a 3D input, and takes the
    same arguments but Dense's LoRA and quantization options. Once built, the
    layer accepts only inputs with the number of features it was built with.

    Masking: `call` sets the outputs at padded steps to zero, after the bias and
    the activation, so that nothing downstream can read them, even a layer that
    ignores masks. `compute_mask` returns the input mask unchanged, as bool, so
    the next layer receives it. A fully masked row gives all zeros and an
    all-`False` output mask. The `activity_regularizer` sees those zeros: with
    an L1 or L2 penalty, padded steps add nothing to its loss. Whatever a
    padded step holds, inf and NaN included (a -1e9 sentinel is -inf under
    `mixed_float16`), it reaches no output and no gradient: the gradients of
    the kernel and the bias are those of zeros in the padding. A mask whose
    shape is not `(batch, time)` is refused with a `ValueError`.

    Args:
        units: Positive integer, size of the output features. Defaults to
            `None`, which keeps the number of input features.
        activation: Activation function applied after the projection. Defaults
            to `None` (linear).
        use_bias: Boolean, whether to add a bias vector. Defaults to `True`.
        kernel_initializer: Initializer for the `kernel` weights matrix.
            Defaults to `"glorot_uniform"`.
        bias_initializer: Initializer for the bias vector. Defaults to
            `"zeros"`.
        kernel_regularizer: Regularizer applied to the `kernel` weights
            matrix. Defaults to `None`.
        bias_regularizer: Regularizer applied to the bias vector. Defaults to
            `None`.
        activity_regularizer: Regularizer applied to the outputs, padded steps
            included as zeros. Keras divides its loss by the batch size.
            Defaults to `None`.
        kernel_constraint: Constraint applied to the `kernel` weights matrix
            after each optimizer step. Defaults to `None`.
        bias_constraint: Constraint applied to the bias vector after each
            optimizer step. Defaults to `None`.
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

    def __init__(
        self,
        units: int | None = None,
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
        # NumPy integers are integers; `True` and `False` are not.
        if units is not None and (
            isinstance(units, bool)
            or not isinstance(units, numbers.Integral)
            or units < 1
        ):
            raise ValueError(
                f"`units` must be a positive integer or None. Received: units={units!r}"
            )
        # The base layer applies the activity regularizer to the outputs of
        # every call and keeps it in its config.
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        # A plain int: a NumPy integer would not serialize to JSON.
        self.units = None if units is None else int(units)
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

    def build(self, input_shape: Shape) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "The last dimension of the inputs must be known. "
                f"Received: input_shape={input_shape}"
            )
        units = self.units or features
        self.kernel = self.add_weight(
            name="kernel",
            shape=(features, units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        # The kernel fixes the number of features from now on; Keras then
        # refuses other sizes with a message naming the layer and both sizes.
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: features})

    def call(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_mask(inputs, mask)
        if mask is None:
            outputs = ops.matmul(inputs, self.kernel)
            if self.bias is not None:
                outputs = ops.add(outputs, self.bias)
            return self.activation(outputs)
        mask = ops.cast(mask, "bool")
        real = ops.expand_dims(mask, -1)
        # A padded step may hold inf or NaN. `_project` keeps it out of the
        # kernel's gradient; its product is replaced by zeros before the bias
        # and the activation, whose gradient there would otherwise be NaN
        # (tanh's at NaN, times the zero from below). Compiled, both selects
        # fuse with the bias and the activation into one pass over the outputs.
        outputs = ops.where(real, _project(inputs, self.kernel, mask), 0)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        outputs = self.activation(outputs)
        # `where`, not a multiply by the mask: `0 * x` is NaN where `x` is inf.
        return ops.where(real, outputs, 0)

    def compute_mask(self, inputs: Tensor, mask: Tensor | None = None) -> Tensor | None:
        # Keras calls it while a model is built, where `call` does not run.
        _check_mask(inputs, mask)
        if mask is None:
            return None
        return ops.cast(mask, "bool")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units or input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
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
