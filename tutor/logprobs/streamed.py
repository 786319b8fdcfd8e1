"""An OpenAI Chat Completions stream saved as JSONL, read a batch at a time into running sums.

A million streamed chunks must not become a million parsed objects and token records held at
once: `read_chat` parses a batch of lines (`tutor.logprobs.jsonl`), puts their tokens into the
sequence builders `tutor.logprobs.stream` uses, and every few batches drains the builders into
each sequence's `Tally`: the perplexity accumulator, the byte counts, the first bad value, and
the text of the few tokens the report names. Memory stays bounded whatever the length.

The answer, and every message, is the one the whole-text reader gives (`tutor.logprobs.detect`
then `tutor.logprobs.analyse`), in the same order:

- the input is not UTF-8: `Reread` (the whole-text reader says where);
- a line is not JSON: that line, even after a line whose chunk is malformed;
- a later line that is not an object, or an OpenAI Responses event, makes it another kind of
  input: `Reread`, and the input is read again, whole, by the general reader;
- a malformed chunk: the first one, once every line has parsed;
- a NaN or a positive log-probability: reported by `tutor.logprobs.analyse` after the checks
  of the options, exactly where the whole-text reader would.

Common chunks take a short path with no call per token; anything unusual (an error object,
several choices, a refusal, a null value, an integer) goes through `tutor.logprobs.stream`
itself, for that chunk, into the same builders.
"""

from __future__ import annotations

import gc
import json
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tutor.errors import BadInput
from tutor.logprobs import jsonl, stream
from tutor.logprobs.alternatives import from_objects
from tutor.logprobs.model import MALFORMED, SequenceBuilder, TokenSequence, index_of, is_digit_limit
from tutor.logprobs.parts import Bad
from tutor.logprobs.source import Source
from tutor.logprobs.tokens import TOKEN_STRINGS, bytes_arrays, token_utf8_length
from tutor.maths import perplexity as ppl
from tutor.maths.numerics import OVERFLOW_MESSAGE, NumericOverflow

DRAIN_EVERY = 32  # batches between looks at the builders (a batch is ~64 KB of text)
DRAIN_AT = 1 << 16  # tokens waiting in the builders before they go to the tallies
_NONE = object()  # in `ChatSums.cache`: no chunk's id or index equals it


class Reread(Exception):
    """The streamed reader cannot give the whole-text reader's answer: read the input whole."""


def is_chat_start(head: bytes) -> bool:
    """The first line of ``head`` is a Chat Completions chunk on its own (and more lines may follow)."""
    end = min((i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0), default=-1)
    if end < 0:
        return False
    try:
        first = json.loads(head[:end].decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return False
    return isinstance(first, dict) and stream.kind([first]) == "chat"


class Tally:
    """Running sums of one sequence's tokens, fed from its builder a batch at a time."""

    def __init__(self, ln_base: float, top_k: int) -> None:
        self.accumulator = ppl.SequenceAccumulator(0, top_k)
        self.ln_base = ln_base
        self.count = 0
        self.byte_sum, self.byte_nulls, self.any_bytes = 0, 0, False
        self.utf8, self.all_named = 0, True
        self.names: dict[int, str | None] = {}  # the text of the tokens the accumulator keeps
        self.nan: Bad | None = None
        self.positive: Bad | None = None
        self.overflow = False

    def drain(self, builder: SequenceBuilder) -> None:
        """Move the builder's tokens into the sums and empty its lists."""
        values, positions, tokens, sizes = builder.values, builder.positions, builder.tokens, builder.token_bytes
        if values:
            assert tokens is not None and sizes is not None
            self.count += len(values)
            self._count_bytes(tokens, sizes)
            self._add(np.array(values, dtype=np.float64), np.array(positions, dtype=np.int64), tokens)
        for kept in (values, positions, tokens, sizes, builder.alternatives):
            if kept is not None:
                kept.clear()

    def _count_bytes(self, tokens: list[str | None], sizes: list[int | None]) -> None:
        nulls = sizes.count(None)
        self.byte_nulls += nulls
        self.byte_sum += sum(filter(None, sizes))
        self.any_bytes = self.any_bytes or nulls < len(sizes)
        if not self.any_bytes:  # bits per byte falls back on the tokens' text
            self.all_named = self.all_named and None not in tokens
            self.utf8 += sum(token_utf8_length(t) for t in tokens if t is not None)

    def _add(self, raw: ppl.FloatArray, positions: ppl.IntArray, tokens: list[str | None]) -> None:
        if np.isinf(raw).any():  # -Infinity, or a number too large for a float: the whole-text reader tells
            raise Reread
        problem = ppl.find_problem(raw, False)
        if problem is not None:
            bad = Bad(problem, int(positions[problem.index]), tokens[problem.index])
            if problem.kind == "nan":
                self.nan = self.nan or bad
            else:
                self.positive = self.positive or bad
        if self.nan or self.positive or self.overflow:
            return  # the report will be an error: the sums are no longer needed
        try:
            logprobs = ppl.to_natural_logprobs(raw, probs=False, ln_base=self.ln_base)
            self.accumulator.add(logprobs, ppl.flag_mask(raw, probs=False), 0, positions)
        except NumericOverflow:
            self.overflow = True
            return
        self._name(positions.tolist(), tokens)

    def _name(self, positions: list[int], tokens: list[str | None]) -> None:
        """Keep the text of the tokens the accumulator now holds (the most surprising, the flagged)."""
        wanted = {-negative for _, negative in self.accumulator.top}
        wanted.update(item.position for item in self.accumulator.flagged)
        for position in wanted.difference(self.names):
            self.names[position] = tokens[bisect_left(positions, position)]
        for position in set(self.names).difference(wanted):
            del self.names[position]


@dataclass(frozen=True)
class Streamed:
    """One sequence of a streamed read, as `tutor.logprobs.analyse` reports it (its ``Part``)."""

    label: str
    built: TokenSequence  # the emptied builder: its counts and notes
    tally: Tally

    @property
    def count(self) -> int:
        return self.tally.count

    @property
    def skipped_nulls(self) -> int:
        return self.built.skipped_nulls

    @property
    def notes(self) -> tuple[str, ...]:
        return self.built.notes

    def summary(self, index: int) -> ppl.SequenceSummary | Bad:
        """The sums as the sequence at ``index`` among those kept; its first bad value instead, if any."""
        tally = self.tally
        first = tally.nan or tally.positive  # a NaN anywhere comes first, as `ppl.find_problem` has it
        if first is not None:
            return first
        if tally.overflow:
            raise NumericOverflow(OVERFLOW_MESSAGE)
        done = tally.accumulator.finish()
        return replace(done, flagged=tuple(replace(t, sequence=index) for t in done.flagged),
                       surprising=tuple(replace(t, sequence=index) for t in done.surprising))

    def own_bytes(self) -> tuple[int | None, str | None, str | None]:
        tally = self.tally
        if tally.any_bytes:
            return bytes_arrays(self.label, tally.byte_sum, tally.byte_nulls)
        return (tally.utf8, TOKEN_STRINGS, None) if tally.all_named else (None, None, None)

    def token_at(self, position: int) -> str | None:
        return self.tally.names.get(position)


@dataclass
class ChatSums:
    """The chunks of one Chat Completions stream, read batch by batch (see the module docstring)."""

    ln_base: float
    top_k: int

    def __post_init__(self) -> None:
        self.groups = stream.Groups()
        self.notes: list[str] = []
        self.tallies: dict[int, Tally] = {}  # by id() of the builder
        self.error: BadInput | None = None  # the first malformed chunk, reported once every line parses
        self.cache: tuple[object, object, SequenceBuilder] = (_NONE, _NONE, SequenceBuilder(""))  # never matched
        self.dirty: dict[int, SequenceBuilder] = {}  # builders `add_tokens` may have added to, by id()
        self.batches = 0

    def feed(self, values: list[Any], lines: list[int]) -> None:
        start = self._fast(values, lines) if self.error is None else 0
        for value in values[start:]:
            if _other_kind(value):
                raise Reread
        self.batches += 1
        if self.batches % DRAIN_EVERY == 0 and sum(len(b.values) for b in self.groups.builders.values()) >= DRAIN_AT:
            self.drain()

    def drain(self) -> None:
        for builder in self.groups.builders.values():  # all of them: `dirty` stays as it is
            fill_positions(builder)
            tally = self.tallies.get(id(builder))
            if tally is None:
                tally = self.tallies[id(builder)] = Tally(self.ln_base, self.top_k)
            tally.drain(builder)

    def parts(self) -> list[Streamed]:
        """The sequences, in the whole-text reader's order and with its labels."""
        builders = self.groups.builders.values()
        return [Streamed(label, builder.build(label), self.tallies[id(builder)])
                for label, builder in zip(self.groups.labels(), builders, strict=True)]

    def _fast(self, values: list[Any], lines: list[int]) -> int:
        """The common chunk (an object with one choice and its tokens) is read here, by subscripts
        that raise on anything else; any other chunk goes to `_general`. Returns where the caller's
        kind checks resume: after the first malformed chunk (all of them when there is none)."""
        rid0, idx0, builder = self.cache
        for k, chunk in enumerate(values):
            try:
                if "type" not in chunk and "error" not in chunk and len(choices := chunk["choices"]) == 1:
                    choice = choices[0]
                    logprobs = choice["logprobs"]
                    if logprobs is None:
                        continue
                    content = logprobs["content"]
                    if not content:
                        if not logprobs["refusal"]:
                            continue
                    elif type(content) is list:
                        rid, idx = chunk["id"], choice["index"]
                        if rid != rid0 or idx != idx0 or type(idx) is not int:
                            builder = self.groups.get(rid, index_of(choice, 0))
                            rid0, idx0 = (rid, idx) if type(rid) is str and type(idx) is int else (_NONE, _NONE)
                            self.cache = (rid0, idx0, builder)
                            self.dirty[id(builder)] = builder
                        if add_tokens(builder, content):
                            continue
            except (KeyError, TypeError, IndexError):
                pass
            self._general(chunk, lines[k])
            if self.error is not None:
                return k + 1
        return len(values)

    def _general(self, chunk: object, line: int) -> None:
        """One chunk read by `tutor.logprobs.stream` itself, as the whole-text reader reads it."""
        if _other_kind(chunk):
            raise Reread
        assert isinstance(chunk, dict)
        for builder in self.dirty.values():
            fill_positions(builder)
        cached = self.cache[2]
        self.dirty = {id(cached): cached}
        try:
            for i, choice in enumerate(stream.choices_of(chunk, line)):
                stream.chat_choice(self.groups, self.notes, line, chunk, i, choice)
        except BadInput as error:
            self.error = error


def _other_kind(value: object) -> bool:
    """A value that would make the whole input another kind than a Chat Completions stream."""
    return type(value) is not dict or ("type" in value and str(value.get("type", "")).startswith("response."))


def add_tokens(builder: SequenceBuilder, content: list[Any]) -> bool:
    """`tutor.logprobs.tokens.add_token_objects` for the common token object (a float value, a
    list or null for bytes), without its per-token calls and without positions (`fill_positions`
    adds them); False, with nothing added, for any other (the caller reads them the long way)."""
    values, tokens, sizes = builder.values, builder.tokens, builder.token_bytes
    assert tokens is not None and sizes is not None
    if len(content) == 1:  # a streamed chunk carries one token, almost always
        item = content[0]
        value, raw = item["logprob"], item["bytes"]
        if type(value) is not float or (raw is not None and type(raw) is not list):
            return False
        top, token = item["top_logprobs"], item["token"]
        if top is not None and top != [] and from_objects(top) is MALFORMED:
            builder.malformed += 1
        values.append(value)
        tokens.append(token if type(token) is str else None)
        sizes.append(None if raw is None else len(raw))
        builder.seen += 1
        return True
    return _add_several(builder, content)


def _add_several(builder: SequenceBuilder, content: list[Any]) -> bool:
    values, tokens, sizes = builder.values, builder.tokens, builder.token_bytes
    assert tokens is not None and sizes is not None
    malformed, mark = 0, len(values)
    try:
        for item in content:
            value, raw, top, token = item["logprob"], item["bytes"], item["top_logprobs"], item["token"]
            if type(value) is not float or (raw is not None and type(raw) is not list):
                raise TypeError
            malformed += top is not None and top != [] and from_objects(top) is MALFORMED
            values.append(value)
            tokens.append(token if type(token) is str else None)
            sizes.append(None if raw is None else len(raw))
    except (KeyError, TypeError):
        del values[mark:], tokens[mark:], sizes[mark:]
        return False
    builder.seen += len(values) - mark
    builder.malformed += malformed
    return True


def fill_positions(builder: SequenceBuilder) -> None:
    """The positions of the values `add_tokens` added: the last ones seen, one after the other
    (a null, which leaves a gap, only ever comes the long way, after this was called)."""
    missing = len(builder.values) - len(builder.positions)
    if missing:
        builder.positions.extend(range(builder.seen - missing + 1, builder.seen + 1))


def read_chat(source: Source, ln_base: float, top_k: int) -> ChatSums:
    """Read the whole stream into its sums. Raises `Reread`, or the whole-text reader's error for
    a line that is not JSON, a malformed chunk, or a stream without log-probabilities."""
    sums, count = ChatSums(ln_base, top_k), 0
    try:
        with no_cycle_collection():
            for values, lines in jsonl.batches(source):
                count += len(values)
                sums.feed(values, lines)
    except jsonl.NotUtf8:
        raise Reread from None
    except (OverflowError, ValueError) as error:  # an integer too large for a float: the whole-text reader names it
        if isinstance(error, ValueError) and not is_digit_limit(error):
            raise
        raise Reread from None
    if count == 1:  # one JSON value: a single response, not a stream
        raise Reread
    if sums.error is not None:
        raise sums.error
    if not sums.groups.builders:
        raise stream.no_chat_logprobs()
    sums.drain()
    return sums


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Parsed JSON holds no reference cycles: the cyclic collector would only rescan it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
