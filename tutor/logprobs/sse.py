"""Server-Sent Events, as streaming servers send them (OpenAI, llama.cpp, vLLM, Ollama's /v1):

    event: response.output_text.delta          (optional: names the event)
    data: {"type": "response.output_text.delta", ...}
                                               (a blank line ends the event)
    : keep-alive                               (a comment: ignored)
    data: [DONE]                               (OpenAI's end of stream: ignored)

Following the HTML standard's parsing rules: a field is ``name: value`` (one space after the
colon is dropped), several ``data`` lines of one event are joined with newlines, ``id`` and
``retry`` are accepted and ignored. A line that is none of these is an error, not something
to skip quietly: a file that mixes SSE with other text is not a stream we can trust.
Each event's data is one JSON value; they are returned in order for `tutor.logprobs.stream`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tutor.logprobs.model import bad, short

_START = re.compile(rb"(?:data|event|id|retry)[ \t]*:|:")
_FIELDS = ("data", "event", "id", "retry")
_LINES = re.compile(r"\r\n|\r|\n")  # only these end a line in SSE (not U+2028 inside a JSON string)
DONE = "[DONE]"


def looks_like_sse(head: bytes) -> bool:
    """The first non-blank line starts with ``data:``, ``event:``, ``id:``, ``retry:`` or ``:``."""
    return _START.match(head) is not None


@dataclass(frozen=True)
class Event:
    """One dispatched event: its name (``event:``), its data, and the line its data began on."""

    name: str | None
    data: str
    line: int


def events(text: str) -> list[Event]:
    """Split `text` into events (see the module docstring)."""
    found: list[Event] = []
    name: str | None = None
    data: list[str] = []
    start = 0
    for number, line in enumerate(_LINES.split(text), start=1):
        if not line.strip():
            if data:
                found.append(Event(name, "\n".join(data), start))
            name, data = None, []
            continue
        if line.startswith(":"):
            continue
        field, value = _field(line, number)
        if field == "data":
            start = start if data else number
            data.append(value)
        elif field == "event":
            name = value
    if data:
        found.append(Event(name, "\n".join(data), start))
    return found


def _field(line: str, number: int) -> tuple[str, str]:
    field, colon, value = line.partition(":")
    if not colon or field.strip() not in _FIELDS:
        raise bad(
            f"line {number} ({short(line)}) is not a Server-Sent Events line "
            "(data:, event:, id:, retry: or a ':' comment)"
        )
    return field.strip(), value[1:] if value.startswith(" ") else value


def values(text: str) -> list[tuple[int, object]]:
    """(line, JSON value) of every event's data, in order; ``[DONE]`` ends a stream and is skipped."""
    out: list[tuple[int, object]] = []
    for event in events(text):
        if event.data.strip() == DONE:
            continue
        try:
            out.append((event.line, json.loads(event.data)))
        except json.JSONDecodeError as error:
            raise bad(f"line {event.line}: the event's data is not JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise bad(f"line {event.line}: the event's data is JSON nested too deeply to be a model's output") from None
    if not out:
        raise bad("this Server-Sent Events stream has no data events (only comments, names or [DONE])")
    return out
