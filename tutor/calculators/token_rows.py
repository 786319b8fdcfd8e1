"""Per-token numbers for the token view: surprise in the chosen unit, the model's alternatives
as probabilities, and the lower bound on the entropy of the next-token distribution.

Values arrive as the input gave them (`tutor.logprobs.model`): log-probabilities in the
input's base, or probabilities. Everything here is first turned into natural logs, then
surprise = −ln p / ln b for the unit's base b (nats for e, bits for 2, bans for 10, following
the input's base). An alternative that cannot be a probability (NaN, a positive
log-probability, a probability outside [0, 1]) drops that token's alternatives, counted in a
warning, since the alternatives never change the perplexity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.explain.jsonable import PreEncoded, ready
from tutor.explain.tokens import TokenCell, cell, level_of
from tutor.logprobs.model import Alternatives, TokenSequence
from tutor.logprobs.tokens import token_utf8_length
from tutor.maths.listed_entropy import ListedEntropy, listed_entropy
from tutor.maths.numerics import Beyond, Undefined
from tutor.maths.perplexity import SENTINEL as STAND_IN
from tutor.maths.perplexity import flag_mask

TINY = -708.0  # below e^−708 a probability leaves the normal float range
_ESCAPED = re.compile(r"(?:bytes:)?((?:\\x[0-9a-fA-F]{2})+)")


@dataclass(frozen=True)
class Unit:
    """The unit a surprise is shown in: its name, its log's symbol and the ln of its base."""

    name: str  # "nats"
    log: str  # "ln"
    ln: float  # ln of the unit's base

    @property
    def symbol(self) -> str:
        return f"−{self.log} p"


UNITS = {
    "e": Unit("nats", "ln", 1.0),
    "2": Unit("bits", "log₂", math.log(2.0)),
    "10": Unit("bans", "log₁₀", math.log(10.0)),
}


@dataclass(frozen=True)
class Reading:
    """How to turn one input's values into natural logs."""

    probs: bool
    ln_base: float
    unit: Unit

    def natural(self, values: Sequence[float]) -> np.ndarray:
        raw = np.asarray(values, dtype=np.float64)
        if self.probs:
            with np.errstate(divide="ignore"):
                return np.log(raw)
        return raw * self.ln_base if self.ln_base != 1.0 else raw

    def flagged(self, value: float) -> bool:
        """A −9999 stand-in or −∞ (a probability of 0), as `tutor.maths.perplexity.flag_mask` flags them."""
        return value == 0.0 if self.probs else value <= STAND_IN

    def n_flagged(self, values: Sequence[float]) -> int:
        return int(np.count_nonzero(flag_mask(np.asarray(values, dtype=np.float64), probs=self.probs)))

    def usable(self, alternatives: Alternatives) -> bool:
        """Every value a probability (NaN fails both tests)."""
        if self.probs:
            return all(0.0 <= value <= 1.0 for _, value in alternatives)
        return all(value <= 0.0 for _, value in alternatives)

    def alternatives(self, alternatives: Alternatives) -> list[tuple[str | None, float]] | None:
        """(token, ln p) of each alternative, or None when one of them is not a probability."""
        out = []
        for token, value in alternatives:
            if self.probs:
                if not 0.0 <= value <= 1.0:
                    return None
                ln_p = math.log(value) if value > 0.0 else -math.inf
            else:
                if not value <= 0.0:  # NaN fails this too
                    return None
                ln_p = value * self.ln_base
            out.append((token, ln_p))
        return out


def probability(ln_p: float) -> float | Beyond:
    """e^ln p, or 10^x when it is too small for a float to hold (e^−9999 is not 0)."""
    if ln_p < TINY and math.isfinite(ln_p):
        return Beyond(ln_p / math.log(10.0))
    return math.exp(ln_p)


def entropy_of(alternatives: list[tuple[str | None, float]], token: str | None, ln_p: float) -> ListedEntropy | Undefined:
    """The bound over the listed alternatives, plus the chosen token when it is not among them
    (its probability is known too, and it is a different outcome)."""
    known = [value for _, value in alternatives]
    if token is None or token not in {text for text, _ in alternatives}:
        known.append(ln_p)
    return listed_entropy(known)


@dataclass(frozen=True)
class Scan:
    """One cheap pass over every token's alternatives, for the summary and the warnings."""

    with_alternatives: int
    most_listed: int
    unusable: int  # tokens whose alternatives include a value that is not a probability
    first_unusable: str


def scan(sequences: Sequence[TokenSequence], reading: Reading) -> Scan:
    with_alternatives = most = unusable = 0
    first = ""
    for seq in sequences:
        for index, alternatives in enumerate(seq.alternatives or ()):
            if alternatives is None:
                continue
            with_alternatives += 1
            most = max(most, len(alternatives))
            if not reading.usable(alternatives):
                unusable += 1
                first = first or f"{seq.label}, position {seq.positions[index]:,}"
    return Scan(with_alternatives, most, unusable, first)


def record(seq: TokenSequence, index: int, ln_p: float, reading: Reading, from_arrays: bool) -> dict[str, Any]:
    """The JSON object of one token (docs/calc-json.md), with ∞, `Beyond` and `Undefined` as they are."""
    token = seq.tokens[index] if seq.tokens is not None else None
    out: dict[str, Any] = {
        "sequence": seq.label, "position": seq.positions[index], "token": token, "logprob": ln_p,
        "surprise": -ln_p / reading.unit.ln, "probability": probability(ln_p),
        "bytes": _bytes(seq, index, token, from_arrays), "flagged": reading.flagged(seq.values[index]),
        "alternatives": None,
        "known_probability": None, "entropy_lower_bound": None, "entropy_exact": None,
    }
    raw = seq.alternatives[index] if seq.alternatives is not None else None
    alternatives = reading.alternatives(raw) if raw is not None else None
    if alternatives is None:
        return out
    out["alternatives"] = [{"token": text, "logprob": value, "probability": probability(value)}
                           for text, value in alternatives]
    bound = entropy_of(alternatives, token, ln_p)
    if isinstance(bound, ListedEntropy):
        out["known_probability"] = bound.listed
        out["entropy_lower_bound"] = bound.bound / reading.unit.ln
        out["entropy_exact"] = bound.exact
    else:
        out["entropy_lower_bound"] = bound
    return out


def has_bytes(seq: TokenSequence) -> bool:
    return seq.token_bytes is not None and any(b is not None for b in seq.token_bytes)


def _bytes(seq: TokenSequence, index: int, token: str | None, from_arrays: bool) -> int | None:
    """From the token's ``bytes`` array when the input has them (null for a special token), else the
    UTF-8 length of its text (None when the text is unknown too)."""
    if from_arrays and seq.token_bytes is not None:
        return seq.token_bytes[index]
    return token_utf8_length(token) if token is not None else None


_NUMBERS = ("logprob", "surprise", "probability", "entropy_lower_bound")


def every_record(sequences: Sequence[TokenSequence], logs: Sequence[np.ndarray], reading: Reading) -> PreEncoded:
    """Every token's record, JSON-ready: only the rare non-finite values go through the encoder."""
    special: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for seq, ln_ps in zip(sequences, logs):
        from_arrays = has_bytes(seq)
        for index, ln_p in enumerate(ln_ps.tolist()):
            item = record(seq, index, ln_p, reading, from_arrays)
            where = str(len(out))
            for key in _NUMBERS:
                value = item[key]
                if value is not None and not (type(value) is float and math.isfinite(value)):
                    item[key] = ready(value, f"{where}.{key}", special)
            for k, alternative in enumerate(item["alternatives"] or ()):
                for key in ("logprob", "probability"):
                    value = alternative[key]
                    if not (type(value) is float and math.isfinite(value)):
                        alternative[key] = ready(value, f"{where}.alternatives.{k}.{key}", special)
            out.append(item)
    return PreEncoded(out, special)


def escaped_bytes(token: str | None) -> bytes | None:
    """The bytes of a token written as escapes (OpenAI's ``\\xf0\\x9f\\x92`` or ``bytes:\\xf0...``)."""
    match = _ESCAPED.fullmatch(token) if token else None
    return bytes.fromhex(match.group(1).replace("\\x", "")) if match else None


def cells_of(tokens: Sequence[str | None], surprises: Sequence[float]) -> list[TokenCell]:
    """One cell per token, except that tokens holding the bytes of one character split across
    them (OpenAI writes them as escapes) become one cell showing that character, shaded by the
    tokens' summed surprise. Bytes that never form a character are shown as the escapes."""
    out: list[TokenCell] = []
    pending: list[tuple[str | None, bytes, float]] = []

    def flush() -> None:
        out.extend(cell(text, level_of(surprise)) for text, _, surprise in pending)
        pending.clear()

    for text, surprise in zip(tokens, surprises):
        raw = escaped_bytes(text)
        if raw is None:
            flush()
            out.append(cell(text, level_of(surprise)))
            continue
        pending.append((text, raw, surprise))
        joined = b"".join(part for _, part, _ in pending)
        try:
            decoded = joined.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.reason != "unexpected end of data" or len(pending) >= 4:
                flush()
            continue
        out.append(cell(decoded, level_of(sum(s for _, _, s in pending)), len(pending)))
        pending.clear()
    flush()
    return out
