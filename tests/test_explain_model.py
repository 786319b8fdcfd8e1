"""The one explanation model and its JSON view: one type per field, every null explained."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tutor.explain.format import compact, format_column, format_number
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Fact, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.numerics import Beyond, NumericOverflow, Undefined, safe_norm, strict
from tutor import parse


def sample() -> Worked:
    return Worked(
        "demo", (
            Step("numbers", (
                Matrix("A", np.array([[1.0, -np.inf], [2.0, 3.0]]), key="a"),
                Scalar("cos θ", Undefined("b is the zero vector"), key="cosine"),
                Scalar("PPL", Beyond(434.5), key="ppl", result=True),
                Scalar("KL", math.inf, key="kl", result=True),
                Fact("kept", "a, b", key="kept", data=["a", "b"]),
                Note("careful", tone="warning"),
                Series("curve", np.arange(3.0), (("y", np.array([1.0, 2.0, 4.0])),), key="curve"),
                Verdict("Σηₜ diverges", True, key="diverges"),
            )),
        ),
        kind="demo", inputs={"x": np.array([1.0, 2.0])},
    )


def test_json_has_one_type_per_field_and_explains_every_null() -> None:
    data = json.loads(json.dumps(worked_to_json(sample()), allow_nan=False))
    assert set(data) == {"calculator", "inputs", "steps", "result", "notes", "claims", "special"}
    assert data["steps"]["a"] == [[1.0, None], [2.0, 3.0]]
    assert data["special"]["steps.a"]["negative"] == 1
    assert data["steps"]["cosine"] is None and data["special"]["steps.cosine"]["kind"] == "undefined"
    assert data["result"]["ppl"] is None and data["special"]["result.ppl"] == {
        "kind": "beyond", "log10": 434.5, "negative": False}
    assert data["result"]["kl"] is None and data["special"]["result.kl"] == {"kind": "infinite", "sign": 1}
    assert data["steps"]["kept"] == ["a", "b"] and data["steps"]["diverges"] is True
    assert data["steps"]["curve"] == {"x": [0.0, 1.0, 2.0], "curves": {"y": [1.0, 2.0, 4.0]}}
    assert data["notes"] == ["careful"] and data["inputs"] == {"x": [1.0, 2.0]}


def test_a_key_used_twice_is_refused() -> None:
    worked = Worked("twice", (Step("s", (Scalar("a", 1.0, key="k"), Scalar("b", 2.0, key="k"))),))
    with pytest.raises(ValueError, match="twice"):
        worked.keyed()


def test_claims_are_checked_against_figures_and_reported_in_json() -> None:
    worked = Worked("w", (), figures={"sum": 5.2561}).with_claims({"sum": 5.255})
    (check,) = worked.claims
    assert not check.holds
    assert worked_to_json(worked)["claims"] == [{"name": "sum", "claimed": 5.255, "holds": False, "computed": 5.2561}]


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (0.5, 4, "0.5000"), (-0.5, 4, "−0.5000"), (65536, 0, "65,536"), (16777216.0, 4, "16,777,216"),
    (1234.5, 1, "1,234.5"), (999.5, 1, "999.5"), (1e-9, 4, "1.000e-09"), (-2.5e12, 4, "−2,500,000,000,000"), (-2.25e13 - 0.5, 4, "−2.250e+13"),
    (math.inf, 4, "∞"), (-math.inf, 4, "−∞"), (-0.0, 2, "0.00"), (-1e-7, 2, "−1.00e-07"),
])
def test_one_number_style(value: float, decimals: int, text: str) -> None:
    assert format_number(value, decimals) == text


def test_undefined_and_beyond_are_never_shown_as_numbers() -> None:
    assert format_number(Undefined("0/0")) == "undefined"
    assert format_number(Beyond(434.52)) == "10^434.5"


def test_a_column_shares_one_notation() -> None:
    texts = format_column([1.0, 2e-9, -3.0], 4)
    assert all("e" in t or t == "0" for t in texts), texts
    assert format_column([1.0, 2.5], 2) == ["1.00", "2.50"]


def test_printed_numbers_parse_back() -> None:
    for value in (-0.5, 1234.5, -16777216.0, 2.5e-9, -3.25e12):
        for decimals in (2, 4):
            text = format_number(value, decimals)
            assert parse.parse_number(text, "x") == pytest.approx(float(text.replace("−", "-").replace(",", "")))
    assert compact(-1.5) == "−1.5" and parse.parse_number(compact(-1.5), "x") == -1.5


def test_strict_turns_overflow_into_one_plain_sentence() -> None:
    @strict
    def square(x: float) -> float:
        return float(np.float64(x) * np.float64(x))

    with pytest.raises(NumericOverflow, match="too large for 64-bit floats"):
        square(1e200)
    assert square(3.0) == 9.0


def test_safe_norm_does_not_overflow_and_knows_when_it_must() -> None:
    assert safe_norm(np.array([1e308, 1e308, 1.0, 1.0])) == pytest.approx(math.sqrt(2) * 1e308)
    huge = safe_norm(np.array([1.5e308, 1.5e308]))
    assert isinstance(huge, Beyond) and huge.log10 == pytest.approx(math.log10(1.5 * math.sqrt(2)) + 308)
    assert safe_norm(np.zeros(3)) == 0.0


def test_a_real_entry_is_never_shown_as_zero_beside_a_huge_one() -> None:
    from rich.console import Console

    from tutor.render.worked import worked_renderable

    worked = Worked("w", (Step("s", (Matrix("Q", np.array([[1e308, 0.5]])),)),))
    console = Console(width=80, color_system=None)
    with console.capture() as capture:
        console.print(worked_renderable(worked))
    assert "5.000e-01" in capture.get() and "1.000e+308" in capture.get()
