"""`llmtutor calc` for probability: softmax, sample, mle, bayes, expectation.
numpy and rich are imported inside the commands, never at module level."""

from __future__ import annotations

from typing import Any

import typer

from tutor.cli.calc import _inputs as opt
from tutor.cli.calc._inputs import Inputs, emit, record

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
        calc_app.command(name, rich_help_panel=PANEL)(opt.named_errors(command))


def softmax(
    logits: str = opt.vector_option("2.0,1.0,0.1", "The logits z", "--logits", "-z"),
    temperature: str = opt.text_option("1.0", "Temperature T > 0: below 1 sharpens, above 1 flattens.", "--temperature", "-t"),
    as_json: bool = opt.json_option(),
) -> None:
    """Softmax with temperature, computed stably by subtracting the max logit first."""
    from tutor.maths.probability import softmax as compute

    z = Inputs().vector(logits, "--logits")
    r = compute(z, opt.number(temperature, "--temperature", positive=True))
    emit(as_json, lambda: record(
        "softmax", {"logits": r.logits, "temperature": r.temperature},
        {"scaled": r.scaled, "max": r.max, "shifted": r.shifted, "exps": r.exps, "sum": r.total, "log_probs": r.log_probs},
        probs=r.probs,
    ), lambda: _softmax_text(r))


def _softmax_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    t = r.temperature
    tables = [ex.table("z", r.logits)]
    if t != 1.0:
        tables.append(ex.table("z / T", r.scaled))
    tables += [ex.table("z/T − m" if t != 1.0 else "z − m", r.shifted), ex.table("exp(·)", r.exps),
               ex.table("softmax", r.probs)]
    return [
        ex.title("Softmax", "softmaxᵢ = exp(zᵢ/T − m) / Σⱼ exp(zⱼ/T − m),   m = maxⱼ zⱼ/T"),
        ex.side_by_side(tables),
        ex.value("m", r.max, "", "the max, subtracted first"),
        ex.value("Σ exp", r.total, "", "≥ 1, because the largest term is exp(0) = 1"),
        ex.result_values("softmax(z/T)" if t != 1.0 else "softmax(z)", r.probs, note="sums to 1"),
        ex.note("Subtracting m changes nothing (exp(−m) cancels top and bottom) but keeps every exp ≤ 1, so "
                "softmax(1000, 999) works where exp(1000) would overflow."),
        ex.note(f"T = {t:g}: " + ("sharper than T = 1 (T → 0 approaches greedy argmax)." if t < 1 else
                                  "flatter than T = 1 (T → ∞ approaches uniform)." if t > 1 else
                                  "the model's own distribution.")),
    ]


def sample(
    logits: str = opt.vector_option("2.0,1.0,0.5,0.1,-1.0", "The logits z over the vocabulary", "--logits", "-z"),
    temperature: str = opt.text_option("1.0", "Temperature T > 0, applied first.", "--temperature", "-t"),
    top_k: str | None = opt.text_option(None, "Keep only the k most likely tokens (off by default).", "--top-k"),
    top_p: str | None = opt.text_option(None, "Nucleus: keep the fewest most-likely tokens whose probability reaches p, 0 < p ≤ 1 (off by default).", "--top-p"),
    seed: str = opt.text_option("0", "Random seed, so a run can be repeated exactly.", "--seed"),
    n: str = opt.text_option("10", "How many tokens to draw.", "-n", "--num-samples"),
    as_json: bool = opt.json_option(),
) -> None:
    """Sample tokens: temperature, then top-k, then top-p, then renormalise and draw."""
    from tutor.maths.probability import sample as compute

    z = Inputs().vector(logits, "--logits")
    r = compute(
        z, opt.number(temperature, "--temperature", positive=True),
        None if top_k is None else opt.integer(top_k, "--top-k", 1, z.size),
        None if top_p is None else _top_p(top_p),
        opt.integer(seed, "--seed", 0), opt.integer(n, "-n", 1, 1_000_000),
    )
    emit(as_json, lambda: record(
        "sample", {"logits": r.softmax.logits, "temperature": r.softmax.temperature, "top_k": r.top_k,
                   "top_p": r.top_p, "seed": r.seed, "n": int(r.samples.size)},
        {"temperature_probs": r.softmax.probs, "order": r.order, "kept_top_k": r.kept_top_k,
         "renormalised_top_k": r.renormalised_top_k, "cumulative": r.cumulative, "kept": r.kept},
        probs=r.probs, samples=r.samples, counts=r.counts,
    ), lambda: _sample_text(r))


def _top_p(text: str) -> float:
    from tutor.errors import BadInput

    value = opt.number(text, "--top-p")
    if not 0 < value <= 1:
        raise BadInput(f"--top-p: must be in (0, 1], got {value:g}")
    return value


def _sample_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    kept = ", ".join(str(i) for i in r.order if r.kept[i])
    shown = " ".join(str(int(s)) for s in r.samples[:50]) + (" …" if r.samples.size > 50 else "")
    return [
        ex.title("Sampling", "p = softmax(z / T) → keep top-k → keep the nucleus (top-p) → renormalise → draw"),
        ex.side_by_side([
            ex.table(f"softmax(z/{r.softmax.temperature:g})", r.softmax.probs),
            ex.table("after top-k" if r.top_k else "top-k off", r.renormalised_top_k),
            ex.table("cumulative, most likely first", r.cumulative, labels=[str(i) for i in r.order]),
            ex.table("sampled from", r.probs),
        ]),
        ex.fact("kept tokens (most likely first)", kept),
        ex.note(f"top-k = {r.top_k or 'off'}, top-p = {r.top_p if r.top_p is not None else 'off'}; "
                "top-p keeps the smallest set of most-likely tokens whose probability reaches p."),
        ex.fact(f"→ {r.samples.size} samples (seed {r.seed})", shown),
        ex.table("counts", r.counts, decimals=0),
    ]


def mle(
    data: str | None = opt.text_option(None, "Observations: 0/1 for bernoulli, labels for categorical, numbers for gaussian (comma/space separated, JSON array, @file or -). Default: an example.", "--data"),
    dist: str = opt.text_option("bernoulli", "The model family: bernoulli, categorical or gaussian.", "--dist"),
    as_json: bool = opt.json_option(),
) -> None:
    """Maximum-likelihood fit: the parameters that make the data most probable."""
    from tutor.maths import probability as prob

    family = opt.choice(dist, "--dist", DISTS)
    text = EXAMPLE_DATA[family] if data is None else data
    read = Inputs()
    if family == "categorical":
        observed: Any = read.tokens(text, "--data")
        r = prob.mle_categorical(observed)
    else:
        observed = read.vector(text, "--data")
        r = prob.mle_bernoulli(observed) if family == "bernoulli" else prob.mle_gaussian(observed)
    emit(as_json, lambda: record(
        "mle", {"data": observed, "dist": family, "n": r.n},
        {**r.steps, "mean_nll": r.mean_nll},
        params=r.params, log_likelihood=r.log_likelihood, unit="nats",
    ), lambda: _mle_text(r))


_MLE_FORMULAS = {
    "bernoulli": ("p̂ = k / n", "log L = k log p̂ + (n − k) log(1 − p̂)"),
    "categorical": ("p̂(c) = count(c) / n", "log L = Σ_c count(c) log p̂(c)"),
    "gaussian": ("μ̂ = (1/n) Σ xᵢ,   σ̂² = (1/n) Σ (xᵢ − μ̂)²", "log L = −(n/2) log(2π σ̂²) − n/2"),
}


def _mle_text(r: Any) -> list[Any]:
    from tutor.render import explain as ex

    parts = [ex.title(f"Maximum likelihood ({r.dist})", "θ* = argmax_θ Σᵢ log P(xᵢ | θ)", *_MLE_FORMULAS[r.dist])]
    if r.dist == "categorical":
        parts.append(ex.table("p̂", r.params["probs"], labels=r.params["categories"],
                              caption="counts " + ", ".join(map(str, r.steps["counts"]))))
    elif r.dist == "bernoulli":
        parts.append(ex.value("k (ones)", r.steps["successes"], f"of n = {r.n}", decimals=0))
        parts.append(ex.value("p̂", r.params["p"]))
    else:
        parts += [ex.value("μ̂", r.params["mu"]), ex.value("σ̂²", r.params["sigma2"], "", "divides by n: the MLE"),
                  ex.note(f"The unbiased estimate divides by n − 1 instead: {r.steps['unbiased_sigma2']:.4f}.")]
    parts += [
        ex.result("log L", r.log_likelihood, "nats"),
        ex.value("−log L / n", r.mean_nll, "nats per observation",
                 "the average negative log-likelihood: the cross-entropy loss this fit minimises"),
    ]
    if r.dist == "categorical":
        parts.append(ex.note("For a categorical fit, −log L / n equals the entropy of the empirical distribution."))
    return parts


def bayes(
    prior: str = opt.vector_option(EXAMPLE_PRIOR, "Prior P(h) over the hypotheses", "--prior"),
    likelihood: str = opt.matrix_option("0.95,0.05", "Likelihood P(data | h) for each hypothesis; several rows = several observations, applied in turn", "--likelihood"),
    labels: str | None = opt.text_option(None, "Names for the hypotheses, e.g. disease,healthy.", "--labels"),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Bayes' rule: posterior = likelihood × prior / evidence."""
    from tutor.errors import BadInput
    from tutor.maths.probability import bayes as compute

    read = Inputs()
    pv = read.distribution(prior, "--prior", normalize)
    rows = read.rows(likelihood, "--likelihood")
    if rows.shape[1] != pv.size:
        raise BadInput(f"--likelihood: shape mismatch: --prior has {pv.size} hypotheses but each row of --likelihood has {rows.shape[1]}")
    if (rows < 0).any():
        raise BadInput("--likelihood: likelihoods P(data | h) cannot be negative")
    names = _labels(labels, pv.size, prior)
    r = compute(pv, rows)
    emit(as_json, lambda: record(
        "bayes", {"prior": r.prior, "likelihood": r.likelihoods, "labels": names, "normalize": normalize},
        {"unnormalised": r.unnormalised, "evidence": r.evidence, "posteriors": r.posteriors},
        posterior=r.posterior,
    ), lambda: _bayes_text(r, names))


def _labels(text: str | None, size: int, prior: str) -> list[str]:
    from tutor.errors import BadInput
    from tutor.parse import parse_tokens

    if text is None:
        return ["disease", "healthy"] if prior == EXAMPLE_PRIOR else [f"h{i}" for i in range(size)]
    names = parse_tokens(text, "--labels")
    if len(names) != size:
        raise BadInput(f"--labels: {len(names)} labels for {size} hypotheses")
    return names


def _bayes_text(r: Any, names: list[str]) -> list[Any]:
    from tutor.render import explain as ex

    steps = [f"after {t + 1}" for t in range(len(r.posteriors))]
    parts = [
        ex.title("Bayes' rule", "P(h | data) = P(data | h) · P(h) / P(data),   P(data) = Σ_h P(data | h) P(h)"),
        ex.side_by_side([
            ex.table("prior P(h)", r.prior, labels=names),
            ex.table("P(data | h)", r.likelihoods, labels=names, row_labels=[f"obs {t + 1}" for t in range(len(steps))]),
            ex.table("P(data | h) · belief", r.unnormalised, labels=names, row_labels=steps),
            ex.table("posterior", r.posteriors, labels=names, row_labels=steps),
        ]),
        ex.value("P(data)", float(r.evidence[0]), "", "the evidence: the sum of the row above (first observation)"),
    ]
    parts.append(ex.result_values("posterior P(h | data)", r.posterior, names))
    if names == ["disease", "healthy"]:
        parts.append(ex.note("A 95%-accurate test on a 1-in-100 condition: most positives are still false positives, "
                             "because the prior is small."))
    return parts


def expectation(
    values: str = opt.vector_option("1,2,3,4,5,6", "The values x the random variable can take", "--values"),
    probs: str | None = opt.vector_option(None, "Their probabilities p(x) (default: all equally likely)", "--probs", "-p"),
    normalize: bool = opt.normalize_option(),
    as_json: bool = opt.json_option(),
) -> None:
    """Expectation and variance of a discrete random variable."""
    from tutor.maths.probability import expectation as compute

    read = Inputs()
    x = read.vector(values, "--values")
    p = None if probs is None else read.distribution(probs, "--probs", normalize)
    if p is not None:
        opt.same_size(x, p, ("--values", "--probs"))
    r = compute(x, p)
    emit(as_json, lambda: record(
        "expectation", {"values": r.values, "probs": r.probs, "uniform": p is None, "normalize": normalize},
        {"terms": r.terms, "second_moment": r.second_moment, "deviations": r.deviations},
        mean=r.mean, variance=r.variance, std=r.std,
    ), lambda: _expectation_text(r, p is None))


def _expectation_text(r: Any, uniform: bool) -> list[Any]:
    from tutor.render import explain as ex

    return [
        ex.title("Expectation and variance", "E[X] = Σ p(x) x,   Var X = Σ p(x) (x − E[X])² = E[X²] − E[X]²"),
        ex.side_by_side([ex.table("x", r.values), ex.table("p(x)", r.probs), ex.table("p(x)·x", r.terms),
                         ex.table("p(x)(x − μ)²", r.deviations)]),
        ex.note("Every value equally likely (no --probs given).") if uniform else None,
        ex.result("E[X]", r.mean),
        ex.value("E[X²]", r.second_moment),
        ex.result("Var X", r.variance, "", f"= E[X²] − E[X]² = {r.second_moment - r.mean**2:.4f}"),
        ex.value("σ", r.std, "", "the standard deviation, in the units of x"),
    ]
