"""From a log-probability source to a perplexity `Report`: read, recognise, validate, convert, accumulate.

Plain numbers stream block by block through the maths layer's accumulator. A Chat Completions
stream saved as JSONL (the large JSON input in practice: a chunk per token) is read a batch of
lines at a time by `tutor.logprobs.streamed`; other JSON, JSONL and event streams are loaded
whole and each sequence goes through the same accumulator as one block. Both give a `Part` per
sequence (`tutor.logprobs.parts`), and one function makes the report (`_report`). Every
rejection names the input it is about as a field (``logprobs``, ``probs``, ``base``, ``text``)
and says where the value is. `tutor.calculators.perplexity` turns the report into an explanation.
Imports numpy (via the maths layer): only ``calc perplexity`` imports this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tutor.errors import BadInput, quote, quote_path
from tutor.logprobs import detect, plain, stream, streamed
from tutor.logprobs.model import LOGPROB, NUMBER, PROB, Extracted, bad, mention, number_text
from tutor.logprobs.source import Source, open_source
from tutor.logprobs.parts import Bad, Part, Whole
from tutor.maths import perplexity as ppl

BASES = {"e": 1.0, "2": math.log(2.0), "10": math.log(10.0)}
TEXT_BYTES = "the text (UTF-8 bytes)"


@dataclass(frozen=True)
class Options:
    """What the user said about the input besides where it is."""

    base: str | None = None  # "e", "2" or "10"; None means e, not stated
    probs: bool = False
    text: str | None = None  # the text the tokens spell (``@path`` reads a file)
    top_k: int = 5


@dataclass(frozen=True)
class SequenceInfo:
    """One sequence's statistics, with the nulls it skipped and the tokens it flagged."""

    label: str
    stats: ppl.PerplexityStats
    skipped_nulls: int
    n_flagged: int


@dataclass(frozen=True)
class Report:
    """Everything the explanation shows: the numbers, where they came from, and what to watch."""

    format: str
    description: str
    input_base: str | None  # "e", "2", "10"; None when the input held probabilities
    result: ppl.PooledResult
    sequences: tuple[SequenceInfo, ...]
    skipped_nulls: int
    bytes_source: str | None  # where bits per byte got its bytes (None: unknown)
    warnings: tuple[str, ...] = ()  # what changes how the numbers must be read
    remarks: tuple[str, ...] = ()  # reassurance: checks that passed
    text_bytes: int | None = None


def analyse(spec: str, options: Options) -> Report:
    """Read ``spec`` (inline, ``@path``, a bare path or ``-``) and compute its perplexity report."""
    base = check_base(options.base)
    text_bytes = _text_bytes(options.text)
    source = open_source(spec)
    try:
        if source.is_empty:
            raise bad(f"{source.name} is empty; give log-probabilities like -1.2,-0.3,-2.0")
        if source.is_json and streamed.is_chat_start(source.head):
            try:
                return _analyse_stream(source, options, base, text_bytes)
            except streamed.Reread:
                source = source.again()
        if source.is_json:
            return _analyse_extracted(detect.extract_json(source.text()), options, base, text_bytes)
        if source.is_sse:
            return _analyse_extracted(detect.extract_sse(source.text()), options, base, text_bytes)
        return _analyse_plain(source.blocks(), options, base, text_bytes)
    finally:
        source.close()


def check_base(base: str | None) -> str | None:
    if base is not None and base.strip().lower() not in BASES:
        raise BadInput(f"'{quote(base, 20)}' is not one of e, 2, 10 (the base of the input log-probabilities)", "base")
    return None if base is None else base.strip().lower()


def _text_bytes(text: str | None) -> int | None:
    """UTF-8 length of the text (``@path`` reads the file's bytes)."""
    if text is None:
        return None
    if text.startswith("@"):
        if not text[1:]:
            raise BadInput("'@' must be followed by a file name, like @text.txt", "text")
        path = Path(text[1:]).expanduser()
        try:
            data = path.read_bytes()
        except (OSError, ValueError) as error:
            reason = "no such file" if isinstance(error, FileNotFoundError) else error.__class__.__name__
            raise BadInput(f"cannot read '{quote_path(path)}' ({reason})", "text") from None
    else:
        data = text.encode("utf-8")
    if not data:
        raise BadInput("is empty; bits per byte needs the text the tokens spell", "text")
    return len(data)


# --- plain numbers, streamed ---------------------------------------------------------------


def _analyse_plain(blocks: Iterable[bytes], options: Options, base: str | None, text_bytes: int | None) -> Report:
    if options.probs and base is not None:
        raise BadInput("probabilities have no log base; leave it out when the values are probabilities", "base")
    ln_base = BASES[base or "e"]
    accumulator = ppl.SequenceAccumulator(0, options.top_k)
    watch = _ProbabilityWatch()
    skipped = 0
    for block in plain.iter_blocks(blocks):
        if options.probs and not block.values.all():  # a zero: written 0, or too small for a float?
            plain.check_zeros(block)
        problem = ppl.find_problem(block.values, options.probs)
        skipped += block.skipped
        if watch.looks_like_probabilities(block, problem):
            continue
        if problem is not None:
            raise bad(_problem_message(problem, _plain_place(block, problem.index), NUMBER, options.probs))
        mask = ppl.flag_mask(block.values, probs=options.probs)
        logprobs = ppl.to_natural_logprobs(block.values, probs=options.probs, ln_base=ln_base)
        accumulator.add(logprobs, mask, block.start, block.positions)
    watch.finish()
    summary = accumulator.finish()
    _require_tokens(summary.moments.count, skipped)
    result = ppl.pool([summary], [text_bytes], options.top_k)
    info = SequenceInfo("sequence", result.sequences[0], skipped, summary.n_flagged)
    warnings = tuple(_common_warnings(skipped))
    input_base = None if options.probs else base or "e"
    source = TEXT_BYTES if text_bytes else None
    return Report("plain", "plain numbers", input_base, result, (info,), skipped, source, warnings, (), text_bytes)


class _ProbabilityWatch:
    """A block entirely in [0, 1] with a positive value may be probabilities: the verdict needs the
    whole input (all in [0, 1]: "say they are probabilities", with their sum) or a later negative
    (then the first positive value is simply a positive log-probability)."""

    def __init__(self) -> None:
        self.first: ppl.Problem | None = None
        self.place = ""
        self.total = 0.0

    def looks_like_probabilities(self, block: plain.PlainBlock, problem: ppl.Problem | None) -> bool:
        values = block.values
        if self.first is None:
            if problem is None or problem.kind != "probabilities":
                return False
            self.first, self.place = problem, _plain_place(block, problem.index)
        elif values.size and (float(values.min()) < 0.0 or float(values.max()) > 1.0):
            raise bad(_problem_message(replace(self.first, kind="positive"), self.place, NUMBER, False))
        self.total += float(values.sum())
        return True

    def finish(self) -> None:
        if self.first is not None:
            raise bad(_problem_message(replace(self.first, total=self.total), self.place, NUMBER, False))


def _plain_place(block: plain.PlainBlock, index: int) -> str:
    position = int(block.positions[index]) if block.positions is not None else block.start + 1 + index
    return f"token {position} (line {plain.line_of(block, index)})"


# --- JSON formats: loaded whole, or a chat stream read in batches ---------------------------


@dataclass(frozen=True)
class _Read:
    """What was read, besides its sequences."""

    format: str
    description: str
    values_are: str
    notes: tuple[str, ...]


def _analyse_extracted(extracted: Extracted, options: Options, base: str | None, text_bytes: int | None) -> Report:
    read = _Read(extracted.format, extracted.description, extracted.values_are, tuple(extracted.notes))
    probs, warnings = _value_kind(read.values_are, read.description, options, base)
    parts = [Whole(seq, probs, BASES[base or "e"], options.top_k) for seq in extracted.sequences]
    return _report(read, parts, probs, warnings, options.top_k, base, text_bytes)


def _analyse_stream(source: Source, options: Options, base: str | None, text_bytes: int | None) -> Report:
    """A Chat Completions stream in JSONL, read in batches (`tutor.logprobs.streamed`); raises
    `streamed.Reread` when only the whole-text reader can answer."""
    source.record()
    sums = streamed.read_chat(source, BASES[base or "e"], options.top_k)
    read = _Read("openai-chat-stream", stream.CHAT_STREAM, LOGPROB, tuple(sums.notes))
    probs, warnings = _value_kind(read.values_are, read.description, options, base)
    return _report(read, sums.parts(), probs, warnings, options.top_k, base, text_bytes)


def _report(read: _Read, parts: Sequence[Part], probs: bool, warnings: list[str], top_k: int, base: str | None,
            text_bytes: int | None) -> Report:
    kept = [part for part in parts if part.count]
    skipped = sum(part.skipped_nulls for part in parts)
    _require_tokens(sum(part.count for part in kept), skipped)
    warnings += [f"{part.label}: no values (all null), left out" for part in parts if not part.count]
    summaries = [_summary(i, part, read, probs, len(parts) > 1) for i, part in enumerate(kept)]
    own = [part.own_bytes() for part in kept]
    n_bytes, bytes_source, byte_warnings = _bytes(own, text_bytes)
    result = ppl.pool(summaries, n_bytes, top_k)
    mismatch, remarks = _compare_text(text_bytes, own[0], result.pooled)
    result = replace(
        result,
        flagged=tuple(_with_token(t, kept) for t in result.flagged),
        most_surprising=tuple(_with_token(t, kept) for t in result.most_surprising),
    )
    infos = tuple(
        SequenceInfo(part.label, stats, part.skipped_nulls, summary.n_flagged)
        for part, stats, summary in zip(kept, result.sequences, summaries, strict=True)
    )
    warnings += list(read.notes) + [n for part in kept for n in part.notes] + byte_warnings + mismatch
    warnings += _common_warnings(skipped)
    input_base = None if probs else base or "e"
    return Report(read.format, read.description, input_base, result, infos, skipped, bytes_source,
                  tuple(warnings), tuple(remarks), text_bytes)


def _summary(index: int, part: Part, read: _Read, probs: bool, several: bool) -> ppl.SequenceSummary:
    found = part.summary(index)
    if isinstance(found, Bad):
        place = _place(part.label, found.position, found.token, several)
        raise bad(_problem_message(found.problem, place, read.values_are, probs, read.description))
    return found


def check_values(extracted: Extracted, options: Options) -> tuple[bool, str | None, list[str]]:
    """For another view of the same input (the token view): are the values probabilities, the
    base (None: e, or probabilities), and the warnings; a value that cannot be a (log-)probability
    raises, naming its place, exactly as `analyse` would."""
    base = check_base(options.base)
    probs, warnings = _value_kind(extracted.values_are, extracted.description, options, base)
    several = len(extracted.sequences) > 1
    for seq in extracted.sequences:
        problem = ppl.find_problem(np.asarray(seq.values, dtype=np.float64), probs)
        if problem is not None:
            token = seq.tokens[problem.index] if seq.tokens is not None else None
            place = _place(seq.label, seq.positions[problem.index], token, several)
            raise bad(_problem_message(problem, place, extracted.values_are, probs, extracted.description))
    return probs, base, warnings


def _value_kind(values_are: str, description: str, options: Options, base: str | None) -> tuple[bool, list[str]]:
    """Are the values probabilities? The format's field names decide; bare numbers follow the probs switch."""
    if values_are == LOGPROB and options.probs:
        raise BadInput(f"this is {description}, whose values are log-probabilities; leave it out", "probs")
    probs = values_are == PROB or options.probs
    if probs and base is not None:
        raise BadInput("the values are probabilities, which have no log base; leave it out", "base")
    warnings = []
    if values_are == LOGPROB and base not in (None, "e"):
        warnings.append(
            f"{description} reports natural logs, but the base was set to {base}: "
            f"every value was read as log base {base}"
        )
    return probs, warnings


def _place(label: str, position: int, token: str | None, several: bool) -> str:
    place = f"{label}, position {position}" if several else f"position {position}"
    return f"{place} (token '{quote(token, 24)}')" if token is not None else place


def _with_token(item: ppl.Surprise, parts: list[Part]) -> ppl.Surprise:
    return replace(item, token=parts[item.sequence].token_at(item.position))


# --- bytes, for bits per byte ----------------------------------------------------------------


def _bytes(
    counted: list[tuple[int | None, str | None, str | None]], text_bytes: int | None
) -> tuple[list[int | None], str | None, list[str]]:
    """Bytes per sequence: the text when given (checked against the tokens' own bytes by
    `_compare_text`), else the tokens' ``bytes`` arrays, else the UTF-8 length of the token strings."""
    warnings = [warning for _, _, warning in counted if warning is not None]
    if text_bytes is not None:
        if len(counted) > 1:
            raise BadInput(f"the input holds {len(counted)} sequences; a text can only be the text of one", "text")
        return [text_bytes], TEXT_BYTES, []
    counts = [count for count, _, _ in counted]
    sources = sorted({source for _, source, _ in counted if source is not None})
    if any(c is None for c in counts) or not sources:
        return counts, None, warnings
    return counts, " and ".join(sources), warnings


def _compare_text(
    text_bytes: int | None, own: tuple[int | None, str | None, str | None], pooled: ppl.PerplexityStats
) -> tuple[list[str], list[str]]:
    """The text and the tokens' own bytes should agree; when they do not, say which one counts and why."""
    token_bytes, source, _ = own
    if text_bytes is None or token_bytes is None:
        return [], []
    if token_bytes == text_bytes:
        return [], [f"the text's {text_bytes:,} bytes agree with the tokens' own ({source})"]
    other = pooled.nll_sum / token_bytes / ppl.LN2 if token_bytes else math.inf
    return [
        f"the text is {text_bytes:,} UTF-8 bytes but the tokens' {source} add up to {token_bytes:,}: bits per "
        f"byte uses the text's {text_bytes:,}, because it was given as the text the tokens spell; with the "
        f"tokens' {token_bytes:,} it would be {number_text(other)} bits per byte"
    ], []


# --- shared --------------------------------------------------------------------------------


def _require_tokens(count: int, skipped: int) -> None:
    if count == 0 and skipped:
        raise bad(f"has no values: all {skipped} entries are null")
    if count == 0:
        raise bad("is empty; give log-probabilities like -1.2,-0.3,-2.0")


def _common_warnings(skipped: int) -> list[str]:
    if not skipped:
        return []
    return [f"{skipped:,} token(s) without a value (null) skipped: not scored, not counted, never read as 0"]


def _problem_message(problem: ppl.Problem, place: str, values_are: str, probs: bool, description: str = "") -> str:
    value = number_text(problem.value)
    if problem.kind == "nan":
        return f"NaN at {place}; every value must be a real number"
    if problem.kind == "probabilities" and values_are == NUMBER:
        return (
            f"these look like probabilities, not log-probabilities (every value is in [0, 1]; "
            f"they sum to {number_text(problem.total)}); if they are, say so with {mention('probs')}"
        )
    if problem.kind == "not_probability":
        hint = f"; if these are log-probabilities, turn off {mention('probs')}" if values_are == NUMBER else ""
        source = "" if values_are == NUMBER else f" ({description})"
        return f"{value} at {place} is not a probability in [0, 1]{source}{hint}"
    return f"log-probability {value} at {place} is positive; log p ≤ 0 because p ≤ 1"

