"""Scalar playground inputs that invite play: + and − nudge the value, and the result follows.

The step is one unit in the last digit that counts, so the learner sets the precision by what
they type: `0.8` moves by 0.1 (0.9, 1.0, 1.1), `0.80` by 0.01, `600` by 100 (a whole number's
trailing zeros do not count: 16 → 17, 600 → 700, 1000 → 2000), `1e-5` by 1e-5. Stepping towards
zero from a single unit goes down a decade instead of reaching zero (0.1 → 0.09, 100 → 90,
1e-5 → 9e-6), so a rate or a temperature never becomes 0 or negative by nudging; from zero
itself the step is one unit (0 → 1, 0.0 → 0.1). Integers never step by less than 1 (1 → 0).

In a box, + and − nudge when the cursor is after a complete value (or the whole value is
selected, as after Tab); anywhere else they are typed, so `1e-5` and `-3` can still be written.
shift+↑ / shift+↓ always nudge.

+ and − are handled in the box's own key handler, in the order the keys reach it. As priority
bindings they were run the moment the app saw them, while the characters typed just before
still waited in the box's queue: a paste without bracketed paste, or fast typing over a slow
link, turned `1e-8` into `-1e8`. Their bindings stay (not priority), so F1 and the footer list
them; the handler acts first and stops the key.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from textual import events
from textual.binding import Binding
from textual.message import Message

from tutor.tui.widgets.released import ReleasedInput


_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
#: Longer texts are not nudged (a 60-digit number is not something to step through).
_LONGEST = 40


def _decimal(text: str) -> Decimal | None:
    cleaned = text.strip().translate(_MINUSES)
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not cleaned or len(cleaned) > _LONGEST or "_" in cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _unit_exponent(value: Decimal, text: str) -> int:
    """The power of ten of one unit in the last digit that counts."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if "." in text or "e" in text.lower() or value == 0:
        return exponent
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return exponent + trailing


def _written(value: Decimal, unit: int, scientific: bool) -> str:
    """`value` written to the unit's digit, in the notation the learner used."""
    if value == 0:
        return "0" if unit >= 0 else f"{0:.{-unit}f}"
    if scientific:
        power = value.adjusted()
        mantissa = value.scaleb(-power)
        return f"{mantissa:.{max(power - unit, 0)}f}e{power}"
    return f"{value:.{max(-unit, 0)}f}"


def nudged(text: str, kind: str, direction: int) -> str | None:
    """`text` one step up (`direction` 1) or down (−1), as the module docstring says; None when
    `text` is not a value of `kind` ("number" or "integer")."""
    value = _decimal(text)
    if value is None or (kind == "integer" and value != value.to_integral_value()):
        return None
    unit = _unit_exponent(value, text)
    if kind == "integer":
        unit = max(unit, 0)
    towards_zero = value != 0 and (value > 0) != (direction > 0)
    if towards_zero and abs(value) == Decimal(1).scaleb(unit) and (kind == "number" or unit > 0):
        unit -= 1
    new = value + direction * Decimal(1).scaleb(unit)
    return _written(new, unit, "e" in text.lower())


NUDGE = Binding.Group("nudge", compact=True)


class ScalarInput(ReleasedInput):
    """A number or integer box whose value +/− (or shift+↑/↓) nudge; posts `Nudged`."""

    BINDING_GROUP_TITLE = "In a number box"
    BINDINGS = [
        Binding("plus", "nudge_key(1)", "Nudge up", group=NUDGE,
                tooltip="one step up in the last digit (typed instead if the cursor is inside the number)"),
        Binding("minus", "nudge_key(-1)", "Nudge down", group=NUDGE,
                tooltip="one step down (typed instead if the cursor is inside the number)"),
        Binding("shift+up", "nudge(1)", "Nudge up", show=False, tooltip="one step up, wherever the cursor is"),
        Binding("shift+down", "nudge(-1)", "Nudge down", show=False, tooltip="one step down, wherever the cursor is"),
    ]

    class Nudged(Message):
        """The learner nudged the value of `input` (its new text is `input.value`)."""

        def __init__(self, input: ScalarInput) -> None:
            self.input = input
            super().__init__()

        @property
        def control(self) -> ScalarInput:
            return self.input

    def __init__(self, kind: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.kind = kind
        self.nudged_to: str | None = None  # the text the last nudge wrote (a change to it is not typing)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in ("+", "-"):  # see the module's docstring
            event.stop()
            event.prevent_default()
            self.action_nudge_key(1 if event.character == "+" else -1)
            return
        await super()._on_key(event)

    def _after_the_value(self) -> bool:
        """The cursor is after the whole text, or the whole text is selected."""
        start, end = sorted(self.selection)
        size = len(self.value)
        return (start, end) in ((size, size), (0, size))

    def nudge(self, direction: int) -> bool:
        """Step the value; False (and nothing changes) when the box holds no value to step."""
        new = nudged(self.value, self.kind, direction)
        if new is None:
            return False
        self.nudged_to = new
        self.value = new
        self.cursor_position = len(new)
        self.post_message(self.Nudged(self))
        return True

    def action_nudge_key(self, direction: int) -> None:
        """+ or −: a nudge after a complete value, otherwise the character itself."""
        if self._after_the_value() and self.nudge(direction):
            return
        character = "+" if direction > 0 else "-"
        start, end = sorted(self.selection)
        if start == end:
            self.insert_text_at_cursor(character)
        else:
            self.replace(character, start, end)

    def action_nudge(self, direction: int) -> None:
        if not self.nudge(direction):
            self.app.bell()

