"""The token view under hostile and odd payloads, and the pieces it is made of: how a token's text
is shown, how lines wrap, and the entropy bound's mathematics against hand computations."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.errors import display_width
from tutor.explain.token_layout import chunked, layout
from tutor.explain.tokens import EMPTY, UNKNOWN, cell, display_pieces, level_of
from tutor.maths.listed_entropy import ListedEntropy, listed_entropy
from tutor.maths.numerics import Undefined


def chat(*items: dict[str, Any]) -> str:
    return json.dumps({"choices": [{"index": 0, "message": {}, "logprobs": {"content": list(items)}}]})


def run(tmp_path: Path, text: str, *args: str) -> Any:
    path = tmp_path / "response.json"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(app, ["calc", "perplexity", "--logprobs", str(path), "--tokens", *args],
                              env={"COLUMNS": "80"})


def lines_fit(text: str, width: int = 80) -> bool:
    return all(display_width(line) <= width for line in text.splitlines())


# --- hostile payloads, end to end ---------------------------------------------------------------


def test_nan_logprob_is_one_line_naming_the_token(tmp_path: Path) -> None:
    result = run(tmp_path, '{"choices": [{"message": {}, "logprobs": {"content": [{"token": "a", "logprob": -0.5}, '
                           '{"token": "b", "logprob": NaN}]}}]}')
    assert result.exit_code == 2
    assert result.stderr.strip() == "llmtutor: --logprobs: NaN at position 2 (token 'b'); every value must be a real number"


@pytest.mark.parametrize(("text", "needle"), [
    ("", "is empty"),
    ("   \n", "is empty"),
    (chat(), "has no log-probabilities"),
    ('{"choices": [{"message": {}, "logprobs": null}]}', "has no log-probabilities"),
    ('{"choices": [{"message": {}, "logprobs": {"content": [{"token": "a", "logprob": null}]}}]}', "all 1 entries are null"),
    ('{"choices": [{"message": {}, "logprobs": {"content": [{"token": "a", "logprob": 0.5}]}}]}', "is positive"),
    ("\x00\x01binary", "neither JSON nor a stream"),
])
def test_empty_and_broken_payloads_are_one_line(tmp_path: Path, text: str, needle: str) -> None:
    result = run(tmp_path, text)
    assert result.exit_code == 2 and needle in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_bad_alternatives_are_left_out_with_a_warning_and_the_values_still_count(tmp_path: Path) -> None:
    text = chat({"token": "a", "logprob": -0.5, "top_logprobs": [{"token": "a", "logprob": float("nan")}]},
                {"token": "b", "logprob": -2.5, "top_logprobs": [{"token": "b", "logprob": 0.3}]},
                {"token": "c", "logprob": -1.5, "top_logprobs": "oops"},
                {"token": "d", "logprob": -0.1})
    result = run(tmp_path, text, "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert [t["alternatives"] for t in payload["steps"]["tokens"]] == [None] * 4
    assert any("2 token(s) list an alternative that is not a probability" in n and "position 1" in n
               for n in payload["notes"])
    assert any("1 token(s) list their alternatives in a shape that could not be read" in n for n in payload["notes"])
    assert payload["result"]["mean_surprise"] == pytest.approx((0.5 + 2.5 + 1.5 + 0.1) / 4)


def test_escape_sequences_and_invisible_controls_never_reach_the_terminal(tmp_path: Path) -> None:
    tokens = ["\x1b[31mred\x1b[0m", "\u202eevil", "\x00", "\x9b2J", "\u200bzw", " ok"]
    text = chat(*({"token": t, "logprob": -3.0 + i * 0.1, "top_logprobs": [{"token": t, "logprob": -3.0 + i * 0.1}]}
                  for i, t in enumerate(tokens)))
    result = run(tmp_path, text)
    assert result.exit_code == 0
    for bad in ("\x1b", "\u202e", "\x00", "\x9b", "\u200b"):
        assert bad not in result.stdout
    assert "\\e[31mred\\e[0m" in result.stdout and "\\u202eevil" in result.stdout and "\\x00" in result.stdout
    assert lines_fit(result.stdout)


def test_a_huge_token_is_cut_and_every_line_still_fits(tmp_path: Path) -> None:
    huge = "x" * 100_000
    result = run(tmp_path, chat({"token": "Hi", "logprob": -0.1}, {"token": huge, "logprob": -4.0},
                                {"token": " there", "logprob": -0.2}))
    assert result.exit_code == 0 and lines_fit(result.stdout)
    assert "(+99,801 characters)" in result.stdout and len(result.stdout) < 20_000


def test_tokens_without_text_and_empty_tokens_are_shown_as_such(tmp_path: Path) -> None:
    entries = [None, {"1": {"logprob": -0.5, "rank": 1}}, {"2": {"logprob": -1.5, "rank": 1, "decoded_token": ""}}]
    result = run(tmp_path, json.dumps(entries))
    assert result.exit_code == 0
    assert f"{UNKNOWN}{EMPTY}" in result.stdout and "(no text)" in result.stdout


def test_whitespace_and_newline_tokens(tmp_path: Path) -> None:
    tokens = [("Hi", -0.1), ("\n\n", -1.2), ("  ", -0.3), ("there", -2.2), ("\t", -0.4), ("!", -0.1)]
    result = run(tmp_path, chat(*({"token": t, "logprob": v} for t, v in tokens)))
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    at = out.index("Hi↵")
    assert out[at + 1:at + 6] == ["· 1", "↵", "", "  there\\t!", "· 2    · ·"]


# --- the pieces -----------------------------------------------------------------------------------


def test_display_pieces() -> None:
    assert display_pieces(None)[0].text == UNKNOWN and display_pieces("")[0].text == EMPTY
    pieces = display_pieces("a\r\nb\n")
    assert [(p.text, p.newline) for p in pieces] == [("a↵", True), ("b↵", True)]
    assert display_pieces("\u0301")[0].text == "◌\u0301" and display_pieces("\u0301")[0].width == 1
    assert display_pieces("中文")[0].width == 4
    assert display_pieces("👩\u200d💻")[0].text == "👩\u200d💻"  # a joiner inside an emoji stays
    assert display_pieces("x" * 500, limit=10)[0].text == "xxxxxxxxx…(+491 characters)"


def test_levels_are_whole_units_capped_at_nine() -> None:
    assert [level_of(s) for s in (0.0, 0.99, 1.0, 3.7, 8.99, 9.0, 9999.0, math.inf)] == [0, 0, 1, 3, 8, 9, 9, 9]


@pytest.mark.parametrize("width", [1, 2, 5, 12, 80])
def test_layout_never_splits_a_token_unless_it_is_wider_than_the_line(width: int) -> None:
    words = ["The", " quick", " brown", " foxes", "\n", " jumped", " 中文字", " over", " a" * 30]
    cells = [cell(word, i % 10) for i, word in enumerate(words)]
    lines = layout(cells, width)
    assert all(display_width(line.text) <= max(width, 2) for line in lines)  # a wide character alone may overflow 1
    assert "".join(line.text for line in lines) == "".join(p.text for c in cells for p in c.pieces)
    starts = sum(len(line.marks) - line.marks.count(" ") for line in lines)
    assert starts == len(cells)
    for c in cells:  # a token that fits in the line is on one line
        text = "".join(p.text for p in c.pieces).rstrip("↵")
        if display_width(text) <= width:
            assert any(text in line.text for line in lines)


def test_chunked_keeps_wide_characters_and_combining_marks_whole() -> None:
    assert chunked("ab中cd", 3) == ["ab", "中c", "d"]
    assert chunked("e\u0301e\u0301e\u0301", 2) == ["e\u0301e\u0301", "e\u0301"]


# --- the bound's mathematics --------------------------------------------------------------------


def entropy(p: list[float]) -> float:
    return -sum(x * math.log(x) for x in p if x > 0)


def test_bound_is_the_grouped_entropy() -> None:
    found = listed_entropy([math.log(0.5), math.log(0.25)])
    assert isinstance(found, ListedEntropy)
    assert found.bound == pytest.approx(entropy([0.5, 0.25, 0.25]), rel=1e-15)
    assert found.bound / math.log(2) == pytest.approx(1.5, rel=1e-15)
    assert found.leftover == pytest.approx(0.25) and not found.exact


def test_renormalised_entropy_is_not_a_bound_but_the_grouped_one_is() -> None:
    """Listed 0.05 and 0.05 with 0.9 on one other token: the renormalised entropy (ln 2) exceeds H."""
    found = listed_entropy([math.log(0.05), math.log(0.05)])
    assert isinstance(found, ListedEntropy)
    true_h = entropy([0.05, 0.05, 0.9])
    assert found.renormalised == pytest.approx(math.log(2)) and found.renormalised > true_h
    assert found.bound == pytest.approx(true_h, rel=1e-12)  # equality: the rest sits on one token


def test_bound_holds_below_the_true_entropy_of_random_distributions() -> None:
    rng = np.random.default_rng(13)
    for _ in range(2_000):
        p = rng.dirichlet(np.full(int(rng.integers(2, 40)), rng.uniform(0.05, 3.0)))
        listed = rng.permutation(p.size)[: int(rng.integers(1, p.size + 1))]  # any subset, not only the top
        with np.errstate(divide="ignore"):  # a Dirichlet draw can hold an exact 0: ln 0 = −∞ is allowed
            found = listed_entropy(np.log(p[listed]).tolist())
        assert isinstance(found, ListedEntropy)
        assert found.bound <= entropy(p.tolist()) + 1e-12
        if listed.size == p.size:
            assert found.exact and found.bound == pytest.approx(entropy(p.tolist()), abs=1e-12)


def test_edge_cases() -> None:
    assert isinstance(listed_entropy([]), Undefined)
    assert isinstance(listed_entropy([math.log(0.7), math.log(0.5)]), Undefined)  # sums to 1.2
    rounded = listed_entropy([math.log(0.7), math.log(0.305)])  # 1.005: rounding, the whole distribution
    assert isinstance(rounded, ListedEntropy) and rounded.exact and rounded.leftover == 0.0
    zero = listed_entropy([0.0, -math.inf, -9999.0])
    assert isinstance(zero, ListedEntropy) and zero.bound == 0.0 and zero.exact


def test_render_of_the_view_never_exceeds_the_width_in_colour() -> None:
    from tutor.explain.tokens import TokenParagraph, TokenText
    from tutor.render.tokens import TokenTextRenderable

    cells = tuple(cell(t, i % 10) for i, t in enumerate(["long" * 40, " a", "\n", " 中文" * 20, "\x1b"]))
    item = TokenText("text", (TokenParagraph("", cells),), "nats", "−ln p")
    for width in (20, 80):
        console = Console(file=io.StringIO(), width=width, color_system="truecolor", force_terminal=True)
        with console.capture() as capture:
            console.print(TokenTextRenderable(item))
        plain = Console(file=io.StringIO(), width=width, color_system=None)
        plain.print(TokenTextRenderable(item))
        text = plain.file.getvalue()  # type: ignore[attr-defined]
        assert lines_fit(text, width) and "\x1b" not in text
        assert "\x1b[" in capture.get()  # styled in colour
