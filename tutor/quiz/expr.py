"""Arithmetic as a learner types it: a tokenizer, a recursive-descent parser and an evaluator.

Nothing is handed to `eval`: the text becomes tokens, the tokens a small tree, the tree a float.
Grammar, lowest precedence first (``*`` also ``×`` ``·``; ``/`` also ``÷``; ``-`` also ``−``)::

    sum       := product (("+" | "-") product)*
    product   := signed (("*" | "/") signed | implicit)*
    implicit  := power        only when the next token is a name, "√" or "(": 2π, 2 ln 2, 2(1+e)
    signed    := ("-" | "+") signed | power
    power     := postfix (("^" | "**") signed)?        right-associative: 2^3^2 = 2^9
    postfix   := primary ("%" | superscript)?           50%, e², 2⁻¹
    primary   := NUMBER | CONSTANT | FUNCTION argument | "√" argument | "(" sum ")"
    argument  := "(" sum ")" | signed                   ln(2), ln 2, √2, exp −1, ln 2^3 = ln 8

So −2^2 = −4 and 2^−1 = 0.5. Constants: ``pi`` ``π`` ``e`` (and ``inf`` ``∞`` only where a
question allows infinity); functions: ``ln``, ``log`` (natural), ``log2``, ``log10``, ``exp``,
``sqrt``/``√``. Two numbers side by side (``2 3``) are refused, and so is an implicit product
whose left side ends without a bracket (``1/2π``, ``√2π``, ``ln 2π``, ``2^3π``): they read two
ways, and a quiz must not guess.

Work is bounded: at most `MAX_LENGTH` characters and `MAX_DEPTH` nested levels. The value of a
tree is computed by `tutor.quiz.expr_value.evaluate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from tutor.errors import quote
from tutor.quiz.model import AnswerFormatError

MAX_LENGTH = 200
MAX_DEPTH = 40

_LOOKALIKES = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+",
    "×": "*", "·": "*", "⋅": "*", "∗": "*", "✕": "*", "÷": "/", "∕": "/"})
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<name>[lL][oO][gG]_?(?:2|10)(?![0-9])|[A-Za-z]+|[π∞])
  | (?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
  | (?P<op>\*\*|[-+*/^%()√])
""", re.VERBOSE)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_BACK = str.maketrans("0123456789−+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")

FUNCTIONS = {"ln": "ln", "log": "ln", "log2": "log2", "log_2": "log2", "log10": "log10",
             "log_10": "log10", "exp": "exp", "sqrt": "√", "√": "√"}
CONSTANTS = {"pi": "π", "π": "π", "e": "e", "inf": "∞", "infinity": "∞", "∞": "∞"}


class ExprError(AnswerFormatError):
    """The text is not an expression we can read, or its value cannot be given (too large,
    undefined). The message is the reason alone; callers add the forms they accept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "answer")


@dataclass(frozen=True)
class Token:
    """One token of an answer: its kind, its text and where it starts."""

    kind: str  # "num", "name", "sup", "op", "end"
    text: str
    at: int


# The tree. `Group` keeps the learner's brackets, so the echo and the ambiguity rule see them.
@dataclass(frozen=True)
class Num:
    """A number as the learner wrote it."""

    text: str


@dataclass(frozen=True)
class Const:
    """A named constant: π, e or ∞."""

    name: str  # "π", "e" or "∞"


@dataclass(frozen=True)
class Group:
    """A bracketed expression, kept so the echo shows the learner's brackets."""

    inner: Node


@dataclass(frozen=True)
class Call:
    """A function applied to an argument: ln, log2, log10, exp or √."""

    name: str  # "ln", "log2", "log10", "exp", "√"
    arg: Node
    bracketed: bool


@dataclass(frozen=True)
class Sign:
    """A leading minus or plus."""

    sign: str  # "-" or "+"
    operand: Node


@dataclass(frozen=True)
class Percent:
    """An operand followed by %."""

    operand: Node


@dataclass(frozen=True)
class Power:
    """A power: base and exponent."""

    base: Node
    exponent: Node
    closed: bool  # the exponent was bracketed or a superscript: (2^3)π is then unambiguous


@dataclass(frozen=True)
class Binary:
    """Two operands joined by +, −, ×, / or an implicit product."""

    op: str  # "+", "-", "*", "/", or "" for an implicit product (2π)
    left: Node
    right: Node


Node = Union[Num, Const, Group, Call, Sign, Percent, Power, Binary]


def tokenize(text: str) -> list[Token]:
    """The tokens of `text` (already no longer than `MAX_LENGTH`), ending with an "end" token."""
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None and text[at] == ",":
            raise ExprError("a comma: write decimals with a dot (0.5), thousands without separators")
        if match is None:
            raise ExprError(f"'{quote(text[at])}' is not part of a number or an expression")
        kind = match.lastgroup or "space"
        if kind != "space":
            tokens.append(Token(kind, match.group(), at))
        at = match.end()
    tokens.append(Token("end", "", at))
    return tokens


class _Parser:
    """Recursive descent over the grammar in the module docstring, one method per rule."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExprError("the answer is empty")
        node = self.sum()
        token = self.peek()
        if token.kind != "end":
            raise ExprError(f"unexpected '{quote(token.text)}' at character {token.at + 1}")
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            op = self.take().text
            node = Binary(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.signed()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text in ("*", "/"):
                self.take()
                node = Binary(token.text, node, self.signed())
            elif _starts_factor(token):
                if not _closed(node):
                    raise ExprError(f"'{quote(show(node), 20)} {quote(token.text, 8)}' reads two ways "
                                    "(is 1/2π 1/(2π) or π/2?); add brackets")
                node = Binary("", node, self.power())
            elif token.kind in ("num", "sup"):
                raise ExprError(f"two numbers side by side at character {token.at + 1}; "
                                "put an operator between them")
            else:
                return node

    def signed(self) -> Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ExprError(f"nested more than {MAX_DEPTH} levels deep")
            token = self.peek()
            if token.kind == "op" and token.text in ("-", "+"):
                self.take()
                return Sign(token.text, self.signed())
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> Node:
        base = self.postfix()
        token = self.peek()
        if token.kind == "op" and token.text in ("^", "**"):
            self.take()
            exponent = self.signed()
            return Power(base, exponent, isinstance(exponent, Group))
        return base

    def postfix(self) -> Node:
        node = self.primary()
        token = self.peek()
        if token.kind == "op" and token.text == "%":
            self.take()
            if not isinstance(node, (Num, Group)):
                raise ExprError("'%' follows a number, like 50%")
            return Percent(node)
        if token.kind == "sup":
            self.take()
            return Power(node, _superscript(token.text), True)
        return node

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "num":
            return Num(token.text)
        if token.kind == "name":
            return self.named(token)
        if token.text == "√":
            return self.argument("√")
        if token.text == "(":
            return Group(self.bracketed())
        if token.kind == "end":
            raise ExprError("the expression ends too early")
        raise ExprError(f"unexpected '{quote(token.text)}' at character {token.at + 1}")

    def named(self, token: Token) -> Node:
        name = token.text.lower()
        if name in CONSTANTS:
            return Const(CONSTANTS[name])
        if name in FUNCTIONS:
            return self.argument(FUNCTIONS[name])
        raise ExprError(f"unknown name '{quote(token.text)}' (known: pi, e, ln, log, log2, log10, exp, sqrt)")

    def argument(self, function: str) -> Node:
        if self.peek().text == "(" and self.peek().kind == "op":
            self.take()
            return Call(function, self.bracketed(), True)
        if self.peek().kind == "end":
            raise ExprError(f"{function} needs an argument, like {function}(2)")
        return Call(function, self.signed(), False)

    def bracketed(self) -> Node:
        """The inside of a bracket whose '(' was just taken, and its ')'. (Every cycle of the
        grammar passes through `signed`, which alone counts the depth.)"""
        inner = self.sum()
        if self.take().text != ")":
            raise ExprError("a '(' is never closed; add the missing ')'")
        return inner


def _superscript(text: str) -> Node:
    digits = text.translate(_SUPERSCRIPT)
    if digits.startswith(("-", "+")):
        return Sign(digits[0], Num(digits[1:]))
    return Num(digits)


def _starts_factor(token: Token) -> bool:
    """A token that may begin the right side of an implicit product (2π, 2 ln 2, 2(3), 2√2)."""
    return token.kind == "name" or (token.kind == "op" and token.text in ("(", "√"))


def _closed(node: Node) -> bool:
    """Whether `node` ends so that an implicit product after it reads one way only."""
    if isinstance(node, (Num, Const, Group, Percent)):
        return True
    if isinstance(node, Call):
        return node.bracketed
    if isinstance(node, Sign):
        return _closed(node.operand)
    if isinstance(node, Power):
        return node.closed
    return node.op in ("*", "") and _closed(node.right)


def parse(text: str) -> Node:
    """The tree of `text`; `ExprError` for anything outside the grammar or the limits."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"longer than {MAX_LENGTH} characters")
    normal = text.translate(_LOOKALIKES).strip()
    return _Parser(tokenize(normal)).parse()


def show(node: Node) -> str:
    """The tree written back canonically (typographic minus, √, π), for the learner to check."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Const):
        return node.name
    if isinstance(node, Group):
        return f"({show(node.inner)})"
    if isinstance(node, Sign):
        return ("−" if node.sign == "-" else "+") + show(node.operand)
    if isinstance(node, Percent):
        return f"{show(node.operand)}%"
    if isinstance(node, Call):
        return _show_call(node)
    if isinstance(node, Power):
        exponent = show(node.exponent)
        if node.closed and not isinstance(node.exponent, Group):  # it was a superscript: e²
            return show(node.base) + exponent.translate(_SUPERSCRIPT_BACK)
        return f"{show(node.base)}^{exponent}"
    return _show_binary(node)


def _show_call(node: Call) -> str:
    """``ln 2`` as typed so, ``ln(2)`` as typed so: the brackets decide what may follow."""
    arg = show(node.arg)
    if node.bracketed or not isinstance(node.arg, (Num, Const)):
        arg = f"({arg})"
    if node.name == "√":
        return f"√{arg}"
    return f"{node.name}{'' if arg.startswith('(') else ' '}{arg}"


def _show_binary(node: Binary) -> str:
    left, right = show(node.left), show(node.right)
    if node.op == "":  # 2π, 2 ln 2, e e (not "ee", one unknown name)
        spaced = (isinstance(node.right, Call) and node.right.name != "√") or (
            _is_letter(left[-1:]) and _is_letter(right[:1]))
        return f"{left}{' ' if spaced else ''}{right}"
    symbol = {"+": " + ", "-": " − ", "*": "×", "/": "/"}[node.op]
    return f"{left}{symbol}{right}"


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()
