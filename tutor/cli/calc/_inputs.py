"""Reading calculator options: typer option factories and parsers that name the option.

Every value option is taken as text and parsed here, so a bad value becomes a `BadInput`
whose message starts with the option (``--p: probabilities sum to 0.9, not 1 ...``): the
root command prints that as one line and exits 2, instead of click's multi-line usage box.
Only typer and the standard library are imported at module level; numpy loads when a
calculator runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from tutor import parse
from tutor.errors import BadInput

if TYPE_CHECKING:
    from tutor.explain.model import Worked

BASES = {"e": "e", "ln": "e", "nat": "e", "nats": "e", "2": "2", "bit": "2", "bits": "2", "10": "10", "ban": "10", "bans": "10"}
VECTOR_FORMS = "a vector: 0.1,0.2,0.7 or \"0.1 0.2 0.7\" or a JSON array; @file reads a file, - reads stdin"
MATRIX_FORMS = "a matrix: \"1,0.5; 0.3,0.8\" (rows split by ;) or nested JSON arrays; @file, or - for stdin"
DISTRIBUTION_HINTS = {
    "sum": "pass --normalize to rescale",
    "negative": "--normalize only rescales, it cannot fix a sign; if these are logits, use `llmtutor calc softmax`",
}


def json_option() -> Any:
    return typer.Option(False, "--json", help="Print one JSON object instead of the explanation: calculator, inputs, steps, result, notes, claims, special (docs/calc-json.md).")


def normalize_option() -> Any:
    return typer.Option(False, "--normalize", help="Rescale the probabilities (or counts) to sum to 1 instead of rejecting them.")


def base_option() -> Any:
    return typer.Option("e", "--base", help="Logarithm base: e (nats), 2 (bits) or 10 (bans).", show_default=True, metavar="e|2|10")


def vector_option(default: str | None, help: str, *names: str) -> Any:
    return typer.Option(default, *names, help=f"{help} ({VECTOR_FORMS}).", show_default=default is not None, metavar="VECTOR")


def matrix_option(default: str | None, help: str, *names: str) -> Any:
    return typer.Option(default, *names, help=f"{help} ({MATRIX_FORMS}).", show_default=default is not None, metavar="MATRIX")


def text_option(default: str | None, help: str, *names: str, metavar: str = "NUMBER") -> Any:
    return typer.Option(default, *names, help=help, show_default=default is not None, metavar=metavar)


class Inputs:
    """Parses one command's options; at most one of them may read standard input ('-')."""

    def __init__(self) -> None:
        self._stdin_reader: str | None = None

    def _claim(self, text: str, option: str) -> None:
        if text.strip() != "-":
            return
        if self._stdin_reader is not None:
            raise BadInput(f"{option}: only one option can read standard input ('-'), and {self._stdin_reader} already does")
        self._stdin_reader = option

    def vector(self, text: str, option: str) -> Any:
        import numpy as np

        self._claim(text, option)
        return np.asarray(parse.parse_vector(_source(text), option), dtype=float)

    def matrix(self, text: str, option: str) -> Any:
        import numpy as np

        self._claim(text, option)
        return np.asarray(parse.parse_matrix(_source(text), option), dtype=float)

    def rows(self, text: str, option: str) -> Any:
        """A vector or a matrix (a vector becomes one row)."""
        import numpy as np

        self._claim(text, option)
        return np.asarray(parse.parse_rows(_source(text), option), dtype=float)

    def distribution(self, text: str, option: str, normalize: bool, matrix: bool = False) -> Any:
        """Probabilities: non-negative, summing to 1, or rescaled when `normalize`."""
        from tutor.maths.common import NotADistribution, as_distribution

        values = self.matrix(text, option) if matrix else self.vector(text, option)
        try:
            return as_distribution(values, option, normalize=normalize)
        except NotADistribution as error:  # the core's neutral hint, worded for the command line
            raise BadInput(f"{error.problem} ({DISTRIBUTION_HINTS[error.kind]})", option) from None

    def distribution_pair(self, p: str, q: str, normalize: bool) -> tuple[Any, Any]:
        """--p and --q: two distributions over the same outcomes (cross-entropy, KL)."""
        pv, qv = self.distribution(p, "--p", normalize), self.distribution(q, "--q", normalize)
        same_size(pv, qv, ("--p", "--q"))
        return pv, qv

    def tokens(self, text: str, option: str) -> list[str]:
        self._claim(text, option)
        return parse.parse_tokens(_source(text), option)


def _source(text: str) -> str:
    return "-" if text.strip() == "-" else text


_BARE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def option_for(field: str, names: dict[str, str]) -> str:
    """The option a core field is given by: `names` first, else ``--field`` (``d_k`` → ``--d-k``)."""
    if field in names:
        return names[field]
    if _BARE_NAME.match(field):
        return "--" + field.lower().replace("_", "-")
    return field


@contextmanager
def options(**names: str) -> Iterator[None]:
    """Run core code whose `BadInput`s name a field (``q``, ``probs``) and report them under the
    option that field comes from (``--q``); `names` overrides the default, e.g.
    ``options(A="--a", n="-n")``."""
    try:
        yield
    except BadInput as error:
        if error.field is None or error.field.startswith("-"):
            raise
        raise error.renamed(option_for(error.field, names)) from None


def named_errors(command: Callable[..., None], **names: str) -> Callable[..., None]:
    """Wrap a calculator so errors raised by the core name the option (see `options`)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with options(**names):
            command(*args, **kwargs)

    return run


def require(value: str | None, option: str, example: str) -> str:
    """The option's text, or a one-line error saying it is needed and how it looks."""
    if value is None or not value.strip():
        raise BadInput(f"{option}: missing; give it, e.g. {option} {example}")
    return value


def number(text: str, option: str, *, minimum: float | None = None, positive: bool = False) -> float:
    value = parse.parse_number(text, option)
    if positive and not value > 0:
        raise BadInput(f"{option}: must be greater than 0, got {value:g}")
    if minimum is not None and value < minimum:
        raise BadInput(f"{option}: must be at least {minimum:g}, got {value:g}")
    return value


def integer(text: str, option: str, minimum: int | None = None, maximum: int | None = None) -> int:
    return parse.parse_int(text, option, minimum=minimum, maximum=maximum)


def choice(text: str, option: str, choices: dict[str, str]) -> str:
    return parse.parse_choice(text, option, choices)


def base(text: str) -> str:
    """'e', '2' or '10' (also accepts nats, bits, bans)."""
    return choice(text, "--base", BASES)


def same_size(first: Any, second: Any, names: tuple[str, str], what: str = "entries") -> None:
    """Two vectors over the same outcomes must have the same length."""
    if len(first) != len(second):
        raise BadInput(
            f"{names[1]}: shape mismatch: {names[0]} has {len(first)} {what} but {names[1]} has {len(second)}"
        )


def emit(as_json: bool, worked: Worked) -> None:
    """Print the explanation `worked` for people, or its JSON view for scripts: two views of
    one object."""
    if as_json:
        from tutor.cli.calc._common import print_json
        from tutor.explain.jsonable import worked_to_json

        print_json(worked_to_json(worked))
        return
    from tutor.cli.calc._common import console
    from tutor.render.plain import write
    from tutor.render.worked import worked_renderable

    write(console(), worked_renderable(worked))
