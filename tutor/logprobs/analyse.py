"""From ``--logprobs SRC`` to a perplexity report: read, recognise, validate, convert, accumulate.

Plain numbers stream block by block through the maths layer's accumulator; JSON formats are
loaded whole and each sequence goes through the same accumulator as one block. Every
rejection names the option, the value and where it is. Imports numpy (via the maths layer):
only the `calc perplexity` command imports this module.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tutor.errors import BadInput
from tutor.logprobs import detect, plain
from tutor.logprobs.model import LOGPROB, NUMBER, PROB, WHAT, Extracted, TokenSequence
from tutor.logprobs.source import open_source
from tutor.logprobs.tokens import token_utf8_length
from tutor.maths import perplexity as ppl

_BASES = {"e": 1.0, "2": math.log(2.0), "10": math.log(10.0)}


@dataclass(frozen=True)
class Options:
    """What the user said about the input besides where it is."""

    base: str | None = None  # "e", "2" or "10"; None means e, not stated
    probs: bool = False
    text: str | None = None  # --text as given (``@path`` reads a file)
    top_k: int = 5


@dataclass(frozen=True)
class SequenceInfo:
    label: str
    stats: ppl.PerplexityStats
    skipped_nulls: int
    n_flagged: int


@dataclass(frozen=True)
class Analysis:
    """Everything the command prints: the numbers, where they came from, and what to watch."""

    format: str
    description: str
    input_base: str | None  # None when the input held probabilities
    result: ppl.PooledResult
    sequences: tuple[SequenceInfo, ...]
    skipped_nulls: int
    bytes_source: str | None
    notes: tuple[str, ...] = field(default=())


def analyse(spec: str, options: Options) -> Analysis:
    """Read ``spec`` (inline, ``@path`` or ``-``) and compute its perplexity report."""
    base = _check_base(options.base)
    text_bytes = _text_bytes(options.text)
    _hint_file_name(spec)
    source = open_source(spec, WHAT)
    try:
        if source.is_empty:
            raise BadInput(f"{WHAT}: {source.name} is empty; give log-probabilities like -1.2,-0.3,-2.0")
        if source.is_json:
            return _analyse_extracted(detect.extract_json(source.text(WHAT)), options, base, text_bytes)
        return _analyse_plain(source.blocks(), options, base, text_bytes)
    finally:
        source.close()


def _hint_file_name(spec: str) -> None:
    """``--logprobs response.json`` (no @) names a file, not numbers: say how to read it."""
    if spec == "-" or spec.startswith(("@", "[", "{")) or plain.looks_like_numbers(spec):
        return
    if Path(spec).expanduser().is_file():
        raise BadInput(f"{WHAT}: '{spec}' is a file name, not numbers; write @{spec} to read the file")


def _check_base(base: str | None) -> str | None:
    if base is not None and base.strip().lower() not in _BASES:
        raise BadInput(f"--base: '{base}' is not one of e, 2, 10 (the base of the input log-probabilities)")
    return None if base is None else base.strip().lower()


def _text_bytes(text: str | None) -> int | None:
    """UTF-8 length of --text (``@path`` reads the file's bytes)."""
    if text is None:
        return None
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        try:
            data = path.read_bytes()
        except OSError as error:
            reason = "no such file" if isinstance(error, FileNotFoundError) else error.__class__.__name__
            raise BadInput(f"--text: cannot read '{path}' ({reason})") from None
    else:
        data = text.encode("utf-8")
    if not data:
        raise BadInput("--text: is empty; bits per byte needs the text the tokens spell")
    return len(data)


# --- plain numbers, streamed ---------------------------------------------------------------


def _analyse_plain(blocks, options: Options, base: str | None, text_bytes: int | None) -> Analysis:
    if options.probs and base is not None:
        raise BadInput("--base: probabilities have no log base; drop --base when using --probs")
    ln_base = _BASES[base or "e"]
    accumulator = ppl.SequenceAccumulator(0, options.top_k)
    watch = _ProbabilityWatch()
    skipped = 0
    for block in plain.iter_blocks(blocks, WHAT):
        problem = ppl.find_problem(block.values, options.probs)
        skipped += block.skipped
        if watch.looks_like_probabilities(block, problem):
            continue
        if problem is not None:
            raise BadInput(_problem_message(problem, _plain_place(block, problem.index), NUMBER, options.probs))
        mask = ppl.flag_mask(block.values, probs=options.probs)
        logprobs = ppl.to_natural_logprobs(block.values, probs=options.probs, ln_base=ln_base)
        accumulator.add(logprobs, mask, block.start, block.positions)
    watch.finish()
    summary = accumulator.finish()
    _require_tokens(summary.moments.count, skipped)
    result = ppl.pool([summary], [text_bytes], options.top_k)
    info = SequenceInfo("sequence", result.sequences[0], skipped, summary.n_flagged)
    bytes_source = "--text (UTF-8 bytes)" if text_bytes else None
    notes = _common_notes(result, skipped)
    input_base = None if options.probs else base or "e"
    return Analysis("plain", "plain numbers", input_base, result, (info,), skipped, bytes_source, notes)


class _ProbabilityWatch:
    """A block entirely in [0, 1] with a positive value may be probabilities: the verdict needs the
    whole input (all in [0, 1]: "pass --probs", with their sum) or a later negative (then the first
    positive value is simply a positive log-probability)."""

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
            self._positive()
        self.total += float(values.sum())
        return True

    def _positive(self) -> None:
        assert self.first is not None
        raise BadInput(_problem_message(replace(self.first, kind="positive"), self.place, NUMBER, False))

    def finish(self) -> None:
        if self.first is not None:
            raise BadInput(_problem_message(replace(self.first, total=self.total), self.place, NUMBER, False))


def _plain_place(block: plain.PlainBlock, index: int) -> str:
    return f"token {_block_position(block, index)} (line {plain.line_of(block, index)})"


def _block_position(block: plain.PlainBlock, index: int) -> int:
    return int(block.positions[index]) if block.positions is not None else block.start + 1 + index


# --- JSON formats, loaded whole ------------------------------------------------------------


def _analyse_extracted(extracted: Extracted, options: Options, base: str | None, text_bytes: int | None) -> Analysis:
    probs, notes = _value_kind(extracted, options, base)
    ln_base = _BASES[base or "e"]
    kept = [seq for seq in extracted.sequences if seq.values]
    skipped = sum(seq.skipped_nulls for seq in extracted.sequences)
    _require_tokens(sum(len(seq.values) for seq in kept), skipped)
    notes += [f"{seq.label}: no values (all null), left out" for seq in extracted.sequences if not seq.values]
    summaries = [_summarise(i, seq, extracted, probs, ln_base, options.top_k) for i, seq in enumerate(kept)]
    n_bytes, bytes_source, byte_notes = _bytes(kept, text_bytes)
    result = ppl.pool(summaries, n_bytes, options.top_k)
    result = replace(
        result,
        flagged=tuple(_with_token(t, kept) for t in result.flagged),
        most_surprising=tuple(_with_token(t, kept) for t in result.most_surprising),
    )
    infos = tuple(
        SequenceInfo(seq.label, stats, seq.skipped_nulls, summary.n_flagged)
        for seq, stats, summary in zip(kept, result.sequences, summaries, strict=True)
    )
    notes += list(extracted.notes) + [n for seq in kept for n in seq.notes] + byte_notes
    notes += _common_notes(result, skipped)
    input_base = None if probs else base or "e"
    return Analysis(
        extracted.format, extracted.description, input_base, result, infos, skipped, bytes_source, tuple(notes)
    )


def _value_kind(extracted: Extracted, options: Options, base: str | None) -> tuple[bool, list[str]]:
    """Are the values probabilities? The format's field names decide; bare numbers follow --probs."""
    if extracted.values_are == LOGPROB and options.probs:
        raise BadInput(f"--probs: this is {extracted.description}, whose values are log-probabilities; drop --probs")
    probs = extracted.values_are == PROB or options.probs
    if probs and base is not None:
        raise BadInput("--base: probabilities have no log base; drop --base")
    notes = []
    if extracted.values_are == LOGPROB and base not in (None, "e"):
        notes.append(
            f"{extracted.description} reports natural logs, but you passed --base {base}: "
            f"every value was read as log base {base}"
        )
    return probs, notes


def _summarise(index: int, seq: TokenSequence, extracted: Extracted, probs: bool, ln_base: float, top_k: int):
    raw = np.asarray(seq.values, dtype=float)
    problem = ppl.find_problem(raw, probs)
    if problem is not None:
        place = _json_place(seq, problem.index, len(extracted.sequences) > 1)
        raise BadInput(_problem_message(problem, place, extracted.values_are, probs, extracted.description))
    accumulator = ppl.SequenceAccumulator(index, top_k)
    positions = np.asarray(seq.positions, dtype=np.int64)
    logprobs = ppl.to_natural_logprobs(raw, probs=probs, ln_base=ln_base)
    accumulator.add(logprobs, ppl.flag_mask(raw, probs=probs), 0, positions)
    return accumulator.finish()


def _json_place(seq: TokenSequence, index: int, several: bool) -> str:
    place = f"{seq.label}, position {seq.positions[index]}" if several else f"position {seq.positions[index]}"
    token = seq.tokens[index] if seq.tokens is not None else None
    return f"{place} (token {token!r})" if token is not None else place


def _with_token(item: ppl.Surprise, sequences: list[TokenSequence]) -> ppl.Surprise:
    seq = sequences[item.sequence]
    if seq.tokens is None:
        return item
    index = bisect_left(seq.positions, item.position)
    return replace(item, token=seq.tokens[index])


def _bytes(sequences: list[TokenSequence], text_bytes: int | None) -> tuple[list[int | None], str | None, list[str]]:
    """Bytes per sequence for bits per byte: --text, else token ``bytes`` arrays, else token strings."""
    if text_bytes is not None:
        if len(sequences) > 1:
            raise BadInput(f"--text: the input holds {len(sequences)} sequences; --text gives the text of one")
        return [text_bytes], "--text (UTF-8 bytes)", []
    counts, sources, notes = [], set(), []
    for seq in sequences:
        if seq.token_bytes is not None and any(b is not None for b in seq.token_bytes):
            counts.append(sum(b or 0 for b in seq.token_bytes))
            sources.add("token bytes arrays")
            if (missing := sum(b is None for b in seq.token_bytes)) > 0:
                notes.append(f"{seq.label}: {missing} token(s) with bytes null (special tokens) count 0 bytes")
        elif seq.tokens is not None and all(t is not None for t in seq.tokens):
            counts.append(sum(token_utf8_length(t) for t in seq.tokens))
            sources.add("token strings (UTF-8 length)")
        else:
            counts.append(None)
    if any(c is None for c in counts) or not sources:
        return counts, None, notes
    return counts, " and ".join(sorted(sources)), notes


# --- shared --------------------------------------------------------------------------------


def _require_tokens(count: int, skipped: int) -> None:
    if count == 0 and skipped:
        raise BadInput(f"{WHAT}: has no values: all {skipped} entries are null")
    if count == 0:
        raise BadInput(f"{WHAT}: is empty; give log-probabilities like -1.2,-0.3,-2.0")


def _common_notes(result: ppl.PooledResult, skipped: int) -> list[str]:
    notes = []
    if skipped:
        notes.append(f"{skipped} token(s) without a value (null) skipped: not scored, not counted, never read as 0")
    if result.pooled.stderr is None and result.pooled.n_tokens == 1:
        notes.append("stderr needs at least 2 tokens (it estimates the spread of per-token NLL)")
    return notes


def _problem_message(problem: ppl.Problem, place: str, values_are: str, probs: bool, description: str = "") -> str:
    value = _show(problem.value)
    if problem.kind == "nan":
        return f"{WHAT}: NaN at {place}; every value must be a real number"
    if problem.kind == "probabilities" and values_are == NUMBER:
        return (
            f"{WHAT}: these look like probabilities, not log-probabilities (every value is in [0, 1]; "
            f"they sum to {problem.total:.4g}); pass --probs"
        )
    if problem.kind == "not_probability":
        hint = "; drop --probs if these are log-probabilities" if values_are == NUMBER else ""
        source = "" if values_are == NUMBER else f" ({description})"
        return f"{WHAT}: {value} at {place} is not a probability in [0, 1]{source}{hint}"
    return f"{WHAT}: log-probability {value} at {place} is positive; log p ≤ 0 because p ≤ 1"


def _show(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"
