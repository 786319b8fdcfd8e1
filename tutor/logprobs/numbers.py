"""Bare numbers in JSON: an array, an array of arrays, or a list of per-token objects.

    [-1.2, -0.3, null, -2.0]                 one sequence (null: no value, skipped and counted)
    [[-1.2, -0.3], [-0.8, -2.1, -0.1]]      one sequence per row (e.g. Hugging Face
                                             compute_transition_scores, one row per sequence)
    [{"token": "Hi", "logprob": -1.2}, ...]  one sequence (a ``logprobs.content`` list on its own)

Whether bare numbers are log-probabilities or probabilities is for the user to say (the probs
switch).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tutor.logprobs.model import (
    LOGPROB,
    NUMBER,
    PROB,
    Extracted,
    SequenceBuilder,
    TokenSequence,
    bad,
    number_or_null,
    require_list,
)
from tutor.logprobs.tokens import add_token_objects, new_builder

ARRAY = "JSON array of numbers"
ROWS = "JSON arrays of numbers, one per sequence"
TOKEN_LIST = "JSON list of token objects"


def is_number_list(data: list[Any]) -> bool:
    """Every item a number or null (bools are not numbers)."""
    return all(item is None or (isinstance(item, (int, float)) and not isinstance(item, bool)) for item in data)


def is_token_object(item: object) -> bool:
    """A per-token object: has ``logprob`` or ``prob`` and is not a whole response body."""
    return isinstance(item, dict) and ("logprob" in item or "prob" in item) and "choices" not in item


def number_sequence(label: str, items: list[Any], where: str) -> TokenSequence:
    """Read numbers (and nulls) at ``where[j]`` into one sequence."""
    if is_number_list(items) and None not in items:  # the common case, without a call per token
        sequence = TokenSequence(label, [float(item) for item in items], list(range(1, len(items) + 1)))
    else:
        builder = SequenceBuilder(label)
        for j, item in enumerate(items):
            builder.add(number_or_null(item, f"{where}[{j}]"))
        sequence = builder.build()
    zeros = _trailing_zeros(sequence.values)
    if zeros >= 2:
        note = (
            f"{label} ends with {zeros} exact zeros: if these come from Hugging Face "
            "compute_transition_scores they are padding after the sequence ended; trim them"
        )
        return replace(sequence, notes=(note,))
    return sequence


def _trailing_zeros(values: list[float]) -> int:
    count = 0
    for value in reversed(values):
        if value != 0:
            break
        count += 1
    return count


def extract_array(data: list[Any]) -> Extracted:
    """``[-1.2, -0.3, null, -2.0]``: one sequence."""
    return Extracted("json-array", ARRAY, NUMBER, [number_sequence("sequence", data, "item")])


def extract_rows(rows: list[Any], row_name: str = "row") -> Extracted:
    """``[[...], [...]]`` (or JSONL with one array per line): one sequence per row, numbered from 1."""
    sequences: list[TokenSequence] = []
    kinds: set[str] = set()
    for i, row in enumerate(rows):
        where = f"{row_name} {i + 1}"
        row = require_list(row, where)
        if row and all(is_token_object(item) for item in row):
            key = _key(row)
            builder = new_builder(where, row)
            add_token_objects(builder, row, where, key)
            sequences.append(builder.build())
            kinds.add(PROB if key == "prob" else LOGPROB)
        elif is_number_list(row):
            sequences.append(number_sequence(where, row, where))
            kinds.add(NUMBER)
        else:
            raise bad(f"{where} mixes numbers with other things; expected an array of numbers")
    if len(kinds) > 1:
        raise bad(f"the {row_name}s mix bare numbers, logprob objects and prob objects; use one kind")
    return Extracted("json-rows", ROWS, kinds.pop() if kinds else NUMBER, sequences)


def extract_token_list(items: list[Any], where: str = "item") -> Extracted:
    """``[{"token": ..., "logprob": ...}, ...]`` (or JSONL with one such object per line): one sequence."""
    key = _key(items)
    builder = new_builder("sequence", items)
    add_token_objects(builder, items, where, key)
    return Extracted("json-tokens", TOKEN_LIST, PROB if key == "prob" else LOGPROB, [builder.build()])


def _key(items: list[Any]) -> str:
    """Token objects say ``logprob`` (log-probabilities) unless they all say ``prob``."""
    return "prob" if all(isinstance(i, dict) and "prob" in i and "logprob" not in i for i in items) else "logprob"
