"""entropy, cross-entropy, KL and compression over 256,000 outcomes: memory linear in n,
text summarised, Huffman's lengths summarised rather than listed.

Memory is measured with tracemalloc (numpy reports its buffers to it), never timed here;
times are in benchmarks/bench_large_distributions.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import special, stats

from tutor.calculators.information import explain_compression, explain_cross_entropy, explain_entropy, explain_kl
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Worked
from tutor.maths.information import cross_entropy, entropy, huffman, kl_divergence

from calc_views import drawn, peak_bytes

VOCABULARY = 256_000


def distribution(n: int, seed: int = 0, zeros: int = 0) -> np.ndarray:
    p = special.softmax(np.random.default_rng(seed).normal(0.0, 3.0, n))
    p[:zeros] = 0.0
    return p / p.sum()


CASES: dict[str, tuple[Callable[[np.ndarray, np.ndarray], Worked], int]] = {
    "entropy": (lambda p, q: explain_entropy(entropy(p, "2")), 64),
    "cross-entropy": (lambda p, q: explain_cross_entropy(cross_entropy(p, q)), 64),
    "kl": (lambda p, q: explain_kl(kl_divergence(p, q)), 64),
}


@pytest.mark.parametrize("name", CASES)
def test_memory_is_linear_and_a_few_arrays_per_entry(name: str) -> None:
    explain, bytes_per_entry = CASES[name]
    pairs = [(distribution(n), distribution(n, seed=1, zeros=5)) for n in (VOCABULARY // 2, VOCABULARY)]
    peak_small = peak_bytes(lambda: drawn(explain(*pairs[0])))
    peak_large = peak_bytes(lambda: drawn(explain(*pairs[1])))
    assert peak_large < bytes_per_entry * VOCABULARY, f"{peak_large / VOCABULARY:.0f} bytes per entry"
    assert 1.7 < peak_large / peak_small < 2.3, "memory should grow in proportion to n (half the size, half the memory)"


def test_big_numbers_agree_with_scipy() -> None:
    p, q = distribution(VOCABULARY), distribution(VOCABULARY, seed=1)
    assert entropy(p).entropy == pytest.approx(stats.entropy(p), rel=1e-12)
    assert kl_divergence(p, q).kl == pytest.approx(stats.entropy(p, q), rel=1e-10)
    assert kl_divergence(p, q).kl_reverse == pytest.approx(special.rel_entr(q, p).sum(), rel=1e-10)
    assert cross_entropy(p, q).cross_entropy == pytest.approx(-special.xlogy(p, q).sum(), rel=1e-12)


def test_an_infinite_kl_over_a_vocabulary_names_a_few_outcomes_not_all() -> None:
    p, q = distribution(VOCABULARY), distribution(VOCABULARY, seed=1, zeros=1_000)
    r = kl_divergence(p, q)
    assert r.kl == math.inf and r.infinite_at.size == 1_000
    text = " ".join(drawn(explain_kl(r)).split())
    assert "q gives probability 0 to outcomes 0, 1, 2" in text and "(1,000 outcomes in all)" in text
    assert len(text) < 20_000
    data = worked_to_json(explain_kl(r))
    assert data["result"]["kl"] is None and len(data["steps"]["infinite_at"]) == 1_000


@pytest.mark.parametrize("name", CASES)
def test_the_text_of_a_vocabulary_is_a_summary(name: str) -> None:
    text = drawn(CASES[name][0](distribution(VOCABULARY), distribution(VOCABULARY, seed=1)))
    assert len(text.splitlines()) < 80 and "(256,000)" in text and "largest 5" in text


@pytest.mark.slow
def test_huffman_over_a_vocabulary_summarises_its_code() -> None:
    p = distribution(VOCABULARY, zeros=3)
    r = huffman(p)
    assert r.expected_length == pytest.approx(float(np.dot(p, [x or 0 for x in r.code_lengths])))
    assert stats.entropy(p, base=2) <= r.expected_length < stats.entropy(p, base=2) + 1
    text = drawn(explain_compression(r))
    assert len(text.splitlines()) < 90 and "256,000 symbols; the longest" in " ".join(text.split())
    assert "✓ H ≤ L < H + 1" in text
    data = json.loads(json.dumps(worked_to_json(explain_compression(r))))
    assert data["result"]["code_lengths"][:3] == [None, None, None] and len(data["steps"]["codewords"]) == VOCABULARY
