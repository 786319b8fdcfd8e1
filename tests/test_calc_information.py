"""Information theory (tutor/maths/information.py) against scipy and closed forms."""

from __future__ import annotations

import heapq
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from tutor.errors import BadInput
from tutor.maths.common import NotADistribution, as_distribution
from tutor.maths.information import cross_entropy, entropy, huffman, kl_divergence, log_base, mutual_information


def distributions(size: int | None = None, zeros: bool = True) -> st.SearchStrategy[np.ndarray]:
    low = 0.0 if zeros else 1e-3
    sizes = st.just(size) if size else st.integers(1, 8)
    return sizes.flatmap(lambda n: st.lists(st.floats(low, 1.0), min_size=n, max_size=n)).filter(
        lambda w: sum(w) > 1e-6
    ).map(lambda w: np.array(w) / sum(w))


@settings(max_examples=60, deadline=None)
@given(distributions(), st.sampled_from(["e", "2", "10"]))
def test_entropy_matches_scipy(p: np.ndarray, base: str) -> None:
    b = {"e": None, "2": 2, "10": 10}[base]
    assert entropy(p, base).entropy == pytest.approx(stats.entropy(p, base=b), abs=1e-12)


def test_entropy_closed_forms_and_units() -> None:
    assert entropy([0.5, 0.25, 0.125, 0.125], "2").entropy == pytest.approx(1.75)
    assert entropy(np.full(8, 1 / 8), "2").entropy == pytest.approx(3.0)
    assert entropy([1.0, 0.0], "e").entropy == 0.0
    uniform = entropy(np.full(10, 0.1), "10")
    assert uniform.entropy == pytest.approx(1.0) and uniform.max_entropy == pytest.approx(1.0)
    assert [log_base(b).unit for b in ("e", "2", "10")] == ["nats", "bits", "bans"]
    assert np.isinf(entropy([1.0, 0.0]).surprisal[1])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(distributions(n), distributions(n, zeros=False))))
def test_cross_entropy_is_entropy_plus_kl_and_matches_scipy(pq: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pq
    r = cross_entropy(p, q)
    assert r.cross_entropy == pytest.approx(-np.sum(special.xlogy(p, q)), abs=1e-12)
    assert r.entropy_p == pytest.approx(stats.entropy(p), abs=1e-12)
    assert r.kl == pytest.approx(stats.entropy(p, q), abs=1e-10)
    assert r.cross_entropy == pytest.approx(r.entropy_p + r.kl, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(distributions(n), distributions(n))))
def test_kl_matches_rel_entr_in_both_directions(pq: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pq
    r = kl_divergence(p, q, "2")
    forward, reverse = special.rel_entr(p, q).sum() / math.log(2), special.rel_entr(q, p).sum() / math.log(2)
    assert r.kl == pytest.approx(forward, abs=1e-10) if np.isfinite(forward) else np.isinf(r.kl)
    assert r.kl_reverse == pytest.approx(reverse, abs=1e-10) if np.isfinite(reverse) else np.isinf(r.kl_reverse)
    assert r.kl >= 0 and r.kl_reverse >= 0


def test_kl_is_infinite_exactly_where_q_rules_out_what_p_allows() -> None:
    r = kl_divergence([0.5, 0.5, 0.0], [1.0, 0.0, 0.0])
    assert r.kl == math.inf and r.infinite_at.tolist() == [1]
    assert r.kl_reverse == pytest.approx(math.log(2)) and r.infinite_at_reverse.tolist() == []
    assert cross_entropy([0.0, 1.0], [1.0, 0.0]).cross_entropy == math.inf


def test_kl_is_not_symmetric() -> None:
    r = kl_divergence([0.5, 0.4, 0.1], [0.3, 0.3, 0.4])
    assert r.kl == pytest.approx(0.5 * math.log(5 / 3) + 0.4 * math.log(4 / 3) + 0.1 * math.log(0.25))
    assert abs(r.kl - r.kl_reverse) > 0.05


def test_mutual_information_against_direct_sums() -> None:
    joint = np.array([[0.3, 0.1], [0.1, 0.5]])
    r = mutual_information(joint)
    px, py = joint.sum(1), joint.sum(0)
    direct = sum(joint[i, j] * math.log(joint[i, j] / (px[i] * py[j])) for i in range(2) for j in range(2))
    assert r.mutual_information == pytest.approx(direct)
    assert r.mutual_information == pytest.approx(stats.entropy(px) + stats.entropy(py) - stats.entropy(joint.ravel()))
    assert r.h_x - r.h_x_given_y == pytest.approx(r.mutual_information)


def test_mutual_information_of_independent_and_copied_variables() -> None:
    assert mutual_information(np.outer([0.2, 0.8], [0.5, 0.3, 0.2])).mutual_information == pytest.approx(0, abs=1e-12)
    copy = mutual_information(np.diag([0.25, 0.25, 0.5]), "2")  # Y = X: I = H(X)
    assert copy.mutual_information == pytest.approx(1.5)


def _expected_length_by_merging(p: list[float]) -> float:
    """Independent reference: the Huffman expected length is the sum of all merged weights."""
    heap = [x for x in p if x > 0]
    heapq.heapify(heap)
    total = 0.0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        total += merged
        heapq.heappush(heap, merged)
    return total


@pytest.mark.parametrize("p, lengths", [
    ([0.4, 0.3, 0.2, 0.1], [1, 2, 3, 3]),
    ([0.5, 0.25, 0.125, 0.125], [1, 2, 3, 3]),
    ([0.25, 0.25, 0.25, 0.25], [2, 2, 2, 2]),
    ([0.6, 0.0, 0.4], [1, None, 1]),
    ([1.0, 0.0], [0, None]),
])
def test_huffman_known_codes(p: list[float], lengths: list[int | None]) -> None:
    r = huffman(p)
    assert list(r.code_lengths) == lengths
    assert r.expected_length == pytest.approx(_expected_length_by_merging(p))


@settings(max_examples=80, deadline=None)
@given(distributions())
def test_huffman_is_optimal_prefix_free_and_within_one_bit(p: np.ndarray) -> None:
    r = huffman(p)
    words = [w for w in r.codewords if w is not None]
    assert all(not b.startswith(a) for a in words for b in words if a is not b), "prefix-free"
    assert r.expected_length == pytest.approx(_expected_length_by_merging(list(p)), abs=1e-9)
    h = stats.entropy(p, base=2)
    assert h - 1e-9 <= r.expected_length < h + 1 + 1e-9  # strict in exact arithmetic; H can be ~1e-36
    if len(words) > 1:
        assert r.kraft_sum == pytest.approx(1.0)


def test_huffman_breaks_ties_deterministically() -> None:
    assert huffman([0.2] * 5).codewords == huffman([0.2] * 5).codewords
    assert sorted(huffman([0.2] * 5).code_lengths) == [2, 2, 2, 3, 3]


@pytest.mark.parametrize("values, message", [
    ([0.5, 0.4], "sum to 0.9, not 1"),
    ([0.5, -0.1, 0.6], "cannot be negative"),
    ([0.0, 0.0], "sum to 0"),
])
def test_invalid_distributions_are_rejected(values: list[float], message: str) -> None:
    with pytest.raises(BadInput, match=message):
        entropy(values)


def test_normalize_rescales_and_the_core_names_the_field_not_an_option() -> None:
    assert as_distribution([1, 3], normalize=True).tolist() == [0.25, 0.75]
    with pytest.raises(NotADistribution) as error:
        as_distribution([1, 3], "p")
    assert (error.value.field, error.value.kind) == ("p", "sum")
    assert str(error.value) == "p: probabilities sum to 4, not 1 (make them sum to 1)"
    with pytest.raises(BadInput, match="nothing to normalise"):
        as_distribution([0, 0], normalize=True)
    with pytest.raises(NotADistribution, match="rescaling cannot fix a sign; if these are logits, use the softmax "
                       "calculator") as error:
        as_distribution([1, -1, 1], "p", normalize=True)
    assert error.value.kind == "negative" and "entry [1] is −1" in str(error.value)


@pytest.mark.parametrize("values, shown", [
    ([0.5, 0.500001], "1.000001"), ([0.5, 0.4], "0.9"), ([0.3, 0.3], "0.6"), ([1.0, 1e-5], "1.00001"),
    ([3000, 1], "3001"), ([0.999998, 0.0], "0.999998"),
])
def test_a_sum_other_than_one_is_shown_with_the_digits_that_differ(values: list[float], shown: str) -> None:
    with pytest.raises(NotADistribution, match=f"sum to {re.escape(shown)}, not 1"):
        as_distribution(values, "probs")


def test_huge_entries_normalise_without_overflow() -> None:
    assert as_distribution([1.5e308, 1.5e308], normalize=True).tolist() == [0.5, 0.5]


def test_mismatched_lengths_and_bases() -> None:
    with pytest.raises(BadInput, match="shape mismatch"):
        kl_divergence([0.5, 0.5], [1.0])
    with pytest.raises(BadInput, match="not one of e, 2, 10"):
        entropy([1.0], "3")


def test_certain_outcomes_give_plus_zero_not_minus_zero() -> None:
    r = entropy([0.0, 1.0])
    assert [math.copysign(1.0, x) for x in (*r.terms, r.entropy, r.surprisal[1])] == [1.0] * 4


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda r: st.integers(1, 4).flatmap(
    lambda c: distributions(r * c).map(lambda p: p.reshape(r, c)))))
def test_mutual_information_with_zero_rows_and_columns_matches_entropies(joint: np.ndarray) -> None:
    r = mutual_information(joint)
    px, py = joint.sum(1), joint.sum(0)
    expected = stats.entropy(px) + stats.entropy(py) - stats.entropy(joint.ravel())
    assert r.mutual_information == pytest.approx(max(expected, 0.0), abs=1e-12)


def test_a_row_that_never_happens_is_not_an_overflow() -> None:
    r = mutual_information(np.array([[0.5, 0.5], [0.0, 0.0]]))
    assert r.mutual_information == 0.0 and r.h_x == 0.0


def test_subnormal_probabilities_keep_their_precision_in_kl() -> None:
    p, q = np.array([1.0, 0.0, 5e-324]), np.array([1 / 3, 0.0, 2 / 3])
    r = kl_divergence(p, q)
    assert r.kl == pytest.approx(special.rel_entr(p, q).sum(), rel=1e-14)
    assert r.kl_reverse == pytest.approx(special.rel_entr(q, p).sum(), rel=1e-14)
