{% extends "example.py" %}
{% block task -%}
The task: say whether most of the real tokens of a pair of rows lie in the upper
half of the vocabulary. Each pair holds 1 to `--max-length` tokens in the first
row and 0 to `--max-length` in the second, each row followed by padding (token
id 0), so the answer depends on the real tokens only and the masks must do
their job.
{% endblock %}
{% block dataset %}

def dataset(rng, rows, max_length, vocabulary_size):
    """`([tokens_a, tokens_b], labels)`: `rows` pairs of padded rows of varied
    lengths and their labels."""
    tokens_a = padded_tokens(rng, rows, max_length, vocabulary_size)
    tokens_b = padded_tokens(rng, rows, max_length, vocabulary_size, min_length=0)
    both = np.concatenate([tokens_a, tokens_b], axis=1)
    return [tokens_a, tokens_b], mostly_high(both, vocabulary_size)
{%- endblock %}
