def _check_mask(inputs: Tensor, mask: Tensor | None, index: int | None = None) -> None:
    """Raises a ValueError unless `mask` is `None` or `(batch, time)` for `inputs`.

    A `(batch, 1)` or `(time,)` mask would broadcast against the inputs and
    quietly change the result, and a `(batch, time, 1)` one would fail deep in
    a backend op. Only known dims are compared: while a model is built, or
    under compilation, the batch and time dims may be `None`. `index` names
    one input of a list.
    """
    if mask is None:
        return
    mask_shape, input_shape = tuple(mask.shape), tuple(inputs.shape)
    if len(mask_shape) == 2 and all(
        m is None or n is None or m == n for m, n in zip(mask_shape, input_shape[:2])
    ):
        return
    mask_name, inputs_name = "mask", "inputs"
    if index is not None:
        mask_name, inputs_name = f"mask[{index}]", f"inputs[{index}]"
    raise ValueError(
        f"`{mask_name}` must have shape (batch, time), {input_shape[:2]}, to match "
        f"`{inputs_name}` of shape {input_shape}. "
        f"Received: {mask_name}.shape={mask_shape}"
    )
