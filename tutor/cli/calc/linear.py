"""`llmtutor calc` for linear algebra: matmul, attention, eigen, svd, lora.

Each command parses its options, computes with `tutor.maths.linalg`, explains the result with
`tutor.calculators.linear` and prints the explanation or its JSON: two views of one `Worked`.
numpy and rich are imported inside the commands, never at module level.
"""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit

PANEL = "Linear algebra"
#: The lesson's ``{example}`` block whose [claims] (the syllabus's printed figures) the default
#: `calc attention` is checked against.
ATTENTION_EXAMPLE = "attention_worked"


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (("matmul", matmul), ("attention", attention), ("eigen", eigen), ("svd", svd), ("lora", lora)):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def lesson_claims(name: str) -> dict[str, Any]:
    """The [claims] of the lesson ``{example}`` block called `name` ({} if no lesson has one)."""
    from tutor.curriculum.catalog import load_catalog
    from tutor.curriculum.model import Example

    for lesson in load_catalog().lessons:
        for block in lesson.blocks:
            if isinstance(block, Example) and block.name == name:
                return dict(block.claims)
    return {}


def with_lesson_claims(worked: Any, name: str) -> Any:
    """`worked` with the syllabus's figures quoted by the lesson example `name` checked against it."""
    claims = lesson_claims(name)
    return worked.with_claims(claims) if claims else worked


def matmul(
    a: str | None = opt.matrix_option(None, "The left matrix A (default: the syllabus's Q)", "--a"),
    b: str | None = opt.matrix_option(None, "The right matrix B (default: the syllabus's Kᵀ); a column vector is \"1; 2; 3\"", "--b"),
    as_json: bool = opt.json_option(),
) -> None:
    """Matrix product C = A B, each entry shown as a row-by-column dot product."""
    from tutor.calculators.linear import SYLLABUS_K, SYLLABUS_Q, explain_matmul
    from tutor.maths.linalg import matmul as compute

    read = Inputs()
    am = SYLLABUS_Q if a is None else read.matrix(a, "--a")
    bm = SYLLABUS_K.T if b is None else read.matrix(b, "--b")
    emit(as_json, explain_matmul(compute(am, bm)))


def attention(
    q: str | None = opt.matrix_option(None, "Queries Q, one row per token (default: the syllabus's example)", "--q"),
    k: str | None = opt.matrix_option(None, "Keys K, one row per token, same width as Q", "--k"),
    v: str | None = opt.matrix_option(None, "Values V, one row per key", "--v"),
    causal: bool = typer.Option(False, "--causal", help="Mask the future: token i attends only to tokens 0..i."),
    as_json: bool = opt.json_option(),
) -> None:
    """Scaled dot-product attention softmax(Q Kᵀ / √d_k) V, stage by stage."""
    from tutor.calculators.linear import OUR_V, SYLLABUS_K, SYLLABUS_Q, SYLLABUS_TOKENS, explain_attention
    from tutor.maths.linalg import attention as compute

    example = q is None and k is None and v is None
    if example:
        qm, km, vm = SYLLABUS_Q, SYLLABUS_K, OUR_V
    else:
        read = Inputs()
        qm = read.matrix(opt.require(q, "--q", '"1,0.5; 0.3,0.8"'), "--q")
        km = read.matrix(opt.require(k, "--k", '"0.9,0.2; 0.4,0.7"'), "--k")
        vm = read.matrix(opt.require(v, "--v", '"1,0; 0,1"'), "--v")
    tokens = SYLLABUS_TOKENS if example else None
    worked = explain_attention(compute(qm, km, vm, causal=causal), tokens, tokens, example=example)
    emit(as_json, with_lesson_claims(worked, ATTENTION_EXAMPLE) if example and not causal else worked)


def eigen(
    matrix: str | None = opt.matrix_option(None, "A square matrix (default: the attention weights of the syllabus's example)", "--matrix", "-m"),
    as_json: bool = opt.json_option(),
) -> None:
    """Eigenvalues and eigenvectors; for a row-stochastic matrix also the stationary distribution and spectral gap."""
    from tutor.calculators.linear import OUR_V, SYLLABUS_K, SYLLABUS_Q, explain_eigen
    from tutor.maths.linalg import attention as attend
    from tutor.maths.linalg import eigen as compute

    m = attend(SYLLABUS_Q, SYLLABUS_K, OUR_V).weights if matrix is None else Inputs().matrix(matrix, "--matrix")
    emit(as_json, explain_eigen(compute(m), example=matrix is None))


def svd(
    matrix: str = opt.matrix_option("3,2,2; 2,3,-2", "The matrix to approximate", "--matrix", "-m"),
    rank: str = opt.text_option("1", "Keep the r largest singular values.", "--rank", "-r"),
    as_json: bool = opt.json_option(),
) -> None:
    """Truncated SVD: the best rank-r approximation A_r = U_r Σ_r V_rᵀ and its Frobenius error."""
    from tutor.calculators.linear import explain_svd
    from tutor.maths.linalg import low_rank

    m = Inputs().matrix(matrix, "--matrix")
    emit(as_json, explain_svd(low_rank(m, opt.integer(rank, "--rank", 1, min(m.shape)))))


def lora(
    d: str = opt.text_option("4096", "Rows of the weight matrix W (output size).", "--d"),
    k: str | None = opt.text_option(None, "Columns of W (input size; default: same as --d).", "--k"),
    r: str = opt.text_option("8", "The LoRA rank r.", "--r"),
    as_json: bool = opt.json_option(),
) -> None:
    """LoRA parameter count: ΔW = B A with B (d×r) and A (r×k) trains r(d + k) numbers instead of d·k."""
    from tutor.calculators.linear import explain_lora
    from tutor.maths.linalg import lora as compute

    dv = opt.integer(d, "--d", 1)
    kv = dv if k is None else opt.integer(k, "--k", 1)
    emit(as_json, explain_lora(compute(dv, kv, opt.integer(r, "--r", 1))))
