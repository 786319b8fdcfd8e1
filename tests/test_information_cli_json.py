"""entropy, cross-entropy, kl, mutual-information, compression: `--json` and the text are two
views of one Worked, the numbers agree with scipy, and hostile values are one error line.

For each calculator the explanation is computed directly (maths, then `explain_*`) and
compared with what `llmtutor calc` prints: the JSON equals `worked_to_json` of it, the text
equals the renderer's drawing of it, and its headline numbers are in that text.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import special, stats

from tutor.calculators import information as explain
from tutor.explain.model import Verdict
from tutor.maths import information as maths

from calc_views import cli, same_worked


# --- one Worked behind both views, numbers against scipy ------------------------------------

@pytest.mark.parametrize("args, p, base", [
    ((), [0.5, 0.25, 0.125, 0.125], "e"),
    (("-p", "0.7,0,0.3", "--base", "bits"), [0.7, 0.0, 0.3], "2"),
    (("-p", "3,1", "--normalize", "--base", "10"), [0.75, 0.25], "10"),
])
def test_entropy(args: tuple[str, ...], p: list[float], base: str) -> None:
    r = maths.entropy(np.array(p), base)
    assert r.entropy == pytest.approx(stats.entropy(p, base={"e": None, "2": 2, "10": 10}[base]), abs=1e-15)
    data = same_worked(("entropy", *args), explain.explain_entropy(r, normalize="--normalize" in args))
    assert data["inputs"]["unit"] == r.base.unit


def test_entropy_states_the_zero_log_zero_convention_where_it_acts() -> None:
    assert "0 · log 0 = 0" in cli("entropy").stdout  # in the formulas, always
    assert "its surprise is ∞, but it never happens" in " ".join(cli("entropy", "-p", "1,0").stdout.split())
    assert "its surprise is ∞" not in cli("entropy").stdout


@pytest.mark.parametrize("args, p, q", [
    ((), [0.0, 1.0, 0.0], [0.2, 0.7, 0.1]),
    (("--p", "0.2,0.5,0.3", "--q", "0.3,0.3,0.4", "--base", "2"), [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]),
    (("--p", "0.5,0.5", "--q", "1,0"), [0.5, 0.5], [1.0, 0.0]),
])
def test_cross_entropy(args: tuple[str, ...], p: list[float], q: list[float]) -> None:
    base = "2" if "2" in args else "e"
    r = maths.cross_entropy(np.array(p), np.array(q), base)
    ln = math.log(2) if base == "2" else 1.0
    assert r.cross_entropy == pytest.approx(-special.xlogy(p, q).sum() / ln)
    assert r.kl == pytest.approx(special.rel_entr(p, q).sum() / ln)
    data = same_worked(("cross-entropy", *args), explain.explain_cross_entropy(r))
    if math.isinf(r.cross_entropy):
        assert data["special"]["result.cross_entropy"] == {"kind": "infinite", "sign": 1}
        assert any("predicting it costs −log 0 = ∞" in note for note in data["notes"])


@pytest.mark.parametrize("args, p, q", [
    ((), [0.5, 0.4, 0.1], [0.3, 0.3, 0.4]),
    (("--p", "0.5,0.5,0", "--q", "1,0,0", "--base", "2"), [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]),
])
def test_kl(args: tuple[str, ...], p: list[float], q: list[float]) -> None:
    base = "2" if "2" in args else "e"
    r = maths.kl_divergence(np.array(p), np.array(q), base)
    ln = math.log(2) if base == "2" else 1.0
    assert r.kl == pytest.approx(special.rel_entr(p, q).sum() / ln)
    assert r.kl_reverse == pytest.approx(special.rel_entr(q, p).sum() / ln)
    same_worked(("kl", *args), explain.explain_kl(r))


def test_kl_infinity_is_a_true_infinity_in_text_and_json() -> None:
    data = json.loads(cli("kl", "--p", "0.5,0.5", "--q", "1,0", "--json").stdout)
    assert data["result"]["kl"] is None and data["special"]["result.kl"] == {"kind": "infinite", "sign": 1}
    assert data["steps"]["infinite_at"] == [1] and data["steps"]["terms"] == [pytest.approx(-0.5 * math.log(2)), None]
    text = " ".join(cli("kl", "--p", "0.5,0.5", "--q", "1,0").stdout.split())
    assert "D_KL(p‖q) = ∞ nats" in text
    assert "q gives probability 0 to outcome 1, which p says can happen, so D_KL(p‖q) = ∞" in text
    assert "infinitely surprised" in text


def test_mutual_information() -> None:
    joint = np.array([[0.3, 0.1], [0.1, 0.5]])
    r = maths.mutual_information(joint)
    px, py = joint.sum(1), joint.sum(0)
    assert r.mutual_information == pytest.approx(stats.entropy(px) + stats.entropy(py) - stats.entropy(joint.ravel()))
    same_worked(("mutual-information",), explain.explain_mutual_information(r))
    copy = maths.mutual_information(np.array([[0.5, 0.0], [0.0, 0.5]]), "2")
    assert copy.mutual_information == pytest.approx(1.0)
    same_worked(("mutual-information", "--joint", "0.5,0; 0,0.5", "--base", "2"),
                explain.explain_mutual_information(copy))


@pytest.mark.parametrize("args, p", [
    ((), [0.4, 0.3, 0.2, 0.1]),
    (("-p", "0.6,0,0.4"), [0.6, 0.0, 0.4]),
    (("-p", "1"), [1.0]),
])
def test_compression(args: tuple[str, ...], p: list[float]) -> None:
    r = maths.huffman(np.array(p))
    data = same_worked(("compression", *args), explain.explain_compression(r))
    assert data["result"]["entropy"] == pytest.approx(stats.entropy(p, base=2), abs=1e-15)
    assert data["steps"]["bound_holds"] is True


def test_the_huffman_bound_is_a_verdict() -> None:
    verdicts = [i for i in explain.explain_compression(maths.huffman(np.array([0.4, 0.3, 0.2, 0.1]))).items()
                if isinstance(i, Verdict)]
    assert [(v.text, v.holds, v.key) for v in verdicts] == [
        ("H ≤ L < H + 1 (the source coding theorem)", True, "bound_holds")]
    assert "✓ H ≤ L < H + 1" in cli("compression").stdout


# --- issue 8: the sum message shows the digits that differ ----------------------------------

def test_a_sum_just_above_one_is_not_written_as_one() -> None:
    result = cli("entropy", "-p", "0.5,0.500001")
    assert result.exit_code == 2
    assert "sum to 1.000001, not 1 (pass --normalize to rescale)" in result.stderr


# --- hostile values: one line on stderr, exit 2 ---------------------------------------------

@pytest.mark.parametrize("args, option, words", [
    (("entropy", "-p", "0.5,nan"), "--probs", "NaN is not allowed"),
    (("entropy", "-p", "1,,2"), "--probs", "empty entry"),
    (("entropy", "-p", "1e308,1e308"), "--probs", "sum to more than 1.8e308"),
    (("cross-entropy", "--q", "0.5,,0.5"), "--q", "empty entry"),
    (("kl", "--p", "1.5,-0.5", "--q", "0.5,0.5"), "--p", "cannot be negative"),
    (("kl", "--p", "0.5,0.5", "--q", "-1,2", "--normalize"), "--q", "--normalize only rescales"),
    (("mutual-information", "--joint", "0.5,nan; 0.25,0.25"), "--joint", "NaN is not allowed"),
    (("mutual-information", "--joint", "1,-1; 0.5,0.5"), "--joint", "cannot be negative"),
    (("compression", "-p", "0.5,-0.5,1"), "--probs", "cannot be negative"),
    (("compression", "-p", "1e309"), "--probs", "'1e309' is too large for 64-bit floats"),
    (("compression", "-p", "[0.5, Infinity]"), "--probs", "infinity is not allowed"),
    (("entropy", "--base", "3"), "--base", "not one of"),
])
def test_hostile_values_give_one_line_and_exit_2(args: tuple[str, ...], option: str, words: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"llmtutor: {option}: ") and words in result.stderr, result.stderr
