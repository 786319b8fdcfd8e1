"""Perplexity of real model output as an explanation: read, NLL per token, perplexity, per sequence,
flagged stand-ins, the most surprising tokens.

    PPL = exp(−(1/N) Σ ln p_i),  stderr = PPL · √(var(NLL) / (N − 1))   (the delta method)

The headline is the pooled, token-weighted perplexity. A perplexity past the float range (a
−2000 among two tokens: e^1000.5) is `Beyond` and shown as 10^434.5; a token of probability 0
makes it a true ∞; neither is ever the string "inf". Strings from the input (token texts) only
reach `Fact` texts and warning notes, which are drawn as plain text, never as markup.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tutor.explain.format import compact, fit_decimals, format_number
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Step, Worked
from tutor.logprobs.analyse import Report, SequenceInfo
from tutor.logprobs.model import show_token
from tutor.maths.numerics import Beyond, Undefined
from tutor.maths.perplexity import PerplexityStats, Surprise

FORMULAS = (
    "PPL = exp(−(1/N) Σ ln p_i)      NLL_i = −ln p_i (nats)",
    "bits/token = mean NLL / ln 2     bits/byte = Σ NLL_i / bytes / ln 2",
    "stderr = PPL · √(var(NLL) / (N − 1))   (delta method; tokens as independent)",
)
UNITS = {"e": "natural log (nats)", "2": "log base 2 (bits)", "10": "log base 10 (bans)"}
STAND_IN = ("−9999 is a stand-in, not a measured value (OpenAI: 'outside the top 20'; vLLM: a clamped −∞); "
            "−∞ and a probability of 0 mean the model ruled the token out")
SHOWN = 10  # flagged tokens written out one per line
TINY = -708.0  # below e^−708 a probability leaves the normal float range


def explain_perplexity(report: Report) -> Worked:
    """The whole calculation for `report` (see the module docstring); ``--json`` is its JSON view."""
    steps = [_read_step(report), _nll_step(report), _perplexity_step(report)]
    if len(report.sequences) > 1:
        steps.append(_sequences_step(report))
    if report.result.n_flagged:
        steps.append(_flagged_step(report))
    if report.result.most_surprising:
        steps.append(_surprising_step(report))
    pooled = report.result.pooled
    return Worked(
        f"Perplexity · {report.description} · {_input_words(report)}",
        tuple(steps),
        figures={"perplexity": pooled.perplexity, "bits_per_token": pooled.bits_per_token},
        formulas=FORMULAS,
        inputs=_inputs(report),
        kind="perplexity",
    )


def _input_words(report: Report) -> str:
    return f"input: {UNITS[report.input_base]}" if report.input_base else "input: probabilities (ln p taken)"


def _inputs(report: Report) -> dict[str, Any]:
    inputs: dict[str, Any] = {"format": report.format, "format_name": report.description,
                              "values": "log-probabilities" if report.input_base else "probabilities"}
    if report.input_base:
        inputs["base"] = report.input_base
    if report.text_bytes is not None:
        inputs["text_bytes"] = report.text_bytes
    return inputs


# --- the steps -------------------------------------------------------------------------------


def _read_step(report: Report) -> Step:
    items: list[Item] = [
        Fact("format", report.description, key="format", data=report.format),
        Fact("values", _values_words(report), key="input_base", data=report.input_base or "none"),
        Fact("sequences", _sequence_list(report.sequences), key="sequences",
             data=[_sequence_json(info) for info in report.sequences]),
        Scalar("tokens without a value (null), skipped", report.skipped_nulls, key="skipped_nulls", decimals=0),
        Scalar("flagged tokens (−9999, −∞ or p = 0)", report.result.n_flagged, key="n_flagged", decimals=0),
    ]
    items += [Note(text, tone="warning") for text in report.warnings]
    return Step("Read the input", tuple(items))


def _values_words(report: Report) -> str:
    if report.input_base is None:
        return "probabilities: ln p_i taken of each"
    if report.input_base == "e":
        return "log-probabilities, natural log (nats)"
    b = report.input_base
    return f"log-probabilities in base {b}: ln p_i = log{b} p_i × ln {b}"


def _sequence_list(infos: tuple[SequenceInfo, ...], limit: int = 6) -> str:
    shown = [f"{info.label} ({format_number(info.stats.n_tokens)} tokens)" for info in infos[:limit]]
    more = f", … ({format_number(len(infos))} in all)" if len(infos) > limit else ""
    return ", ".join(shown) + more


def _nll_step(report: Report) -> Step:
    s = report.result.pooled
    several = len(report.sequences) > 1
    items: list[Item] = [
        Scalar("N", s.n_tokens, key="n_tokens", result=True, decimals=0, unit="tokens",
               caption=f"all {len(report.sequences)} sequences together" if several else ""),
        Scalar("Σ ln p_i", -s.nll_sum, key="logprob_sum", unit="nats"),
        Scalar("Σ NLL_i", s.nll_sum, key="nll_sum", unit="nats", result=True),
        Scalar("mean NLL", s.nll_mean, key="nll_mean", unit="nats per token", result=True, caption="Σ NLL_i / N"),
    ]
    if several:
        items.append(Fact("pooling", "token-weighted: exp(−(sum of all ln p) / (total tokens))", key="pooling",
                          data="token-weighted"))
    return Step("Negative log-likelihood of each token, NLL_i = −ln p_i", tuple(items))


def _perplexity_step(report: Report) -> Step:
    s = report.result.pooled
    items: list[Item] = [
        Scalar("perplexity", s.perplexity, key="perplexity", result=True, caption=_perplexity_caption(s)),
        Scalar("stderr", s.stderr, key="stderr", result=True, caption="delta method: PPL · √(var(NLL) / (N − 1))"),
        Scalar("var(NLL)", s.nll_variance, key="nll_variance", unit="nats²", caption="(1/N) Σ (NLL_i − mean NLL)²"),
        Scalar("bits per token", s.bits_per_token, key="bits_per_token", unit="bits", result=True,
               caption="mean NLL / ln 2"),
        Scalar("bytes", s.n_bytes if s.n_bytes is not None else _no_bytes(report), key="n_bytes", decimals=0,
               result=True),
        Fact("bytes from", report.bytes_source or "unknown", key="bytes_source",
             data=report.bytes_source or "unknown"),
        Scalar("bits per byte", _bits_per_byte(s), key="bits_per_byte", unit="bits", result=True,
               caption="Σ NLL_i / bytes / ln 2"),
    ]
    if isinstance(s.perplexity, float) and math.isfinite(s.perplexity):
        items.append(Note(f"On average the model was as unsure as a fair choice among "
                          f"{compact(s.perplexity)} tokens."))
    items += [Note(text) for text in report.remarks]
    return Step("Perplexity: e to the mean NLL", tuple(items))


def _perplexity_caption(s: PerplexityStats) -> str:
    exponent = format_number(s.nll_mean, fit_decimals(s.nll_mean))
    if isinstance(s.perplexity, Beyond):
        return f"exp({exponent}): past the largest 64-bit float, so written as a power of ten"
    if s.perplexity == math.inf:
        return "a token has probability 0 (ln p = −∞), so the mean NLL and the perplexity are ∞"
    return f"exp({exponent})"


def _no_bytes(report: Report) -> Undefined:
    if len(report.sequences) > 1 and any(info.stats.n_bytes is not None for info in report.sequences):
        return Undefined("some sequences have no token bytes or token strings")
    return Undefined("no token bytes or token strings, and no text given")


def _bits_per_byte(s: PerplexityStats) -> float | Undefined:
    return s.bits_per_byte if s.bits_per_byte is not None else Undefined("the byte count is unknown")


def _sequences_step(report: Report) -> Step:
    result, infos = report.result, report.sequences
    log_scale = any(not isinstance(info.stats.perplexity, (int, float)) for info in infos)
    ppl_name = "log₁₀ PPL" if log_scale else "PPL"
    values = [[_table_ppl(info.stats, log_scale), info.stats.nll_mean, info.stats.bits_per_token,
               _or_nan(info.stats.bits_per_byte)] for info in infos]
    counts = [[info.stats.n_tokens, info.skipped_nulls, info.n_flagged] for info in infos]
    labels = tuple(info.label for info in infos)
    caption = "NLL: mean, nats · bits/B: bits per byte" + (" · some PPL are past the float range" if log_scale else "")
    return Step("Per sequence, each on its own tokens", (
        Matrix("per sequence", np.array(values, dtype=np.float64), row_labels=labels,
               col_labels=(ppl_name, "NLL", "bits/tok", "bits/B"), caption=caption),
        Matrix("tokens", np.array(counts, dtype=np.int64), row_labels=labels, col_labels=("scored", "null", "flagged"),
               decimals=0),
        Scalar("mean of the per-sequence PPL", _known(result.mean_sequence_perplexity),
               key="mean_sequence_perplexity", caption="unweighted, as some libraries report"),
        Scalar("token-weighted mean", _known(result.weighted_mean_sequence_perplexity),
               key="weighted_mean_sequence_perplexity", caption="never below the pooled value"),
        Note(_jensen(report)),
    ))


def _table_ppl(stats: PerplexityStats, log_scale: bool) -> float:
    if log_scale:
        return stats.log10_perplexity
    return float(stats.perplexity) if not isinstance(stats.perplexity, Beyond) else math.inf


def _or_nan(value: float | None) -> float:
    """A table cell with no value is drawn as "undefined" (the JSON list says why)."""
    return math.nan if value is None else value


def _known(value: float | Beyond | None) -> float | Beyond | Undefined:
    return Undefined("needs at least 2 sequences") if value is None else value


def _jensen(report: Report) -> str:
    n = len(report.sequences)
    return (f"The headline is **pooled** (token-weighted) over all {n} sequences. Jensen's inequality (the mean "
            "of exp is at least exp of the mean) puts the token-weighted mean of the per-sequence perplexities "
            "at or above it; the unweighted mean is at or above it too when the sequences are equally long, "
            "but a short easy sequence can pull it below when they are not.")


def _flagged_step(report: Report) -> Step:
    result = report.result
    first = result.flagged[0]
    where = _where(first, report)
    items: list[Item] = [Note(
        f"{format_number(result.n_flagged)} token(s) have log-probability −9999 or −∞ (or probability 0), "
        f"first at {where}; they are included in the perplexity and dominate it. {STAND_IN}.", tone="warning")]
    if result.excluding_flagged is not None:
        ex = result.excluding_flagged
        items += [Scalar("perplexity without them", ex.perplexity, key="perplexity_excluding_flagged",
                         caption=f"over {format_number(ex.n_tokens)} tokens"),
                  Scalar("stderr without them", ex.stderr, key="stderr_excluding_flagged"),
                  Scalar("tokens without them", ex.n_tokens, key="n_tokens_excluding_flagged", decimals=0)]
    kept = len(result.flagged)
    listed = f"all {format_number(kept)}" if kept == result.n_flagged else f"the first {format_number(kept)}"
    items.append(Fact("flagged", f"{listed}, in order", key="flagged",
                      data=[_token_json(t, report) for t in result.flagged]))
    items += [Fact(f"#{i}", _token_line(t, report)) for i, t in enumerate(result.flagged[:SHOWN], start=1)]
    if result.n_flagged > SHOWN:
        items.append(Note(f"… and {format_number(result.n_flagged - SHOWN)} more (all of the first "
                          f"{format_number(len(result.flagged))} are in the JSON)"))
    return Step("Flagged tokens: −9999 and −∞ stand-ins", tuple(items))


def _surprising_step(report: Report) -> Step:
    tokens = report.result.most_surprising
    items: list[Item] = [Fact("most surprising", "highest NLL first; flagged tokens are listed apart",
                              key="most_surprising", data=[_token_json(t, report) for t in tokens])]
    items += [Fact(f"#{i}", _token_line(t, report)) for i, t in enumerate(tokens, start=1)]
    return Step("The most surprising tokens", tuple(items))


# --- tokens and sequences as text and JSON -------------------------------------------------------


def _where(item: Surprise, report: Report) -> str:
    place = f"position {format_number(item.position)}"
    return f"{report.sequences[item.sequence].label}, {place}" if len(report.sequences) > 1 else place


def _token_line(item: Surprise, report: Report) -> str:
    token = f"{show_token(item.token)} at " if item.token is not None else ""
    return (f"{token}{_where(item, report)}: ln p = {compact(item.logprob)}, "
            f"p = {format_number(_probability(item.logprob))}, NLL = {compact(-item.logprob)} nats")


def _probability(logprob: float) -> float | Beyond:
    """e^ln p, or 10^x when it is too small for a float to hold (e^−9999 is not 0)."""
    if logprob < TINY and math.isfinite(logprob):
        return Beyond(logprob / math.log(10.0))
    return math.exp(logprob)


def _token_json(item: Surprise, report: Report) -> dict[str, Any]:
    token = Undefined("the input gave log-probabilities without their tokens") if item.token is None else item.token
    return {"sequence": report.sequences[item.sequence].label, "position": item.position, "token": token,
            "logprob": item.logprob, "nll": -item.logprob, "probability": _probability(item.logprob)}


def _sequence_json(info: SequenceInfo) -> dict[str, Any]:
    s = info.stats
    unknown = Undefined("no token bytes or token strings, and no text given")
    return {"label": info.label, "n_tokens": s.n_tokens, "perplexity": s.perplexity, "stderr": s.stderr,
            "nll_sum": s.nll_sum, "nll_mean": s.nll_mean, "nll_variance": s.nll_variance,
            "bits_per_token": s.bits_per_token, "n_bytes": s.n_bytes if s.n_bytes is not None else unknown,
            "bits_per_byte": s.bits_per_byte if s.bits_per_byte is not None else unknown,
            "skipped_nulls": info.skipped_nulls, "n_flagged": info.n_flagged}
