"""softmax, sample, expectation, mle, bayes: `--json` and the text are two views of one Worked.

For each calculator the explanation is computed directly (maths, then `explain_*`) and
compared with what `llmtutor calc` prints: the JSON equals `worked_to_json` of it, the text
equals the renderer's drawing of it, and its headline numbers are in that text. Then hostile
values: one line on stderr, exit 2.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

from tutor.calculators import probability as explain
from tutor.maths import probability as maths

from calc_views import cli, same_worked


# --- one Worked behind both views ------------------------------------------------------------

@pytest.mark.parametrize("args, z, t", [
    ((), [2.0, 1.0, 0.1], 1.0),
    (("--logits", "1000,999,-3", "-t", "0.5"), [1000.0, 999.0, -3.0], 0.5),
    (("-z", "1e308,-1e308"), [1e308, -1e308], 1.0),
])
def test_softmax(args: tuple[str, ...], z: list[float], t: float) -> None:
    r = maths.softmax(np.array(z), t)
    with np.errstate(over="ignore"):  # scipy's own shift overflows on ±1e308 (harmlessly)
        assert np.allclose(r.probs, special.softmax(np.array(z) / t), atol=1e-15)
    same_worked(("softmax", *args), explain.explain_softmax(r))


@pytest.mark.parametrize("args, kwargs", [
    ((), {}),
    (("--top-k", "3", "--top-p", "0.8", "-n", "40", "--seed", "5", "-t", "0.7"),
     {"top_k": 3, "top_p": 0.8, "n": 40, "seed": 5, "temperature": 0.7}),
])
def test_sample(args: tuple[str, ...], kwargs: dict[str, Any]) -> None:
    z = np.array([2.0, 1.0, 0.5, 0.1, -1.0])
    r = maths.sample(z, **kwargs)
    assert np.allclose(r.softmax.probs, special.softmax(z / kwargs.get("temperature", 1.0)))
    same_worked(("sample", *args), explain.explain_sample(r))


@pytest.mark.parametrize("args, x, p", [
    ((), [1, 2, 3, 4, 5, 6], None),
    (("--values", "0,10", "--probs", "1,3", "--normalize"), [0.0, 10.0], [0.25, 0.75]),
])
def test_expectation(args: tuple[str, ...], x: list[float], p: list[float] | None) -> None:
    r = maths.expectation(np.array(x, dtype=float), None if p is None else np.array(p))
    reference = stats.rv_discrete(values=(np.arange(len(x)), p or [1 / len(x)] * len(x)))
    assert r.mean == pytest.approx(float(np.dot(reference.pk, x)))
    same_worked(("expectation", *args), explain.explain_expectation(r, uniform=p is None, normalize=p is not None))


def test_mle_in_all_three_families() -> None:
    bits = np.array([1.0, 0, 1, 1, 0, 1, 1, 1])
    same_worked(("mle",), explain.explain_mle(maths.mle_bernoulli(bits), bits))
    tokens = "the cat sat on the mat the end".split()
    same_worked(("mle", "--dist", "categorical"), explain.explain_mle(maths.mle_categorical(tokens), tokens))
    x = np.array([2.1, 1.9, 2.4, 2.0, 1.6])
    fit = maths.mle_gaussian(x)
    assert fit.log_likelihood == pytest.approx(stats.norm(x.mean(), x.std()).logpdf(x).sum())
    same_worked(("mle", "--dist", "normal"), explain.explain_mle(fit, x))


def test_bayes_with_the_example_and_with_several_observations() -> None:
    r = maths.bayes(np.array([0.01, 0.99]), np.array([0.95, 0.05]))
    same_worked(("bayes",), explain.explain_bayes(r, ["disease", "healthy"]))
    prior, rows = np.array([0.2, 0.5, 0.3]), np.array([[0.9, 0.2, 0.5], [0.3, 0.6, 0.5]])
    r = maths.bayes(prior, rows)
    same_worked(("bayes", "--prior", "0.2,0.5,0.3", "--likelihood", "0.9,0.2,0.5; 0.3,0.6,0.5", "--labels", "a,b,c"),
                explain.explain_bayes(r, ["a", "b", "c"]))


def test_the_base_rate_note_appears_only_when_the_evidence_is_overruled_by_the_prior() -> None:
    assert "false positives" in cli("bayes").stdout
    assert "false positives" not in cli("bayes", "--prior", "0.5,0.5").stdout


# --- behaviour a learner notices ------------------------------------------------------------

def test_help_shows_real_metavars_not_number_placeholders() -> None:
    for command, options in (("mle", ("--data VALUES", "--dist")), ("bayes", ("--labels LABELS",))):
        text = " ".join(cli(command, "--help").stdout.split())
        assert all(option in text for option in options), text
    for command, option in (("mle", "--data"), ("mle", "--dist"), ("bayes", "--labels")):
        text = " ".join(cli(command, "--help").stdout.split())
        assert f"{option} NUMBER" not in text


def test_sample_lists_at_most_fifty_samples_in_the_text_but_all_in_json() -> None:
    text = cli("sample", "-n", "500").stdout
    assert "(500 in all)" in text
    assert len(json.loads(cli("sample", "-n", "500", "--json").stdout)["result"]["samples"]) == 500


# --- hostile values: one line on stderr, exit 2 ---------------------------------------------

@pytest.mark.parametrize("args, option, words", [
    (("softmax", "--logits", "1e308,-1e308", "-t", "0.1"), "--logits", "passes 1.8e308"),
    (("softmax", "--logits", "1e309"), "--logits", "'1e309' is too large for 64-bit floats (largest about 1.8e308)"),
    (("softmax", "--logits", "1,-inf"), "--logits", "infinity is not allowed"),
    (("softmax", "--logits", "@/dev/zero"), "--logits", "'/dev/zero' is longer than 64 MiB"),
    (("sample", "--logits", "1e308,5", "-t", "0.01"), "--logits", "passes 1.8e308"),
    (("softmax", "--logits", "1,nan,2"), "--logits", "NaN is not allowed"),
    (("sample", "--logits", "1,,2"), "--logits", "empty entry"),
    (("expectation", "--values", "1,2", "--probs", "0.5,,0.5"), "--probs", "empty entry"),
    (("expectation", "--values", "1,2", "--probs", "1.5,-0.5"), "--probs", "cannot be negative"),
    (("bayes", "--prior", "1.2,-0.2"), "--prior", "cannot be negative"),
    (("bayes", "--likelihood", "0.5,-0.1"), "--likelihood", "cannot be negative"),
    (("mle", "--dist", "gaussian", "--data", "1e200,-1e200"), None, "too large"),
    (("expectation", "--values", "1e200,-1e200"), None, "too large"),
    (("mle", "--data", "1,NaN"), "--data", "NaN is not allowed"),
    (("sample", "-n", "0"), "-n", "at least 1"),
])
def test_hostile_values_give_one_line_and_exit_2(args: tuple[str, ...], option: str | None, words: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    prefix = f"llmtutor: {option}: " if option else "llmtutor: "
    assert result.stderr.startswith(prefix) and words in result.stderr, result.stderr
