"""The per-token object most tools share, and the byte length of a token's text.

OpenAI Chat Completions, OpenAI Responses, Ollama and llama.cpp all emit one object per token::

    {"token": " Paris", "logprob": -0.0312, "bytes": [32, 80, 97, 114, 105, 115],
     "top_logprobs": [{"token": " Paris", "logprob": -0.0312, "bytes": [...]}, ...]}

(llama.cpp adds ``"id"``; with ``post_sampling_probs`` it says ``"prob"`` / ``"top_probs"``.)
"""

from __future__ import annotations

import re

from tutor.errors import BadInput
from tutor.logprobs.model import SequenceBuilder, byte_count, number_or_null, require_dict, require_list

_BYTE_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}")


def new_builder(label: str, items: list) -> SequenceBuilder:
    """A builder that keeps token text, and byte counts when the items carry a ``bytes`` key."""
    with_bytes = any(isinstance(item, dict) and "bytes" in item for item in items)
    return SequenceBuilder(label, with_tokens=True, with_bytes=with_bytes)


def add_token_objects(builder: SequenceBuilder, items: object, where: str, key: str = "logprob") -> None:
    """Read ``[{"token", key, "bytes"?, ...}, ...]`` into ``builder``; a null value is skipped."""
    for j, item in enumerate(require_list(items, where)):
        spot = f"{where}[{j}]"
        item = require_dict(item, spot)
        if key not in item:
            raise BadInput(f"--logprobs: {spot} has no \"{key}\" field")
        value = number_or_null(item[key], f"{spot}.{key}")
        token = item.get("token")
        n_bytes = byte_count(item.get("bytes"), f"{spot}.bytes") if builder.token_bytes is not None else None
        builder.add(value, token if isinstance(token, str) else None, n_bytes)


def token_utf8_length(token: str) -> int:
    """UTF-8 length of a token string; OpenAI's ``bytes:\\xe2\\x80`` tokens count their escapes."""
    if token.startswith("bytes:"):
        escapes = _BYTE_ESCAPE.findall(token)
        if escapes and "".join(escapes) == token[len("bytes:") :]:
            return len(escapes)
    return len(token.encode("utf-8"))
