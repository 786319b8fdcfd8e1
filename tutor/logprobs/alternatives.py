"""The model's top alternatives at each position, in each tool's shape, read into one form.

    OpenAI chat / Responses, Ollama, llama.cpp, vLLM's chat endpoint:
        "top_logprobs": [{"token": " Paris", "logprob": -0.03, "bytes": [...]}, ...]
    llama.cpp with post_sampling_probs:   "top_probs": [{"token": " Paris", "prob": 0.97}, ...]
    llama.cpp, older servers:             "probs": [{"tok_str": " Paris", "prob": 0.97}, ...]
    OpenAI legacy completions (and vLLM's completions endpoint):
        "top_logprobs": [{" Paris": -0.03, " Lyon": -4.8}, ...]      (one dict per position)
    vLLM prompt_logprobs / offline logprobs:
        {"3681": {"logprob": -0.03, "rank": 1, "decoded_token": " Paris"}, ...}

Each becomes a tuple of (token text or None, value) with the value as the tool gave it. An
empty or absent list is None (the request asked for no alternatives). A list that is not one
of these shapes (a string, an entry whose value is not a number) is `MALFORMED`: the builder
counts it, says so in a note, and the token keeps no alternatives; the alternatives never
change the perplexity, so a bad list should not refuse the values. Whether each number is a
usable probability (NaN, a positive log-probability) is the token view's question.
"""

from __future__ import annotations

from typing import Any

from tutor.logprobs.model import MALFORMED, Alternatives, Malformed

ALTERNATIVES_KEY = {"logprob": "top_logprobs", "prob": "top_probs"}


def _number(value: object) -> bool:
    """A JSON number (``type(True)`` is bool, not int, so booleans are not numbers here)."""
    return type(value) is float or type(value) is int


def from_objects(raw: object, key: str = "logprob", text_key: str = "token") -> Alternatives | Malformed | None:
    """``[{"token": ..., key: ...}, ...]``; llama.cpp's older lists use ``text_key="tok_str"``."""
    if raw is None:
        return None
    if type(raw) is not list:
        return MALFORMED
    if not raw:
        return None
    out: list[tuple[str | None, float]] = []
    for entry in raw:
        if type(entry) is not dict:
            return MALFORMED
        value = entry.get(key)
        if type(value) is not float and type(value) is not int:
            return MALFORMED
        text = entry.get(text_key)
        out.append((text if type(text) is str else None, float(value)))
    return tuple(out)


def from_token_dict(raw: object) -> Alternatives | Malformed | None:
    """Legacy completions: one ``{token: logprob}`` dict for the position."""
    if raw is None:
        return None
    if type(raw) is not dict:
        return MALFORMED
    if not raw:
        return None
    if not all(_number(value) for value in raw.values()):
        return MALFORMED
    return tuple((str(token), float(value)) for token, value in raw.items())


def from_vllm(entry: dict[str, Any]) -> Alternatives | Malformed | None:
    """vLLM: every entry of the position's dict (the chosen token among them)."""
    out: list[tuple[str | None, float]] = []
    for info in entry.values():
        if type(info) is not dict or not _number(info.get("logprob")):
            return MALFORMED
        text = info.get("decoded_token")
        out.append((text if type(text) is str else None, float(info["logprob"])))
    return tuple(out) or None
