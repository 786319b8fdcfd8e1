"""OpenAI response bodies: Chat Completions, legacy Completions and the Responses API.

All three report natural-log probabilities. Each choice (or each Responses output) is a sequence.
Other servers reuse these shapes: vLLM, llama.cpp and Ollama's OpenAI-compatible endpoints.
"""

from __future__ import annotations

from tutor.errors import BadInput
from tutor.logprobs.model import (
    LOGPROB,
    WHAT,
    Extracted,
    SequenceBuilder,
    TokenSequence,
    number_or_null,
    require_dict,
    require_list,
    token_text,
)
from tutor.logprobs.tokens import add_token_objects, new_builder

CHAT = "OpenAI Chat Completions"
COMPLETIONS = "OpenAI Completions (legacy)"
RESPONSES = "OpenAI Responses"


def _choices(doc: dict) -> list:
    return require_list(doc.get("choices"), "choices")


def is_chat(doc: dict) -> bool:
    """``{"choices": [{"message": {...}, "logprobs": {"content": [...]}}]}`` (or a streamed ``delta``)."""
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices:
        return False
    return all(isinstance(c, dict) and ("message" in c or "delta" in c or _has(c, "content")) for c in choices)


def is_completions(doc: dict) -> bool:
    """``{"choices": [{"text": "...", "logprobs": {"token_logprobs": [...], "tokens": [...]}}]}``."""
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices:
        return False
    return all(isinstance(c, dict) and ("text" in c or _has(c, "token_logprobs")) for c in choices)


def is_responses(doc: dict) -> bool:
    """``{"object": "response", "output": [{"type": "message", "content": [{"type": "output_text"}]}]}``."""
    output = doc.get("output")
    if doc.get("object") == "response":
        return True
    return isinstance(output, list) and any(isinstance(item, dict) and item.get("type") == "message" for item in output)


def _has(choice: dict, key: str) -> bool:
    logprobs = choice.get("logprobs")
    return isinstance(logprobs, dict) and key in logprobs


def _label(choice: dict, i: int) -> str:
    index = choice.get("index", i)
    return f"choice {index}"


def extract_chat(doc: dict) -> Extracted:
    """Reads ``choices[i].logprobs.content[j]`` = ``{token, logprob, bytes, top_logprobs}``.

    ``logprobs`` (or its ``content``) is null when the request did not ask for them; a refusal
    carries its tokens in ``logprobs.refusal`` instead, which is used when ``content`` is null.
    """
    sequences, notes, missing = [], [], []
    for i, choice in enumerate(_choices(doc)):
        choice = require_dict(choice, f"choices[{i}]")
        logprobs = choice.get("logprobs")
        key = "content"
        if isinstance(logprobs, dict) and logprobs.get("content") is None and logprobs.get("refusal"):
            key = "refusal"
            notes.append(f"choice {i}: the model refused; scored the refusal tokens (logprobs.refusal)")
        if not isinstance(logprobs, dict) or logprobs.get(key) is None:
            missing.append(i)
            continue
        builder = new_builder(_label(choice, i), logprobs[key])
        add_token_objects(builder, logprobs[key], f"choices[{i}].logprobs.{key}")
        sequences.append(builder.build())
    _report_missing(CHAT, missing, sequences, notes, "choices[{i}].logprobs is null; request logprobs=true")
    return Extracted("openai-chat", CHAT, LOGPROB, sequences, notes)


def extract_completions(doc: dict) -> Extracted:
    """Reads ``choices[i].logprobs.token_logprobs[j]`` with ``tokens[j]`` beside it.

    With ``echo=true`` the first entry is null (nothing conditions the first token): it is
    skipped and counted, never scored as 0. ``top_logprobs[j]`` is a dict token -> logprob.
    """
    sequences, notes, missing = [], [], []
    for i, choice in enumerate(_choices(doc)):
        choice = require_dict(choice, f"choices[{i}]")
        logprobs = choice.get("logprobs")
        if not isinstance(logprobs, dict) or logprobs.get("token_logprobs") is None:
            missing.append(i)
            continue
        sequences.append(_completion_sequence(_label(choice, i), logprobs, f"choices[{i}].logprobs"))
    _report_missing(COMPLETIONS, missing, sequences, notes, "choices[{i}].logprobs is null; request logprobs=1")
    return Extracted("openai-completions", COMPLETIONS, LOGPROB, sequences, notes)


def _completion_sequence(label: str, logprobs: dict, where: str) -> TokenSequence:
    values = require_list(logprobs["token_logprobs"], f"{where}.token_logprobs")
    tokens = logprobs.get("tokens")
    has_tokens = isinstance(tokens, list) and len(tokens) == len(values)
    builder = SequenceBuilder(label, with_tokens=has_tokens)
    for j, value in enumerate(values):
        token = token_text(tokens[j]) if has_tokens else None
        builder.add(number_or_null(value, f"{where}.token_logprobs[{j}]"), token)
    return builder.build()


def extract_responses(doc: dict) -> Extracted:
    """Reads ``output[k].content[m].logprobs[j]`` for every ``output_text`` part of every message.

    The parts of one response are one generation, so they form one sequence. Logprobs appear
    only when the request had ``include=["message.output_text.logprobs"]``.
    """
    output = require_list(doc.get("output"), "output")
    builder: SequenceBuilder | None = None
    for k, item in enumerate(output):
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for m, part in enumerate(require_list(item.get("content") or [], f"output[{k}].content")):
            if not isinstance(part, dict) or part.get("type") != "output_text" or not part.get("logprobs"):
                continue
            if builder is None:
                builder = new_builder("response", part["logprobs"])
            add_token_objects(builder, part["logprobs"], f"output[{k}].content[{m}].logprobs")
    if builder is None:
        raise BadInput(
            f"{WHAT}: this {RESPONSES} body has no output_text logprobs; "
            'request them with include=["message.output_text.logprobs"]'
        )
    return Extracted("openai-responses", RESPONSES, LOGPROB, [builder.build()], [])


def _report_missing(name: str, missing: list[int], sequences: list, notes: list[str], hint: str) -> None:
    if missing and not sequences:
        raise BadInput(f"{WHAT}: this {name} response has no log-probabilities ({hint.format(i=missing[0])})")
    if missing:
        listed = ", ".join(str(i) for i in missing)
        notes.append(f"choices without logprobs were left out: {listed}")
