"""Lesson 19 (perplexity): every figure of its examples against an independent computation (plain
loops over the probabilities, math.prod, scipy's entropy, the shipped JSON walked by hand), the
quoted published figures pinned to the papers' tables, and the playground under hostile input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import entropy

from tutor.errors import BadInput
from tutor.examples.perplexity_lesson import (
    PROBS, SAMPLE, effective_choices, perplexity_extremes, perplexity_worked, real_model_perplexity,
    tokenizer_comparison,
)
from tutor.examples.perplexity_published import perplexity_playground, published_perplexities
from tutor.resources import content_dir


def ppl_loop(logprobs: list[float]) -> float:
    total = 0.0
    for value in logprobs:
        total -= value
    return math.exp(total / len(logprobs))


def test_worked_sentence_by_hand() -> None:
    fig = perplexity_worked().figures
    logs = [math.log(p) for p in PROBS]
    assert fig["perplexity"] == pytest.approx(ppl_loop(logs), rel=1e-12)
    assert fig["geometric"] == pytest.approx(math.prod(1 / p for p in PROBS) ** (1 / len(PROBS)), rel=1e-12)
    assert fig["arithmetic"] == pytest.approx(sum(1 / p for p in PROBS) / len(PROBS), rel=1e-12)
    assert fig["arithmetic"] > fig["perplexity"]  # AM ≥ GM
    assert fig["bits_per_token"] == pytest.approx(math.log2(ppl_loop(logs)), rel=1e-12)
    np.testing.assert_allclose(fig["bases"][:, 2], ppl_loop(logs), rtol=1e-12)
    for b, h, _ in fig["bases"]:
        assert h == pytest.approx(-sum(math.log(p, b) for p in PROBS) / len(PROBS), rel=1e-12)


def test_uniform_gives_k_and_own_text_gives_e_to_the_entropy() -> None:
    fig = effective_choices().figures
    np.testing.assert_allclose(fig["uniform"], [2, 6, 10_000, 50_000, 50_257], rtol=1e-12)
    assert fig["random_50k"] == pytest.approx(50_000, rel=1e-12)
    q = np.array([0.5, 0.25, 0.125, 0.125])
    assert fig["own"] == pytest.approx(2**1.75, rel=1e-12)
    assert fig["own"] == pytest.approx(math.exp(entropy(q)), rel=1e-12)
    assert fig["measured"] == pytest.approx(fig["own"], rel=0.02)  # 20,000 tokens: a law-of-large-numbers check


def test_extremes() -> None:
    fig = perplexity_extremes().figures
    wrong_own = math.exp(entropy([0.7, 0.1, 0.1, 0.1]))
    np.testing.assert_allclose(fig["table"], [[1, 1], [4, 4], [10, wrong_own]], rtol=1e-12)
    assert fig["table"][2, 0] > 4 > fig["table"][2, 1]  # worse than uniform, yet less uncertain
    assert fig["ruled_out"] == math.inf


def test_tokenizers_change_perplexity_not_bits_per_byte() -> None:
    fig = tokenizer_comparison().figures
    n_bytes = len("unbelievably good".encode())
    np.testing.assert_allclose(fig["same"][:, 0], [2 ** (12 / 2), 2 ** (12 / 4), 2 ** (12 / 17)], rtol=1e-12)
    np.testing.assert_allclose(fig["same"][:, 1], 12 / n_bytes, rtol=1e-12)
    a, b = fig["reversal"]
    assert b[0] < a[0] and b[1] > a[1] and b[2] > a[2]  # lower per-token PPL, yet the worse model
    np.testing.assert_allclose(fig["reversal"][:, 2], [2 ** (12 / 2), 2 ** (14 / 2)], rtol=1e-12)
    # the conversion of the derivation, PPL_A = PPL_B^(N_B / N_A), for one total
    assert fig["same"][0, 0] == pytest.approx(fig["same"][2, 0] ** (17 / 2), rel=1e-12)


def test_the_shipped_sample_walked_by_hand() -> None:
    path = content_dir().joinpath(*SAMPLE)
    doc = json.loads(path.read_text(encoding="utf-8"))
    items = doc["choices"][0]["logprobs"]["content"]
    logs = [item["logprob"] for item in items]
    raw = bytes(b for item in items for b in item["bytes"])
    assert raw.decode("utf-8") == doc["choices"][0]["message"]["content"]
    fig = real_model_perplexity().figures
    assert fig["perplexity"] == pytest.approx(ppl_loop(logs), rel=1e-12)
    assert fig["nll_sum"] == pytest.approx(-sum(logs), rel=1e-12)
    assert fig["n_bytes"] == len(raw) == 59
    assert fig["bits_per_byte"] == pytest.approx(-sum(logs) / len(raw) / math.log(2), rel=1e-12)
    assert fig["words"] == len(raw.decode("utf-8").split())
    np.testing.assert_allclose(fig["units"], [math.exp(-sum(logs) / n) for n in (len(logs), fig["words"], len(raw))],
                               rtol=1e-12)


def test_published_figures_are_the_papers_and_bits_are_computed() -> None:
    fig = published_perplexities().figures
    # Mikolov & Zweig 2012; Zaremba et al. 2014; Radford et al. 2019 Table 3; Brown et al. 2020 Table 3.1
    np.testing.assert_array_equal(fig["ptb"][:, 0], [141.2, 78.4, 35.76, 20.50, 10_000])
    np.testing.assert_array_equal(fig["wikitext"][:, 0], [29.41, 18.34, 37.50, 17.48])  # Radford et al. Table 3
    for table in (fig["ptb"], fig["wikitext"]):
        np.testing.assert_allclose(table[:, 1], [math.log2(v) for v in table[:, 0]], rtol=1e-12)


# --- the playground ------------------------------------------------------------------------------

DEFAULTS = np.array([-0.1, -2.3, -0.7, -4.1, -0.05, -1.2])


def test_playground_defaults_and_bases() -> None:
    fig = perplexity_playground(DEFAULTS, math.e).figures
    assert fig["perplexity"] == pytest.approx(ppl_loop(list(DEFAULTS)), rel=1e-12)
    np.testing.assert_allclose(fig["bits"], -DEFAULTS / math.log(2), rtol=1e-12)
    in_bits = perplexity_playground(DEFAULTS, 2.0).figures
    assert in_bits["perplexity"] == pytest.approx(2 ** float(np.mean(-DEFAULTS)), rel=1e-12)
    assert in_bits["bits_per_token"] == pytest.approx(float(np.mean(-DEFAULTS)), rel=1e-12)


def test_playground_extremes_are_honest() -> None:
    assert perplexity_playground(np.array([-1.0, -math.inf]), math.e).figures["perplexity"] == math.inf
    assert perplexity_playground(np.array([0.0, 0.0]), math.e).figures["perplexity"] == 1.0
    flagged = perplexity_playground(np.array([-0.5, -9999.0]), math.e)
    assert any("Flagged" in step.heading for step in flagged.steps)
    beyond = perplexity_playground(np.array([-2000.0, -2000.0]), math.e).figures["perplexity"]
    assert not isinstance(beyond, float) and beyond.log10 == pytest.approx(2000 / math.log(10))


@pytest.mark.parametrize(("values", "base", "field"), [
    ([-0.5, math.nan], math.e, "logprobs"),
    ([-0.5, 0.3], math.e, "logprobs"),
    ([], math.e, "logprobs"),
    ([[-0.5, -1.0]], math.e, "logprobs"),
    ([-1e308, -1e308], math.e, "logprobs"),
    ([-0.5, -1.0], 3.0, "base"),
])
def test_playground_refuses_bad_input(values: list, base: float, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(BadInput) as error:
        perplexity_playground(np.array(values, dtype=float), base)
    assert error.value.field == field
