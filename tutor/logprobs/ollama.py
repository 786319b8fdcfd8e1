"""Ollama's native API, ``/api/generate`` and ``/api/chat`` with ``"logprobs": true``.

A reply (or each streamed chunk, one JSON object per line) carries a top-level list::

    {"model": "gemma3", "created_at": "...", "response": " blue", "done": false,
     "logprobs": [{"token": " blue", "logprob": -0.41, "bytes": [32, 98, 108, 117, 101],
                   "top_logprobs": [...]}]}

``/api/chat`` has ``"message": {...}`` where ``/api/generate`` has ``"response"``. A streamed
reply is many chunks ending with one whose ``"done"`` is true; those chunks form one sequence.
Ollama's OpenAI-compatible ``/v1`` endpoints use the OpenAI Chat shape instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tutor.logprobs.model import LOGPROB, Extracted, SequenceBuilder, TokenSequence, bad, require_list
from tutor.logprobs.tokens import add_token_objects

NAME = "Ollama (native /api/generate or /api/chat)"


def is_ollama(doc: dict[str, Any]) -> bool:
    """An object with ``done`` and either ``response`` or ``message``: one Ollama reply or chunk."""
    return "done" in doc and ("response" in doc or "message" in doc)


def extract_ollama(chunks: list[dict[str, Any]]) -> Extracted:
    """Each run of chunks up to and including a ``done: true`` chunk is one sequence."""
    sequences: list[TokenSequence] = []
    builder: SequenceBuilder | None = None
    for i, chunk in enumerate(chunks):
        where = f"line {i + 1}: logprobs" if len(chunks) > 1 else "logprobs"
        items = chunk.get("logprobs")
        if items is not None:
            items = require_list(items, where)
            builder = builder or SequenceBuilder(f"reply {len(sequences) + 1}", with_tokens=True, with_bytes=True)
            add_token_objects(builder, items, where)
        if chunk.get("done") and builder is not None:
            sequences.append(builder.build())
            builder = None
    if builder is not None:
        sequences.append(builder.build())
    if not sequences:
        raise bad('this Ollama reply has no "logprobs"; request it with "logprobs": true')
    if len(sequences) == 1:
        sequences[0] = replace(sequences[0], label="reply")
    return Extracted("ollama", NAME, LOGPROB, sequences)
