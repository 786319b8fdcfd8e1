"""llama.cpp server ``/completion`` with ``n_probs``: ``completion_probabilities``, in three dialects.

    logprobs (current):     [{"id": 3681, "token": " Paris", "bytes": [...], "logprob": -0.02,
                              "top_logprobs": [{"id", "token", "bytes", "logprob"}, ...]}, ...]
    post_sampling_probs:    same, but "prob" / "top_probs" hold probabilities in [0, 1]
    older servers:          [{"content": " Paris", "probs": [{"tok_str": " Paris", "prob": 0.98}, ...]}]

In the older dialect the chosen token's probability is the entry of ``probs`` whose
``tok_str`` equals ``content``; when the chosen token is not in that top-n list its
probability is unknown, so the token is skipped and counted (raise ``n_probs`` to avoid it).
Every dialect's top-n list is kept as each token's alternatives (`tutor.logprobs.alternatives`).
Its OpenAI-compatible endpoints use the OpenAI shapes. A streamed reply (one chunk per token,
each with its own ``completion_probabilities``) is put back together in `tutor.logprobs.stream`.
"""

from __future__ import annotations

from typing import Any

from tutor.logprobs.alternatives import from_objects
from tutor.logprobs.model import (
    LOGPROB,
    PROB,
    Extracted,
    SequenceBuilder,
    bad,
    number_or_null,
    require_dict,
    require_list,
)
from tutor.logprobs.tokens import add_token_objects

NAME = "llama.cpp /completion"
DIALECTS = {  # dialect -> (format key, description, what the values are)
    "logprob": ("llamacpp", NAME, LOGPROB),
    "prob": ("llamacpp-probs", f"{NAME} (post_sampling_probs)", PROB),
    "probs": ("llamacpp-old", f"{NAME} (older probs lists)", PROB),
}
UNLISTED = (
    "{n} chosen token(s) were not in their own top-n 'probs' list, so their probability "
    "is unknown: skipped (request a larger n_probs)"
)


def is_llamacpp(doc: dict[str, Any]) -> bool:
    """A top-level object with ``completion_probabilities``."""
    return "completion_probabilities" in doc


def dialect_of(items: list[Any], where: str) -> str | None:
    """``logprob``, ``prob`` or ``probs``, from the first token object (None for an empty list)."""
    first = next((item for item in items if isinstance(item, dict)), None)
    if first is None:
        return None
    for dialect in ("logprob", "prob", "probs"):
        if dialect in first:
            return dialect
    raise bad(f"{where}[0] has none of \"logprob\", \"prob\" or \"probs\"; is this llama.cpp output?")


def new_llama_builder(label: str) -> SequenceBuilder:
    return SequenceBuilder(label, with_tokens=True, with_bytes=True)


def add_items(builder: SequenceBuilder, items: list[Any], dialect: str, where: str) -> int:
    """Read one list of token objects; returns how many chosen tokens had no listed probability."""
    if dialect != "probs":
        add_token_objects(builder, items, where, dialect)
        return 0
    unlisted = 0
    for j, item in enumerate(items):
        item = require_dict(item, f"{where}[{j}]")
        chosen = item.get("content")
        value = _chosen_prob(item.get("probs"), chosen, f"{where}[{j}].probs")
        unlisted += value is None
        builder.add(value, chosen if isinstance(chosen, str) else None, None,
                    from_objects(item.get("probs"), "prob", "tok_str"))
    return unlisted


def extract_llamacpp(doc: dict[str, Any], label: str = "completion") -> Extracted:
    """Picks the dialect from the first token object and reads the whole list with it."""
    where = "completion_probabilities"
    items = require_list(doc[where], where)
    dialect = dialect_of(items, where) or "probs"
    builder = new_llama_builder(label)
    unlisted = add_items(builder, items, dialect, where)
    return extracted(dialect, [builder], unlisted)


def extracted(dialect: str, builders: list[SequenceBuilder], unlisted: int, stream: bool = False) -> Extracted:
    key, description, values_are = DIALECTS[dialect]
    notes = [UNLISTED.format(n=unlisted)] if unlisted else []
    if stream:
        key, description = f"{key}-stream", description.replace(NAME, f"{NAME} stream")
    return Extracted(key, description, values_are, [b.build() for b in builders], notes)


def _chosen_prob(probs: object, chosen: object, where: str) -> float | None:
    for k, entry in enumerate(require_list(probs, where)):
        entry = require_dict(entry, f"{where}[{k}]")
        if entry.get("tok_str") == chosen:
            return number_or_null(entry.get("prob"), f"{where}[{k}].prob")
    return None
