{% extends "test_scale_out.py" %}
{% block kit_imports -%}
from mask_contract import assert_close
from mask_contract import check_that
from mask_contract import padded_tokens
from mask_contract import run_embedded
from mask_contract import run_layer
from mask_contract import to_numpy
{%- endblock %}
{% block check_masked_layer -%}
def check_masked_layer(inputs):
    """Runs the example model's convolutions alone on `inputs` first, one
    after the other.

    A wrong output mask then fails here with the rule it breaks, not as a
    crash of the training script or inside the exported model.
    """
    model = MaskedSequenceModel(vocabulary_size=VOCABULARY_SIZE)
    where = "MaskedSequenceModel on token_inputs()"
    x, mask = run_embedded(
        model.masked_layers[0],
        model.embedding,
        inputs,
        where=f"{where}, masked_layers[0]",
    )
    for index, layer in enumerate(model.masked_layers[1:], start=1):
        x, mask = run_layer(layer, x, mask, where=f"{where}, masked_layers[{index}]")
{%- endblock %}
