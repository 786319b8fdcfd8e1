"""The calculus calculators as explanations (tutor/calculators/calculus.py) and through the CLI:
`--json` and the text are two views of one `Worked`; gradients against central differences and
scipy; 256,000 logits (a real vocabulary) in O(n) memory; hostile values are one error line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from tutor.calculators.calculus import explain_ce_grad, explain_layernorm_grad, explain_softmax_jacobian
from tutor.errors import BadInput
from tutor.explain.format import format_number
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Note, Verdict, Worked
from tutor.maths.calculus import cross_entropy_grad, layernorm_grad, softmax_jacobian

from calc_views import cli, cli_json, json_of, peak_bytes

VOCAB = 256_000
FLOAT = 8


def flat_text(text: str) -> str:
    return " ".join(text.split())


# --- one Worked, two views -----------------------------------------------------------------

def test_softmax_jacobian_json_and_text_come_from_one_worked() -> None:
    worked = explain_softmax_jacobian(softmax_jacobian(np.array([2.0, 1.0, 0.1])))
    assert cli_json("softmax-jacobian", "--logits", "2.0,1.0,0.1") == json_of(worked)
    text = flat_text(cli("softmax-jacobian", "--logits", "2.0,1.0,0.1").stdout)
    for key in ("trace", "largest_off_diagonal"):
        assert format_number(worked.value(key)) in text, key
    for entry in np.ravel(worked.value("jacobian")):
        assert format_number(float(entry)).replace("0.0000", "0") in text.replace("0.0000", "0")


def test_ce_grad_json_and_text_come_from_one_worked() -> None:
    worked = explain_ce_grad(cross_entropy_grad(np.array([2.0, 1.0, 0.1]), 1))
    data = cli_json("ce-grad", "--logits", "2.0,1.0,0.1", "--target", "1")
    assert data == json_of(worked)
    assert data["result"]["loss"] == pytest.approx(-special.log_softmax([2.0, 1.0, 0.1])[1])
    text = flat_text(cli("ce-grad", "--logits", "2.0,1.0,0.1", "--target", "1").stdout)
    assert f"L = {format_number(worked.value('loss'))} nats" in text
    for entry in worked.value("grad"):
        assert format_number(float(entry)) in text


def test_layernorm_grad_json_and_text_come_from_one_worked() -> None:
    args = ("--x", "1,2,4; 3,0,1", "--dy", "0.1,-0.2,0.3; 1,0,0", "--gamma", "1,0.5,2")
    r = layernorm_grad(np.array([[1.0, 2, 4], [3, 0, 1]]), np.array([[0.1, -0.2, 0.3], [1, 0, 0]]),
                       np.array([1.0, 0.5, 2.0]))
    worked = explain_layernorm_grad(r)
    assert cli_json("layernorm-grad", *args) == json_of(worked)
    text = flat_text(cli("layernorm-grad", *args).stdout)
    for entry in np.ravel(worked.value("dx")):
        assert format_number(float(entry)) in text
    assert cli_json("layernorm-grad")["inputs"]["example"] is True


# --- gradients against central differences and scipy -------------------------------------

@pytest.mark.parametrize("n", [2, 5, 12, 13, 300])
def test_softmax_jacobian_check_passes_and_says_what_it_nudged(n: int) -> None:
    z = np.random.default_rng(n).normal(size=n) * 2
    worked = explain_softmax_jacobian(softmax_jacobian(z))
    assert worked.value("finite_difference_agrees") is True and worked.value("max_finite_difference_gap") < 1e-8
    nudged = worked.value("finite_difference_indices")
    assert nudged == list(range(n)) if n <= 12 else (len(nudged) < n and int(np.argmax(z)) in nudged)
    if n <= 12:  # the whole numeric Jacobian, against scipy's softmax nudged independently here
        h, numeric = 1e-6, np.empty((n, n))
        for j in range(n):
            step = np.zeros(n)
            step[j] = h
            numeric[:, j] = (special.softmax(z + step) - special.softmax(z - step)) / (2 * h)
        assert np.allclose(worked.value("jacobian"), numeric, atol=1e-8)
        assert np.allclose(worked.value("finite_difference"), numeric, atol=1e-8)
    else:
        assert "jacobian" not in worked.keyed() and worked.value("corner").shape == (5, 5)


def test_ce_grad_matches_scipy_and_central_differences() -> None:
    z = np.random.default_rng(1).normal(size=40)
    worked = explain_ce_grad(cross_entropy_grad(z, 7))
    expected = special.softmax(z) - np.eye(40)[7]
    assert np.allclose(worked.value("grad"), expected, atol=1e-15)
    assert worked.value("logsumexp") == pytest.approx(special.logsumexp(z), abs=1e-12)
    assert np.allclose(worked.value("finite_difference"), expected, atol=1e-7)
    assert worked.value("finite_difference_agrees") is True and np.allclose(worked.value("chain_rule"), expected)


def test_ce_grad_keeps_the_underflow_warning_as_a_note() -> None:
    worked = explain_ce_grad(cross_entropy_grad(np.array([1000.0, -1000.0]), 1))
    warnings = [i.text for i in worked.items() if isinstance(i, Note) and i.tone == "warning"]
    assert len(warnings) == 1 and "The long way breaks here" in warnings[0]
    data = json_of(worked)
    assert data["steps"]["chain_rule"] is None and data["special"]["steps.chain_rule"]["kind"] == "undefined"
    assert not any(isinstance(i, Note) and i.tone == "warning"
                   for i in explain_ce_grad(cross_entropy_grad(np.zeros(3), 0)).items())


def test_layernorm_check_and_the_syllabus_formula() -> None:
    x = np.random.default_rng(2).normal(size=(4, 30))  # 120 entries: a sample is nudged
    dy = np.random.default_rng(3).normal(size=(4, 30))
    worked = explain_layernorm_grad(layernorm_grad(x, dy, np.linspace(0.5, 2, 30)))
    assert worked.value("finite_difference_agrees") is True and len(worked.value("finite_difference_indices")) < 120
    assert worked.value("syllabus_gap") > 1e-3  # per-feature γ: the syllabus's formula is off
    constant = json_of(explain_layernorm_grad(layernorm_grad(np.ones(3), np.array([1.0, 0, 0]))))
    assert constant["steps"]["syllabus_dx"] is None and "0/0" in constant["special"]["steps.syllabus_dx"]["reason"]


def test_verdicts_are_verdicts() -> None:
    worked = explain_softmax_jacobian(softmax_jacobian(np.arange(20.0)))
    verdicts = {i.key: i.holds for i in worked.items() if isinstance(i, Verdict)}
    assert verdicts == {"symmetric": True, "rows_sum_to_zero": True, "finite_difference_agrees": True}


# --- size is a dimension: 256,000 logits -----------------------------------------------------

def vocabulary() -> np.ndarray:
    return np.random.default_rng(0).normal(size=VOCAB) * 3


def test_ce_grad_of_a_vocabulary_in_linear_memory() -> None:
    z = vocabulary()
    holder: list[Worked] = []
    peak = peak_bytes(lambda: holder.append(explain_ce_grad(cross_entropy_grad(z, 123))))
    assert peak < 12 * VOCAB * FLOAT, f"{peak / 1e6:.1f} MB: more than 12 vectors of {VOCAB:,} floats"
    worked = holder[0]
    assert np.allclose(worked.value("grad"), special.softmax(z) - np.eye(1, VOCAB, 123)[0], atol=1e-15)
    assert worked.value("loss") == pytest.approx(-special.log_softmax(z)[123], rel=1e-12)
    assert worked.value("finite_difference_agrees") is True
    assert 123 in worked.value("finite_difference_indices") and len(worked.value("finite_difference_indices")) <= 10


def test_softmax_jacobian_of_a_vocabulary_is_its_structure_in_linear_memory() -> None:
    z = vocabulary()
    holder: list[Worked] = []
    peak = peak_bytes(lambda: holder.append(explain_softmax_jacobian(softmax_jacobian(z))))
    assert peak < 12 * VOCAB * FLOAT, f"{peak / 1e6:.1f} MB: more than 12 vectors of {VOCAB:,} floats"
    worked, s = holder[0], special.softmax(z)
    assert worked.value("trace") == pytest.approx(1 - np.sum(s**2), rel=1e-12)
    top2 = np.sort(s)[-2:]
    assert worked.value("largest_off_diagonal") == pytest.approx(top2[0] * top2[1], rel=1e-12)
    assert worked.value("diagonal_max") == pytest.approx(np.max(s * (1 - s)), rel=1e-12)
    assert worked.value("corner") == pytest.approx(np.diag(s[:5]) - np.outer(s[:5], s[:5]), abs=1e-18)
    assert worked.value("finite_difference_agrees") is True and worked.value("rows_sum_to_zero") is True
    with pytest.raises(BadInput, match="at most 2,000 logits") as raised:
        explain_softmax_jacobian(softmax_jacobian(z), full=True)
    assert raised.value.field == "full"


def write_vocabulary(tmp_path: Path) -> tuple[Path, np.ndarray]:
    z = np.round(vocabulary(), 6)
    path = tmp_path / "logits.txt"
    path.write_text("\n".join(f"{v:.6f}" for v in z), encoding="utf-8")
    return path, z


@pytest.mark.slow
def test_the_cli_ce_grad_on_a_vocabulary(tmp_path: Path) -> None:
    path, z = write_vocabulary(tmp_path)
    data = cli_json("ce-grad", "--logits", f"@{path}", "--target", "255999")
    assert np.allclose(data["result"]["grad"], special.softmax(z) - np.eye(1, VOCAB, 255_999)[0], atol=1e-15)
    assert data["steps"]["finite_difference_agrees"] is True and data["special"] == {}


@pytest.mark.slow
def test_the_cli_softmax_jacobian_on_a_vocabulary(tmp_path: Path) -> None:
    path, z = write_vocabulary(tmp_path)
    result = cli("softmax-jacobian", "--logits", f"@{path}")
    assert result.exit_code == 0, result.stderr
    text = flat_text(result.stdout)
    s = special.softmax(z)
    assert "256,000 × 256,000 = 65,536,000,000 entries" in text and "corner of J (5×5)" in text
    assert f"trace Σ σᵢ(1 − σᵢ) = {format_number(float(np.sum(s * (1 - s))))}" in text
    assert len(result.stdout.splitlines()) < 200, "long vectors are summarised, the matrix never drawn"


def test_full_writes_the_whole_matrix_up_to_its_limit() -> None:
    data = cli_json("softmax-jacobian", "--logits", ",".join(["0"] * 20), "--full")
    assert np.allclose(data["result"]["jacobian"], np.eye(20) / 20 - 1 / 400)
    assert "jacobian" not in cli_json("softmax-jacobian", "--logits", ",".join(["0"] * 20))["result"]
    result = cli("softmax-jacobian", "--logits", ",".join(["0"] * 2001), "--full")
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith("llmtutor: --full: the whole Jacobian is written out for at most 2,000 logits")


# --- hostile values ------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("ce-grad", "--logits", "nan,1"), ("ce-grad", "--logits", ""), ("ce-grad", "--logits", "1e309,1"),
    ("ce-grad", "--target", "1e308"), ("softmax-jacobian", "--logits", "1,NaN"), ("softmax-jacobian", "--logits", " "),
    ("softmax-jacobian", "--logits", "[1e400]"), ("layernorm-grad", "--x", "1e308,-1e308", "--dy", "1,1"),
    ("layernorm-grad", "--x", "nan,1", "--dy", "1,1"), ("layernorm-grad", "--x", "", "--dy", "1,1"),
    ("layernorm-grad", "--x", "1,2", "--dy", "1,1", "--eps", "1e999"),
])
def test_hostile_values_give_one_error_line(args: tuple[str, ...]) -> None:
    result = cli(*args, "--json")
    assert result.exit_code == 2 and result.stdout == "", result.stdout
    assert result.stderr.startswith("llmtutor: ") and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["ce-grad", "softmax-jacobian"])
def test_logits_of_1e308_are_answered_without_nan_or_infinity(name: str) -> None:
    """The max shift makes softmax exact at ±1e308; a loss past the float range is 'beyond'."""
    data = cli_json(name, "--logits", "1e308,-1e308", *(("--target", "1") if name == "ce-grad" else ()))
    assert data["steps"]["probs"] == [1.0, 0.0]
    assert all(kind["kind"] in ("beyond", "undefined") for kind in data["special"].values())
    if name == "ce-grad":
        assert data["special"]["result.loss"]["log10"] == pytest.approx(308.30103)
    text = cli(name, "--logits", "1e308,-1e308").stdout
    assert "nan" not in text.lower() and "inf" not in text.lower()


@pytest.mark.parametrize("name", ["softmax-jacobian", "ce-grad", "layernorm-grad"])
def test_help_shows_no_bool_placeholder(name: str) -> None:
    assert "<bool>" not in cli(name, "--help").stdout


finite_logits = st.lists(st.one_of(st.floats(-1e308, 1e308), st.floats(-50, 50), st.sampled_from([0.0, 1e308, -1e308])),
                         min_size=1, max_size=20).map(np.array)


@settings(max_examples=60, deadline=None)
@given(finite_logits, st.data())
def test_any_finite_logits_give_an_answer_with_every_null_explained(z: np.ndarray, data: st.DataObject) -> None:
    target = data.draw(st.integers(0, z.size - 1))
    for worked in (explain_softmax_jacobian(softmax_jacobian(z)), explain_ce_grad(cross_entropy_grad(z, target))):
        text = json.dumps(worked_to_json(worked), allow_nan=False)  # raises on a NaN or an infinity
        nulls = json.loads(text)["special"]
        assert all(entry["kind"] in ("beyond", "undefined") for entry in nulls.values()), nulls


@pytest.mark.parametrize(("logits", "target", "saturated"), [
    ([1.0, 2.0, 3.0], 1, False), ([1e308, -1e308], 1, True), ([1e308, -1e308], 0, True), ([800.0, 0.0], 0, True)])
def test_the_bounds_note_of_ce_grad_is_true_of_the_numbers_it_stands_beside(
        logits: list[float], target: int, saturated: bool) -> None:
    """'Every entry lies in (−1, 1)' stood beside 1.0000 and −1.0000 when softmax saturated."""
    from tutor.explain.model import Note
    from tutor.maths import calculus as maths

    result = maths.cross_entropy_grad(logits, target)
    notes = [item.text for item in explain_ce_grad(result).items() if isinstance(item, Note)]
    plain_claim = any(note.startswith("Every entry lies in (−1, 1)") for note in notes)
    grad = np.asarray(result.grad)
    assert plain_claim == (bool(np.all(np.abs(grad) < 1)) and grad[target] < 0)
    assert plain_claim != saturated
