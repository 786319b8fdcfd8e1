"""What the course promises to teach is taught: each topic of the course plan (issues 10 and 11)
is named with the lesson that owns it and phrases that must appear in that lesson, and every
written lesson has the parts a lesson needs. A topic whose lesson is not written yet is skipped,
so the list states the whole course while lessons are being written; once written, it holds."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len  # m̂ is two characters in one cell, ℝ one, a CJK character two

from tutor.curriculum.catalog import load_catalog
from tutor.curriculum.model import Derivation, Example, Formula, Playground, Slot
from tutor.resources import content_dir

CATALOG = load_catalog()

#: (lesson number(s), topic, patterns that must all occur in one of those lessons, case-insensitive)
TOPICS: list[tuple[int | tuple[int, ...], str, tuple[str, ...]]] = [
    # Linear Algebra: the gaps a new learner found
    ((1, 2), "transpose of a product", (r"\(AB\)ᵀ\s*=\s*BᵀAᵀ",)),
    ((1, 2), "the identity matrix", (r"identity",)),
    ((1, 2), "span, independence and rank", (r"\bspan\b", r"independen", r"\brank\b")),
    (2, "y = Wx vs X·W", (r"y\s*=\s*W\s*x|y = Wx", r"X\s*·?\s*W\b|XW")),
    (3, "eigenvalues from det(A − λI) = 0", (r"det\(A − λI\)\s*=\s*0",)),
    (3, "trace and determinant", (r"\btrace\b", r"determinant")),
    (3, "symmetric matrices, orthogonal eigenvectors", (r"symmetric", r"orthogonal")),
    (4, "σᵢ² as eigenvalues of AᵀA", (r"AᵀA", r"σᵢ²|σ²")),
    (5, "Q, K, V from X·W", (r"W_Q|W_q|W_Q", r"W_K|W_k", r"W_V|W_v")),
    (5, "the causal mask", (r"causal", r"mask")),
    (5, "multi-head attention and the output projection", (r"multi-head|multi‑head|heads", r"W_O|output projection")),
    (5, "the √dₖ spread, simulated", (r"√d", r"simulat")),
    # Calculus
    (6, "the limit definition", (r"lim", r"h\s*→\s*0")),
    (6, "∂L/∂wᵢⱼ for one weight", (r"∂L/∂wᵢⱼ",)),
    (6, "central vs forward differences", (r"central", r"forward")),
    (6, "a finite-difference gradient check", (r"gradient check|checking a gradient",)),
    (7, "L = f(g(h(w))) with intermediate values", (r"f\(g\(h\(w\)\)\)",)),
    (7, "the computation graph", (r"computation graph",)),
    (7, "backprop stores forward values", (r"stor", r"forward value")),
    (7, "reverse vs forward mode cost", (r"reverse mode", r"forward mode")),
    (8, "the softmax Jacobian, both cases", (r"σᵢ\(δᵢⱼ − σⱼ\)", r"σᵢ\(1 − σᵢ\)", r"−σᵢσⱼ")),
    (8, "its symmetry and zero row sums", (r"symmetric", r"sum(s|ming)? to (0|zero)")),
    (8, "the Jacobian-vector product", (r"vᵀJ|vector-Jacobian|Jacobian-vector",)),
    (9, "a two-layer network by hand", (r"two-layer|3→4→2",)),
    (9, "ReLU vs sigmoid's 0.25", (r"ReLU", r"0\.25")),
    (9, "vanishing gradients over depth", (r"vanish", r"depth")),
    (9, "the LayerNorm gradient with ε and a vector γ", (r"LayerNorm", r"ε", r"γ")),
    (10, "the derivation of ŷ − y", (r"ŷ − y",)),
    (10, "bounded and well conditioned", (r"bounded", r"well conditioned|well-conditioned")),
    (10, "gradient descent with a too-large step", (r"gradient descent", r"diverge")),
    # Probability
    (11, "the next token as a random variable", (r"random variable", r"next token")),
    (11, "PMF vs PDF", (r"PMF|probability mass", r"PDF|density")),
    (11, "sampling from a categorical", (r"categorical", r"sampl")),
    (12, "categorical and Gaussian", (r"categorical", r"Gaussian")),
    (12, "the chain rule of probability is an identity", (r"chain rule of probability", r"identity")),
    (12, "greedy, temperature, top-k, top-p", (r"greedy", r"temperature", r"top-k", r"top-p")),
    (13, "linearity of expectation", (r"linearity",)),
    (13, "the unbiased minibatch gradient", (r"unbiased", r"minibatch|mini-batch")),
    (13, "variance σ²/|B| by simulation", (r"σ²/\|B\|", r"simulat|measur")),
    (13, "noise falls as 1/√|B|", (r"√\|B\|",)),
    (14, "from the likelihood to the average cross-entropy", (r"argmax", r"cross-entropy")),
    (14, "the Markov assumption and n-grams by counting", (r"Markov", r"n-gram|bigram", r"count")),
    (14, "what dropping it costs: O(T²)", (r"O\(T²",)),
    (15, "Bayes' theorem on numbers", (r"Bayes",)),
    (15, "weight decay as a Gaussian prior, MAP", (r"weight decay", r"Gaussian prior", r"MAP")),
    (15, "Monte Carlo dropout", (r"Monte Carlo dropout|MC dropout",)),
    (15, "Bradley-Terry", (r"Bradley[–-]Terry",)),
    (15, "in-context learning as a hypothesis", (r"in-context learning", r"hypothesis")),
    # Information Theory
    (16, "surprise −log p", (r"surprise", r"−\s*log\s*p")),
    (16, "bits vs nats", (r"\bbits\b", r"\bnats\b")),
    (16, "uniform maximal, deterministic zero, proved", (r"uniform", r"maxim", r"determinist")),
    (16, "the Bernoulli entropy curve", (r"Bernoulli|binary entropy",)),
    (16, "a model's next-token entropy", (r"next-token|next token",)),
    (17, "one-hot targets", (r"one-hot",)),
    (17, "H(p, q) = H(p) + D_KL(p‖q)", (r"H\(p, q\)\s*=\s*H\(p\)\s*\+\s*D",)),
    (17, "label smoothing", (r"label smoothing",)),
    (18, "asymmetry", (r"asymmetr|not symmetric",)),
    (18, "non-negativity via Jensen or Gibbs", (r"Jensen|Gibbs",)),
    (18, "infinite when q = 0 where p > 0", (r"infinit|∞",)),
    (18, "forward vs reverse KL: mode-covering and mode-seeking", (r"mode-covering|mode covering",
                                                                   r"mode-seeking|mode seeking")),
    (18, "the KL penalty in RLHF", (r"RLHF", r"penalt")),
    (19, "exp of the cross-entropy", (r"exp",)),
    (19, "effective number of choices", (r"effective",)),
    (19, "the 1 and |V| extremes", (r"\|V\|",)),
    (19, "base 2 vs base e", (r"base 2|2\^|bits", r"base e|nats")),
    (19, "bits per token and bits per byte", (r"bits per token", r"bits per byte")),
    (19, "tokenisers make perplexities incomparable", (r"tokeni[sz]er",)),
    (19, "a sourced table of typical perplexities", (r"Radford|GPT-2", r"Penn Treebank|PTB", r"WikiText")),
    (19, "calc perplexity on a real model's output", (r"calc perplexity",)),
    (20, "entropy limits average code length", (r"code length|average length",)),
    (20, "a Huffman code against the entropy", (r"Huffman",)),
    (20, "arithmetic coding", (r"arithmetic cod",)),
    (20, "language models as compressors, bits per byte", (r"compress", r"bits per byte")),
    (20, "I(X;Y) from a joint table, attention as intuition", (r"I\(X;\s*Y\)", r"joint", r"attention",
                                                             r"intuition")),
    # Optimization and the training loop
    (21, "convex vs non-convex", (r"non-convex|nonconvex", r"convex")),
    (21, "critical points by the Hessian's eigenvalue signs", (r"Hessian", r"eigenvalue", r"saddle")),
    (21, "saddles dominate in high dimensions, labelled", (r"high dimension|high-dimension", r"empirical")),
    (22, "minibatch noise at work", (r"minibatch|mini-batch", r"noise")),
    (22, "the linear scaling rule and where it breaks", (r"linear scaling",)),
    (22, "flat vs sharp minima as a hypothesis", (r"flat", r"sharp", r"hypothes")),
    (23, "Robbins-Monro conditions with partial sums", (r"Robbins", r"partial sum")),
    (23, "constant rates and the noise floor", (r"constant", r"noise floor|floor")),
    (23, "warm-up and cosine decay", (r"warm-up|warmup", r"cosine")),
    (24, "momentum as an exponential moving average", (r"momentum", r"moving average")),
    (24, "bias correction derived", (r"bias correction", r"1 − β₁ᵗ")),
    (24, "AdamW's decoupled weight decay", (r"AdamW", r"decoupled")),
    (24, "Adam vs SGD on an ill-conditioned problem", (r"ill-conditioned|ill conditioned", r"SGD")),
    (25, "the batch, forward, loss, backward, update", (r"batch", r"forward", r"cross-entropy", r"backward",
                                                       r"Adam")),
    (25, "gradients checked by finite differences", (r"finite difference|central difference",)),
    (25, "training and validation perplexity", (r"validation", r"perplexity")),
    (25, "sampling before and after training", (r"sampl", r"temperature")),
]


def _text(number: int) -> str | None:
    """The lesson file's text (its path is ``content/<pillar>/<file>``), or None if unwritten."""
    slot = next(s for s in CATALOG.slots if s.number == number)
    if slot.lesson is None:
        return None
    return (content_dir() / slot.lesson.path.removeprefix("content/")).read_text(encoding="utf-8")


@pytest.mark.parametrize(("numbers", "topic", "patterns"), TOPICS, ids=[f"{n}-{t}" for n, t, _ in TOPICS])
def test_each_topic_is_taught_in_its_lesson(numbers: int | tuple[int, ...], topic: str,
                                             patterns: tuple[str, ...]) -> None:
    texts = [t for t in (_text(n) for n in (numbers if isinstance(numbers, tuple) else (numbers,))) if t]
    if not texts:
        pytest.skip(f"lesson {numbers} is not written yet")
    missing = [[p for p in patterns if not re.search(p, text, re.IGNORECASE)] for text in texts]
    assert [] in missing, f"lesson {numbers} does not teach {topic!r}: no match for {min(missing, key=len)}"


@pytest.mark.parametrize("slot", [s for s in CATALOG.slots if s.lesson], ids=lambda s: str(s.number))
def test_every_written_lesson_has_the_parts_of_a_lesson(slot: Slot) -> None:
    lesson = slot.lesson
    assert lesson is not None
    kinds = {type(block) for block in lesson.blocks}
    assert {Formula, Example, Playground} <= kinds, (slot.number, kinds)
    assert lesson.objectives and (lesson.prerequisites or slot.number == 1)
    text = _text(slot.number) or ""
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert any(re.search(r"LLM|language model|transformer", h, re.IGNORECASE) for h in headings), headings
    assert any(re.search(r"pitfall", h, re.IGNORECASE) for h in headings) or "pitfall" in text.lower(), headings
    assert Derivation in kinds, (slot.number, "derives nothing")


def test_the_prerequisite_graph_names_real_earlier_lessons_so_it_has_no_cycle() -> None:
    """Every prerequisite is a lesson of the course with a smaller number: an order exists in which
    each lesson comes after what it builds on (numbers only go down along an edge, so no cycle)."""
    number = {slot.id: slot.number for slot in CATALOG.slots}
    edges = [(slot.number, p) for slot in CATALOG.slots if slot.lesson for p in slot.lesson.prerequisites]
    assert edges
    assert [(n, p) for n, p in edges if p not in number] == []
    assert [(n, p) for n, p in edges if number[p] >= n] == []
    assert all(slot.lesson.prerequisites for slot in CATALOG.slots if slot.lesson and slot.number > 1)


#: A column of a formula block: text after three or more spaces (an annotation, a second formula).
_COLUMN = re.compile(r"(?<=\S) {3,}(?=\S)")


@pytest.mark.parametrize("slot", [s for s in CATALOG.slots if s.lesson], ids=lambda s: str(s.number))
def test_columns_of_a_formula_line_up_in_the_terminal(slot: Slot) -> None:
    """A formula block is drawn as written, so its columns must line up in terminal cells, not
    in characters: lesson 25's "(Adam)" stood two cells right of "(backpropagation)", and ten
    blocks of the course had a column one or two cells off its neighbours'. Columns within
    three lines of each other are either aligned or at least three cells apart."""
    assert slot.lesson is not None
    off = []
    for block in slot.lesson.blocks:
        if not isinstance(block, Formula):
            continue
        starts = [(row, cell_len(line[: match.end()])) for row, line in enumerate(block.lines)
                  for match in _COLUMN.finditer(line)]
        off += [f"line {block.line}: rows {a + 1} and {b + 1} at cells {x} and {y}"
                for a, x in starts for b, y in starts if a < b <= a + 3 and 0 < abs(x - y) <= 2]
    assert not off, "\n".join(off)


#: The widest formula line drawn whole in an 80-column terminal: the lesson pane leaves the
#: formula's box 76 cells, and its border and padding take 4 of them.
FORMULA_CELLS = 72


@pytest.mark.parametrize("slot", [s for s in CATALOG.slots if s.lesson], ids=lambda s: str(s.number))
def test_every_formula_line_fits_an_80_column_terminal(slot: Slot) -> None:
    """A wider line is wrapped inside its box, and the wrapped end lands under the first column
    (lesson 2's "ℝ^(n×d_out)" on a line of its own, at 80×24 in `learn`)."""
    assert slot.lesson is not None
    wide = [f"line {block.line}: {cell_len(line)} cells: {line}" for block in slot.lesson.blocks
            if isinstance(block, Formula) for line in block.lines if cell_len(line) > FORMULA_CELLS]
    assert not wide, "\n".join(wide)
