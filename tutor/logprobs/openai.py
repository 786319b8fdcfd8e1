"""OpenAI response bodies: Chat Completions, legacy Completions and the Responses API.

All three report natural-log probabilities. Each choice (or each Responses output) is a sequence.
Other servers reuse these shapes: vLLM, llama.cpp and Ollama's OpenAI-compatible endpoints.
Streamed chunks of the same shapes are put back together in `tutor.logprobs.stream`.
"""

from __future__ import annotations

from typing import Any

from tutor.logprobs.alternatives import from_token_dict
from tutor.logprobs.model import (
    LOGPROB,
    Extracted,
    SequenceBuilder,
    TokenSequence,
    bad,
    index_of,
    number_or_null,
    require_dict,
    require_list,
    token_text,
)
from tutor.logprobs.tokens import add_token_objects, new_builder

CHAT = "OpenAI Chat Completions"
COMPLETIONS = "OpenAI Completions (legacy)"
RESPONSES = "OpenAI Responses"
CHAT_HINT = "request logprobs=true"
COMPLETIONS_HINT = "request logprobs=1"
RESPONSES_HINT = 'request them with include=["message.output_text.logprobs"]'


def _choices(doc: dict[str, Any]) -> list[Any]:
    return require_list(doc.get("choices"), "choices")


def is_chat(doc: dict[str, Any]) -> bool:
    """``{"choices": [{"message": {...}, "logprobs": {"content": [...]}}]}`` (or a streamed ``delta``)."""
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices:
        return False
    return all(isinstance(c, dict) and ("message" in c or "delta" in c or _has(c, "content")) for c in choices)


def is_completions(doc: dict[str, Any]) -> bool:
    """``{"choices": [{"text": "...", "logprobs": {"token_logprobs": [...], "tokens": [...]}}]}``."""
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices:
        return False
    return all(isinstance(c, dict) and ("text" in c or _has(c, "token_logprobs")) for c in choices)


def is_responses(doc: dict[str, Any]) -> bool:
    """``{"object": "response", "output": [{"type": "message", "content": [{"type": "output_text"}]}]}``."""
    output = doc.get("output")
    if doc.get("object") == "response":
        return True
    return isinstance(output, list) and any(isinstance(item, dict) and item.get("type") == "message" for item in output)


def _has(choice: dict[str, Any], key: str) -> bool:
    logprobs = choice.get("logprobs")
    return isinstance(logprobs, dict) and key in logprobs


def chat_tokens(logprobs: object) -> tuple[str, list[Any]] | None:
    """``("content", items)`` from a choice's ``logprobs``; a refusal's tokens when content is null.
    None when there are no tokens (``logprobs: null``, a role-only or finish chunk)."""
    if not isinstance(logprobs, dict):
        return None
    if logprobs.get("content"):
        return "content", require_list(logprobs["content"], "logprobs.content")
    if logprobs.get("refusal"):
        return "refusal", require_list(logprobs["refusal"], "logprobs.refusal")
    return None


def extract_chat(doc: dict[str, Any]) -> Extracted:
    """Reads ``choices[i].logprobs.content[j]`` = ``{token, logprob, bytes, top_logprobs}``.

    ``logprobs`` (or its ``content``) is null when the request did not ask for them; a refusal
    carries its tokens in ``logprobs.refusal`` instead, which is used when ``content`` is null.
    """
    sequences: list[TokenSequence] = []
    notes: list[str] = []
    missing: list[int] = []
    for i, choice in enumerate(_choices(doc)):
        choice = require_dict(choice, f"choices[{i}]")
        found = chat_tokens(choice.get("logprobs"))
        if found is None:
            missing.append(i)
            continue
        key, items = found
        if key == "refusal":
            notes.append(f"choice {i}: the model refused; scored the refusal tokens (logprobs.refusal)")
        builder = new_builder(f"choice {index_of(choice, i)}", items)
        add_token_objects(builder, items, f"choices[{i}].logprobs.{key}")
        sequences.append(builder.build())
    report_missing(CHAT, missing, sequences, notes, f"choices[{{i}}].logprobs is null; {CHAT_HINT}")
    return Extracted("openai-chat", CHAT, LOGPROB, sequences, notes)


def extract_completions(doc: dict[str, Any]) -> Extracted:
    """Reads ``choices[i].logprobs.token_logprobs[j]`` with ``tokens[j]`` beside it.

    With ``echo=true`` the first entry is null (nothing conditions the first token): it is
    skipped and counted, never scored as 0. ``top_logprobs[j]`` is a dict token -> logprob (kept as
    the position's alternatives when the list lines up with ``token_logprobs``).
    llama.cpp's ``/v1/completions`` puts chat-style token objects in ``logprobs.content``.
    """
    sequences: list[TokenSequence] = []
    notes: list[str] = []
    missing: list[int] = []
    for i, choice in enumerate(_choices(doc)):
        choice = require_dict(choice, f"choices[{i}]")
        logprobs = choice.get("logprobs")
        if not isinstance(logprobs, dict) or not has_completion_logprobs(logprobs):
            missing.append(i)
            continue
        builder = SequenceBuilder(f"choice {index_of(choice, i)}", with_tokens=True, with_bytes=True)
        add_completion_logprobs(builder, logprobs, f"choices[{i}].logprobs")
        sequences.append(builder.build())
    report_missing(COMPLETIONS, missing, sequences, notes, f"choices[{{i}}].logprobs is null; {COMPLETIONS_HINT}")
    return Extracted("openai-completions", COMPLETIONS, LOGPROB, sequences, notes)


def has_completion_logprobs(logprobs: object) -> bool:
    return isinstance(logprobs, dict) and (
        logprobs.get("token_logprobs") is not None or logprobs.get("content") is not None
    )


def add_completion_logprobs(builder: SequenceBuilder, logprobs: dict[str, Any], where: str) -> None:
    """``token_logprobs`` (+ ``tokens``) or, from llama.cpp, ``content`` token objects."""
    if logprobs.get("token_logprobs") is None:
        add_token_objects(builder, logprobs["content"], f"{where}.content")
        return
    values = require_list(logprobs["token_logprobs"], f"{where}.token_logprobs")
    tokens = logprobs.get("tokens")
    has_tokens = isinstance(tokens, list) and len(tokens) == len(values)
    top = logprobs.get("top_logprobs")
    has_top = isinstance(top, list) and len(top) == len(values)
    for j, value in enumerate(values):
        token = token_text(tokens[j]) if has_tokens and isinstance(tokens, list) else None
        alternatives = from_token_dict(top[j]) if has_top and isinstance(top, list) else None
        builder.add(number_or_null(value, f"{where}.token_logprobs[{j}]"), token, None, alternatives)


def extract_responses(doc: dict[str, Any]) -> Extracted:
    """Reads ``output[k].content[m].logprobs[j]`` for every ``output_text`` part of every message.

    The parts of one response are one generation, so they form one sequence. Logprobs appear
    only when the request had ``include=["message.output_text.logprobs"]``.
    """
    builder = responses_builder(doc, "response")
    if builder is None:
        raise bad(f"this {RESPONSES} body has no output_text logprobs; {RESPONSES_HINT}")
    return Extracted("openai-responses", RESPONSES, LOGPROB, [builder.build()], [])


def responses_builder(doc: dict[str, Any], label: str) -> SequenceBuilder | None:
    """All ``output_text`` logprobs of one Responses body in one builder (None when there are none)."""
    output = require_list(doc.get("output"), "output")
    builder: SequenceBuilder | None = None
    for k, item in enumerate(output):
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for m, part in enumerate(require_list(item.get("content") or [], f"output[{k}].content")):
            if not isinstance(part, dict) or part.get("type") != "output_text" or not part.get("logprobs"):
                continue
            if builder is None:
                builder = new_builder(label, part["logprobs"])
            add_token_objects(builder, part["logprobs"], f"output[{k}].content[{m}].logprobs")
    return builder


def report_missing(name: str, missing: list[int], sequences: list[TokenSequence], notes: list[str], hint: str) -> None:
    if missing and not sequences:
        raise bad(f"this {name} response has no log-probabilities ({hint.format(i=missing[0])})")
    if missing:
        listed = ", ".join(str(i) for i in missing)
        notes.append(f"choices without logprobs were left out: {listed}")
