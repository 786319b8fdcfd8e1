"""vLLM ``prompt_logprobs``: the model's log-probability of every token of the *prompt*.

The list has one entry per prompt token; the first is null (nothing conditions the first
token), every other entry is a dict keyed by token id (a string in JSON)::

    [null, {"3681": {"logprob": -2.31, "rank": 4, "decoded_token": " Paris"},
            "279":  {"logprob": -0.52, "rank": 1, "decoded_token": " the"}}, ...]

The dict holds the actual prompt token plus the top-k alternatives (all kept as the position's
alternatives, the actual token among them). vLLM inserts the actual
token first, so without ``prompt_token_ids`` the first key is taken as the actual token (and a
note says so); with them, the id at each position decides, and ids that do not line up one to
one with the positions are an error, never a reason to fall back to guessing. ``-inf`` is
clamped to ``-9999.0`` by vLLM.

Where it appears: the bare list (offline ``RequestOutput.prompt_logprobs`` dumped as JSON),
top-level ``prompt_logprobs`` (server chat completions, or an offline record with
``prompt_token_ids``), or ``choices[i].prompt_logprobs`` (server completions).
"""

from __future__ import annotations

from typing import Any

from tutor.errors import quote

from tutor.logprobs.alternatives import from_vllm
from tutor.logprobs.model import (
    LOGPROB,
    Extracted,
    SequenceBuilder,
    TokenSequence,
    bad,
    index_of,
    number_or_null,
    short,
    require_dict,
    require_list,
    token_text,
)

NAME = "vLLM prompt_logprobs"
_FIRST_KEY_NOTE = (
    "the prompt token at each position was taken to be the first entry of its dict "
    "(vLLM puts it first); include prompt_token_ids to make this certain"
)


def is_prompt_logprobs_list(data: object) -> bool:
    """A bare list: nulls and dicts of token id -> {"logprob", ...}, at least one dict."""
    if not isinstance(data, list) or not any(isinstance(item, dict) for item in data):
        return False
    return all(item is None or _is_position(item) for item in data)


def _is_position(item: object) -> bool:
    return isinstance(item, dict) and bool(item) and all(
        isinstance(v, dict) and "logprob" in v for v in item.values()
    )


def has_prompt_logprobs(doc: dict[str, Any]) -> bool:
    """True when the body carries non-null ``prompt_logprobs`` at the top or in any choice."""
    if doc.get("prompt_logprobs") is not None:
        return True
    choices = doc.get("choices")
    return isinstance(choices, list) and any(
        isinstance(c, dict) and c.get("prompt_logprobs") is not None for c in choices
    )


def extract_vllm(data: object) -> Extracted:
    """Reads whichever of the three placements ``data`` uses; one sequence per prompt."""
    notes: list[str] = []
    if isinstance(data, list):
        sequences = [_sequence("prompt", data, None, "prompt_logprobs", notes)]
    elif not isinstance(data, dict):
        raise bad(f"{short(data)} holds no prompt_logprobs")
    elif data.get("prompt_logprobs") is not None:
        ids = data.get("prompt_token_ids")
        sequences = [_sequence("prompt", data["prompt_logprobs"], ids, "prompt_logprobs", notes)]
    else:
        sequences = _from_choices(require_list(data.get("choices"), "choices"), notes)
    if isinstance(data, dict) and _has_generated_logprobs(data):
        notes.append("scored the prompt tokens (prompt_logprobs); the generated tokens' logprobs were not included")
    return Extracted("vllm-prompt", NAME, LOGPROB, sequences, notes)


def _has_generated_logprobs(doc: dict[str, Any]) -> bool:
    choices = doc.get("choices")
    return isinstance(choices, list) and any(isinstance(c, dict) and c.get("logprobs") for c in choices)


def _from_choices(choices: list[Any], notes: list[str]) -> list[TokenSequence]:
    sequences = []
    for i, choice in enumerate(choices):
        choice = require_dict(choice, f"choices[{i}]")
        if choice.get("prompt_logprobs") is None:
            continue
        ids = choice.get("prompt_token_ids")
        where = f"choices[{i}].prompt_logprobs"
        sequences.append(_sequence(f"choice {index_of(choice, i)}", choice["prompt_logprobs"], ids, where, notes))
    return sequences


def _sequence(label: str, entries: object, ids: object, where: str, notes: list[str]) -> TokenSequence:
    entries = require_list(entries, where)
    usable_ids = _token_ids(ids, entries, where)
    builder = SequenceBuilder(label, with_tokens=True)
    for j, entry in enumerate(entries):
        if entry is None:
            builder.add(None)
            continue
        entry = require_dict(entry, f"{where}[{j}]")
        if not entry:
            raise bad(f"{where}[{j}] is an empty object; expected token id -> logprob")
        key = _chosen_key(entry, usable_ids[j] if usable_ids else None, f"{where}[{j}]")
        spot = f"{where}[{j}][\"{quote(key, 20)}\"]"
        info = require_dict(entry[key], spot)
        value = number_or_null(info.get("logprob"), f"{spot}.logprob")
        builder.add(value, token_text(info.get("decoded_token")), None, from_vllm(entry))
    if usable_ids is None and builder.values and _FIRST_KEY_NOTE not in notes:
        notes.append(_FIRST_KEY_NOTE)
    return builder.build()


def _token_ids(ids: object, entries: list[Any], where: str) -> list[Any] | None:
    """The prompt token ids, one per position of `entries`; None when the input has none.

    A length mismatch means the ids and the logprobs are not from the same prompt (or one was
    cut): reading either way would score the wrong tokens, so it is an error."""
    if ids is None:
        return None
    id_where = where.replace("prompt_logprobs", "prompt_token_ids")
    ids = require_list(ids, id_where)
    if len(ids) != len(entries):
        raise bad(
            f"{id_where} has {len(ids)} token ids but {where} has {len(entries)} positions; "
            "they must match one to one (are they from the same request?)"
        )
    return ids


def _chosen_key(entry: dict[str, Any], token_id: object, where: str) -> str:
    if token_id is None:
        return next(iter(entry))
    key = str(token_id)
    if key not in entry:
        raise bad(f"{where} has no entry for prompt token id {quote(key, 20)}")
    return key
