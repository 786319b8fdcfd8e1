"""A note's Markdown is drawn exactly as Rich's `Markdown` draws it, and a plain note does not
import Rich's Markdown parser (which costs `calc` a fifth of its time)."""

from __future__ import annotations

import io
import re
import sys

import pytest
from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.segment import Segment

from tutor.quiz.bank import load_banks
from tutor.render.note import PlainMarkdown, markdown

from background import command

TRICKY = [
    "plain", " leading and trailing ", "two\nlines", "two\n  indented lines", "a\n\nb", "a\n \n\nb\n",
    "a  \nhard break", "a\\\nb", "x < 0 and y<z, η <= 2", "<b>html</b>", "see <http://example.com>",
    "[a](b)", "[a]: b", "E[ξ] = 0 and [0, 1)", "2 * 3", "*em*", "_em_", "snake_case and a_k²", "__init__",
    "a_(1)", "**bold**", "** not bold**", "**not bold **", "x**bold**y", "**(a)**", "**a**: b", "**T²**: x",
    "**1/t** with λ", "x ** y", "***a***", "****", "`code`", "`` a ` b ``", "` a `", "`  `", "`a`b`",
    "**a `b` c**", "`**`", "1. item", "2) item", "- item", "+ item", "* item", "# head", "#1 place",
    "text\n===", "text\n---", "    code", "a\n    b", "&amp;", "a & b", "|a|b|\n|-|-|\n|1|2|", "a | b | c",
    "~~s~~", "a ~ b", "> quote", "a > b", "a\n> b", "![i](x)", "tab\there", "ŷ_c − 1 ∈ (−1, 0]",
    "ε_mach·σ₁²", "D_KL(p‖q) = ∞", "`exp(1000)` overflows; **never** mind", "", "   ", "ends with a space ",
    "trailing newline\n", "x\u00a0\ny",
    # indented code blocks (a formula set apart), and what only looks like one
    "a\n\n    code\n\nb", "    a\n\n    b", "    a\n  \n    b", "    a\n      \n    b", "\n\n    x\n\n",
    "    x  \n    y  ", "    *no* [em](x) | a | `b` <c>", "a\n\n    " + "long " * 20 + "\n\nb", "    code\nb",
    "a\n\n    code\nb", "a\n\n        deeper\n    less\n\n**b**", "    x\n\n\n\n    y\n\nz", "    \ttab",
    "    a\x07b", "a\n\n    │ 1  2 │\n    │ 3  4 │\n\n`c` and **d**",
    # numbers, bars and colons at a line's start that are not lists or tables, and some that are
    "2.1³ = 9.3 and\n1.5 nats", "1.\nitem", "10) x", "a | b\n--|--\n1 | 2", "a | b\n:-|-:\n1 | 2",
    "P(a | b) and\nP(c | d)", "x\n| y", "x\n: y", "1234567890. big",
    # brackets: literal unless an inline link, or a reference with its definition
    "C[2][2] = 5", "[a] [b]", "[a] (b)", "[a][b]\n\n[b]: http://x", "[a][]\n\n[a]: /u", "[x]\n\n[x]:\n/u",
    "a[1](2)", "[a]\n[b]", "see [1] and [2]",
]


def drawn(renderable: RenderableType, width: int) -> list[Segment]:
    console = Console(width=width, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    return list(Segment.simplify(console.render(renderable, console.options)))


def same_as_rich(text: str) -> None:
    for width in (12, 40, 80):
        assert drawn(markdown(text), width) == drawn(Markdown(text), width), (text, width)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_markdown_is_drawn_as_rich_draws_it(text: str) -> None:
    same_as_rich(text)


def test_every_question_bank_text_is_drawn_as_rich_draws_it() -> None:
    texts = [value for question in load_banks().questions
             for value in (question.prompt, question.hint, question.solution) if isinstance(value, str) and value]
    assert len(texts) > 300
    for text in texts:
        same_as_rich(text)
    assert sum(isinstance(markdown(text), PlainMarkdown) for text in texts) > len(texts) // 2
    for text in texts:  # a formula set apart (an indented code block) needs no parser of its own
        prose = re.sub(r"(?m)^    .*$", "", text)
        if prose != text and isinstance(markdown(prose), PlainMarkdown):
            assert isinstance(markdown(text), PlainMarkdown), text


@pytest.mark.parametrize("text", [
    "Subtracting m changes nothing (exp(−m) cancels top and bottom) but keeps every exp ≤ 1.",
    "A rate above 2/λ_max multiplies the error along the top eigenvector by |1 − ηλ_max| > 1, η < 4.",
    "**T²**: entries of one head's score matrix; `QKᵀ` costs 2T²d.\n\nA second paragraph.",
])
def test_plain_notes_need_no_markdown_parser(text: str) -> None:
    assert isinstance(markdown(text), PlainMarkdown)


CALC_PROBE = command([sys.executable, "-c", (
    "import sys\nfrom tutor.cli.app import app\ntry:\n    app(['calc', 'softmax', '--logits', '1,2,3'])\n"
    "except SystemExit:\n    pass\nprint('rich.markdown' in sys.modules, file=sys.stderr)\n")], timeout=60)


@pytest.mark.background(CALC_PROBE)
def test_calc_does_not_import_the_markdown_parser() -> None:
    done = CALC_PROBE.result()
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr[-2000:]


def test_every_generated_question_text_is_drawn_as_rich_draws_it() -> None:
    """Generated prompts and hints (three draws of every generator), held to the same rules as
    the banks' texts."""
    from tutor.quiz.generators import generators, instantiate

    texts = [value for found in generators().values() for seed in (0, 1, 2)
             for value in (instantiate(found, seed).prompt, instantiate(found, seed).hint) if value]
    assert len(texts) > 100
    for text in texts:
        same_as_rich(text)
        prose = re.sub(r"(?m)^    .*$", "", text)
        if prose != text and isinstance(markdown(prose), PlainMarkdown):
            assert isinstance(markdown(text), PlainMarkdown), text
