"""`llmtutor calc perplexity`: perplexity of real model output, with the steps shown.

parse → analyse (`tutor.logprobs.analyse`) → explain (`tutor.calculators.perplexity`) → emit: the
text and ``--json`` are two views of one `Worked`. The core names inputs as fields (``logprobs``,
``probs``, ``base``, ``text``) and refers to another input in words (`tutor.logprobs.model.MENTIONS`);
here both become option names. Only typer and the standard library are imported at module level;
numpy, rich and the log-probability readers load when the command runs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from tutor.cli.calc._inputs import emit, option_for
from tutor.errors import BadInput, printable

if TYPE_CHECKING:
    from tutor.explain.model import Worked
    from tutor.logprobs.analyse import Options

_SRC_HELP = (
    "Log-probabilities: inline (-1.2,-0.3,-2.0), a file (response.json or @response.json), or - for stdin. "
    "Plain numbers, JSON/JSONL, a response from OpenAI (chat, completions, responses), llama.cpp "
    "/completion, Ollama or vLLM prompt_logprobs, or a stream of any of them (JSONL chunks or "
    "Server-Sent Events)."
)
_REQUIRED = "required; give log-probabilities inline (-1.2,-0.3,-2.0), a file (response.json), or - for stdin"


def register(calc_app: typer.Typer) -> None:
    """Attach `calc perplexity`."""
    calc_app.command("perplexity")(perplexity)


def perplexity(
    logprobs: str = typer.Option(None, "--logprobs", metavar="SRC", help=_SRC_HELP, show_default=False),
    base: str = typer.Option(
        None, "--base", metavar="e|2|10",
        help="Base of the INPUT log-probabilities (default e: natural log); with --tokens, surprise is in the "
        "same base (nats, bits or bans).",
        show_default=False,
    ),
    probs: bool = typer.Option(False, "--probs", help="The values are probabilities (0 to 1), not logs."),
    text: str = typer.Option(
        None, "--text", help="The text the tokens spell (or @path), for bits per byte.", show_default=False
    ),
    tokens: bool = typer.Option(
        False, "--tokens", help="Show the text token by token, shaded by surprise, and the most surprising "
        "tokens with the model's alternatives (needs a response that lists its tokens).",
    ),
    top: str = typer.Option(
        None, "--top", metavar="K", help="How many of the most surprising tokens to list (default 5; 10 with "
        "--tokens; 0 for none).", show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for scripts (docs/calc-json.md)."),
) -> None:
    """Perplexity = exp(−(1/N) Σ log p): how surprised the model was, per token, on average.

    Reports the pooled (token-weighted) perplexity, bits per token, a delta-method standard
    error, per-sequence values when there are several, bits per byte when the bytes are known,
    and the most surprising tokens. −9999 / −∞ stand-ins are flagged, never silently averaged.
    With --tokens: each token's surprise, the text shaded by it (marked with digits when there
    is no colour), and the model's alternatives with a lower bound on its entropy there.
    """
    with _as_options():
        if not logprobs:
            raise BadInput(_REQUIRED, "logprobs")
        from tutor.logprobs.analyse import Options

        top_k = _top(top, tokens)
        options = Options(base=base, probs=probs, text=text, top_k=top_k)
        worked = _token_view(logprobs, options) if tokens else _perplexity(logprobs, options)
    emit(as_json, worked)
    if as_json:
        _warn(worked)


def _top(text: str | None, tokens: bool) -> int:
    from tutor.calculators.token_surprise import MAX_TOP, TOP
    from tutor.parse import parse_int

    if text is None:
        return TOP if tokens else 5
    return parse_int(text, "top", minimum=0, maximum=MAX_TOP)


def _perplexity(logprobs: str, options: Options) -> Worked:
    from tutor.calculators.perplexity import explain_perplexity
    from tutor.logprobs.analyse import analyse

    return explain_perplexity(analyse(logprobs, options))


def _token_view(logprobs: str, options: Options) -> Worked:
    """Reads whole, as the JSON formats always are; plain numbers are refused before reading."""
    from tutor.calculators.token_surprise import explain_tokens
    from tutor.logprobs.token_input import read_token_input

    if options.text is not None:
        raise BadInput("is for bits per byte, which the token view does not compute; leave it out", "text")
    return explain_tokens(read_token_input(logprobs, options), options.top_k)


def _warn(worked: object) -> None:
    """With --json stdout is for the script; the person running it still hears the warnings."""
    from tutor.explain.model import Note, Worked

    assert isinstance(worked, Worked)
    for item in worked.items():
        if isinstance(item, Note) and item.tone == "warning":
            sys.stderr.write(f"llmtutor: warning: {printable(item.text)}\n")


@contextmanager
def _as_options() -> Iterator[None]:
    """The core's fields become options (``logprobs`` → ``--logprobs``), and so do its words for
    another input ("the probs switch" → ``--probs``)."""
    try:
        yield
    except BadInput as error:
        raise _restated(error) from None


def _restated(error: BadInput) -> BadInput:
    from tutor.logprobs.model import MENTIONS

    message = error.message
    for name, words in MENTIONS.items():
        message = message.replace(words, f"--{name}")
    field = error.field
    label = option_for(field, {}) if field is not None and not field.startswith("-") else field
    restated = type(error).__new__(type(error))
    BadInput.__init__(restated, message, label)
    restated.field = field
    return restated
