{%- from "macros.jinja" import register -%}
import numbers
from collections.abc import Callable
from typing import Any

import keras
from keras import ops

# A backend tensor, or a `keras.KerasTensor` while a model is being built.
Tensor = Any
Shape = tuple[int | None, ...]

# The lowest float32, put in place of the scores of padded steps by a select.
# Next to any real score, exp(_LOWEST - max) is exactly 0. An added -1e9
# instead is -inf in float16, and a fully padded row then gives
# exp(-inf - -inf) = NaN.
_LOWEST = -3.4028234663852886e38


def _softmax_terms(scores: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
    """The softmax of the float32 `(batch, time)` `scores` over the steps where
    the bool `mask` is `True` (every step when it is `None`), before the
    division: `exp(score - top real score)`, zero at padded steps, and its
    `(batch, 1)` total, at least 1.

    Written out, not `ops.softmax`: that warns on a time axis of length 1,
    which is a fine row to pool. Dividing the weighted sum by the total, not
    each weight, also divides `batch * features` numbers, not `batch * time`.
    """
    if mask is not None:
        # A select, so an inf or NaN padded score is replaced, not combined.
        scores = ops.where(mask, scores, _LOWEST)
    if 0 in scores.shape:
        # No step or no row, so no max: `ops.amax` raises on an empty axis on
        # PyTorch and JAX, and on an empty tensor in eager TensorFlow. (A
        # column of _LOWEST concatenated to every row would give one, but
        # under torch.compile that copy of the scores cost a loop of its own.)
        return scores, ops.ones_like(ops.sum(scores, axis=1, keepdims=True))
    # Not `ops.max`: on PyTorch it checks its result's type in Python, which
    # breaks the graph of torch.compile.
    top = ops.amax(scores, axis=1, keepdims=True)
    exps = ops.exp(ops.subtract(scores, top))
    if mask is not None:
        # On a row with no real step every score is _LOWEST, and exp(0) = 1.
        exps = ops.where(mask, exps, 0.0)
    # The top real step adds exp(0) = 1: the total is 0 on a row with no real
    # step, else at least 1. A row with no real step then divides 0 by 1.
    total = ops.maximum(ops.sum(exps, axis=1, keepdims=True), 1.0)
    return exps, total


{% include "check_mask.py" %}

{% include "masked_project.py" %}

def _weighted_sum_of_real_steps(
    weights: Tensor, inputs: Tensor, mask: Tensor | None
) -> Tensor:
    """`sum_t weights[:, t] * inputs[:, t]` over the steps where `mask` is `True`.

    `weights` is zero at padded steps, and a padded value never enters the
    sum, not even as `0 * x`, which is NaN when `x` is inf or NaN. `mask=None`
    means that `inputs` holds no padded value.
    """
    if mask is None:
        return ops.einsum("bt,btc->bc", weights, inputs)

    def select_then_sum() -> Tensor:
        real = ops.where(ops.expand_dims(mask, -1), inputs, 0.0)
        return ops.einsum("bt,btc->bc", weights, real)

    if keras.backend.backend() not in ("tensorflow", "jax"):
        # `ops.cond` below is a Python `if` on a tensor here: a device-to-host
        # sync, and a break in a torch.compile graph. torch.compile turns this
        # product into a loop of its own that selects as it reads `inputs`, so
        # there the select costs no pass; eagerly it is one copy of `inputs`.
        return select_then_sum()
    # XLA on CPU does not fuse a select into the product: the selected copy of
    # `inputs` made the masked call 2-8x slower than the unmasked one. The
    # product alone is right unless a padded step holds inf or NaN, so the
    # select runs only when the product is not finite: under `jax.jit` and
    # `tf.function`, `ops.cond` is a conditional inside the compiled program,
    # not a Python `if`.
    product = ops.einsum("bt,btc->bc", weights, inputs)
    return ops.cond(ops.all(ops.isfinite(product)), lambda: product, select_then_sum)


{{ register(cookiecutter.package_name) }}
class {{ cookiecutter.layer_class_name }}(keras.layers.Layer):
    """Attention pooling over time: a softmax over the real steps, then a weighted sum.

    Gives each time step a score from that step's features alone, `x_t . w`
    (`units=None`) or `tanh(x_t @ kernel + bias) . w` (`units` set), turns the
    scores of the real steps into weights with a softmax, and returns the sum
    of the real steps weighted by them. With `units=None` the score kernel has
    the layout of `keras.layers.Dense(1)`'s kernel, `(features, 1)`, and the
    layer computes what `Dense(1, use_bias=False)`, `Softmax(axis=1)` with the
    mask and a weighted sum compute (no score bias: a softmax ignores a shift).
    Scores, softmax and sum run in float32 under every dtype policy; outputs
    are in the compute dtype. A real step holding inf or NaN gives NaN, as in
    any softmax.

    Masking: padded steps get exactly zero weight, and their values never
    enter the scores, the sum or the gradients, whatever they hold (even inf
    or NaN). The time axis is gone from the output, so the mask is consumed:
    `compute_mask` returns `None`. A fully masked row, or an empty time axis,
    gives all zeros and all-zero weights. The Keras composition above gives
    NaN in every row where a padded step holds inf or NaN (`0 * inf` in the
    weighted sum), and under `mixed_float16` in every row where a score passes
    65504.

    Args:
        units: Positive integer, size of the hidden projection the scores are
            computed from. Defaults to `None`: each score is then a dot
            product of the step's features with the score kernel.
        kernel_initializer: Initializer for the `kernel` matrix and the
            `score_kernel`. Defaults to `"glorot_uniform"`.
        bias_initializer: Initializer for the `bias` vector of the hidden
            projection. Defaults to `"zeros"`.
        kernel_regularizer: Regularizer applied to the `kernel` matrix and
            the `score_kernel`. Defaults to `None`.
        bias_regularizer: Regularizer applied to the `bias` vector. Defaults
            to `None`.
        kernel_constraint: Constraint applied to the `kernel` matrix and the
            `score_kernel` after each optimizer step. Defaults to `None`.
        bias_constraint: Constraint applied to the `bias` vector after each
            optimizer step. Defaults to `None`.
        **kwargs: Standard layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 3D float tensor of shape `(batch, time, features)`.
        mask: Optional tensor of shape `(batch, time)`, `True` (or 1) for a
            real step and `False` (or 0) for padding. Int and float 0/1 masks
            are read as bool. `None` means every step is real.
        return_attention_scores: Boolean, whether to also return the
            `(batch, time)` attention weights: zero at padded steps, summing
            to 1 on every row with a real step. Defaults to `False`.

    Input shape:
        3D tensor of shape `(batch, time, features)`.

    Output shape:
        2D tensor of shape `(batch, features)` in the compute dtype; with
        `return_attention_scores=True`, a tuple of it and the weights,
        `(batch, time)`, in the same dtype. Output mask: `None`.

    Example:

    >>> import numpy as np
    >>> layer = {{ cookiecutter.layer_class_name }}()
    >>> x = np.array([[[1.0], [3.0], [np.inf]], [[2.0], [4.0], [np.nan]]], "float32")
    >>> mask = np.array([[True, False, False], [False, False, False]])
    >>> outputs, weights = layer(x, mask=mask, return_attention_scores=True)
    >>> keras.ops.convert_to_numpy(outputs).tolist()
    [[1.0], [0.0]]
    >>> keras.ops.convert_to_numpy(weights).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    >>> print(layer.compute_mask(x, mask))
    None
    """

    def __init__(
        self,
        units: int | None = None,
        kernel_initializer: str | dict | Callable | None = "glorot_uniform",
        bias_initializer: str | dict | Callable | None = "zeros",
        kernel_regularizer: str | dict | Callable | None = None,
        bias_regularizer: str | dict | Callable | None = None,
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
        super().__init__(**kwargs)
        # A plain int: a NumPy integer would not serialize to JSON.
        self.units = None if units is None else int(units)
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
        # `autocast=False`: under mixed precision the weights are read as
        # float32, and the scores are computed in float32.
        if self.units is None:
            self.kernel = None
            self.bias = None
        else:
            self.kernel = self.add_weight(
                name="kernel",
                shape=(features, self.units),
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
                autocast=False,
            )
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                autocast=False,
            )
        self.score_kernel = self.add_weight(
            name="score_kernel",
            shape=(self.units or features, 1),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            autocast=False,
        )
        # The kernels fix the number of features from now on; Keras then
        # refuses other sizes with a message naming the layer and both sizes.
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: features})

    def call(
        self,
        inputs: Tensor,
        mask: Tensor | None = None,
        return_attention_scores: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor]:
        _check_mask(inputs, mask)
        # float32 whatever the policy: float16 scores overflow at 65504, and a
        # float16 sum over thousands of steps loses the small weights.
        inputs = ops.cast(inputs, "float32")
        if mask is not None:
            mask = ops.cast(mask, "bool")
        hidden = inputs
        # The mask of the padded values `hidden` holds, which every product
        # with it must keep out: those of `inputs`, until they are selected.
        padding_in_hidden = mask
        if self.kernel is not None:
            hidden = ops.add(_project(inputs, self.kernel, mask), self.bias)
            if mask is not None:
                # tanh's gradient at NaN is NaN, even times 0: zeros instead.
                hidden = ops.where(ops.expand_dims(mask, -1), hidden, 0.0)
            hidden = ops.tanh(hidden)
            padding_in_hidden = None
        scores = _project(hidden, self.score_kernel, padding_in_hidden)
        exps, total = _softmax_terms(ops.squeeze(scores, -1), mask)
        sums = _weighted_sum_of_real_steps(exps, inputs, mask)
        outputs = ops.cast(ops.divide(sums, total), self.compute_dtype)
        if return_attention_scores:
            weights = ops.cast(ops.divide(exps, total), self.compute_dtype)
            return outputs, weights
        return outputs

    def compute_mask(self, inputs: Tensor, mask: Tensor | None = None) -> None:
        # Keras calls it while a model is built, where `call` does not run.
        _check_mask(inputs, mask)
        return None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], input_shape[-1])

    def compute_output_spec(
        self,
        inputs: Tensor,
        mask: Tensor | None = None,
        return_attention_scores: bool = False,
    ) -> Any:
        outputs = keras.KerasTensor(
            self.compute_output_shape(inputs.shape), dtype=self.compute_dtype
        )
        if return_attention_scores:
            weights = keras.KerasTensor(inputs.shape[:2], dtype=self.compute_dtype)
            return outputs, weights
        return outputs

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": keras.constraints.serialize(
                    self.kernel_constraint
                ),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            }
        )
        return config
