"""softmax and sample on a 256,000-token vocabulary: memory linear in n, text summarised.

Memory is measured with tracemalloc (numpy reports its buffers to it), never timed here;
times are in benchmarks/bench_large_distributions.py. The bound per entry allows the float
arrays a calculator keeps (a handful of 8-byte entries each) and nothing per entry in Python:
one Python list of floats alone would cost 32 bytes an entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from tutor.calculators.probability import explain_sample, explain_softmax
from tutor.explain.jsonable import worked_to_json
from tutor.maths.probability import sample, softmax

from calc_views import drawn, peak_bytes

VOCABULARY = 256_000


def logits(n: int) -> np.ndarray:
    return np.random.default_rng(0).normal(0.0, 3.0, n)


#: Bytes per entry allowed: what the result keeps (softmax at T ≠ 1: z/T, shifted, exps, probs,
#: log-probs = 40; sample adds order, three distributions, the running sum, counts and two masks
#: = 74) plus the renderer's temporaries while it summarises a vector (about 30).
CASES = {
    "softmax": (lambda z: explain_softmax(softmax(z, 0.8)), 80),
    "sample": (lambda z: explain_sample(sample(z, top_k=50_000, top_p=0.9, n=1_000)), 112),
}


@pytest.mark.parametrize("name", CASES)
def test_memory_is_linear_and_a_few_arrays_per_entry(name: str) -> None:
    explain, bytes_per_entry = CASES[name]
    small, large = logits(VOCABULARY // 2), logits(VOCABULARY)
    peak_small = peak_bytes(lambda: drawn(explain(small)))
    peak_large = peak_bytes(lambda: drawn(explain(large)))
    assert peak_large < bytes_per_entry * VOCABULARY, f"{peak_large / VOCABULARY:.0f} bytes per entry"
    assert 1.7 < peak_large / peak_small < 2.3, "memory should grow in proportion to n (half the size, half the memory)"


@pytest.mark.parametrize("name", CASES)
def test_the_text_of_a_vocabulary_is_a_summary(name: str) -> None:
    text = drawn(CASES[name][0](logits(VOCABULARY)))
    assert len(text.splitlines()) < 80
    assert "(256,000)" in text and "largest 5" in text and "stats" in text


def test_sample_writes_a_few_kept_tokens_and_samples_in_sentences() -> None:
    r = sample(logits(VOCABULARY), top_p=0.99, n=1_000)
    text = " ".join(drawn(explain_sample(r)).split())
    assert f"({int(r.kept.sum()):,} tokens in all)" in text and "(1,000 in all)" in text


@pytest.mark.slow
def test_json_of_a_vocabulary_is_linear_too() -> None:
    """JSON holds every entry as a Python number (≈ 30-70 bytes each while being written)."""
    def json_of(n: int) -> Callable[[], object]:
        return lambda: json.dumps(worked_to_json(explain_softmax(softmax(logits(n)))))

    n = VOCABULARY // 4  # linear growth shows as well at 64,000 entries, at a quarter of the cost
    small, large = peak_bytes(json_of(n // 2)), peak_bytes(json_of(n))
    assert 1.7 < large / small < 2.3 and large < 600 * n
