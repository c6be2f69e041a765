def _project(inputs: Tensor, kernel: Tensor, mask: Tensor | None) -> Tensor:
    """`inputs @ kernel`, whose gradients never read a padded step.

    The gradient of a product's kernel is `inputs^T @ upstream`: the zero
    upstream gradient of a padded step times its inf or NaN is NaN. Selecting
    the real steps before the product would cost a pass over `inputs` in
    every call; here the select runs in the backward pass only. `mask=None`
    means that `inputs` holds no padded value.
    """

    def product(inputs: Tensor, kernel: Tensor) -> Tensor:
        if kernel.shape[-1] != 1:
            return ops.matmul(inputs, kernel)
        # One column: a matrix-vector product. torch.compile generates that
        # in the same kernel as the softmax and the sum after it, where it
        # hands a one-column matrix product to a BLAS call of its own; on one
        # CPU thread the masked call then timed 0.74-0.93x the Keras layers
        # doing the same, against 0.65-1.24x with the BLAS call.
        return ops.expand_dims(ops.matmul(inputs, ops.squeeze(kernel, -1)), -1)

    if mask is None:
        return product(inputs, kernel)
    real = ops.expand_dims(mask, -1)

    @ops.custom_gradient
    def project(inputs: Tensor, kernel: Tensor) -> tuple[Tensor, Any]:
        def grad(*args: Tensor, upstream: Tensor | None = None) -> Any:
            if upstream is None:
                (upstream,) = args
            upstream = ops.where(real, upstream, 0.0)
            inputs_grad = ops.matmul(upstream, ops.transpose(kernel))
            real_inputs = ops.where(real, inputs, 0.0)
            kernel_grad = ops.einsum("btc,btu->cu", real_inputs, upstream)
            return inputs_grad, kernel_grad

        return product(inputs, kernel), grad

    # A tensor, not the variable (`ops.cast` reads it; `convert_to_tensor`
    # gives the variable back on TensorFlow): `tf.custom_gradient` would want
    # a gradient for each variable read inside it, in a form of its own.
    return project(inputs, ops.cast(kernel, inputs.dtype))
