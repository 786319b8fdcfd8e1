"""`llmtutor calc perplexity`: perplexity of real model output, with the steps shown.

Only typer and the standard library are imported at module level; numpy, rich and the
log-probability readers load when the command runs, so `llmtutor --help` stays light.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import typer

from tutor.errors import BadInput

_SRC_HELP = (
    "Log-probabilities: an inline list (-1.2,-0.3,-2.0), @path for a file, or - for stdin. "
    "Plain numbers, JSON/JSONL, or a response from OpenAI (chat, completions, responses), "
    "llama.cpp /completion, Ollama or vLLM prompt_logprobs."
)
_UNITS = {"e": "natural log (nats)", "2": "log base 2 (bits)", "10": "log base 10 (bans)"}


def register(calc_app: typer.Typer) -> None:
    """Attach `calc perplexity`."""
    calc_app.command("perplexity")(perplexity)


def perplexity(
    logprobs: str = typer.Option(None, "--logprobs", metavar="SRC", help=_SRC_HELP, show_default=False),
    base: str = typer.Option(
        None, "--base", metavar="e|2|10", help="Base of the INPUT log-probabilities (default e: natural log).", show_default=False
    ),
    probs: bool = typer.Option(False, "--probs", help="The values are probabilities (0 to 1), not logs."),
    text: str = typer.Option(
        None, "--text", help="The text the tokens spell (or @path), for bits per byte.", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for scripts."),
) -> None:
    """Perplexity = exp(−(1/N) Σ log p): how surprised the model was, per token, on average.

    Reports the pooled (token-weighted) perplexity, bits per token, a delta-method standard
    error, per-sequence values when there are several, bits per byte when the bytes are known,
    and the most surprising tokens. −9999 / −∞ stand-ins are flagged, never silently averaged.
    """
    if not logprobs:
        raise BadInput("--logprobs: required; give an inline list (-1.2,-0.3,-2.0), @path for a file, or - for stdin")
    from tutor.logprobs.analyse import Options, analyse

    analysis = analyse(logprobs, Options(base=base, probs=probs, text=text))
    if as_json:
        from tutor.cli.calc._common import print_json

        print_json(_payload(analysis))
        _warn_flagged(analysis)
    else:
        _render(analysis)


# --- JSON ----------------------------------------------------------------------------------


def _stats(stats: Any) -> dict[str, Any]:
    return {
        "perplexity": stats.perplexity,
        "n_tokens": stats.n_tokens,
        "nll_sum": stats.nll_sum,
        "nll_mean": stats.nll_mean,
        "nll_variance": stats.nll_variance,
        "bits_per_token": stats.bits_per_token,
        "stderr": stats.stderr,
        "n_bytes": stats.n_bytes,
        "bits_per_byte": stats.bits_per_byte,
    }


def _token(item: Any, analysis: Any) -> dict[str, Any]:
    return {
        "sequence": analysis.sequences[item.sequence].label,
        "position": item.position,
        "token": item.token,
        "logprob": item.logprob,
        "nll": -item.logprob,
        "probability": math.exp(item.logprob),
    }


def _payload(analysis: Any) -> dict[str, Any]:
    result = analysis.result
    payload = _stats(result.pooled)
    payload.update(
        {
            "pooling": "token-weighted: exp(-(sum of all natural-log probabilities) / (total tokens))",
            "sequences": [
                {"label": i.label, **_stats(i.stats), "skipped_nulls": i.skipped_nulls, "flagged": i.n_flagged}
                for i in analysis.sequences
            ],
            "mean_sequence_perplexity": result.mean_sequence_perplexity,
            "weighted_mean_sequence_perplexity": result.weighted_mean_sequence_perplexity,
            "format": analysis.format,
            "format_name": analysis.description,
            "input": "log-probabilities" if analysis.input_base else "probabilities",
            "input_base": analysis.input_base,
            "units": "nll_* in nats (natural log); bits_* in bits; token logprob values in natural log",
            "stderr_method": "delta method: perplexity * sqrt(var(nll) / (N - 1)), var with divisor N",
            "bytes_source": analysis.bytes_source,
            "skipped_nulls": analysis.skipped_nulls,
            "n_flagged": result.n_flagged,
            "flagged": [_token(item, analysis) for item in result.flagged],
            "excluding_flagged": _stats(result.excluding_flagged) if result.excluding_flagged else None,
            "most_surprising": [_token(item, analysis) for item in result.most_surprising],
            "notes": list(analysis.notes),
        }
    )
    return payload


def _warn_flagged(analysis: Any) -> None:
    """With --json stdout is for the script; the person running it still hears about −9999s."""
    if analysis.result.n_flagged:
        sys.stderr.write(f"llmtutor: warning: {_flag_sentence(analysis)}\n")


def _flag_sentence(analysis: Any) -> str:
    result = analysis.result
    first = result.flagged[0]
    where = f"position {first.position}"
    if len(analysis.sequences) > 1:
        where = f"{analysis.sequences[first.sequence].label}, {where}"
    return (
        f"{result.n_flagged} token(s) have log-probability -9999 or -inf (first: {where}); "
        "they are included in the perplexity and dominate it"
    )


# --- Rich ----------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}".replace("-", "−")
    return f"{value:.{digits}f}".replace("-", "−")


def _render(analysis: Any) -> None:
    from rich.panel import Panel

    from tutor.cli.calc._common import console

    out = console()
    pooled = analysis.result.pooled
    several = len(analysis.sequences) > 1
    base = f"input: {_UNITS[analysis.input_base]}" if analysis.input_base else "input: probabilities (ln p taken)"
    title = f"Perplexity · {analysis.description} · {base}"
    out.print(Panel(_steps(analysis, pooled, several), title=title, title_align="left", expand=False))
    if several:
        out.print(_sequence_table(analysis))
        out.print(_jensen_text(analysis))
    if analysis.result.n_flagged:
        out.print(_flagged_panel(analysis))
    if analysis.result.most_surprising:
        out.print(_surprise_table(analysis))
    for note in analysis.notes:
        out.print(f"[dim]note: {_escape(note)}[/dim]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _steps(analysis: Any, s: Any, several: bool) -> str:
    n = s.n_tokens
    lines = ["[bold]PPL = exp(−(1/N) Σ ln p_i)[/bold]   (NLL_i = −ln p_i, in nats)", ""]
    if analysis.input_base not in (None, "e"):
        lines.append(f"ln p_i = log{analysis.input_base} p_i × ln {analysis.input_base}  (your --base)")
    pool = f" across {len(analysis.sequences)} sequences (pooled, token-weighted)" if several else ""
    lines += [
        f"N           = {n} tokens{pool}",
        f"Σ ln p_i    = {_num(-s.nll_sum)} nats",
        f"mean NLL    = {_num(s.nll_sum)} / {n} = {_num(s.nll_mean)} nats per token",
        f"[bold]perplexity  = exp({_num(s.nll_mean)}) = {_ppl(s)}[/bold]" + _pm(s.stderr),
        f"bits/token  = {_num(s.nll_mean)} / ln 2 = {_num(s.bits_per_token)} bits",
    ]
    if analysis.result.n_flagged:
        lines.append(f"[red]includes {analysis.result.n_flagged} flagged token(s) (−9999 / −∞): see below[/red]")
    if s.stderr is not None:
        lines.append(f"stderr      = PPL·√(var/(N−1)), var = (1/N)Σ(NLL_i − mean)² = {_num(s.nll_variance)}")
    if s.bits_per_byte is not None:
        lines.append(
            f"bits/byte   = {_num(s.nll_sum)} / {s.n_bytes} bytes / ln 2 = {_num(s.bits_per_byte)}"
            f"  (bytes from {analysis.bytes_source})"
        )
    return "\n".join(lines)


def _ppl(s: Any) -> str:
    """A perplexity too big for a float (a −9999 among few tokens) is still a number: 10^x."""
    if math.isinf(s.perplexity) and math.isfinite(s.nll_mean):
        return f"10^{s.nll_mean / math.log(10):.1f} (too large for a float)"
    return _num(s.perplexity)


def _pm(stderr: float | None) -> str:
    return f" ± {_num(stderr)}" if stderr is not None else ""


def _sequence_table(analysis: Any) -> Any:
    from rich.table import Table

    table = Table(
        title="Per sequence (each on its own tokens)", title_justify="left",
        caption="PPL: perplexity · ±: its stderr · NLL: mean, nats · bits/B: bits per byte", caption_justify="left",
    )
    for name in ("sequence", "tokens", "PPL", "±", "NLL", "bits/B", "nulls", "flagged"):
        table.add_column(name, justify="left" if name == "sequence" else "right", no_wrap=True)
    for info in analysis.sequences:
        s = info.stats
        table.add_row(
            _escape(info.label), str(s.n_tokens), _num(s.perplexity), _num(s.stderr), _num(s.nll_mean),
            _num(s.bits_per_byte), str(info.skipped_nulls), str(info.n_flagged),
        )
    return table


def _jensen_text(analysis: Any) -> str:
    result = analysis.result
    return (
        f"The headline is [bold]pooled[/bold] (token-weighted): {_num(result.pooled.perplexity)}. "
        f"The unweighted mean of the {len(analysis.sequences)} per-sequence perplexities is "
        f"{_num(result.mean_sequence_perplexity)} (what some metric libraries print); weighted by tokens it is "
        f"{_num(result.weighted_mean_sequence_perplexity)}, never below the pooled value (Jensen: the mean "
        "of exp is at least exp of the mean). The unweighted mean is ≥ pooled too when sequences are "
        "equally long, but not always otherwise."
    )


def _flagged_panel(analysis: Any) -> Any:
    from rich.panel import Panel

    result = analysis.result
    lines = [_flag_sentence(analysis) + "."]
    lines.append("−9999 is a stand-in (OpenAI: 'outside the top 20'; vLLM: clamped −∞), not a measured value.")
    if result.excluding_flagged is not None:
        ex = result.excluding_flagged
        lines.append(f"Without them: perplexity {_num(ex.perplexity)}{_pm(ex.stderr)} over {ex.n_tokens} tokens.")
    for item in result.flagged[:10]:
        token = f" {item.token!r}" if item.token is not None else ""
        label = f"{analysis.sequences[item.sequence].label}, " if len(analysis.sequences) > 1 else ""
        lines.append(f"  {label}position {item.position}{token}: ln p = {_num(item.logprob)}")
    if result.n_flagged > 10:
        lines.append(f"  ... and {result.n_flagged - 10} more")
    return Panel(_escape("\n".join(lines)), title="⚠ flagged tokens", border_style="red", expand=False)


def _surprise_table(analysis: Any) -> Any:
    from rich.table import Table

    caption = "highest NLL; flagged tokens are listed above"
    table = Table(title="Most surprising tokens", caption=caption, title_justify="left")
    columns = ["sequence"] if len(analysis.sequences) > 1 else []
    for name in [*columns, "position", "token", "ln p", "p", "NLL (nats)"]:
        table.add_column(name, justify="left" if name in ("sequence", "token") else "right")
    for item in analysis.result.most_surprising:
        label = [_escape(analysis.sequences[item.sequence].label)] if columns else []
        token = _escape(repr(item.token)) if item.token is not None else "—"
        p = math.exp(item.logprob)
        table.add_row(*label, str(item.position), token, _num(item.logprob), _num(p), _num(-item.logprob))
    return table
