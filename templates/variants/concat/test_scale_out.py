{% extends "test_scale_out.py" %}
{% block token_inputs -%}
def token_inputs(rng, batch):
    """`[tokens_a, tokens_b]`, each `(batch, TIME)`: real tokens, then padding (0).

    Each row has 1 to TIME real tokens in `tokens_a` and 0 to TIME in `tokens_b`.
    """
    lengths_a = rng.integers(1, TIME + 1, batch)
    lengths_b = rng.integers(0, TIME + 1, batch)
    return [
        padded_tokens(rng, lengths_a, TIME, VOCABULARY_SIZE),
        padded_tokens(rng, lengths_b, TIME, VOCABULARY_SIZE),
    ]
{%- endblock %}
