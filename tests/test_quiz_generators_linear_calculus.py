"""The Linear Algebra and Calculus question generators, over 100 seeds each, and the helpers
every pillar's generators share (`tutor.quiz.generators.common`).

Every draw must be a well-formed question whose key agrees with an independent computation
written here (plain Python loops, `math`, scipy, central differences: never the `tutor.maths`
function the generator used), whose named wrong answers are really wrong, whose numbers a
learner reads are written by `compact` (typographic minus, no float noise) within 80 columns,
and whose prompt says the precision its tolerance grades.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy.linalg import svdvals  # type: ignore[import-untyped]

from tutor.explain.jsonable import worked_to_json
from tutor.explain.model import Fact, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.plan import load_plan
from tutor.quiz.answers import letter
from tutor.quiz.generators import Generator, generators, instantiate, registry
from tutor.quiz.generators.common import PROBS, WHOLE, bracketed, integers, misconceptions, nice_distribution, \
    polynomial, precision, question, redrawn
from tutor.quiz.grading import grade
from tutor.quiz.model import QUESTION_TYPES, Misconception, Question, Tolerance

PILLARS = ("linear-algebra", "calculus")
SEEDS = range(100)
WIDTH = 80


def ours() -> dict[str, Generator]:
    return {gid: g for gid, g in generators().items() if g.pillar in PILLARS}


@cache
def draw(gid: str, seed: int) -> Question:
    """One draw, shared by the tests below (a question is frozen)."""
    return instantiate(generators()[gid], seed)


def close(a: Any, b: Any, rtol: float = 1e-7, atol: float = 1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def central(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    return [e / sum(exps) for e in exps]


def rows(value: Any) -> list[list[float]]:
    return [[float(x) for x in row] for row in np.asarray(value)]


def entries(value: Any) -> list[float]:
    return [float(x) for x in np.asarray(value)]


# --- independent keys: one function per generator, from the solution's inputs -------------------

def cosine(q: Question) -> float:
    a, b = entries(q.solution.inputs["a"]), entries(q.solution.inputs["b"])
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def matmul_entry(q: Question) -> float:
    a, b, i, j = rows(q.solution.inputs["a"]), rows(q.solution.inputs["b"]), q.solution.inputs["row"], q.solution.inputs["col"]
    return float(sum(a[i][t] * b[t][j] for t in range(len(b))))


def product_shape(q: Question) -> str:
    """The shape of the chain, from the stored shapes and where the transpose is."""
    inputs = q.solution.inputs
    factors = inputs["expression"].split()
    shapes = [tuple(s[::-1]) if f.endswith("ᵀ") else tuple(s) for f, s in zip(factors, inputs["shapes"])]
    rows_, cols = shapes[0]
    for r, c in shapes[1:]:
        assert cols == r, f"the drawn chain is not defined: {shapes}"
        cols = c
    return f"{rows_}×{cols}"


def commute(q: Question) -> bool:
    a, b = rows(q.solution.inputs["a"]), rows(q.solution.inputs["b"])
    ab = [[sum(a[i][t] * b[t][j] for t in range(2)) for j in range(2)] for i in range(2)]
    ba = [[sum(b[i][t] * a[t][j] for t in range(2)) for j in range(2)] for i in range(2)]
    return ab == ba


def stationary(q: Question) -> list[float]:
    p = rows(q.solution.inputs["matrix"])
    out, into = p[0][1], p[1][0]  # balance: π₀ · out = π₁ · into
    return [into / (out + into), out / (out + into)]


def spectral_gap(q: Question) -> float:
    p = rows(q.solution.inputs["matrix"])
    return 1 - abs(p[0][0] + p[1][1] - 1)  # λ₁ = 1 and λ₁ + λ₂ = trace


def svd_error(q: Question) -> float:
    s = sorted(svdvals(np.asarray(q.solution.inputs["matrix"])), reverse=True)
    return math.sqrt(sum(x * x for x in s[q.solution.inputs["rank"]:]))


def lora(q: Question) -> int:
    d, k, r = (q.solution.inputs[name] for name in ("d", "k", "r"))
    return int(d * r + r * k)


def attention(q: Question) -> float:
    inputs = q.solution.inputs
    qs, ks = rows(inputs["q"]), rows(inputs["k"])
    query = qs[inputs["query"]]
    scores = [sum(x * y for x, y in zip(query, key)) / math.sqrt(len(query)) for key in ks]
    return softmax(scores)[int(inputs["key"])]


def central_difference(q: Question) -> float:
    inputs = q.solution.inputs
    coefficients, x, h = inputs["coefficients"], inputs["x"], inputs["h"]

    def f(v: float) -> float:
        return float(sum(c * v ** (len(coefficients) - 1 - n) for n, c in enumerate(coefficients)))

    return float((f(x + h) - f(x - h)) / (2 * h))


FUNCTIONS: dict[str, Callable[[float], float]] = {
    "x²": lambda x: x**2, "x³": lambda x: x**3, "eˣ": math.exp, "sin x": math.sin, "cos x": math.cos,
    "tanh x": math.tanh, "ln(1 + x²)": lambda x: math.log(1 + x * x), "1/(1 + x²)": lambda x: 1 / (1 + x * x),
}
OUTER: dict[str, Callable[[float], float]] = {
    "square": lambda u: u * u, "cube": lambda u: u**3, "exp": math.exp, "sin": math.sin, "ln": math.log,
}


def slope_order(q: Question) -> tuple[str, ...]:
    """The options sorted by a central-difference slope at x, asserting no near-ties."""
    x = q.solution.inputs["x"]
    slopes = {name: central(FUNCTIONS[name], x) for name in q.options}
    ordered = sorted(q.options, key=slopes.__getitem__)
    gaps = [slopes[b] - slopes[a] for a, b in zip(ordered, ordered[1:])]
    assert min(gaps) > 0.05, f"slopes too close to order: {slopes}"
    return tuple(ordered)


def chain_rule(q: Question) -> float:
    inputs = q.solution.inputs
    outer, a, power, b = OUTER[inputs["outer"]], inputs["a"], inputs["power"], inputs["b"]
    return central(lambda x: outer(a * x**power + b), inputs["x"], 1e-6)


def sigmoid(q: Question) -> float:
    s = 1 / (1 + math.exp(-q.solution.inputs["x"]))
    return s * (1 - s)


def jacobian_entry(q: Question) -> float:
    inputs = q.solution.inputs
    s, i, j = softmax(entries(inputs["logits"])), int(inputs["i"]), int(inputs["j"])
    return s[i] * ((1.0 if i == j else 0.0) - s[j])


def layernorm(q: Question) -> float:
    """Central difference of L = Σ dy·LayerNorm(x) in x[i], LayerNorm written out by hand."""
    inputs = q.solution.inputs
    x, dy, i, eps = entries(inputs["x"]), entries(inputs["dy"]), inputs["i"], inputs["eps"]

    def loss(xi: float) -> float:
        v = x[:i] + [xi] + x[i + 1:]
        mean = sum(v) / len(v)
        var = sum((t - mean) ** 2 for t in v) / len(v)
        return sum(d * (t - mean) / math.sqrt(var + eps) for d, t in zip(dy, v))

    return central(loss, x[i])


def two_layer(q: Question) -> list[list[float]]:
    """Central differences of the loss in each entry of W (the ReLU kinks are ≥ 1 away)."""
    inputs = q.solution.inputs
    x, w, v, t = entries(inputs["x"]), rows(inputs["w"]), entries(inputs["v"]), float(inputs["t"])

    def loss(m: list[list[float]]) -> float:
        h = [max(0.0, sum(m[r][c] * x[c] for c in range(2))) for r in range(2)]
        return 0.5 * (sum(a * b for a, b in zip(v, h)) - t) ** 2

    def nudged(r: int, c: int, by: float) -> list[list[float]]:
        return [[w[i][j] + (by if (i, j) == (r, c) else 0.0) for j in range(2)] for i in range(2)]

    assert all(abs(sum(w[r][c] * x[c] for c in range(2))) >= 1 for r in range(2))
    return [[(loss(nudged(r, c, 1e-6)) - loss(nudged(r, c, -1e-6))) / 2e-6 for c in range(2)] for r in range(2)]


def ce_gradient(q: Question) -> list[float]:
    inputs = q.solution.inputs
    p, c = softmax(entries(inputs["logits"])), inputs["target"]
    return [pi - (1.0 if n == c else 0.0) for n, pi in enumerate(p)]


INDEPENDENT: dict[str, Callable[[Question], Any]] = {
    "linear-algebra/gen/cosine-similarity": cosine,
    "linear-algebra/gen/matmul-entry": matmul_entry,
    "linear-algebra/gen/product-shape": product_shape,
    "linear-algebra/gen/commute": commute,
    "linear-algebra/gen/stationary-distribution": stationary,
    "linear-algebra/gen/spectral-gap": spectral_gap,
    "linear-algebra/gen/svd-truncation-error": svd_error,
    "linear-algebra/gen/lora-parameters": lora,
    "linear-algebra/gen/attention-weight": attention,
    "calculus/gen/central-difference": central_difference,
    "calculus/gen/slope-order": slope_order,
    "calculus/gen/chain-rule": chain_rule,
    "calculus/gen/sigmoid-derivative": sigmoid,
    "calculus/gen/softmax-jacobian-entry": jacobian_entry,
    "calculus/gen/layernorm-gradient": layernorm,
    "calculus/gen/two-layer-backprop": two_layer,
    "calculus/gen/ce-gradient": ce_gradient,
}
#: Keys found by central differences here agree to about h² or rounding/h, not to 1e-7.
LOOSE = {"calculus/gen/chain-rule", "calculus/gen/layernorm-gradient", "calculus/gen/two-layer-backprop"}


# --- checks --------------------------------------------------------------------------------------

def check_key(gid: str, q: Question) -> None:
    expected = INDEPENDENT[gid](q)
    if q.type == "choice":
        assert q.options[q.correct[0]] == expected
    elif q.type == "order":
        assert q.options == expected
    elif q.type == "truefalse":
        assert q.key is expected
    else:
        assert close(q.key, expected, *((1e-5, 1e-6) if gid in LOOSE else ())), (q.key, expected)


def check_well_formed(found: Generator, q: Question, seed: int) -> None:
    plan = load_plan()
    pillar = plan.pillar(q.pillar)
    assert q.id == found.id == f"{q.pillar}/gen/{found.id.rsplit('/', 1)[1]}" and q.generated
    assert pillar is not None and q.lesson in pillar.lesson_ids and q.lesson == found.lesson
    assert q.source == f"generator {found.id}, seed {seed}"
    assert q.type in QUESTION_TYPES and q.hint.strip() and q.prompt.strip()
    for line in (*q.prompt.splitlines(), *q.options):
        assert len(line) <= WIDTH, f"longer than {WIDTH} columns: {line!r}"
    assert not re.search(r"(?<![\w.])-\d", q.prompt + " ".join(q.options)), f"ASCII minus in {q.prompt!r}"
    assert not re.search(r"\d\.\d{6,}", q.prompt), f"unrounded number in {q.prompt!r}"
    check_answer_shape(q)
    check_precision_note(q)
    check_solution(q)


def check_answer_shape(q: Question) -> None:
    if q.type in ("choice", "multi", "order"):
        assert len(q.options) >= 2 and len(set(q.options)) == len(q.options)
    if q.type == "choice":
        assert len(q.correct) == 1 and 0 <= q.correct[0] < len(q.options)
    elif q.type == "truefalse":
        assert isinstance(q.key, bool)
    elif q.type == "numeric":
        assert isinstance(q.key, (int, float)) and not isinstance(q.key, bool) and math.isfinite(q.key)
    elif q.type in ("vector", "matrix"):
        key = np.asarray(q.key)
        assert key.ndim == (1 if q.type == "vector" else 2) and np.all(np.isfinite(key))
    if q.type not in ("numeric", "vector", "matrix"):
        assert not q.misconceptions
    for wrong in q.misconceptions:
        assert wrong.why.strip()
        value, key = np.asarray(wrong.value, dtype=float), np.asarray(q.key, dtype=float)
        assert value.shape == key.shape
        accepted = [q.tolerance.accepts(float(v), float(k)) for v, k in zip(value.ravel(), key.ravel())]
        assert not all(accepted), f"'{wrong.why}' ({wrong.value}) would be graded right (key {q.key})"


def check_solution(q: Question) -> None:
    """A Worked that turns into strict JSON and shows the key among its results."""
    assert isinstance(q.solution, Worked) and q.solution.steps
    json.dumps(worked_to_json(q.solution), allow_nan=False)
    results = [item for item in q.solution.items() if getattr(item, "result", False)]
    if q.type == "truefalse":
        assert any(isinstance(item, Verdict) and item.holds is q.key for item in results)
    elif q.type == "choice":
        assert any(isinstance(item, Fact) and item.text.endswith(q.options[q.correct[0]]) for item in results)
    elif q.type != "order":
        assert any(isinstance(item, (Scalar, Matrix)) and close(item.value, q.key) for item in results)


# --- tests ---------------------------------------------------------------------------------------

def test_at_least_six_generators_per_pillar_over_every_lesson() -> None:
    plan = load_plan()
    for pillar_id in PILLARS:
        mine = [g for g in ours().values() if g.pillar == pillar_id]
        pillar = plan.pillar(pillar_id)
        assert pillar is not None and len(mine) >= 6, (pillar_id, len(mine))
        assert {g.lesson for g in mine} == set(pillar.lesson_ids)


def test_every_generator_has_an_independent_check() -> None:
    assert set(ours()) == set(INDEPENDENT)


@pytest.mark.parametrize("gid", sorted(INDEPENDENT))
def test_a_hundred_seeds(gid: str) -> None:
    found = generators()[gid]
    for seed in SEEDS:
        q = draw(gid, seed)
        check_well_formed(found, q, seed)
        check_key(gid, q)


@pytest.mark.parametrize("gid", sorted(INDEPENDENT))
def test_the_same_seed_gives_the_same_question(gid: str) -> None:
    found = generators()[gid]
    for seed in (0, 7, 99):
        a, b = instantiate(found, seed), instantiate(found, seed)
        assert (a.prompt, a.options, a.correct, a.type) == (b.prompt, b.options, b.correct, b.type)
        assert close(a.key, b.key, 0, 0) if a.type in ("numeric", "vector", "matrix") else a.key == b.key
        assert [(m.why, np.asarray(m.value).tolist()) for m in a.misconceptions] == \
               [(m.why, np.asarray(m.value).tolist()) for m in b.misconceptions]
    draws = [instantiate(found, seed) for seed in range(20)]
    assert len({(q.prompt, q.options) for q in draws}) > 10, "the draws hardly vary"


def test_commute_is_sometimes_true_and_sometimes_false() -> None:
    found = generators()["linear-algebra/gen/commute"]
    keys = [draw(found.id, seed).key for seed in SEEDS]
    assert 25 <= sum(keys) <= 75


def test_every_named_wrong_answer_kind_is_drawn() -> None:
    """Conditional misconceptions (ReLU off, a negative λ₂, i = j) do turn up across seeds."""
    def reasons(gid: str) -> set[str]:
        return {m.why for seed in SEEDS for m in draw(gid, seed).misconceptions}

    assert any("ReLU" in why for why in reasons("calculus/gen/two-layer-backprop"))
    assert any("absolute value" in why for why in reasons("linear-algebra/gen/spectral-gap"))
    jacobian = reasons("calculus/gen/softmax-jacobian-entry")
    assert any("forgot δ" in why for why in jacobian) and any("off the diagonal" in why for why in jacobian)


NOTE = re.compile(r"\((?:(\d+) significant figures|(\d+) decimal places|a whole number)\)$")


def check_precision_note(q: Question) -> None:
    """A numeric, vector or matrix prompt ends by saying how precise the answer must be; under
    the default tolerance that is 3 significant figures."""
    if q.type not in ("numeric", "vector", "matrix"):
        assert not NOTE.search(q.prompt), q.prompt
        return
    note = NOTE.search(q.prompt)
    assert note is not None, f"no precision note: {q.prompt!r}"
    if q.tolerance == Tolerance():
        assert note.group(0) == "(3 significant figures)", q.prompt


def typed(value: Any, q: Question) -> str:
    """A value as a learner types it: as the prompt's note asks (so many significant figures,
    decimal places, or a whole number), whole numbers in full."""
    note = NOTE.search(q.prompt)
    assert note is not None

    def one(x: float) -> str:
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        if note.group(1):
            return f"{x:.{int(note.group(1))}g}"
        return str(round(x, int(note.group(2) or 0)))

    array = np.asarray(value, dtype=float)
    if q.type == "matrix":
        return "; ".join(", ".join(one(float(x)) for x in row) for row in array)
    return ", ".join(one(float(x)) for x in array.ravel())


@pytest.mark.parametrize("gid", sorted(INDEPENDENT))
def test_graded_as_a_learner_would_answer(gid: str) -> None:
    """The key as the prompt asks for it is right; each named mistake, typed so, is wrong and named."""
    for seed in SEEDS:
        q = draw(gid, seed)
        if q.type == "choice":
            right = letter(q.correct[0])
        elif q.type == "order":
            right = " ".join(letter(i) for i in range(len(q.options)))
        elif q.type == "truefalse":
            right = "true" if q.key else "false"
        else:
            right = typed(q.key, q)
        assert grade(q, right).correct, (seed, right)
        for wrong in q.misconceptions:
            verdict = grade(q, typed(wrong.value, q))
            assert not verdict.correct and verdict.misconception == wrong.why, (seed, wrong)


# --- the helpers every pillar's generators share -------------------------------------------------

def test_redrawn_draws_again_until_usable_and_stamps_the_registry_id(monkeypatch: pytest.MonkeyPatch) -> None:
    generators()  # the real modules are loaded first: the demo goes to a registry of its own
    monkeypatch.setattr(registry, "_REGISTERED", {})
    calls: list[int] = []

    @redrawn("demo", pillar="calculus", lesson="chain-rule", tries=5)
    def demo(rng: np.random.Generator) -> Question | None:
        """A demonstration."""
        calls.append(int(rng.integers(10)))
        return None if len(calls) < 3 else question("truefalse", "True?", "Think.", Worked("t", ()), key=True)

    q = demo(np.random.default_rng(0))
    assert len(calls) == 3 and q.key is True and q.generated
    assert (q.id, q.pillar, q.lesson) == ("calculus/gen/demo", "calculus", "chain-rule")
    assert registry.generators()["calculus/gen/demo"].summary == "A demonstration."
    never = redrawn("never", pillar="calculus", lesson="chain-rule", tries=4)(lambda rng: None)
    with pytest.raises(RuntimeError, match="calculus/gen/never: no usable draw in 4 tries"):
        never(np.random.default_rng(0))


def test_wrong_answers_stay_apart_from_the_key_and_each_other_however_typed() -> None:
    key = 0.6931  # graded to 3 significant figures: 0.693
    assert misconceptions(key, [(1, "a"), (None, "does not apply"), (2.5, "b")]) == (
        Misconception(1.0, "a"), Misconception(2.5, "b"))
    assert misconceptions(key, [(0.6934, "graded right as it stands")]) is None
    assert misconceptions(key, [(1, "a"), (0.69349, "0.693 once typed to 3 figures")]) is None
    assert misconceptions(key, [(1, "a"), (1.0004, "typed to 4 figures it is the other mistake")]) is None
    assert misconceptions(key, [(math.inf, "not a number a learner can type")]) is None
    pair = np.array([0.5, 0.5])
    assert misconceptions(pair, [(np.array([0.5, 0.7]), "one entry differs"), (np.zeros(3), "another shape")])
    assert misconceptions(pair, [(np.array([0.5004, 0.4996]), "every entry rounds onto the key")]) is None
    # asked for 3 decimal places, 0.00149 is typed 0.001, which the key 0.0009 accepts
    assert misconceptions(0.0009, [(0.00149, "close in decimals")], Tolerance()) is not None
    assert misconceptions(0.0009, [(0.00149, "close in decimals")], PROBS) is None


def test_the_precision_note_says_what_the_tolerance_grades() -> None:
    assert precision(Tolerance()) == "(3 significant figures)"
    assert precision(Tolerance(figures=4, absolute=1e-4)) == "(4 significant figures)"
    assert precision(PROBS) == "(3 decimal places)" and precision(WHOLE) == "(a whole number)"
    solution = Worked("w", (Step("s", (Note("n"),)),))
    assert question("numeric", "What is x?", "h", solution, key=0.5).prompt == "What is x? (3 significant figures)"
    assert question("vector", "What is v?", "h", solution, key=np.ones(2), tolerance=PROBS).prompt == \
        "What is v? (3 decimal places)"
    long = "x" * 60
    assert question("numeric", long, "h", solution, key=1.0).prompt == f"{long}\n(3 significant figures)"
    assert question("truefalse", "Is it?", "h", solution, key=True).prompt == "Is it?"


def test_numbers_are_written_as_answers_are_typed() -> None:
    assert bracketed([0.5, -1, 2]) == "[0.5, −1, 2]" and bracketed(np.array([1.0, -2.0]), "()") == "(1, −2)"
    assert bracketed(np.array([[1, -2], [3, 0.25]])) == "[1, −2; 3, 0.25]"
    assert polynomial((2, "x²"), (-3, "xy"), (1, "y²")) == "2x² − 3xy + y²"
    assert polynomial((-1, "x³"), (0, "x²"), (1, "x"), (-1, "")) == "−x³ + x − 1"
    assert polynomial((0, "x"), (0, "")) == "0"


def test_drawing_helpers() -> None:
    rng = np.random.default_rng(5)
    drawn = integers(rng, -2, 2, (50, 4))
    assert drawn.dtype == float and set(drawn.ravel().tolist()) == {-2.0, -1.0, 0.0, 1.0, 2.0}
    for n, units in ((3, 10), (5, 20)):
        p = nice_distribution(rng, n, units)
        assert len(set(p.tolist())) == n and p.min() > 0 and math.isclose(p.sum(), 1)
        assert np.allclose(p * units, np.round(p * units))
