"""One sequence as the perplexity report needs it, however it was read.

`tutor.logprobs.analyse` makes its `Report` from one `Part` per sequence: a `Whole` wraps a
sequence read whole (a `TokenSequence`, every value in memory); `tutor.logprobs.streamed.Streamed`
holds the running sums of a sequence read a batch at a time. Either gives its summary (or its first value
that cannot be a log-probability, as a `Bad`), its bytes, and the text of a token by position.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tutor.logprobs.model import TokenSequence
from tutor.logprobs.tokens import TOKEN_STRINGS, bytes_arrays, token_utf8_length
from tutor.maths import perplexity as ppl


@dataclass(frozen=True)
class Bad:
    """The first value of a sequence that cannot be a (log-)probability, and where it is."""

    problem: ppl.Problem
    position: int
    token: str | None


class Part(Protocol):
    """One sequence: its label, counts and notes, and what the report asks of it."""

    @property
    def label(self) -> str: ...
    @property
    def count(self) -> int: ...  # values, nulls not included
    @property
    def skipped_nulls(self) -> int: ...
    @property
    def notes(self) -> tuple[str, ...]: ...

    def summary(self, index: int) -> ppl.SequenceSummary | Bad:
        """The accumulated sums, as sequence ``index`` among those kept (its surprises say so)."""
        ...

    def own_bytes(self) -> tuple[int | None, str | None, str | None]:
        """(bytes, where from, a warning) from the tokens themselves; (None, None, None) when unknown."""
        ...

    def token_at(self, position: int) -> str | None:
        """The text of the token at ``position`` (one the summary names), when known."""
        ...


@dataclass(frozen=True)
class Whole:
    """A sequence read whole."""

    seq: TokenSequence
    probs: bool
    ln_base: float
    top_k: int

    @property
    def label(self) -> str:
        return self.seq.label

    @property
    def count(self) -> int:
        return len(self.seq.values)

    @property
    def skipped_nulls(self) -> int:
        return self.seq.skipped_nulls

    @property
    def notes(self) -> tuple[str, ...]:
        return self.seq.notes

    def summary(self, index: int) -> ppl.SequenceSummary | Bad:
        seq = self.seq
        raw = np.asarray(seq.values, dtype=np.float64)
        problem = ppl.find_problem(raw, self.probs)
        if problem is not None:
            return Bad(problem, seq.positions[problem.index], seq.tokens[problem.index] if seq.tokens else None)
        accumulator = ppl.SequenceAccumulator(index, self.top_k)
        positions = np.asarray(seq.positions, dtype=np.int64)
        logprobs = ppl.to_natural_logprobs(raw, probs=self.probs, ln_base=self.ln_base)
        accumulator.add(logprobs, ppl.flag_mask(raw, probs=self.probs), 0, positions)
        return accumulator.finish()

    def own_bytes(self) -> tuple[int | None, str | None, str | None]:
        """The tokens' ``bytes`` arrays when any has one, else the UTF-8 length of their text."""
        seq = self.seq
        if seq.token_bytes is not None and any(b is not None for b in seq.token_bytes):
            return bytes_arrays(seq.label, sum(b or 0 for b in seq.token_bytes), seq.token_bytes.count(None))
        if seq.tokens is not None and all(t is not None for t in seq.tokens):
            return sum(token_utf8_length(t) for t in seq.tokens if t is not None), TOKEN_STRINGS, None
        return None, None, None

    def token_at(self, position: int) -> str | None:
        seq = self.seq
        return None if seq.tokens is None else seq.tokens[bisect_left(seq.positions, position)]
