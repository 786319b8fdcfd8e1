"""`llmtutor calc ...` through typer's CliRunner: JSON keys and values for every calculator
(except perplexity, tested with its own module), and one test per kind of bad input:
exit code 2, one line on stderr naming the option, nothing on stdout, no traceback."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tutor.cli.app import app

from background import command

CALCULATORS: dict[str, tuple[str, ...]] = {
    "entropy": ("result",),  # headline keys under "result": tests/test_information_cli_json.py
    "cross-entropy": ("result",),
    "kl": ("result",),
    "mutual-information": ("result",),
    "softmax": ("result",),  # headline keys under "result": tests/test_probability_cli_json.py
    "sample": ("result",),
    "attention": ("result",),  # headline keys under "result": tests/test_calc_linear.py
    "matmul": ("result",),
    "eigen": ("result",),
    "svd": ("result",),
    "lora": ("result",),
    "softmax-jacobian": ("result",),  # headline keys under "result": tests/test_calculus_explain.py
    "ce-grad": ("result",),
    "layernorm-grad": ("result",),
    "adam": ("result",),  # headline keys under "result": tests/test_optimization_explain.py
    "lr-schedule": ("result",),
    "mle": ("result",),
    "bayes": ("result",),
    "expectation": ("result",),
    "compression": ("result",),
}
DISTRIBUTION_OPTIONS = {
    "entropy": "--probs", "cross-entropy": "--p", "kl": "--q", "mutual-information": "--joint",
    "compression": "--probs", "bayes": "--prior", "expectation": "--probs",
}


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, ["calc", *args], input=input)


def calc(*args: str, input: str | None = None) -> dict[str, Any]:
    result = run(*args, "--json", input=input)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "exactly one JSON object on stdout"
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def bad(*args: str, option: str, match: str = "", input: str | None = None) -> str:
    """Run, expect exit 2 and one line `llmtutor: <option>: ...` on stderr; return that line."""
    result = run(*args, input=input)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in result.stderr
    assert line.startswith(f"llmtutor: {option}: "), line
    assert match in line, line
    return line


# --- every calculator: defaults, JSON shape ------------------------------------------------

@pytest.mark.parametrize("name", CALCULATORS)
def test_defaults_give_an_explanation(name: str) -> None:
    result = run(name)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) > 3 and result.stderr == ""


@pytest.mark.parametrize("name, keys", CALCULATORS.items())
def test_json_has_inputs_steps_and_the_headline_keys(name: str, keys: tuple[str, ...]) -> None:
    data = calc(name)
    assert data["calculator"] == name
    assert {"inputs", "steps", *keys} <= data.keys()


# --- values through the CLI ----------------------------------------------------------------

def test_entropy_units() -> None:
    assert calc("entropy", "--base", "2")["result"]["entropy"] == pytest.approx(1.75)
    nats = calc("entropy", "--probs", "[0.5, 0.5]")
    assert (nats["result"]["entropy"], nats["inputs"]["unit"]) == (pytest.approx(math.log(2)), "nats")
    assert calc("entropy", "--probs", "0.1 0.9", "--base", "10")["inputs"]["unit"] == "bans"


def test_cross_entropy_is_entropy_plus_kl() -> None:
    data = calc("cross-entropy", "--p", "0.2,0.5,0.3", "--q", "0.3,0.3,0.4")
    assert data["result"]["cross_entropy"] == pytest.approx(data["steps"]["entropy_p"] + data["steps"]["kl"])
    assert calc("cross-entropy")["result"]["cross_entropy"] == pytest.approx(-math.log(0.7))


def test_kl_infinity_is_null_explained_as_infinite_and_said_plainly() -> None:
    data = calc("kl", "--p", "0.5,0.5", "--q", "1,0")
    assert data["result"]["kl"] is None and data["special"]["result.kl"] == {"kind": "infinite", "sign": 1}
    assert data["result"]["kl_reverse"] == pytest.approx(math.log(2))
    assert data["steps"]["infinite_at"] == [1]
    text = run("kl", "--p", "0.5,0.5", "--q", "1,0").stdout
    assert "infinite" in text and "q gives probability 0 to outcome 1" in " ".join(text.split())


def test_mutual_information_of_a_copy_is_the_entropy() -> None:
    assert calc("mutual-information", "--joint", "0.5,0; 0,0.5", "--base", "2")["result"]["mutual_information"] == pytest.approx(1.0)


def test_softmax_temperature_and_stability() -> None:
    data = calc("softmax", "--logits", "1000,999", "--temperature", "1")
    assert data["result"]["probs"][0] == pytest.approx(1 / (1 + math.exp(-1)))
    assert data["steps"]["max"] == 1000
    hot = calc("softmax", "-t", "0.5")
    assert hot["result"]["probs"][0] > calc("softmax")["result"]["probs"][0]


def test_sample_filters_and_seed() -> None:
    data = calc("sample", "--top-k", "2", "-n", "50", "--seed", "3")
    assert len(data["result"]["samples"]) == 50 and set(data["result"]["samples"]) <= {0, 1}
    assert sum(data["result"]["probs"]) == pytest.approx(1.0) and data["result"]["probs"][2:] == [0.0, 0.0, 0.0]
    assert calc("sample", "--seed", "3")["result"]["samples"] == calc("sample", "--seed", "3")["result"]["samples"]


def test_calculus_calculators() -> None:
    jac = np.array(calc("softmax-jacobian", "--logits", "0,0")["result"]["jacobian"])
    assert np.allclose(jac, [[0.25, -0.25], [-0.25, 0.25]])
    ce = calc("ce-grad", "--logits", "0,0,0", "--target", "1")["result"]
    assert ce["loss"] == pytest.approx(math.log(3)) and np.allclose(ce["grad"], [1 / 3, -2 / 3, 1 / 3])
    ln = calc("layernorm-grad", "--x", "1,2,3", "--dy", "1,1,1")["result"]
    assert np.allclose(ln["dx"], 0, atol=1e-12) and ln["dbeta"] == [1.0, 1.0, 1.0]
    batch = calc("layernorm-grad", "--x", "1,2,3; 2,0,1", "--dy", "1,0,0; 0,0,1", "--gamma", "2")["result"]
    assert np.array(batch["dx"]).shape == (2, 3) and len(batch["dgamma"]) == 3


def test_ce_grad_says_when_the_chain_rule_route_breaks_numerically() -> None:
    data = calc("ce-grad", "--logits", "1000,-1000", "--target", "1")
    assert data["result"]["grad"] == [1.0, -1.0] and data["steps"]["chain_rule"] is None
    assert data["special"]["steps.chain_rule"]["kind"] == "undefined"
    assert "The long way breaks here" in run("ce-grad", "--logits", "1000,-1000", "--target", "1").stdout
    assert "breaks" not in run("ce-grad").stdout


def test_optimisation_calculators() -> None:
    trajectory = calc("adam", "--steps", "3")["steps"]["trajectory"]
    assert trajectory["t"] == [1, 2, 3] and trajectory["bias_correction1"][0] == pytest.approx(0.1)
    assert trajectory["m_hat"][0] == trajectory["grad"][0]
    replay = calc("adam", "--grads", "1; 1")["result"]
    assert replay["params"] == [pytest.approx(-0.2)] and replay["final_loss"] is None
    root = calc("lr-schedule", "--schedule", "1/sqrt(t)", "--steps", "100")
    assert root["steps"]["robbins_monro"] is False and root["result"]["sum_eta_sq_limit"] is None
    assert root["special"]["result.sum_eta_sq_limit"] == {"kind": "infinite", "sign": 1}
    assert calc("lr-schedule", "--schedule", "1/t")["steps"]["robbins_monro"] is True
    assert "harmonic" in run("lr-schedule").stdout


def test_probability_calculators() -> None:
    assert calc("mle")["result"]["p"] == 0.75
    cat = calc("mle", "--dist", "categorical", "--data", "a b a")["result"]
    assert (cat["categories"], cat["probs"]) == (["a", "b"], [pytest.approx(2 / 3), pytest.approx(1 / 3)])
    gauss = calc("mle", "--dist", "gaussian", "--data", "1,3")["result"]
    assert gauss["mu"] == 2 and gauss["sigma2"] == 1
    assert calc("bayes")["result"]["posterior"][0] == pytest.approx(0.0095 / 0.059)
    die = calc("expectation")["result"]
    assert (die["mean"], die["variance"]) == (pytest.approx(3.5), pytest.approx(35 / 12))


def test_compression_codes() -> None:
    data = calc("compression")
    assert data["result"]["code_lengths"] == [1, 2, 3, 3] and data["result"]["expected_length"] == pytest.approx(1.9)
    assert data["inputs"]["unit"] == "bits" and data["steps"]["bound_holds"] is True


# --- inputs from files and stdin -----------------------------------------------------------

def test_values_can_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "joint.json"
    path.write_text("[[0.25, 0.25], [0.25, 0.25]]", encoding="utf-8")
    assert calc("mutual-information", "--joint", f"@{path}")["result"]["mutual_information"] == pytest.approx(0, abs=1e-12)


def test_dash_reads_stdin() -> None:
    assert calc("entropy", "--probs", "-", input="0.5 0.5\n")["result"]["entropy"] == pytest.approx(math.log(2))
    assert calc("matmul", "--a", "-", "--b", "1;1", input="1,2\n3,4\n")["result"]["product"] == [[3.0], [7.0]]


def test_only_one_option_may_read_stdin() -> None:
    bad("kl", "--p", "-", "--q", "-", option="--q", match="only one option can read standard input", input="0.5 0.5")


def test_empty_stdin() -> None:
    bad("entropy", "--probs", "-", option="--probs", match="empty", input="")


# --- bad input: exit 2, one line naming the option -----------------------------------------

@pytest.mark.parametrize("args, option, match", [
    (("entropy", "--probs", "0.5,abc"), "--probs", "'abc' is not a number"),
    (("softmax", "--temperature", "hot"), "--temperature", "not a number"),
    (("sample", "--top-k", "1.5"), "--top-k", "not a whole number"),
    (("lora", "--d", "big"), "--d", "not a whole number"),
    (("matmul", "--a", "[[1, \"x\"]]"), "--a", "is not a number"),
    (("kl", "--p", "[0.5, 0.5"), "--p", "invalid JSON"),
])
def test_non_numbers(args: tuple[str, ...], option: str, match: str) -> None:
    bad(*args, option=option, match=match)


@pytest.mark.parametrize("args, option, match", [
    (("matmul", "--a", "1,2; 3"), "--a", "ragged matrix"),
    (("attention", "--q", "[[1, 2], [3]]", "--k", "1,2", "--v", "1"), "--q", "ragged matrix"),
    (("eigen", "--matrix", ""), "--matrix", "is empty"),
    (("svd", "--matrix", "[[]]"), "--matrix", "is empty"),
    (("entropy", "--probs", " "), "--probs", "is empty"),
])
def test_ragged_or_empty(args: tuple[str, ...], option: str, match: str) -> None:
    bad(*args, option=option, match=match)


@pytest.mark.parametrize("args, option", [
    (("matmul", "--a", "1,2; 3,4", "--b", "1,2,3"), "--b"),
    (("attention", "--q", "1,2", "--k", "1,2,3", "--v", "1"), "--k"),
    (("attention", "--q", "1,2", "--k", "1,2; 3,4", "--v", "1"), "--v"),
    (("kl", "--p", "0.5,0.5", "--q", "1"), "--q"),
    (("cross-entropy", "--p", "1", "--q", "0.5,0.5"), "--q"),
    (("expectation", "--values", "1,2,3", "--probs", "0.5,0.5"), "--probs"),
    (("bayes", "--prior", "0.5,0.5", "--likelihood", "0.1,0.2,0.3"), "--likelihood"),
    (("layernorm-grad", "--x", "1,2,3", "--dy", "1,2"), "--dy"),
    (("layernorm-grad", "--x", "1,2,3", "--dy", "1,2,3", "--gamma", "1,2"), "--gamma"),
    (("eigen", "--matrix", "1,2,3; 4,5,6"), "--matrix"),
])
def test_shape_mismatches(args: tuple[str, ...], option: str) -> None:
    bad(*args, option=option, match="shape mismatch" if option != "--matrix" else "square")


def _companions(name: str) -> tuple[str, ...]:
    """The other, valid, inputs a two-input calculator needs beside the one under test."""
    return {"expectation": ("--values", "1,2"), "kl": ("--p", "0.5,0.5"), "cross-entropy": ("--q", "0.5,0.5")}.get(name, ())


@pytest.mark.parametrize("name", DISTRIBUTION_OPTIONS)
def test_probabilities_that_do_not_sum_to_one_suggest_normalize(name: str) -> None:
    option = DISTRIBUTION_OPTIONS[name]
    value = "0.2,0.2; 0.2,0.2" if name == "mutual-information" else "0.3,0.3"
    extra = _companions(name)
    line = bad(name, *extra, option, value, option=option, match="sum to 0.")
    assert "(pass --normalize to rescale)" in line
    fixed = calc(name, *extra, option, value, "--normalize")
    assert fixed["inputs"]["normalize"] is True


@pytest.mark.parametrize("name", DISTRIBUTION_OPTIONS)
def test_negative_probabilities_are_rejected_even_with_normalize(name: str) -> None:
    option = DISTRIBUTION_OPTIONS[name]
    value = "0.6,-0.1; 0.3,0.2" if name == "mutual-information" else "1.1,-0.1"
    extra = _companions(name)
    for flags in ((), ("--normalize",)):
        line = bad(name, *extra, option, value, *flags, option=option, match="cannot be negative")
        assert "--normalize only rescales" in line


def test_normalize_rescales_counts() -> None:
    assert calc("entropy", "--probs", "3,1", "--normalize")["inputs"]["probs"] == [0.75, 0.25]
    assert calc("compression", "--probs", "2,1,1", "--normalize")["result"]["expected_length"] == pytest.approx(1.5)


@pytest.mark.parametrize("args, option", [
    (("entropy", "--probs", "nan,1"), "--probs"),
    (("softmax", "--logits", "[1, NaN]"), "--logits"),
    (("softmax", "--temperature", "nan"), "--temperature"),
    (("layernorm-grad", "--x", "1,2,3", "--dy", "1,2,3", "--eps", "nan"), "--eps"),
    (("matmul", "--a", "1,inf; 1,1"), "--a"),
])
def test_nan_and_infinity(args: tuple[str, ...], option: str) -> None:
    bad(*args, option=option, match="allowed")


@pytest.mark.parametrize("name, option", [
    ("entropy", "--probs"), ("matmul", "--a"), ("attention", "--q"), ("mle", "--data"), ("adam", "--grads"),
])
def test_unreadable_file(name: str, option: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    args = ("--k", "1,2", "--v", "1") if name == "attention" else ()
    line = bad(name, option, f"@{missing}", *args, option=option, match="No such file or directory")
    assert "missing.txt" in line


@pytest.mark.parametrize("args, option, match", [
    (("entropy", "--base", "3"), "--base", "not one of"),
    (("mle", "--dist", "poisson"), "--dist", "not one of"),
    (("adam", "--objective", "sphere"), "--objective", "not one of"),
    (("lr-schedule", "--schedule", "cosine"), "--schedule", "not one of"),
    (("softmax", "--temperature", "0"), "--temperature", "greater than 0"),
    (("sample", "--top-p", "1.5"), "--top-p", "(0, 1]"),
    (("sample", "--top-k", "9"), "--top-k", "at most 5"),
    (("sample", "-n", "0"), "-n", "at least 1"),
    (("ce-grad", "--target", "3"), "--target", "at most 2"),
    (("svd", "--rank", "3"), "--rank", "at most 2"),
    (("lora", "--d", "8", "--r", "16"), "--r", "exceeds"),
    (("adam", "--lr", "-1"), "--lr", "greater than 0"),
    (("adam", "--beta1", "1"), "--beta1", "[0, 1)"),
    (("adam", "--grads", "1;2", "--steps", "5"), "--steps", "2 gradients"),
    (("adam", "--grads", "1;2", "--objective", "quadratic"), "--grads", "not both"),
    (("adam", "--objective", "rosenbrock", "--start", "1,2,3"), "--start", "needs 2"),
    (("lr-schedule", "--steps", "0"), "--steps", "at least 1"),
    (("mle", "--data", "0,1,2"), "--data", "0s and 1s"),
    (("mle", "--dist", "gaussian", "--data", "5,5"), "--data", "σ = 0"),
    (("bayes", "--prior", "1,0", "--likelihood", "0,1"), "--likelihood", "P(data) = 0"),
    (("bayes", "--labels", "a,b,c"), "--labels", "3 labels for 2"),
    (("layernorm-grad", "--x", "2,2,2", "--dy", "1,2,3", "--eps", "0"), "--x", "σ̂ = 0"),
    (("attention", "--q", "1,2"), "--k", "missing"),
    (("layernorm-grad", "--x", "1,2,3"), "--dy", "missing"),
])
def test_out_of_range_and_inconsistent_options(args: tuple[str, ...], option: str, match: str) -> None:
    bad(*args, option=option, match=match)


@pytest.mark.parametrize("args", [
    ("matmul", "--a", "1e200", "--b", "1e200"),
    ("expectation", "--values", "1e200,-1e200"),
    ("adam", "--lr", "1e300", "--objective", "rosenbrock"),
])
def test_overflow_is_one_line_not_a_warning_and_an_inf(args: tuple[str, ...]) -> None:
    result = run(*args, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("llmtutor: the numbers are too large") and result.stderr.count("\n") == 1


def test_intended_infinities_still_pass_under_the_overflow_guard() -> None:
    assert calc("lr-schedule", "--schedule", "1/t^400")["result"]["partial_sum_eta"] == pytest.approx(1.0)
    assert calc("softmax", "--logits", "1e308,-1e308")["result"]["probs"] == [1.0, 0.0]
    assert calc("attention", "--causal")["steps"]["scaled"][0][1] is None  # −∞, explained in "special"


FUZZ_TARGETS = [
    ("entropy", "--probs"), ("kl", "--q"), ("mutual-information", "--joint"), ("softmax", "--logits"),
    ("sample", "--top-p"), ("matmul", "--b"), ("eigen", "--matrix"), ("svd", "--rank"), ("ce-grad", "--target"),
    ("layernorm-grad", "--x"), ("adam", "--grads"), ("lr-schedule", "--schedule"), ("mle", "--data"),
    ("bayes", "--likelihood"), ("compression", "--probs"),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FUZZ_TARGETS), st.text(alphabet="0123456789.,; -+[]\"enaifE/t^", max_size=24))
def test_any_typed_value_gives_an_answer_or_one_error_line(target: tuple[str, str], text: str) -> None:
    name, option = target
    if text.strip() == "-":
        return  # stdin is tested above
    extra = ("--dy", "1,2,3") if name == "layernorm-grad" else ()
    result = run(name, option, text, *extra, "--json")
    assert result.exit_code in (0, 2), (text, result.exception)
    if result.exit_code == 2 and result.stderr.startswith("llmtutor:"):
        assert result.stderr.count("\n") == 1 and result.stdout == ""
    elif result.exit_code == 0:
        json.loads(result.stdout)


# --- help and import hygiene ---------------------------------------------------------------

def test_every_option_has_help_text() -> None:
    import typer.main

    group = typer.main.get_command(app).commands["calc"]  # type: ignore[attr-defined]
    for name in CALCULATORS:
        command = group.commands[name]
        assert command.help, name
        for param in command.params:
            if param.name != "help":
                assert getattr(param, "help", None), f"{name} {param.opts}"


EVERY_HELP = command([sys.executable, "-c", (
    "import sys\nfrom tutor.cli.app import app\n"
    f"for name in {list(CALCULATORS)!r}:\n"
    "    try:\n        app(['calc', name, '--help'])\n    except SystemExit:\n        pass\n"
    "print('HEAVY=' + ','.join(m for m in ('numpy', 'textual') if m in sys.modules), file=sys.stderr)\n"
)], timeout=60)


@pytest.mark.background(EVERY_HELP)
def test_help_for_every_calculator_imports_neither_numpy_nor_textual() -> None:
    done = EVERY_HELP.result()
    assert done.stderr.strip().splitlines()[-1] == "HEAVY=", done.stderr[-500:]


def _null_paths(value: object, path: str) -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, inner in value.items() for p in _null_paths(inner, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, inner in enumerate(value) for p in _null_paths(inner, f"{path}.{index}")]
    return []


def _every_null_explained(data: dict[str, object]) -> list[str]:
    """The nulls of `steps` and `result` with no entry under `special` for them or an array
    holding them (an array with non-finite entries is explained once, as a whole)."""
    special = data["special"]
    assert isinstance(special, dict)
    unexplained = []
    for part in ("steps", "result"):
        for path in _null_paths(data[part], part):
            parts = path.split(".")
            if not any(".".join(parts[:n]) in special for n in range(len(parts), 1, -1)):
                unexplained.append(path)
    return unexplained


CALCULATIONS = [[name] for name in sorted(__import__("tutor.cli.calc", fromlist=["PILLAR_OF"]).PILLAR_OF)] + [
    ["compression", "--probs", "0.5,0.5,0"], ["kl", "--p", "0.5,0.5", "--q", "1,0"],
    ["entropy", "--probs", "0.5,0.5,0"], ["cross-entropy", "--p", "0.5,0.5", "--q", "1,0"],
    ["perplexity", "--logprobs", "-1,-inf,-0.5"]]


@pytest.mark.parametrize("args", CALCULATIONS, ids=" ".join)
def test_every_null_in_a_calculators_json_is_explained_under_special(args: list[str]) -> None:
    """The README's promise: a null is explained under `special`. `compression` with a symbol
    of probability 0 wrote null codewords and lengths with `special` empty."""
    result = run(*args, "--json")
    if result.exit_code == 2 and len(args) == 1:
        pytest.skip(f"calc {args[0]} needs inputs: {result.stderr.strip()}")
    assert result.exit_code == 0, result.output
    assert _every_null_explained(json.loads(result.stdout)) == []
