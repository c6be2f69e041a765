{% extends "test_scale_out.py" %}
{% block kit_imports -%}
from mask_contract import assert_close
from mask_contract import check_that
from mask_contract import padded_tokens
from mask_contract import run_layer
from mask_contract import to_numpy
{%- endblock %}
{% block check_masked_layer -%}
def check_masked_layer(inputs):
    """Runs the example model's masked layer alone on what the model feeds it,
    the encoded `inputs` with the embedding's mask, first.

    A wrong output mask then fails here with the rule it breaks, not as a
    crash of the training script or inside the exported model.
    """
    model = MaskedSequenceModel(vocabulary_size=VOCABULARY_SIZE)
    run_layer(
        model.masked_layer,
        to_numpy(model.encoder(model.embedding(inputs))),
        to_numpy(model.embedding.compute_mask(inputs)),
        propagates_mask=False,
        where="MaskedSequenceModel on token_inputs()",
    )
{%- endblock %}
