"""`llmtutor calc` for probability: softmax, sample, mle, bayes, expectation.

Each command parses its options, calls `tutor.maths.probability`, builds the explanation with
`tutor.calculators.probability` and prints it (or its JSON). numpy is imported inside the
commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit

PANEL = "Probability"
DISTS = {"bernoulli": "bernoulli", "categorical": "categorical", "gaussian": "gaussian", "normal": "gaussian"}
EXAMPLE_PRIOR = "0.01,0.99"  # a 1-in-100 condition; with the default likelihood, a 95%-accurate test
EXAMPLE_DATA = {
    "bernoulli": "1,0,1,1,0,1,1,1",
    "categorical": "the cat sat on the mat the end",
    "gaussian": "2.1,1.9,2.4,2.0,1.6",
}


def register(calc_app: typer.Typer) -> None:
    """Attach this pillar's calculators."""
    for name, command in (
        ("softmax", softmax), ("sample", sample), ("mle", mle), ("bayes", bayes), ("expectation", expectation),
    ):
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command, n="-n"))


def softmax(
    logits: str = opt.vector_option("2.0,1.0,0.1", "The logits z", "--logits", "-z"),
    temperature: str = opt.text_option("1.0", "Temperature T > 0: below 1 sharpens, above 1 flattens.", "--temperature", "-t"),
    as_json: bool = opt.json_option(),
) -> None:
    """Softmax with temperature, computed stably by subtracting the max logit first."""
    from tutor.calculators.probability import explain_softmax
    from tutor.maths.probability import softmax as compute

    z = Inputs().vector(logits, "--logits")
    emit(as_json, explain_softmax(compute(z, opt.number(temperature, "--temperature", positive=True))))


def sample(
    logits: str = opt.vector_option("2.0,1.0,0.5,0.1,-1.0", "The logits z over the vocabulary", "--logits", "-z"),
    temperature: str = opt.text_option("1.0", "Temperature T > 0, applied first.", "--temperature", "-t"),
    top_k: str | None = opt.text_option(None, "Keep only the k most likely tokens (off by default).", "--top-k", metavar="INTEGER"),
    top_p: str | None = opt.text_option(None, "Nucleus: keep the fewest most-likely tokens whose probability reaches p, 0 < p ≤ 1 (off by default).", "--top-p"),
    seed: str = opt.text_option("0", "Random seed, so a run can be repeated exactly.", "--seed", metavar="INTEGER"),
    n: str = opt.text_option("10", "How many tokens to draw.", "-n", "--num-samples", metavar="INTEGER"),
    as_json: bool = opt.json_option(),
) -> None:
    """Sample tokens: temperature, then top-k, then top-p, then renormalise and draw."""
    from tutor.calculators.probability import explain_sample
    from tutor.maths.probability import sample as compute

    z = Inputs().vector(logits, "--logits")
    r = compute(
        z, opt.number(temperature, "--temperature", positive=True),
        None if top_k is None else opt.integer(top_k, "--top-k", 1, z.size),
        None if top_p is None else opt.number(top_p, "--top-p"),
        opt.integer(seed, "--seed", 0), opt.integer(n, "-n", 1, 1_000_000),
    )
    emit(as_json, explain_sample(r))


def mle(
    data: str | None = opt.text_option(None, "Observations: 0/1 for bernoulli, labels for categorical, numbers for gaussian (comma/space separated, JSON array, @file or -). Default: an example.", "--data", metavar="VALUES"),
    dist: str = opt.text_option("bernoulli", "The model family: bernoulli, categorical or gaussian.", "--dist", metavar="bernoulli|categorical|gaussian"),
    as_json: bool = opt.json_option(),
) -> None:
    """Maximum-likelihood fit: the parameters that make the data most probable."""
    from tutor.calculators.probability import explain_mle
    from tutor.maths import probability as prob

    family = opt.choice(dist, "--dist", DISTS)
    text = EXAMPLE_DATA[family] if data is None else data
    observed: Any
    if family == "categorical":
        observed = Inputs().tokens(text, "--data")
        fit = prob.mle_categorical(observed)
    else:
        observed = Inputs().vector(text, "--data")
        fit = prob.mle_bernoulli(observed) if family == "bernoulli" else prob.mle_gaussian(observed)
    emit(as_json, explain_mle(fit, observed))


def bayes(
    prior: str = opt.vector_option(EXAMPLE_PRIOR, "Prior P(h) over the hypotheses", "--prior"),
    likelihood: str = opt.matrix_option("0.95,0.05", "Likelihood P(data | h) for each hypothesis; several rows = several observations, applied in turn", "--likelihood"),
    labels: str | None = opt.text_option(None, "Names for the hypotheses, e.g. disease,healthy (default: disease,healthy for the example prior, else h0, h1, …).", "--labels", metavar="LABELS"),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Bayes' rule: posterior = likelihood × prior / evidence."""
    from tutor.calculators.probability import explain_bayes
    from tutor.maths.probability import bayes as compute
    from tutor.parse import parse_tokens

    read = Inputs()
    pv = read.distribution(prior, "--prior", normalize)
    r = compute(pv, read.rows(likelihood, "--likelihood"))
    names = None if labels is None else parse_tokens(labels, "--labels")
    if names is None and prior == EXAMPLE_PRIOR:
        names = ["disease", "healthy"]
    emit(as_json, explain_bayes(r, names, normalize))


def expectation(
    values: str = opt.vector_option("1,2,3,4,5,6", "The values x the random variable can take", "--values"),
    probs: str | None = opt.vector_option(None, "Their probabilities p(x) (default: all equally likely)", "--probs", "-p"),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Expectation and variance of a discrete random variable."""
    from tutor.calculators.probability import explain_expectation
    from tutor.maths.probability import expectation as compute

    read = Inputs()
    x = read.vector(values, "--values")
    p = None if probs is None else read.distribution(probs, "--probs", normalize)
    emit(as_json, explain_expectation(compute(x, p), uniform=p is None, normalize=normalize))
