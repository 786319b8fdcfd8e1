"""llama.cpp server ``/completion`` with ``n_probs``: ``completion_probabilities``, in three dialects.

    logprobs (current):     [{"id": 3681, "token": " Paris", "bytes": [...], "logprob": -0.02,
                              "top_logprobs": [{"id", "token", "bytes", "logprob"}, ...]}, ...]
    post_sampling_probs:    same, but "prob" / "top_probs" hold probabilities in [0, 1]
    older servers:          [{"content": " Paris", "probs": [{"tok_str": " Paris", "prob": 0.98}, ...]}]

In the older dialect the chosen token's probability is the entry of ``probs`` whose
``tok_str`` equals ``content``; when the chosen token is not in that top-n list its
probability is unknown, so the token is skipped and counted (raise ``n_probs`` to avoid it).
Its OpenAI-compatible endpoints use the OpenAI shapes.
"""

from __future__ import annotations

from tutor.errors import BadInput
from tutor.logprobs.model import (
    LOGPROB,
    PROB,
    WHAT,
    Extracted,
    SequenceBuilder,
    number_or_null,
    require_dict,
    require_list,
)
from tutor.logprobs.tokens import add_token_objects, new_builder

NAME = "llama.cpp /completion"


def is_llamacpp(doc: dict) -> bool:
    """A top-level object with ``completion_probabilities``."""
    return "completion_probabilities" in doc


def extract_llamacpp(doc: dict, label: str = "completion") -> Extracted:
    """Picks the dialect from the first token object and reads the whole list with it."""
    items = require_list(doc["completion_probabilities"], "completion_probabilities")
    first = next((item for item in items if isinstance(item, dict)), {})
    where = "completion_probabilities"
    if "logprob" in first:
        builder = new_builder(label, items)
        add_token_objects(builder, items, where, "logprob")
        return Extracted("llamacpp", NAME, LOGPROB, [builder.build()])
    if "prob" in first:
        builder = new_builder(label, items)
        add_token_objects(builder, items, where, "prob")
        return Extracted("llamacpp-probs", f"{NAME} (post_sampling_probs)", PROB, [builder.build()])
    if "probs" in first or not items:
        return _older(items, label)
    raise BadInput(f"{WHAT}: {where}[0] has none of \"logprob\", \"prob\" or \"probs\"; is this llama.cpp output?")


def _older(items: list, label: str) -> Extracted:
    builder = SequenceBuilder(label, with_tokens=True)
    unlisted = 0
    for j, item in enumerate(items):
        item = require_dict(item, f"completion_probabilities[{j}]")
        chosen = item.get("content")
        value = _chosen_prob(item.get("probs"), chosen, f"completion_probabilities[{j}].probs")
        unlisted += value is None
        builder.add(value, chosen if isinstance(chosen, str) else None)
    notes = []
    if unlisted:
        notes.append(
            f"{unlisted} chosen token(s) were not in their own top-n 'probs' list, so their probability "
            "is unknown: skipped (request a larger n_probs)"
        )
    return Extracted("llamacpp-old", f"{NAME} (older probs lists)", PROB, [builder.build()], notes)


def _chosen_prob(probs: object, chosen: object, where: str) -> float | None:
    for k, entry in enumerate(require_list(probs, where)):
        entry = require_dict(entry, f"{where}[{k}]")
        if entry.get("tok_str") == chosen:
            return number_or_null(entry.get("prob"), f"{where}[{k}].prob")
    return None
