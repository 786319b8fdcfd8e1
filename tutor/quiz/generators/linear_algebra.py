"""Linear Algebra question generators: similarity, products, shapes, Markov chains, SVD, LoRA, attention.

Each generator draws small numbers (integers, or tenths for probabilities) from the seeded rng,
computes the key with `tutor.maths.linalg` (the core `llmtutor calc` uses) and its named wrong
answers the same way, and draws again whenever a wrong answer could be graded right or taken for
another (`tutor.quiz.generators.common`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tutor.calculators.linear import exact, explain_attention, explain_eigen, explain_lora, explain_matmul, explain_svd
from tutor.explain.format import compact, format_number
from tutor.explain.model import Fact, Matrix, Note, Scalar, Step, Verdict, Worked
from tutor.maths import linalg
from tutor.maths.calculus import softmax_of
from tutor.quiz.generators.common import PROBS, WHOLE, bracketed, finish, integers, misconceptions, question, \
    redrawn
from tutor.quiz.model import Question

PILLAR = "linear-algebra"
VECTORS, PRODUCTS, EIGEN = "vectors-and-matrices", "matrix-multiplication", "eigenvalues-and-eigenvectors"
LOW_RANK, ATTENTION = "svd-and-low-rank", "attention-as-matrix-ops"


# --- vectors and matrices -----------------------------------------------------------------------

@redrawn("cosine-similarity", pillar=PILLAR, lesson=VECTORS)
def cosine_similarity(rng: np.random.Generator) -> Question | None:
    """cos θ of two drawn integer 3-vectors."""
    a, b = integers(rng, -3, 3, 3), integers(rng, -3, 3, 3)
    s = linalg.similarity(a, b)
    if not isinstance(s.cosine, float) or not isinstance(s.dot, float) or abs(s.cosine) > 0.98:
        return None
    squares = float(a @ a) * float(b @ b)
    wrong = misconceptions(s.cosine, [
        (s.dot, "a·b alone: the dot product still has to be divided by ‖a‖ ‖b‖"),
        (s.dot / squares, "divided by Σaᵢ² · Σbᵢ²: the lengths are the square roots of those")])
    if wrong is None:
        return None
    terms = " + ".join(f"{compact(x)}×{compact(y)}" for x, y in zip(a, b))
    solution = Worked("Cosine similarity", formulas=("cos θ = a·b / (‖a‖ ‖b‖)",), kind="cosine-similarity",
                      inputs={"a": a, "b": b}, steps=(
        Step("The vectors", (exact("a", a), exact("b", b))),
        Step("Dot product: multiply entry by entry, then add", (
            Note(f"a·b = {terms} = {compact(s.dot)}"), Scalar("a·b", s.dot, key="dot", decimals=0))),
        Step("Lengths ‖v‖ = √(Σvᵢ²)", (Scalar("‖a‖", s.norm_a, key="norm_a"), Scalar("‖b‖", s.norm_b, key="norm_b"))),
        Step("Divide", (Scalar("cos θ = a·b / (‖a‖ ‖b‖)", s.cosine, key="cosine", result=True),
                        Scalar("θ", s.angle_degrees, unit="°", key="angle_degrees"),
                        Note("cos θ ignores length: 1 for the same direction, 0 at right angles, −1 opposite."))),
    ))
    return question("numeric", f"a = {bracketed(a, '()')} and b = {bracketed(b, '()')}.\n"
                    "What is the cosine similarity cos θ of a and b?",
                    "cos θ = a·b / (‖a‖ ‖b‖): add the products aᵢbᵢ, then divide by both lengths.",
                    solution, key=s.cosine, misconceptions=wrong)


# --- matrix multiplication ----------------------------------------------------------------------

@redrawn("matmul-entry", pillar=PILLAR, lesson=PRODUCTS)
def matmul_entry(rng: np.random.Generator) -> Question | None:
    """One entry of the product of two drawn 3×3 integer matrices."""
    a, b = integers(rng, -3, 3, (3, 3)), integers(rng, -3, 3, (3, 3))
    i, j = (int(x) for x in rng.integers(0, 3, size=2))
    product = linalg.matmul(a, b)
    key = float(product.product[i, j])
    candidates = [(float(linalg.matmul(b, a).product[i, j]), "(BA)ᵢⱼ: the product in the other order; AB ≠ BA"),
                  (float(linalg.matmul(a, b.T).product[i, j]), "row i of A · row j of B: Cᵢⱼ takes COLUMN j of B")]
    if i != j:
        candidates.append((float(product.product[j, i]), "Cⱼᵢ: the row and the column swapped"))
    wrong = misconceptions(key, candidates)
    if wrong is None:
        return None
    terms = " + ".join(f"{compact(x)}×{compact(y)}" for x, y in zip(a[i], b[:, j]))
    worked = explain_matmul(product)
    solution = finish(worked, Step(f"The entry asked for: row {i} of A · column {j} of B", (
        Note(f"C[{i}][{j}] = {terms} = {compact(key)}"), Scalar(f"C[{i}][{j}]", key, key="entry", result=True))),
        row=i, col=j)
    return question("numeric", f"A = {bracketed(a)}\nB = {bracketed(b)}\n"
                    f"What is C[{i}][{j}], the entry in row {i}, column {j} of C = AB?\n"
                    "(rows and columns are numbered from 0)",
                    f"Cᵢⱼ = Σₖ aᵢₖ bₖⱼ: row {i} of A times column {j} of B, entry by entry, then add.",
                    solution, key=key, misconceptions=wrong)


@redrawn("product-shape", pillar=PILLAR, lesson=PRODUCTS)
def product_shape(rng: np.random.Generator) -> Question | None:
    """The shape of a chain of three products, one factor transposed."""
    m, k, n, p = (int(x) for x in rng.choice(np.arange(2, 10), size=4, replace=False))
    entering = [(m, k), (k, n), (n, p)]  # the factors' shapes as they enter the product
    flipped = int(rng.integers(3))
    names = ["A", "B", "C"]
    stored = [shape[::-1] if i == flipped else shape for i, shape in enumerate(entering)]
    expression = " ".join(name + ("ᵀ" if i == flipped else "") for i, name in enumerate(names))
    first = linalg.matmul(np.zeros(entering[0]), np.zeros(entering[1])).product
    shape = linalg.matmul(first, np.zeros(entering[2])).product.shape
    options = [f"{shape[0]}×{shape[1]}", f"{p}×{m}", f"{m}×{n}", f"{k}×{p}", "not defined: the inner sizes do not match"]
    shown = [options[int(i)] for i in rng.permutation(len(options))]
    given = ", ".join(f"{name} is {r}×{c}" for name, (r, c) in zip(names, stored))
    solution = Worked("Shape of a product", formulas=("(a×b)(b×c) → a×c: the inner sizes must match and disappear",),
                      kind="product-shape", inputs={"expression": expression, "shapes": [list(s) for s in stored]},
                      steps=(
        Step("The factors as they enter the product", tuple(
            Fact(name + ("ᵀ" if i == flipped else ""), f"{r}×{c}") for i, (name, (r, c)) in enumerate(zip(names, entering)))
            + (Note(f"A transpose swaps rows and columns: {names[flipped]} is stored "
                    f"{stored[flipped][0]}×{stored[flipped][1]}, so {names[flipped]}ᵀ is "
                    f"{entering[flipped][0]}×{entering[flipped][1]}."),)),
        Step("Left to right", (
            Fact("first two", f"({m}×{k})({k}×{n}) → {m}×{n}", key="first", data=list(first.shape)),
            Fact("times the third", f"({m}×{n})({n}×{p}) → {m}×{p}", key="shape", data=list(shape), result=True),
            Scalar("multiply-adds", m * k * n + m * n * p, key="multiply_adds", decimals=0))),
    ))
    return question("choice", f"{given}.\nWhat is the shape of the product {expression}?",
                    "Transpose first (swap rows and columns), then (a×b)(b×c) → a×c, left to right.",
                    solution, options=tuple(shown), correct=(shown.index(options[0]),))


@redrawn("commute", pillar=PILLAR, lesson=PRODUCTS)
def commute(rng: np.random.Generator) -> Question | None:
    """Whether two drawn 2×2 matrices commute (true about half the time)."""
    a = integers(rng, -3, 3, (2, 2))
    alpha, beta = int(rng.choice([-2, -1, 1, 2])), int(rng.integers(-2, 3))
    built = bool(rng.random() < 0.5)
    b = alpha * a + beta * np.eye(2) if built else integers(rng, -3, 3, (2, 2))
    if any(np.array_equal(m, m[0, 0] * np.eye(2)) for m in (a, b)):
        return None  # a multiple of I commutes with everything: too easy
    ab, ba = linalg.matmul(a, b).product, linalg.matmul(b, a).product
    same = bool(np.array_equal(ab, ba))
    combination = f"{compact(alpha)}A" + (f" {'+' if beta > 0 else '−'} {abs(beta)}I" if beta else "")
    why = (f"B = {combination}, and A commutes with itself and with I."
           if built else "AB and BA agree entry by entry." if same else
           "They differ: in AB, A acts after B; in BA, before. Order matters.")
    solution = Worked("Do A and B commute?", formulas=("AB = BA only in special cases",), kind="commute",
                      inputs={"a": a, "b": b}, steps=(
        Step("The matrices", (exact("A", a), exact("B", b))),
        Step("Both products", (exact("AB", ab, key="ab"), exact("BA", ba, key="ba"))),
        Step("Compare", (Verdict("AB = BA", same, why, key="commute", result=True),)),
    ))
    return question("truefalse", f"A = {bracketed(a)} and B = {bracketed(b)}.\nTrue or false: AB = BA.",
                    "Compute both products; or look for a reason they must agree (is B built from A and I?).",
                    solution, key=same)


# --- eigenvalues: a two-state Markov chain ------------------------------------------------------

def _chain(rng: np.random.Generator) -> tuple[float, float, np.ndarray]:
    """P = [1 − a, a; b, 1 − b] with a ≠ b tenths: a is the chance of leaving state 0, b of state 1."""
    a, b = (int(x) / 10 for x in rng.choice(np.arange(1, 10), size=2, replace=False))
    return a, b, np.array([[round(1 - a, 1), a], [b, round(1 - b, 1)]])


@redrawn("stationary-distribution", pillar=PILLAR, lesson=EIGEN)
def stationary_distribution(rng: np.random.Generator) -> Question | None:
    """The stationary distribution of a drawn 2×2 row-stochastic matrix (a vector answer)."""
    a, b, p = _chain(rng)
    e = linalg.eigen(p)
    key = e.stationary
    assert key is not None  # P is row-stochastic by construction
    wrong = misconceptions(key, [
        (np.array([0.5, 0.5]), "the right eigenvector (1, 1) scaled: π solves π P = π, a LEFT one"),
        (np.array([a, b]) / (a + b), "swapped: πᵢ is proportional to the chance of ENTERING i"),
        (p[0], "row 0 of P: where the chain goes in one step from state 0, not where it settles")], PROBS)
    if wrong is None:
        return None
    return question("vector", f"A two-state Markov chain has the row-stochastic matrix\nP = {bracketed(p)}.\n"
                    "What is its stationary distribution π (π P = π, entries summing to 1)?\n"
                    "Answer with two numbers separated by a comma.",
                    "π P = π gives π₀·P[0][1] = π₁·P[1][0] (flow out of 0 = flow into 0); then π₀ + π₁ = 1.",
                    explain_eigen(e), key=key, tolerance=PROBS, misconceptions=wrong)


@redrawn("spectral-gap", pillar=PILLAR, lesson=EIGEN)
def spectral_gap(rng: np.random.Generator) -> Question | None:
    """The spectral gap 1 − |λ₂| of a drawn 2×2 row-stochastic matrix."""
    _, _, p = _chain(rng)
    e = linalg.eigen(p)
    key, second = e.spectral_gap, float(e.eigenvalues[1].real)
    assert key is not None
    candidates = [(abs(second), "|λ₂| itself: the gap is 1 − |λ₂|")]
    if second < 0:
        candidates.append((1 - second, "1 − λ₂ without the absolute value: a negative λ₂ mixes as slowly as −λ₂"))
    wrong = misconceptions(key, candidates)
    if wrong is None:
        return None
    return question("numeric", f"P = {bracketed(p)} is row-stochastic (a two-state Markov chain).\n"
                    "What is its spectral gap? (λ₁ = 1 for every row-stochastic matrix.)",
                    "The eigenvalues of a 2×2 matrix add up to its trace, so λ₂ = trace − 1; the gap is 1 − |λ₂|.",
                    explain_eigen(e), key=key, misconceptions=wrong)


# --- SVD and LoRA -------------------------------------------------------------------------------

@redrawn("svd-truncation-error", pillar=PILLAR, lesson=LOW_RANK)
def svd_truncation_error(rng: np.random.Generator) -> Question | None:
    """‖A − A_r‖_F of the best rank-r approximation, from drawn singular values."""
    n = int(rng.integers(3, 5))
    sigma = np.sort(rng.choice(np.arange(1, 10), size=n, replace=False))[::-1].astype(float)
    rank = int(rng.integers(1, n - 1))  # at least two singular values are dropped
    signs = np.diag(rng.choice([-1.0, 1.0], size=n))
    matrix = np.eye(n)[rng.permutation(n)] @ signs @ np.diag(sigma) @ np.eye(n)[rng.permutation(n)]
    low = linalg.low_rank(matrix, rank)
    s = low.singular_values
    dropped, kept = s[rank:], s[:rank]
    wrong = misconceptions(low.error, [
        (float(dropped.sum()), "Σ σᵢ over the dropped ones: square them, add, then take the root"),
        (float((dropped**2).sum()), "Σ σᵢ² without the square root"),
        (float(dropped[0]), f"σ_{rank + 1} alone: that is the spectral-norm error ‖A − A_r‖₂, not ‖·‖_F"),
        (math.sqrt(float((kept**2).sum())), "√(Σ σᵢ²) over the KEPT values: that measures A_r, not what it misses")])
    if wrong is None:
        return None
    values = ", ".join(compact(float(x)) for x in sigma)
    return question("numeric", f"A {n}×{n} matrix A has singular values {values}.\n"
                    f"What is ‖A − A_{rank}‖_F, the error of its best rank-{rank} approximation A_{rank}?",
                    "Eckart-Young: drop the smallest singular values; the error is the root of the sum of their squares.",
                    explain_svd(low), key=low.error, misconceptions=wrong)


@redrawn("lora-parameters", pillar=PILLAR, lesson=LOW_RANK)
def lora_parameters(rng: np.random.Generator) -> Question | None:
    """How many numbers a drawn LoRA update trains, r(d + k)."""
    d, k = (int(x) for x in rng.choice([256, 512, 768, 1024, 2048, 4096], size=2))
    r = int(rng.choice([4, 8, 16, 32, 64]))
    res = linalg.lora(d, k, r)
    candidates = [(d * k * r, "d·k·r: B (d×r) and A (r×k) are two small matrices, so counts add: d·r + r·k"),
                  (res.full_params, "d·k: the full update ΔW, which LoRA never trains"),
                  (d * r, "d·r: only B; A (r×k) is trained too")]
    if d != k:
        candidates.append((2 * d * r, "2·d·r: as if W were square (k = d)"))
    wrong = misconceptions(res.lora_params, candidates, WHOLE)
    if wrong is None:
        return None
    return question("numeric", f"LoRA adapts a frozen {format_number(d)}×{format_number(k)} weight matrix W with a "
                    f"rank-{r} update\nΔW = B A. How many numbers does it train?",
                    "B is d×r and A is r×k; count the entries of both.",
                    explain_lora(res), key=res.lora_params, tolerance=WHOLE, misconceptions=wrong)


# --- attention ----------------------------------------------------------------------------------

@redrawn("attention-weight", pillar=PILLAR, lesson=ATTENTION)
def attention_weight(rng: np.random.Generator) -> Question | None:
    """One attention weight softmax(QKᵀ/√d_k)ᵢⱼ for drawn integer Q and K."""
    d = int(rng.choice([2, 4]))
    q, k = integers(rng, -2, 2, (2, d)), integers(rng, -2, 2, (3, d))
    i, j = int(rng.integers(2)), int(rng.integers(3))
    r = linalg.attention(q, k, np.eye(3))
    key = float(r.weights[i, j])
    if not 0.01 < key < 0.99:
        return None
    wrong = misconceptions(key, [
        (float(softmax_of(r.scores[i])[j]), "forgot to divide the scores by √d_k"),
        (float(softmax_of(r.scaled[:, j])[i]), "softmax down the column: each QUERY's row sums to 1"),
        (float(softmax_of(r.scores[i] / d)[j]), "divided by d_k instead of √d_k")])
    if wrong is None:
        return None
    worked = explain_attention(r)
    first = Step(worked.steps[0].heading, tuple(item for item in worked.steps[0].items
                                                if not (isinstance(item, Matrix) and item.name == "V")))
    asked = Step(f"The weight asked for: row q{i + 1}, column k{j + 1}", (
        Scalar(f"A[q{i + 1}, k{j + 1}]", key, key="asked_weight", result=True),))
    solution = replace(worked, steps=(first, *worked.steps[1:-1], asked), formulas=worked.formulas[:1],
                       inputs={"q": q, "k": k, "query": i, "key": j})
    return question("numeric", f"Queries Q = {bracketed(q)} (one row per token, d_k = {d})\n"
                    f"and keys K = {bracketed(k)} (3 keys).\n"
                    f"In scaled dot-product attention, what weight does query q{i + 1} put on key k{j + 1}?",
                    f"Score q{i + 1} against every key (Q Kᵀ), scale by 1/√d_k, then softmax that row.",
                    solution, key=key, misconceptions=wrong)
