"""Worked examples for lesson 20, part 2: a language model as a compressor (exact arithmetic
coding driven by a character model, bits per byte on the shipped story), mutual information
three ways, why attention weights are not mutual information, and the MI playground.

Mutual information is the calculator's (`tutor.maths.information.mutual_information`,
explained by `explain_mutual_information`); attention is `tutor.maths.linalg.attention`;
the character models and the coder are `tutor.maths.coding`.
"""

from __future__ import annotations

import lzma
import zlib
from functools import lru_cache

import numpy as np

from tutor.calculators.information import explain_mutual_information
from tutor.examples.registry import example, playground
from tutor.explain.format import compact
from tutor.explain.model import Fact, Item, Matrix, Note, Scalar, Series, Step, Verdict, Worked
from tutor.maths.coding import AdaptiveModel, adaptive_bits, arithmetic_decode, arithmetic_encode, fitted_bits
from tutor.maths.information import entropy, kl_divergence, mutual_information
from tutor.maths.linalg import attention
from tutor.maths.numerics import Undefined
from tutor.resources import content_dir

#: The story shipped for lesson 25, under the lessons' folder.
CORPUS_PATH = ("data", "tiny-corpus.txt")
#: Weather word (rows) and a later word (columns): knowing one tells something about the other.
WEATHER, LATER = ("sunny", "rainy"), ("sunglasses", "umbrella", "coffee")
JOINT = np.array([[0.30, 0.05, 0.15], [0.05, 0.30, 0.15]])
#: Attention counterexample: a start token ⟨s⟩, a fair random token x ∈ {A, B}, and y = x.
SEQ_TOKENS = ("⟨s⟩", "x", "y")
W_Q = np.array([[0.0], [2.0], [2.0]])  # rows: the embeddings ⟨s⟩, A, B (one-hot)
W_K_SINK = np.array([[2.0], [0.0], [0.0]])  # a head whose keys single out ⟨s⟩
W_K_CONTENT = np.array([[0.0], [2.0], [2.0]])  # a head whose keys single out the content tokens


@lru_cache(maxsize=1)
def story() -> str:
    """The shipped story; lines starting with '#' are a header, not text."""
    raw = content_dir().joinpath(*CORPUS_PATH).read_text(encoding="utf-8")
    return "\n".join(line for line in raw.splitlines() if not line.startswith("#")).strip()


@lru_cache(maxsize=1)
def alphabet() -> tuple[str, ...]:
    """The story's characters, sorted: the alphabet coder and decoder agree on in advance."""
    return tuple(sorted(set(story())))


def symbols_of(text: str) -> list[int]:
    index = {ch: i for i, ch in enumerate(alphabet())}
    return [index[ch] for ch in text]


def _shown(ch: str) -> str:
    return {" ": "␣", "\n": "⏎"}.get(ch, ch)


def _running_mean(bits: np.ndarray, every: int) -> tuple[np.ndarray, np.ndarray]:
    at = np.arange(every, bits.size + 1, every)
    return at.astype(float), np.cumsum(bits)[at - 1] / at


def _predictions(text: str, bits: np.ndarray, shown: int) -> Matrix:
    """The first and last few predictions: cost before and after the counts fill up."""
    at = sorted(set(range(min(shown, len(text)))) | set(range(max(0, len(text) - shown), len(text))))
    table = np.column_stack([np.exp2(-bits[at]), bits[at]])
    return Matrix("the first and the last predictions", table,
                  row_labels=tuple(f"{i + 1:,}: {_shown(text[i])}" for i in at),
                  col_labels=("p(char | context)", "−log₂ p"),
                  caption="add-½ counts: p = (2·count + 1) / (2·total + V)")


@example()
def model_as_compressor(chars: int = 1500, order: int = 1, shown: int = 5) -> Worked:
    """The story's opening, arithmetic-coded with an adaptive character model and decoded back:
    the code is less than 2 bits longer than the model's total −log₂ p."""
    text = story()[:chars]
    s, size = symbols_of(text), len(alphabet())
    code = arithmetic_encode(s, AdaptiveModel(size, order), trace=False)
    decoded = arithmetic_decode(code.code, len(s), AdaptiveModel(size, order))
    bits = adaptive_bits(s, size, order)
    n_bytes = len(text.encode("utf-8"))
    curves = tuple((f"order {k}", _running_mean(adaptive_bits(s, size, k), 10)[1]) for k in range(3))
    context = "the character before it" if order == 1 else f"the {order} characters before it"
    return Worked("A model plus an arithmetic coder is a compressor", (
        Step(f"Predict each character from {context}, then count it", (
            Fact("alphabet", f"{size} characters, agreed in advance"), _predictions(text, bits, shown))),
        Step("The counts fill up and the cost per character falls", (
            Series("average bits per character so far", _running_mean(bits, 10)[0], curves,
                   x_label="characters read", y_label="bits per character"),)),
        Step("Code it, then decode it", (
            Scalar("characters", float(len(s)), decimals=0,
                   caption="one byte each" if n_bytes == len(s) else f"{n_bytes:,} UTF-8 bytes"),
            Scalar("Σ −log₂ p (the model's total surprise)", code.ideal_bits, unit="bits"),
            Scalar("arithmetic code", float(len(code.code)), unit="bits", decimals=0),
            Scalar("code − Σ −log₂ p", len(code.code) - code.ideal_bits, unit="bits"),
            Verdict("Σ −log₂ p ≤ code < Σ −log₂ p + 2", code.ideal_bits <= len(code.code) < code.ideal_bits + 2),
            Verdict("decoding gives the text back, character for character", decoded == s),
            Scalar("bits per byte", len(code.code) / n_bytes, unit="bits", caption="raw text: 8"))),
    ), {"ideal_bits": code.ideal_bits, "code_bits": len(code.code), "bits": bits, "decoded_ok": decoded == s,
        "bits_per_byte": len(code.code) / n_bytes, "bytes": n_bytes, "text": text})


@lru_cache(maxsize=4)
def _corpus_rates(max_order: int) -> tuple[np.ndarray, np.ndarray, float, float, int]:
    text = story()
    raw, s, size = text.encode("utf-8"), symbols_of(text), len(alphabet())
    fitted = np.array([fitted_bits(s, size, k) for k in range(max_order + 1)]) / len(raw)
    adaptive = np.array([adaptive_bits(s, size, k).sum() for k in range(max_order + 1)]) / len(raw)
    return fitted, adaptive, 8 * len(zlib.compress(raw, 9)) / len(raw), 8 * len(lzma.compress(raw)) / len(raw), len(raw)


def _per_unit(total_bits: float, units: dict[str, int]) -> Matrix:
    rows = np.array([[total_bits / count, np.exp2(total_bits / count)] for count in units.values()])
    return Matrix("one model's bits, divided up", rows, row_labels=tuple(f"{k} ({n:,})" for k, n in units.items()),
                  col_labels=("bits per unit", "2^(bits per unit)"),
                  caption="the last column is the perplexity per unit (lesson 19)")


@example()
def bits_per_byte_corpus(max_order: int = 5) -> Worked:
    """Bits per byte of the whole story: count models of order 0 … max_order, fitted on the story
    (the model not paid for) or adaptive (a real compressor), against zlib, lzma and raw bytes."""
    fitted, adaptive, gz, xz, n_bytes = _corpus_rates(max_order)
    orders = np.arange(max_order + 1)
    best = int(np.argmin(adaptive))
    text = story()
    total = adaptive[best] * n_bytes
    units = {"characters": len(text), "words": len(text.split()), "bytes": n_bytes}
    return Worked("Bits per byte: how well each model compresses the story", (
        Step(f"The story: {n_bytes:,} bytes", (
            Matrix("bits per byte by context length", np.column_stack([fitted, adaptive]),
                   row_labels=tuple(f"order {k}" for k in orders),
                   col_labels=("fitted (model not sent)", "adaptive (decodable)")),
            Scalar("raw text", 8.0, unit="bits per byte", decimals=0),
            Scalar("zlib (level 9)", gz, unit="bits per byte"),
            Scalar("lzma", xz, unit="bits per byte"),
            Series("bits per byte", orders.astype(float), (
                ("fitted", fitted), ("adaptive", adaptive),
                ("zlib", np.full(orders.size, gz)), ("lzma", np.full(orders.size, xz))),
                x_label="order", y_label="bits per byte", caption="order: characters of context"),
            Note("The fitted models improve with every order because a long-context table memorises "
                 "the story: sending that table would cost more than it saves. The adaptive models pay "
                 "as they learn, so too long a context (seen too rarely) costs more, not less."))),
        Step(f"Per token or per byte? The order-{best} adaptive model's {total:,.0f} bits", (
            _per_unit(total, units),
            Note("Words are split at white space. The bits are the model's, for this text, however "
                 "it is cut. Per token they change with the cut (here every byte is one character, so "
                 "those two rows agree); per byte they do not, which is why bits per byte compares "
                 "models with different tokenizers."))),
    ), {"fitted": fitted, "adaptive": adaptive, "zlib": gz, "lzma": xz, "bytes": n_bytes, "best_order": best,
        "words": units["words"]})


def _conditional_entropy(joint: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """P(x | y) column by column, H(X | Y = y) for each y, and H(X|Y) = Σ_y P(y) H(X | Y = y)."""
    py = joint.sum(axis=0)
    seen = py > 0
    conditionals = np.zeros_like(joint)
    conditionals[:, seen] = joint[:, seen] / py[seen]
    per_column = np.array([entropy(conditionals[:, j], "2").entropy if seen[j] else 0.0 for j in range(py.size)])
    return conditionals, per_column, float(py @ per_column)


def _three_ways(joint: np.ndarray) -> tuple[np.ndarray, float]:
    """I(X;Y) as H(X) − H(X|Y) (the conditional entropy computed column by column), as
    H(X) + H(Y) − H(X,Y), and as D_KL(P(x,y) ‖ P(x)P(y)); and that H(X|Y)."""
    r = mutual_information(joint, "2")
    h_x_given_y = _conditional_entropy(r.joint)[2]
    kl = kl_divergence(r.joint.ravel(), np.outer(r.px, r.py).ravel(), "2").kl
    return np.array([r.h_x - h_x_given_y, r.h_x + r.h_y - r.h_xy, kl]), h_x_given_y


THREE_WAYS = ("H(X) − H(X|Y)", "H(X) + H(Y) − H(X,Y)", "D_KL(P(x,y) ‖ P(x)P(y))")


@example()
def mutual_information_worked() -> Worked:
    """A weather word and a later word: I(X;Y) three ways, then the independent table's I = 0."""
    r = mutual_information(JOINT, "2")
    conditionals, per_column, h_x_given_y = _conditional_entropy(JOINT)
    ways, _ = _three_ways(JOINT)
    independent = np.outer(r.px, r.py)
    ways_independent, _ = _three_ways(independent)
    return Worked("Mutual information: what one word tells about another", (
        Step("The joint table", (
            Matrix("P(x, y)", JOINT, row_labels=WEATHER, col_labels=LATER, decimals=2),
            Matrix("P(x)", r.px, col_labels=WEATHER), Matrix("P(y)", r.py, col_labels=LATER))),
        Step("What is left of X once Y is known: H(X|Y) = Σ_y P(y) H(X | Y = y)", (
            Matrix("P(x | y)", conditionals, row_labels=WEATHER, col_labels=LATER,
                   caption="each column of the joint, divided by its total"),
            Matrix("H(X | Y = y)", per_column, col_labels=LATER, caption="bits"),
            Scalar("H(X)", r.h_x, unit="bits"), Scalar("H(X|Y)", h_x_given_y, unit="bits"))),
        Step("The same number three ways", (
            Matrix("I(X;Y) (bits)", ways, col_labels=THREE_WAYS),
            Verdict("all three agree", bool(np.allclose(ways, ways[0]))),
            Note("In coding terms: sending the weather word costs H(X) bits on its own and H(X|Y) bits "
                 "when the receiver already has the later word. I(X;Y) is the saving."))),
        Step("Independent words: the product of the marginals", (
            Matrix("P(x)P(y)", independent, row_labels=WEATHER, col_labels=LATER),
            Matrix("I(X;Y) (bits)", ways_independent, col_labels=THREE_WAYS),
            Verdict("I(X;Y) = 0 when P(x, y) = P(x)P(y)", bool(np.all(np.abs(ways_independent) < 1e-12))))),
        Step("Pair by pair: P(x,y) log₂(P(x,y) / (P(x)P(y)))", (
            Matrix("terms (bits)", r.terms, row_labels=WEATHER, col_labels=LATER,
                   caption="a matching pair adds, a clashing pair subtracts; the sum is I(X;Y) ≥ 0"),)),
    ), {"mutual_information": float(ways[0]), "three_ways": ways, "h_x": r.h_x, "h_x_given_y": h_x_given_y,
        "h_x_given_y_columns": per_column, "independent_mi": ways_independent, "terms": r.terms})


def _weights(w_q: np.ndarray, w_k: np.ndarray) -> np.ndarray:
    """The causal attention matrix for ⟨s⟩, x, y with x = y = A (for B the same, by symmetry)."""
    x = np.eye(3)[[0, 1, 1]]  # one-hot rows: ⟨s⟩, A, A
    return attention(x @ w_q, x @ w_k, x, causal=True).weights


def _mi_with_y() -> np.ndarray:
    """I(key; y) in bits for the keys ⟨s⟩ (constant), x (= y) and y itself."""
    constant = mutual_information(np.array([[0.5, 0.5]]), "2").mutual_information
    copy = mutual_information(np.array([[0.5, 0.0], [0.0, 0.5]]), "2").mutual_information
    return np.array([constant, copy, copy])


@example()
def attention_not_mi(max_scale: float = 3.0) -> Worked:
    """A head that puts most of y's attention on ⟨s⟩, which shares 0 bits with y, while x, an
    exact copy (1 bit), gets little; rescaling W_Q moves the weights but no mutual information."""
    mi = _mi_with_y()
    sink, content = _weights(W_Q, W_K_SINK), _weights(W_Q, W_K_CONTENT)
    scales = np.linspace(0.0, max_scale, 31)
    sweep = np.array([_weights(c * W_Q, W_K_SINK)[2] for c in scales])
    top = int(np.argmax(sink[2]))
    return Worked("Attention weights are not mutual information", (
        Step("The data: ⟨s⟩ is always the same, x is A or B with probability ½, y repeats x", (
            Matrix("I(key; y)", mi, col_labels=SEQ_TOKENS, caption="bits: ⟨s⟩ tells nothing, x tells all"),
            Matrix("W_Q", W_Q, row_labels=("⟨s⟩", "A", "B")), Matrix("W_K", W_K_SINK, row_labels=("⟨s⟩", "A", "B")))),
        Step("A head whose keys single out ⟨s⟩ (causal mask, dₖ = 1)", (
            Matrix("A (sequence ⟨s⟩ A A; ⟨s⟩ B B gives the same)", sink, row_labels=SEQ_TOKENS,
                   col_labels=SEQ_TOKENS),
            Verdict("y's largest weight goes to the key sharing the most information with it",
                    bool(mi[top] == mi.max()), f"it goes to {SEQ_TOKENS[top]}, which shares {compact(mi[top])} bits"),
            Verdict("x attends to y as much as y attends to x (as I(x;y) = I(y;x))",
                    bool(np.isclose(sink[1, 2], sink[2, 1])), "the mask gives the future weight 0"))),
        Step("Rescale W_Q: the weights move, the mutual information does not", (
            Series("y's attention as W_Q is scaled by c", scales, (
                ("weight on ⟨s⟩ (0 bits)", sweep[:, 0]), ("weight on x (1 bit)", sweep[:, 1])),
                x_label="scale c of W_Q", y_label="attention weight"),)),
        Step("Even a head that finds the informative keys splits its weight", (
            Matrix("A with keys on the content", content, row_labels=SEQ_TOKENS, col_labels=SEQ_TOKENS),
            Note("x and y each share 1 bit with y, yet each gets about half of y's weight: a row of "
                 "weights sums to 1, whatever the information on offer."))),
    ), {"mi": mi, "weights_sink": sink, "weights_content": content, "sweep": sweep, "scales": scales})


@playground()
def mutual_information_playground(joint: np.ndarray) -> Worked:
    """I(X;Y) of any joint table with its marginals and entropies; a summary (last step) giving
    I three ways and whether X and Y are independent."""
    r = mutual_information(joint, "2")  # BadInput naming `joint`: NaN, negative, not summing to 1, empty
    ways, h_x_given_y = _three_ways(r.joint)
    gap = float(np.max(np.abs(r.joint - r.independent)))
    smaller = min(r.h_x, r.h_y)
    share: float | Undefined = r.mutual_information / smaller if smaller > 0 else Undefined(
        "one variable is certain, so there is nothing to share")
    summary: list[Item] = [
        Matrix("I(X;Y) (bits)", ways, col_labels=THREE_WAYS),
        Scalar("H(X)", r.h_x, unit="bits"), Scalar("H(X|Y)", h_x_given_y, unit="bits"),
        Scalar("I / min(H(X), H(Y))", share, caption="1 when one variable determines the other"),
        Scalar("max |P(x,y) − P(x)P(y)|", gap),
        Verdict("X and Y are independent (I = 0)", bool(gap < 1e-12),
                "I = 0 exactly when every entry equals the product of its marginals"),
    ]
    return Worked("Your joint table", (
        *explain_mutual_information(r).steps,
        Step(f"Summary: I(X;Y) = {compact(r.mutual_information)} bits", tuple(summary))),
        {"mutual_information": r.mutual_information, "three_ways": ways, "share": share, "gap": gap})
