"""What every format extractor returns: token sequences with their values and what is known about them.

Values are kept exactly as the input gave them (log-probabilities in the input's base, or
probabilities); converting them is the maths layer's job, so an error can quote the user's number.

Errors name the input they are about as a *field* (``logprobs``, ``probs``, ``base``, ``text``),
never a command-line option: `tutor.cli.calc.perplexity` turns fields into options. When a
message has to point at another input ("say they are probabilities"), it uses `mention`, whose
words a front end may replace with its own name for that input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tutor.errors import BadInput, printable, quote
from tutor.parse import TOO_LARGE, first_overflow

FIELD = "logprobs"

# How a message refers to another input; the CLI swaps these words for its option names.
MENTIONS = {
    "probs": "the probs switch",
    "base": "the base setting",
    "text": "the text input",
}

# What the values in a sequence are: named by the format, or left to the user (probs switch).
LOGPROB = "logprob"
PROB = "prob"
NUMBER = "number"

#: The model's top alternatives at one position, as the input gave them: (token text or None, value),
#: the values in the sequence's own kind (log-probabilities in the input's base, or probabilities).
Alternatives = tuple[tuple[str | None, float], ...]


class Malformed:
    """What an alternatives reader returns for a list it cannot read (counted, then ignored)."""


MALFORMED = Malformed()


def mention(name: str) -> str:
    """How a core message names another input (``probs`` → "the probs switch")."""
    return MENTIONS[name]


def bad(message: str, name: str = FIELD) -> BadInput:
    """A `BadInput` about the log-probabilities (or the input `name`)."""
    return BadInput(message, name)


@dataclass(frozen=True)
class TokenSequence:
    """One scored text (a choice, a JSONL line, a row): its values and, when known, its tokens.

    ``positions[i]`` is the 1-based place of ``values[i]`` among all the sequence's tokens,
    skipped nulls included, so "position 5" points at the fifth token the tool emitted.
    ``token_bytes[i]`` is the length of the token's ``bytes`` array (None where the tool
    sent ``bytes: null``, e.g. special tokens); the whole field is None when the format has no bytes.
    ``alternatives[i]`` is the model's listed top alternatives at that position (None where the tool
    listed none); the whole field is None when the format names no tokens.
    """

    label: str
    values: list[float]
    positions: list[int]
    tokens: list[str | None] | None = None
    token_bytes: list[int | None] | None = None
    skipped_nulls: int = 0
    notes: tuple[str, ...] = ()
    alternatives: list[Alternatives | None] | None = None


@dataclass(frozen=True)
class Extracted:
    """The result of reading one input: which format it was and the sequences it holds."""

    format: str  # short key, e.g. "openai-chat"
    description: str  # for people, e.g. "OpenAI Chat Completions"
    values_are: str  # LOGPROB, PROB, or NUMBER (plain numbers: the user says, via the probs switch)
    sequences: list[TokenSequence]
    notes: list[str] = field(default_factory=list)


class SequenceBuilder:
    """Collects one sequence token by token, skipping nulls but counting their positions."""

    def __init__(self, label: str, *, with_tokens: bool = False, with_bytes: bool = False) -> None:
        self.label = label
        self.values: list[float] = []
        self.positions: list[int] = []
        self.tokens: list[str | None] | None = [] if with_tokens else None
        self.token_bytes: list[int | None] | None = [] if with_bytes else None
        self.alternatives: list[Alternatives | None] | None = [] if with_tokens else None
        self.seen = 0
        self.skipped = 0
        self.malformed = 0  # positions whose list of alternatives could not be read
        self.notes: list[str] = []

    def add(
        self,
        value: float | None,
        token: str | None = None,
        n_bytes: int | None = None,
        alternatives: Alternatives | Malformed | None = None,
    ) -> None:
        """Record one emitted token; ``value`` None means the tool sent null (skipped, counted)."""
        self.seen += 1
        if value is None:
            self.skipped += 1
            return
        self.values.append(value)
        self.positions.append(self.seen)
        if self.tokens is not None:
            self.tokens.append(token)
        if self.token_bytes is not None:
            self.token_bytes.append(n_bytes)
        if self.alternatives is not None:
            if isinstance(alternatives, Malformed):
                self.malformed += 1
                alternatives = None
            self.alternatives.append(alternatives)

    def build(self, label: str | None = None) -> TokenSequence:
        notes = tuple(self.notes)
        if self.malformed:
            notes += (f"{self.malformed:,} token(s) list their alternatives in a shape that could not be read "
                      "(ignored; the values themselves are fine)",)
        return TokenSequence(
            self.label if label is None else label,
            self.values,
            self.positions,
            self.tokens,
            self.token_bytes,
            self.skipped,
            notes,
            self.alternatives,
        )


def number_or_null(value: object, where: str) -> float | None:
    """A JSON number (or null) at ``where``; anything else is a learner-facing error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{where} is {short(value)}, not a number")
    return float(value)


_TOO_MANY_DIGITS = "digits"  # in the ValueError of an integer longer than Python converts (4,300 digits)


def overflow_in(text: str) -> BadInput | None:
    """The error for the first number of JSON ``text`` too large for a float (which ``json`` reads
    as infinity, as it reads ``Infinity``), or None. A scan of the whole text, made only once a value
    has come out infinite or too large."""
    match = first_overflow(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - text.rfind("\n", 0, match.start())
    return bad(f"'{quote(match.group(), 30)}' (line {line:,}, column {column:,}) {TOO_LARGE}")


def is_digit_limit(error: ValueError) -> bool:
    """json refusing an integer longer than Python converts (4,300 digits): far past 1.8e308."""
    return _TOO_MANY_DIGITS in str(error) and not isinstance(error, json.JSONDecodeError)


def byte_count(value: object, where: str) -> int | None:
    """Length of a ``bytes`` array (a list of ints 0..255), or None for ``bytes: null``."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad(f"{where} is {short(value)}, expected a list of byte values")
    return len(value)


def token_text(value: object) -> str | None:
    """A token's text when it is a string; anything else (missing, null) is unknown."""
    return value if isinstance(value, str) else None


def index_of(item: dict[str, Any], default: int) -> int:
    """A choice's ``index`` when it is a whole number, else its place in the list."""
    index = item.get("index", default)
    return index if isinstance(index, int) and not isinstance(index, bool) else default


def number_text(value: float) -> str:
    """A number inside a message, in the house style (`tutor.maths.common.short_number`)."""
    from tutor.maths.values import short_number

    return short_number(value)


def short(value: object) -> str:
    """A value from the input, as JSON, escaped and shortened for a one-line message."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (RecursionError, ValueError, TypeError):
        text = "a deeply nested value"
    return quote(text, 40)


def show_token(token: str, limit: int = 24) -> str:
    """A token between quotes with its spaces kept and control characters escaped: ``' Paris'``.
    Invisible format characters that reorder or hide text (a bidi override, a zero-width space)
    are escaped too; the joiners inside emoji are kept."""
    text = _FORMAT.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(token))
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


_FORMAT = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                     "\ufff9-\ufffb]")


def require_list(value: object, where: str) -> list[Any]:
    """``value`` must be a JSON array; say where it was not."""
    if not isinstance(value, list):
        raise bad(f"{where} is {short(value)}, expected a list")
    return value


def require_dict(value: object, where: str) -> dict[str, Any]:
    """``value`` must be a JSON object; say where it was not."""
    if not isinstance(value, dict):
        raise bad(f"{where} is {short(value)}, expected an object")
    return value
