"""Recognise a JSON, JSONL or Server-Sent Events input by its shape and hand it to the right reader.

Plain numbers never reach this module: they are streamed by `tutor.logprobs.plain`. Here the
text is one JSON value, JSONL (one JSON value per line), or SSE (``data: {...}`` events, see
`tutor.logprobs.sse`). A list of values that are the chunks of a streamed reply is put back
together by `tutor.logprobs.stream`; anything else is read value by value.

JSON nested absurdly deep (a thousand ``[`` in a row) is one error line, never a
RecursionError: no model output nests like that.
"""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from tutor.errors import BadInput, quote
from tutor.logprobs import llamacpp, numbers, ollama, openai, sse, stream, vllm
from tutor.logprobs.jsonl import BLANK, TOO_DEEP, read_line
from tutor.logprobs.model import Extracted, bad, is_digit_limit, overflow_in
from tutor.parse import TOO_LARGE

KNOWN_FORMATS = (
    "plain numbers (one per line, or separated by commas or spaces)",
    "a JSON array of numbers (or of arrays, one per sequence)",
    'JSONL (numbers, arrays, or objects with "logprob")',
    openai.CHAT,
    openai.COMPLETIONS,
    openai.RESPONSES,
    "llama.cpp /completion",
    "Ollama /api/generate and /api/chat",
    vllm.NAME,
    "streams of any of these (JSONL chunks or Server-Sent Events)",
)
_LINES = re.compile(r"\r\n|\r|\n")  # JSONL lines end here (not at U+2028 inside a JSON string)


def _no_cycle_collection(function: Callable[[str], Extracted]) -> Callable[[str], Extracted]:
    """Parsed JSON holds no reference cycles, so Python's cyclic garbage collector only slows
    reading it: with every line of a large JSONL file kept, it scanned them all again and again
    (half the time of a million streamed chunks). It is off while one input is read."""

    @wraps(function)
    def reading(text: str) -> Extracted:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(text)
        finally:
            if enabled:
                gc.enable()

    return reading


def _finite_numbers(function: Callable[[str], Extracted]) -> Callable[[str], Extracted]:
    """json reads a number too large for a float (``-1e309``) as infinity, as it reads ``-Infinity``,
    and an integer too large for one stays an integer that cannot become a float: either is
    refused, naming the number, rather than read as a probability of 0 (or raised)."""

    @wraps(function)
    def reading(text: str) -> Extracted:
        try:
            extracted = function(text)
        except OverflowError:  # an integer past 1.8e308, made a float
            raise overflow_in(text) or bad(f"a number {TOO_LARGE}") from None
        except ValueError as error:
            if not is_digit_limit(error):
                raise
            raise overflow_in(text) or bad(f"a number {TOO_LARGE}") from None
        if any(any(map(math.isinf, seq.values)) for seq in extracted.sequences):  # -Infinity, or an overflow?
            found = overflow_in(text)
            if found is not None:
                raise found
        return extracted

    return reading


@_no_cycle_collection
@_finite_numbers
def extract_json(text: str) -> Extracted:
    """Parse ``text`` as JSON, or as JSONL when it holds several values, and extract it."""
    try:
        return _from_value(json.loads(text))
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise bad(f"invalid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    except RecursionError:
        raise bad(TOO_DEEP) from None
    return extract_values(_jsonl(text), "line")


@_no_cycle_collection
@_finite_numbers
def extract_sse(text: str) -> Extracted:
    """Server-Sent Events: the JSON of every event's data, read like JSONL."""
    return extract_values(sse.values(text), "event")


def extract_values(values: stream.Numbered, item_name: str) -> Extracted:
    """Several JSON values (JSONL lines, SSE events): a stream's chunks, or values read one by one."""
    try:
        plain_values = [value for _, value in values]
        if stream.kind(plain_values) is not None:
            return stream.assemble(values)
        return _from_lines(plain_values, item_name)
    except RecursionError:
        raise bad(TOO_DEEP) from None


def _jsonl(text: str) -> stream.Numbered:
    values: stream.Numbered = []
    for number, line in enumerate(_LINES.split(text), start=1):
        value = read_line(line, number)
        if value is not BLANK:
            values.append((number, value))
    return values


def _from_value(data: object) -> Extracted:
    if isinstance(data, dict):
        return _document(data)
    if isinstance(data, list):
        return _from_list(data, "item")
    raise unknown_shape(data)


def _from_lines(lines: list[object], item_name: str) -> Extracted:
    """JSONL: numbers, arrays (one sequence each), token objects, or one response per line."""
    if all(isinstance(line, list) for line in lines):
        return numbers.extract_rows(lines, item_name)
    return _from_list(lines, item_name)


def _from_list(items: list[Any], item_name: str) -> Extracted:
    if not items:
        raise bad("is an empty list; there are no log-probabilities in it")
    if stream.kind(items) is not None:
        return stream.assemble(list(enumerate(items, start=1)))
    if numbers.is_number_list(items):
        return numbers.extract_array(items)
    if all(isinstance(item, list) for item in items):
        return numbers.extract_rows(items)
    if vllm.is_prompt_logprobs_list(items):
        return vllm.extract_vllm(items)
    if all(numbers.is_token_object(item) for item in items):
        return numbers.extract_token_list(items, item_name)
    if all(isinstance(item, dict) and ollama.is_ollama(item) for item in items):
        return ollama.extract_ollama(items)
    if all(isinstance(item, dict) for item in items):
        return _merge([_document(item) for item in items], item_name)
    raise unknown_shape(items)


def _document(doc: dict[str, Any]) -> Extracted:
    """One response body (or a batch-API line whose ``response.body`` is one)."""
    for recognise, extract in _DOCUMENTS:
        if recognise(doc):
            return extract(doc)
    body = doc.get("response")
    if isinstance(body, dict) and isinstance(body.get("body"), dict):
        return _document(body["body"])
    stream.refuse_error(doc)
    raise unknown_shape(doc)


_DOCUMENTS: tuple[tuple[Callable[[dict[str, Any]], bool], Callable[[dict[str, Any]], Extracted]], ...] = (
    (vllm.has_prompt_logprobs, vllm.extract_vllm),
    (llamacpp.is_llamacpp, llamacpp.extract_llamacpp),
    (openai.is_responses, openai.extract_responses),
    (openai.is_chat, openai.extract_chat),
    (openai.is_completions, openai.extract_completions),
    (ollama.is_ollama, lambda doc: ollama.extract_ollama([doc])),
)


def _merge(parts: list[Extracted], item_name: str) -> Extracted:
    """Several responses (a JSON list of them, or one per JSONL line): all their sequences."""
    formats = {part.format for part in parts}
    if len(formats) > 1:
        listed = ", ".join(sorted({part.description for part in parts}))
        raise bad(f"the {item_name}s mix formats ({listed}); give one format at a time")
    first = parts[0]
    if len(parts) == 1:
        return first
    sequences = [
        replace(seq, label=f"{item_name} {i + 1} {seq.label}") for i, part in enumerate(parts) for seq in part.sequences
    ]
    notes = list(dict.fromkeys(note for part in parts for note in part.notes))
    return replace(first, sequences=sequences, notes=notes)


def unknown_shape(data: object) -> BadInput:
    """The error for JSON that is none of the known formats: say what it looked like, list the formats."""
    if isinstance(data, dict):
        keys = ", ".join(quote_key(key) for key in list(data)[:6]) + (", ..." if len(data) > 6 else "")
        seen = f"an object with keys {keys}" if data else "an empty object"
    elif isinstance(data, list):
        seen = f"a list of {', '.join(sorted({_json_type(item) for item in data}))}"
    else:
        seen = f"a single {_json_type(data)}"
    return bad(f"unrecognised JSON shape ({seen}); known formats: {'; '.join(KNOWN_FORMATS)}")


def quote_key(key: object) -> str:
    return quote(str(key), 24)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {dict: "object", list: "array", str: "string"}
    return names.get(type(value), type(value).__name__)
