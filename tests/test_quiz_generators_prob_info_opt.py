"""Generated questions of Probability, Information Theory and Optimization.

Every generator of the three pillars, over 100 seeds: a well-formed question (type, options and
correct answers, a finite key, hint, solution, id and lesson from the course plan, a prompt that
fits 80 columns and shows the numbers the solution was computed from), whose key agrees with an
INDEPENDENT computation written here (plain loops, `math`, `statistics`, `heapq`, scipy; never the
`tutor.maths` function the generator used), and whose named wrong answers a grader can tell from
the key. The same seed gives the same question.
"""

from __future__ import annotations

import heapq
import io
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from rich.markdown import Markdown
from scipy import special, stats  # type: ignore[import-untyped]

from tutor.explain.format import compact
from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Worked
from tutor.plan import load_plan
from tutor.quiz.generators import generators, instantiate
from tutor.quiz.grading import grade
from tutor.quiz.model import QUESTION_TYPES, Question
from tutor.render.worked import worked_renderable

PILLARS = ("probability", "information-theory", "optimization")  # the pillars these generators serve
SEEDS = range(100)
GENERATORS = {gid: g for gid, g in generators().items() if g.pillar in PILLARS}
LETTERS = "ABCDEFGH"


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[Question]]:
    return {gid: [instantiate(g, seed) for seed in SEEDS] for gid, g in GENERATORS.items()}


def shows(q: Question, *numbers: float) -> None:
    """The prompt shows each number the way the course writes numbers."""
    for number in numbers:
        assert compact(float(number)) in q.prompt, (compact(float(number)), q.prompt)


def inputs(q: Question) -> dict[str, Any]:
    return dict(q.solution.inputs)


# --- independent answers, one per generator ---------------------------------------------------

def bradley_terry(q: Question) -> float:
    ra, rb = inputs(q)["r_a"], inputs(q)["r_b"]
    shows(q, ra, rb)
    return 1 / (1 + math.exp(-(ra - rb)))


def inverse_cdf_draw(q: Question) -> tuple[int]:
    p, u = [float(v) for v in inputs(q)["probs"]], inputs(q)["u"]
    shows(q, *p, u)
    running = 0.0
    for k, pk in enumerate(p):
        running += pk
        if u < running:
            return (k,)
    raise AssertionError("u beyond the total")


def bigram_probability(q: Question) -> float:
    i = inputs(q)
    corpus, prev, nxt = list(i["corpus"]), i["previous"], i["next"]
    assert " ".join(corpus) in q.prompt and f"P̂({nxt} | {prev})" in q.prompt
    followers = Counter(b for a, b in zip(corpus, corpus[1:]) if a == prev)
    return followers[nxt] / sum(followers.values())


def valid_distribution(q: Question) -> bool:
    p = [float(v) for v in inputs(q)["p"]]
    shows(q, *p)
    return min(p) >= 0 and abs(math.fsum(p) - 1) < 1e-9


def softmax_temperature(q: Question) -> float:
    i = inputs(q)
    z, t, token = [float(v) for v in i["logits"]], i["temperature"], i["token"]
    shows(q, *z, t)
    assert f"token {LETTERS[token]}?" in q.prompt
    return math.exp(z[token] / t) / math.fsum(math.exp(v / t) for v in z)


def top_p_kept(q: Question) -> tuple[int, ...]:
    i = inputs(q)
    p, k, top_p = [float(v) for v in i["probs"]], i["top_k"], i["top_p"]
    shows(q, *p, top_p)
    order = sorted(range(len(p)), key=lambda j: -p[j])[: k or len(p)]
    total = math.fsum(p[j] for j in order)
    running, kept = 0.0, []
    for j in order:
        kept.append(j)
        running += p[j] / total
        if running >= top_p:
            break
    assert (f"k = {k}" in q.prompt) == (k is not None)
    return tuple(sorted(kept))


def moments(q: Question) -> float:
    i = inputs(q)
    x, p = [float(v) for v in i["values"]], [float(v) for v in i["probs"]]
    shows(q, *x, *p)
    assert f"What is {i['asked']}?" in q.prompt
    mean = sum(pk * xk for pk, xk in zip(p, x))
    if i["asked"] == "E[X²]":
        return sum(pk * xk * xk for pk, xk in zip(p, x))
    return sum(pk * (xk - mean) ** 2 for pk, xk in zip(p, x))


def minibatch_standard_error(q: Question) -> float:
    values, batch = [float(v) for v in inputs(q)["values"]], inputs(q)["batch"]
    shows(q, *values, batch)
    return statistics.pstdev(values) / math.sqrt(batch)


def mle_categorical(q: Question) -> list[float]:
    data = list(inputs(q)["data"])
    assert " ".join(data) in q.prompt
    names = sorted(set(data))
    assert f"p̂ for {', '.join(names)}," in q.prompt
    return [data.count(c) / len(data) for c in names]


def bayes_posterior(q: Question) -> float:
    prior = float(inputs(q)["prior"][0])
    hit, false_alarm = (float(v) for v in inputs(q)["likelihood"][0])
    for share in (prior, hit, false_alarm):
        assert f"{compact(round(100 * share, 6))}%" in q.prompt
    return hit * prior / (hit * prior + false_alarm * (1 - prior))


def entropy(q: Question) -> float:
    p, base = inputs(q)["probs"], inputs(q)["base"]
    shows(q, *p)
    assert ("bits" if base == "2" else "nats") in q.prompt
    return float(stats.entropy(p, base=2 if base == "2" else math.e))


def entropy_order(q: Question) -> None:
    ranked = inputs(q)["distributions"]
    bits = [float(stats.entropy(p, base=2)) for p in ranked]
    assert all(b - a >= 0.05 for a, b in zip(bits, bits[1:])), bits
    assert q.options == tuple("[" + ", ".join(compact(float(v)) for v in p) + "]" for p in ranked)
    assert q.correct == (0, 1, 2)


def cross_entropy_loss(q: Question) -> float:
    model, target = [float(v) for v in inputs(q)["q"]], inputs(q)["target"]
    shows(q, *model)
    assert f"token is {LETTERS[target]}." in q.prompt
    return -math.log(model[target])


def kl_divergence(q: Question) -> float:
    p, model, base = inputs(q)["p"], inputs(q)["q"], inputs(q)["base"]
    shows(q, *p, *model)
    return float(np.sum(special.rel_entr(p, model))) / (math.log(2) if base == "2" else 1.0)


def perplexity(q: Question) -> float:
    given, base = [float(v) for v in inputs(q)["logprobs"]], inputs(q)["base"]
    shows(q, *given)
    nats = [-v * (math.log(2) if base == "2" else 1.0) for v in given]
    return math.exp(math.fsum(nats) / len(nats))


def bits_per_token(q: Question) -> float:
    given = float(inputs(q)["given"])
    shows(q, given)
    return math.log2(given) if "perplexity is" in q.prompt else given / math.log(2)


def mutual_information(q: Question) -> float:
    joint = [[float(v) for v in row] for row in inputs(q)["joint"]]
    for x, row in enumerate(joint):  # the table's rows: x = 0  P(0, 0)  P(0, 1)
        cells = r"\s+".join(re.escape(compact(v)) for v in row)
        assert re.search(rf"^    x = {x}\s+{cells}$", q.prompt, re.M), q.prompt
    px = [sum(row) for row in joint]
    py = [joint[0][y] + joint[1][y] for y in range(2)]
    return sum(joint[x][y] * math.log2(joint[x][y] / (px[x] * py[y])) for x in range(2) for y in range(2))


def huffman_length(q: Question) -> float:
    probs = [float(v) for v in inputs(q)["probs"]]
    shows(q, *probs)
    heap = list(probs)
    heapq.heapify(heap)
    length = 0.0  # each merge adds one bit to every symbol below it: L = Σ of the merged weights
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        length += merged
        heapq.heappush(heap, merged)
    return length


def coefficients(q: Question) -> tuple[int, int, int]:
    """a, b, c read back from the prompt's ``f(x, y) = a x² + b xy + c y²``."""
    text = re.search(r"f\(x, y\) = ([^,\n]*?)(?: has|,|\.?\n)", q.prompt)
    assert text is not None, q.prompt
    found = {"x²": 0, "xy": 0, "y²": 0}
    for sign, size, monomial in re.findall(r"([+−]?)\s*(\d*)(x²|xy|y²)", text.group(1)):
        found[monomial] = (-1 if sign == "−" else 1) * int(size or 1)
    return found["x²"], found["xy"], found["y²"]


def hessian_type(q: Question) -> tuple[int, ...]:
    a, b, c = coefficients(q)
    assert (a, b, c) == (inputs(q)["a"], inputs(q)["b"], inputs(q)["c"])
    det = 4 * a * c - b * b  # Sylvester: H = [[2a, b], [b, 2c]] is definite iff det > 0
    return (2,) if det < 0 else (0,) if a > 0 else (1,)


def gd_diverges(q: Question) -> bool:
    a, b, c = coefficients(q)
    lr = inputs(q)["lr"]
    shows(q, lr)
    trace, det = 2 * a + 2 * c, 4 * a * c - b * b
    top = (trace + math.sqrt(trace * trace - 4 * det)) / 2
    return bool(lr > 2 / top)


def momentum_ema(q: Question) -> float:
    grads, beta = [float(v) for v in inputs(q)["grads"]], inputs(q)["beta"]
    shows(q, *grads, beta)
    m = 0.0
    for g in grads:
        m = beta * m + (1 - beta) * g
    return m


def warmup_cosine(q: Question) -> float:
    i = inputs(q)
    t, peak, floor, warm, total = i["t"], i["peak"], i["floor"], i["warmup"], i["total"]
    shows(q, peak, floor)
    assert f"W = {warm:,} steps" in q.prompt and f"T = {total:,}" in q.prompt and f"t = {t:,}?" in q.prompt
    if t <= warm:
        return float(peak * t / warm)
    return float(floor + (peak - floor) * (1 + math.cos(math.pi * (t - warm) / (total - warm))) / 2)


def robbins_monro(q: Question) -> tuple[int, ...]:
    powers, lr = inputs(q)["powers"], inputs(q)["lr"]
    assert all(option.startswith(f"ηₜ = {compact(lr)}") for option in q.options)
    return tuple(i for i, a in enumerate(powers) if 0.5 < a <= 1)  # p-series: Σ t^-a = ∞ iff a ≤ 1


def adam_step(q: Question) -> list[float]:
    i = inputs(q)
    lr, b1, b2, eps = i["lr"], i["beta1"], i["beta2"], i["eps"]
    grads = [[float(v) for v in row] for row in i["grads"]]
    shows(q, lr, *i["start"], *grads[0], *grads[1])
    theta = []
    for p, start in enumerate(i["start"]):
        value, m, v = float(start), 0.0, 0.0
        for t, row in enumerate(grads, start=1):
            m = b1 * m + (1 - b1) * row[p]
            v = b2 * v + (1 - b2) * row[p] ** 2
            value -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        theta.append(value)
    return theta


def gd_step(q: Question) -> list[float]:
    a, b, c = coefficients(q)
    x, y = (float(v) for v in inputs(q)["theta"])
    lr = inputs(q)["lr"]
    shows(q, lr, x, y)
    return [x - lr * (2 * a * x + b * y), y - lr * (b * x + 2 * c * y)]


EXPECTED: dict[str, Callable[[Question], Any]] = {
    "probability/gen/bradley-terry": bradley_terry,
    "probability/gen/valid-distribution": valid_distribution,
    "probability/gen/inverse-cdf-draw": inverse_cdf_draw,
    "probability/gen/bigram-probability": bigram_probability,
    "probability/gen/softmax-temperature": softmax_temperature,
    "probability/gen/top-p-kept": top_p_kept,
    "probability/gen/moments": moments,
    "probability/gen/minibatch-standard-error": minibatch_standard_error,
    "probability/gen/mle-categorical": mle_categorical,
    "probability/gen/bayes-posterior": bayes_posterior,
    "information-theory/gen/entropy": entropy,
    "information-theory/gen/entropy-order": entropy_order,
    "information-theory/gen/cross-entropy-loss": cross_entropy_loss,
    "information-theory/gen/kl-divergence": kl_divergence,
    "information-theory/gen/perplexity": perplexity,
    "information-theory/gen/bits-per-token": bits_per_token,
    "information-theory/gen/mutual-information": mutual_information,
    "information-theory/gen/huffman-length": huffman_length,
    "optimization/gen/hessian-type": hessian_type,
    "optimization/gen/gd-diverges": gd_diverges,
    "optimization/gen/momentum-ema": momentum_ema,
    "optimization/gen/warmup-cosine": warmup_cosine,
    "optimization/gen/robbins-monro": robbins_monro,
    "optimization/gen/adam-step": adam_step,
    "optimization/gen/gd-step": gd_step,
}


# --- the tests ---------------------------------------------------------------------------------

def test_every_pillar_has_six_generators_over_its_lessons() -> None:
    plan = load_plan()
    per_pillar = Counter(g.pillar for g in GENERATORS.values())
    for pillar in PILLARS:
        assert per_pillar[pillar] >= 6, (pillar, per_pillar[pillar])
        planned = plan.pillar(pillar)
        assert planned is not None
        covered = {g.lesson for g in GENERATORS.values() if g.pillar == pillar}
        assert covered == set(planned.lesson_ids), (pillar, covered)
    assert set(EXPECTED) == set(GENERATORS), "every generator needs an independent check here"


def _assert_well_formed(q: Question, gid: str) -> None:
    plan = load_plan()
    g = GENERATORS[gid]
    assert q.type in QUESTION_TYPES
    assert q.id == gid == f"{g.pillar}/gen/{gid.rsplit('/', 1)[1]}" and q.pillar == g.pillar and q.generated
    assert q.lesson in plan.pillar(q.pillar).lesson_ids  # type: ignore[union-attr]
    assert q.hint.strip() and q.prompt.strip() and "seed" in q.source
    assert all(len(line) <= 76 for line in q.prompt.splitlines()), q.prompt  # the banks' limit
    assert isinstance(q.solution, Worked) and q.solution.steps and q.solution.inputs
    if q.type in ("choice", "multi", "order"):
        assert len(set(q.options)) == len(q.options) >= 2 and all(o.strip() for o in q.options)
        assert list(q.correct) == sorted(set(q.correct)) and all(0 <= i < len(q.options) for i in q.correct)
        assert q.key is None and not q.misconceptions
    if q.type == "choice":
        assert len(q.correct) == 1
    if q.type == "multi":
        assert 1 <= len(q.correct) < len(q.options)
    if q.type == "order":
        assert q.correct == tuple(range(len(q.options)))
    if q.type in ("numeric", "vector"):  # every tolerance here grades significant figures
        assert q.prompt.endswith(f"({q.tolerance.figures} significant figures)") and q.tolerance.relative is None
    if q.type == "numeric":
        assert isinstance(q.key, float) and math.isfinite(q.key) and not q.options
    if q.type == "vector":
        assert isinstance(q.key, np.ndarray) and q.key.ndim == 1 and np.isfinite(q.key).all()
    if q.type == "truefalse":
        assert isinstance(q.key, bool) and not q.misconceptions


def _accepted(q: Question, answer: Any) -> bool:
    """Would the grader take `answer` for the key (the question's tolerance, entry by entry)?"""
    if q.type == "numeric":
        return q.tolerance.accepts(float(answer), q.key)
    given = np.asarray(answer, dtype=float)
    return given.shape == q.key.shape and all(q.tolerance.accepts(float(a), float(k)) for a, k in zip(given, q.key))


def _close(q: Question, a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and all(q.tolerance.accepts(float(x), float(y)) for x, y in zip(a.ravel(), b.ravel()))


@pytest.mark.parametrize("gid", sorted(EXPECTED))
def test_every_draw_is_well_formed_and_keyed_right(gid: str, drawn: dict[str, list[Question]]) -> None:
    for q in drawn[gid]:
        _assert_well_formed(q, gid)
        expected = EXPECTED[gid](q)
        if q.type in ("numeric", "vector"):
            assert _accepted(q, expected), (q.source, q.key, expected)
            assert np.allclose(q.key, expected, rtol=1e-9, atol=1e-12), (q.source, q.key, expected)
        elif q.type == "truefalse":
            assert q.key is expected, q.source
        elif q.type in ("choice", "multi"):
            assert q.correct == expected, (q.source, q.correct, expected)
        for wrong in q.misconceptions:
            assert wrong.why.strip()
            assert np.isfinite(np.asarray(wrong.value, dtype=float)).all()
            assert not _accepted(q, wrong.value), (q.source, wrong)
        values = [np.asarray(m.value, dtype=float) for m in q.misconceptions]
        for i, first in enumerate(values):  # two named mistakes the grader could not tell apart
            assert not any(_close(q, first, other) for other in values[i + 1:]), (q.source, values)


def _typed(value: Any, figures: int) -> str:
    """What a learner types after rounding to `figures` significant figures (4: as the course
    writes numbers, with the typographic minus)."""
    entries = np.ravel(value).tolist()
    return ", ".join(compact(v) if figures == 4 else f"{v:.{figures}g}" for v in entries)


@pytest.mark.parametrize("gid", sorted(EXPECTED))
def test_the_grader_takes_the_key_rounded_and_names_each_mistake(gid: str, drawn: dict[str, list[Question]]) -> None:
    for q in drawn[gid]:
        if q.type not in ("numeric", "vector"):
            continue
        for figures in (q.tolerance.figures, 4):
            assert grade(q, _typed(q.key, figures)).correct, (q.source, _typed(q.key, figures))
            for wrong in q.misconceptions:
                verdict = grade(q, _typed(wrong.value, figures))
                assert not verdict.correct and verdict.misconception == wrong.why, (q.source, wrong, verdict)


@pytest.mark.parametrize("gid", sorted(EXPECTED))
def test_draws_vary_and_answers_are_balanced(gid: str, drawn: dict[str, list[Question]]) -> None:
    questions = drawn[gid]
    assert len({q.prompt + "|".join(q.options) for q in questions}) >= 20
    if questions[0].type == "truefalse":
        assert 25 <= sum(q.key for q in questions) <= 75
    if questions[0].type == "choice":
        assert len({q.correct for q in questions}) >= 3


@pytest.mark.parametrize("gid", sorted(EXPECTED))
def test_the_same_seed_gives_the_same_question(gid: str) -> None:
    for seed in (0, 41):
        a, b = instantiate(GENERATORS[gid], seed), instantiate(GENERATORS[gid], seed)
        assert (a.prompt, a.options, a.correct, a.id, a.lesson) == (b.prompt, b.options, b.correct, b.id, b.lesson)
        assert np.array_equal(np.asarray(a.key), np.asarray(b.key))
        assert [m.why for m in a.misconceptions] == [m.why for m in b.misconceptions]
        assert all(np.array_equal(x.value, y.value) for x, y in zip(a.misconceptions, b.misconceptions))


@pytest.mark.parametrize("gid", sorted(EXPECTED))
def test_solutions_render_and_serialise(gid: str) -> None:
    for seed in (0, 1, 2):
        q = instantiate(GENERATORS[gid], seed)
        document = worked_to_json(q.solution)
        assert document["steps"] or document["result"]
        console = Console(file=io.StringIO(), width=80, color_system=None)
        console.print(worked_renderable(q.solution))
        text = console.file.getvalue()  # type: ignore[attr-defined]
        assert "nan" not in text.lower().split() and text.strip()
        if "answer" in q.solution.keyed() and q.type == "numeric":
            assert q.solution.value("answer") == q.key
        console = Console(file=io.StringIO(), width=80, color_system=None)
        console.print(Markdown(q.prompt))  # prompts are Markdown: nothing may be taken as markup
        shown = console.file.getvalue()  # type: ignore[attr-defined]
        assert "".join(shown.split()) == "".join(q.prompt.split()), shown
