"""The per-token object most tools share, and the byte length of a token's text.

OpenAI Chat Completions, OpenAI Responses, Ollama and llama.cpp all emit one object per token::

    {"token": " Paris", "logprob": -0.0312, "bytes": [32, 80, 97, 114, 105, 115],
     "top_logprobs": [{"token": " Paris", "logprob": -0.0312, "bytes": [...]}, ...]}

(llama.cpp adds ``"id"``; with ``post_sampling_probs`` it says ``"prob"`` / ``"top_probs"``.)
"""

from __future__ import annotations

import re
from typing import Any

from tutor.logprobs.alternatives import ALTERNATIVES_KEY, from_objects
from tutor.logprobs.model import SequenceBuilder, bad, byte_count, number_or_null, require_dict, require_list

_BYTE_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}")
BYTES_ARRAYS = "token bytes arrays"  # where bits per byte got its bytes
TOKEN_STRINGS = "token strings (UTF-8 length)"


def new_builder(label: str, items: list[Any]) -> SequenceBuilder:
    """A builder that keeps token text, and byte counts when the items carry a ``bytes`` key."""
    with_bytes = any(isinstance(item, dict) and "bytes" in item for item in items)
    return SequenceBuilder(label, with_tokens=True, with_bytes=with_bytes)


def add_token_objects(builder: SequenceBuilder, items: object, where: str, key: str = "logprob") -> None:
    """Read ``[{"token", key, "bytes"?, ...}, ...]`` into ``builder``; a null value is skipped.

    One pass with no call per token in the common case (a 256,000-token reply reads in well under
    a second); anything unexpected goes to `_check_item`, which names the field at fault. The
    model's alternatives (``top_logprobs``, or ``top_probs`` beside ``prob``) are kept with each token."""
    with_bytes = builder.token_bytes is not None
    alternatives_key = ALTERNATIVES_KEY.get(key, "top_logprobs")
    for j, item in enumerate(require_list(items, where)):
        value = item.get(key) if type(item) is dict else None
        raw = item.get("bytes") if with_bytes and type(item) is dict else None
        if type(value) is not float and type(value) is not int or (raw is not None and type(raw) is not list):
            _check_item(item, f"{where}[{j}]", key, with_bytes)
            if value is None:  # a null value: skipped, counted
                builder.add(None)
                continue
        token = item.get("token")
        top = item.get(alternatives_key)
        builder.add(float(value), token if type(token) is str else None, len(raw) if raw is not None else None,
                    from_objects(top, key) if top is not None else None)


def _check_item(item: object, spot: str, key: str, with_bytes: bool) -> None:
    """Raise the error for a malformed token object; return quietly for a null value."""
    item = require_dict(item, spot)
    if key not in item:
        raise bad(f"{spot} has no \"{key}\" field")
    number_or_null(item[key], f"{spot}.{key}")
    if with_bytes:
        byte_count(item.get("bytes"), f"{spot}.bytes")


def token_utf8_length(token: str) -> int:
    """UTF-8 length of a token string; OpenAI's ``bytes:\\xe2\\x80`` tokens count their escapes."""
    if token.startswith("bytes:"):
        escapes = _BYTE_ESCAPE.findall(token)
        if escapes and "".join(escapes) == token[len("bytes:") :]:
            return len(escapes)
    return len(token.encode("utf-8", "surrogatepass"))  # a lone surrogate (half an emoji): its 3 bytes


def bytes_arrays(label: str, total: int, nulls: int) -> tuple[int, str, str | None]:
    """A sequence's bytes from its tokens' ``bytes`` arrays: (bytes, where from, a warning when
    some tokens had ``bytes: null``)."""
    warning = f"{label}: {nulls} token(s) with bytes null (special tokens) count 0 bytes" if nulls else None
    return total, BYTES_ARRAYS, warning
