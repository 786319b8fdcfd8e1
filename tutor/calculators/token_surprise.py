"""The token view of a real model's output: each token's surprise −log p, the text shaded by it,
and the most surprising tokens with the alternatives the model listed and a lower bound on the
entropy of its next-token distribution there.

    surprise_i = −log_b p_i        (b = the input's base: nats for e, bits for 2, bans for 10)
    H ≥ −Σ p_j ln p_j − r ln r     (listed alternatives p_j, unlisted probability r = 1 − Σ p_j)

Bounded output for any input: the text shows the first `VIEW_TOKENS` tokens (and says so),
the list of the most surprising covers all of them, and the JSON lists every token. The
reading is `tutor.logprobs.token_input`; the per-token numbers are `token_rows`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from tutor.calculators.token_rows import (
    UNITS, Reading, Scan, Unit, cells_of, every_record, has_bytes, record, scan,
)
from tutor.explain.format import compact, format_number
from tutor.explain.jsonable import PreEncoded
from tutor.explain.model import Fact, Item, Note, Scalar, Step, Worked
from tutor.explain.tokens import TokenParagraph, TokenText
from tutor.logprobs.model import show_token
from tutor.logprobs.token_input import TokenInput
from tutor.maths.numerics import Beyond
from tutor.maths.perplexity import perplexity_stats

VIEW_TOKENS = 2_000  # tokens of text drawn; the top list and the JSON cover every token
TOP = 10
MAX_TOP = 1_000
ALTERNATIVES_SHOWN = 8  # per token in the text; the JSON has all of them
NO_ALTERNATIVES = ("the input lists no alternatives (ask the server for them: OpenAI and Ollama "
                   "top_logprobs, llama.cpp n_probs, vLLM logprobs or prompt_logprobs)")
BOUND = ("entropy ≥ … is a lower bound on the entropy of the model's next-token distribution there: the "
         "unlisted probability r = 1 − Σ p is counted as one outcome, and by the grouping property "
         "H = H(p₁, …, pₖ, r) + r·H(the unlisted, renormalised) ≥ −Σ p log p − r log r, with equality only when r "
         "sits on one token. The entropy of the listed alternatives renormalised to sum to 1 is not a bound: it "
         "ignores r, and it can exceed H.")


def explain_tokens(found: TokenInput, top: int = TOP) -> Worked:
    """The token view of `found` (see the module docstring); ``--json`` is its JSON view."""
    unit = UNITS[found.base or "e"]
    reading = Reading(found.probs, unit.ln, unit)
    sequences = found.extracted.sequences
    logs = [reading.natural(seq.values) for seq in sequences]
    flat = np.concatenate(logs) if len(logs) > 1 else logs[0]
    seen = scan(sequences, reading)
    warnings = list(found.warnings)
    if seen.unusable:
        warnings.append(f"{seen.unusable:,} token(s) list an alternative that is not a probability (NaN, a positive "
                        f"log-probability or a probability outside [0, 1]), first at {seen.first_unusable}: "
                        "their alternatives are not shown")
    flagged = sum(reading.n_flagged(seq.values) for seq in sequences)
    if flagged:
        warnings.append(f"{flagged:,} token(s) have log-probability −9999 or −∞ (or probability 0): −9999 is a "
                        "stand-in for 'outside the listed top' (or a clamped −∞), not a measured value; they "
                        "dominate the mean surprise")
    view = _View(found, reading, logs, flat)
    return Worked(
        f"Surprise token by token · {found.extracted.description} · in {unit.name}",
        (_read_step(view, seen, warnings), _view_step(view, min(top, MAX_TOP))),
        figures={"n_tokens": int(flat.size)},
        formulas=(f"surprise = {unit.symbol}   (p: the probability of the token that came)",
                  f"entropy ≥ −Σ pⱼ {unit.log} pⱼ − r {unit.log} r   (pⱼ listed, r = 1 − Σ pⱼ unlisted)"),
        inputs={"format": found.extracted.format, "format_name": found.extracted.description,
                "values": "probabilities" if found.probs else "log-probabilities", "base": found.base or "e",
                "unit": unit.name, "top": top},
        kind="perplexity-tokens",
    )


@dataclass
class _View:
    """What a token-surprise view is drawn from: the input, how it was read, and its log-probabilities."""

    found: TokenInput
    reading: Reading
    logs: list[np.ndarray]  # natural log-probabilities, one array per sequence
    flat: np.ndarray  # all of them, in order

    @property
    def unit(self) -> Unit:
        return self.reading.unit

    def locate(self, flat_index: int) -> tuple[int, int]:
        """(sequence, index in it) of a token counted across all sequences."""
        for number, ln_ps in enumerate(self.logs):
            if flat_index < ln_ps.size:
                return number, flat_index
            flat_index -= ln_ps.size
        raise IndexError(flat_index)

    @cached_property
    def from_arrays(self) -> list[bool]:
        """Per sequence: do the byte counts come from ``bytes`` arrays (else from the text)?"""
        return [has_bytes(seq) for seq in self.found.extracted.sequences]

    def record(self, flat_index: int) -> dict[str, Any]:
        number, index = self.locate(flat_index)
        seq = self.found.extracted.sequences[number]
        return record(seq, index, float(self.logs[number][index]), self.reading, self.from_arrays[number])

    def every_record(self) -> PreEncoded:
        return every_record(self.found.extracted.sequences, self.logs, self.reading)


def _most_surprising(flat: np.ndarray, k: int) -> list[int]:
    """Flat indices of the k most surprising tokens, highest first, earlier first on ties."""
    if k == 0:
        return []
    if flat.size > 4 * k:  # only the k lowest ln p need sorting
        kth = np.partition(flat, k - 1)[k - 1]
        candidates = np.flatnonzero(flat <= kth)
        order = candidates[np.argsort(flat[candidates], kind="stable")]
    else:
        order = np.argsort(flat, kind="stable")
    return [int(i) for i in order[:k]]


def _read_step(view: _View, seen: Scan, warnings: list[str]) -> Step:
    stats = perplexity_stats(view.flat)
    unit, n = view.unit, int(view.flat.size)
    alternatives = (f"up to {seen.most_listed} per token, listed for {seen.with_alternatives:,} of {n:,} tokens"
                    if seen.with_alternatives else NO_ALTERNATIVES)
    sequences = view.found.extracted.sequences
    items: list[Item] = [
        Fact("format", view.found.extracted.description, key="format", data=view.found.extracted.format),
        Fact("sequences", ", ".join(f"{s.label} ({len(s.values):,} tokens)" for s in sequences[:6])
             + (f", … ({len(sequences):,} in all)" if len(sequences) > 6 else ""), key="sequences",
             data=[{"label": s.label, "n_tokens": len(s.values)} for s in sequences]),
        Fact("alternatives", alternatives, key="alternatives",
             data={"tokens_with_alternatives": seen.with_alternatives, "most_listed": seen.most_listed}),
        Scalar("tokens", n, key="n_tokens", result=True, decimals=0),
        Scalar("mean surprise", stats.nll_mean / unit.ln if math.isfinite(stats.nll_mean) else math.inf,
               key="mean_surprise", unit=f"{unit.name} per token", result=True),
        Scalar("perplexity", stats.perplexity, key="perplexity", result=True,
               caption="e^(mean −ln p): the geometric mean of 1/p"),
    ]
    items += [Note(text, tone="warning") for text in warnings]
    return Step("Read the input", tuple(items))


def _view_step(view: _View, k: int) -> Step:
    paragraphs, shown = _paragraphs(view)
    n, unit = int(view.flat.size), view.unit
    caption = (f"showing the first {shown:,} of {n:,} tokens; the most surprising are picked from all of them"
               if shown < n else "")
    items: list[Item] = [TokenText("text", tuple(paragraphs), unit.name, unit.symbol, caption, key="tokens",
                                   data=view.every_record)]
    top = [view.record(i) for i in _most_surprising(view.flat, k)]
    words = (f"the {len(top):,} highest {unit.symbol} of all {n:,} tokens, most surprising first" if top
             else "none asked for")
    items.append(Fact("most surprising", words, key="most_surprising", data=top))
    if top:
        several = len(view.found.extracted.sequences) > 1
        listed = any(r["alternatives"] for r in top)
        for rank, item in enumerate(top, start=1):
            items += _top_items(rank, item, unit, several, listed)
        items.append(Note(BOUND if listed else f"No alternatives to show: {NO_ALTERNATIVES}."))
    return Step(f"Each token's surprise, {unit.symbol} in {unit.name}", tuple(items))


def _paragraphs(view: _View) -> tuple[list[TokenParagraph], int]:
    """Cells for the first `VIEW_TOKENS` tokens, one paragraph per sequence."""
    sequences = view.found.extracted.sequences
    paragraphs, room = [], VIEW_TOKENS
    for seq, ln_ps in zip(sequences, view.logs):
        take = min(ln_ps.size, room)
        if take == 0:
            break
        tokens = seq.tokens[:take] if seq.tokens is not None else [None] * take
        surprises = (-ln_ps[:take] / view.unit.ln).tolist()
        paragraphs.append(TokenParagraph(seq.label if len(sequences) > 1 else "", tuple(cells_of(tokens, surprises))))
        room -= take
    return paragraphs, VIEW_TOKENS - room


def probability_text(p: float | Beyond) -> str:
    """A probability in 4 significant digits; one within 0.0005 of 1 as 1 − the rest, so that
    0.999994 is not written as 1."""
    if isinstance(p, float) and 0.9995 <= p < 1.0:
        return f"1 − {compact(1.0 - p)}"
    return format_number(p) if isinstance(p, Beyond) else compact(p)


def _top_items(rank: int, record: dict[str, Any], unit: Unit, several: bool, listed: bool) -> list[Item]:
    token = show_token(record["token"]) if record["token"] is not None else "(no text)"
    where = f"{record['sequence']}, position {record['position']:,}" if several else f"position {record['position']:,}"
    stand_in = ""
    if record["flagged"]:
        stand_in = (" (probability 0: ruled out)" if record["logprob"] == -math.inf
                    else " (−9999: a stand-in, not a measured value)")
    head = (f"{token} at {where}: {compact(record['surprise'])} {unit.name}, "
            f"p = {probability_text(record['probability'])}{stand_in}")
    items: list[Item] = [Fact(f"#{rank}", head)]
    alternatives = record["alternatives"]
    if alternatives is None:
        if listed:  # some tokens have them; say this one has none
            items.append(Fact("   alternatives", "none listed"))
        return items
    items.append(Fact("   alternatives", _alternatives_text(alternatives, record)))
    items.append(Fact("   entropy", _entropy_text(record, unit)))
    return items


def _alternatives_text(alternatives: list[dict[str, Any]], record: dict[str, Any]) -> str:
    ordered = sorted(alternatives, key=lambda a: -a["logprob"])
    parts = [f"{show_token(a['token']) if a['token'] is not None else '(no text)'} "
             f"{probability_text(a['probability'])}{' ←' if a['token'] == record['token'] else ''}"
             for a in ordered[:ALTERNATIVES_SHOWN]]
    if len(ordered) > ALTERNATIVES_SHOWN:
        parts.append(f"… {len(ordered) - ALTERNATIVES_SHOWN} more")
    if record["token"] not in {a["token"] for a in alternatives}:
        parts.append("(the token that came is not among them)")
    return ", ".join(parts)


def _entropy_text(record: dict[str, Any], unit: Unit) -> str:
    bound = record["entropy_lower_bound"]
    if not isinstance(bound, float):
        return f"undefined ({bound.reason})"
    value = f"{compact(bound)} {unit.name}"
    listed = record["known_probability"]
    if record["entropy_exact"] and listed > 1.0:
        return f"≈ {value} (the listed sum to {compact(listed)} by rounding: taken as the whole)"
    if record["entropy_exact"]:
        return f"= {value} (the listed alternatives hold all the probability)"
    return f"≥ {value} (a lower bound: {compact(1.0 - listed)} of the probability unlisted)"
