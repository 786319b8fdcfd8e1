"""Perplexity maths (against closed forms, numpy and scipy), streaming, and the CLI's contract."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.errors import BadInput
from tutor.logprobs import plain
from tutor.logprobs.analyse import Options, analyse
from tutor.logprobs.detect import extract_json
from tutor.maths import perplexity as ppl

runner = CliRunner()

logprob = st.floats(min_value=-30.0, max_value=0.0, allow_nan=False)
logprob_lists = st.lists(logprob, min_size=1, max_size=60)


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, ["calc", "perplexity", *args], input=stdin)


def run_json(*args: str, stdin: str | None = None) -> dict:
    result = run(*args, "--json", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def summarise(values, top_k: int = 5, start: int = 0) -> ppl.SequenceSummary:
    acc = ppl.SequenceAccumulator(0, top_k)
    raw = np.asarray(values, dtype=float)
    acc.add(raw, ppl.flag_mask(raw, probs=False), start)
    return acc.finish()


# --- the maths ----------------------------------------------------------------------------


def test_worked_example_by_hand() -> None:
    s = ppl.perplexity_stats([-1.2, -0.3, -2.0])
    assert s.nll_sum == pytest.approx(3.5)
    assert s.nll_mean == pytest.approx(3.5 / 3)
    assert s.perplexity == pytest.approx(math.exp(3.5 / 3))
    assert s.bits_per_token == pytest.approx(3.5 / 3 / math.log(2))


@given(st.integers(min_value=2, max_value=200_000), st.integers(min_value=1, max_value=50))
def test_uniform_logprobs_give_vocabulary_size(vocab: int, n: int) -> None:
    s = ppl.perplexity_stats([-math.log(vocab)] * n)
    assert s.perplexity == pytest.approx(vocab, rel=1e-9)
    assert n == 1 or s.stderr == pytest.approx(0.0, abs=1e-6 * vocab)


@given(st.lists(logprob, min_size=2, max_size=60))
def test_stderr_is_delta_method_and_matches_scipy_sem(values: list[float]) -> None:
    s = ppl.perplexity_stats(values)
    nll = -np.array(values)
    variance = float(np.mean((nll - nll.mean()) ** 2))  # divisor N
    assert s.nll_variance == pytest.approx(variance, rel=1e-9, abs=1e-12)
    assert s.stderr == pytest.approx(s.perplexity * math.sqrt(variance / (len(values) - 1)), rel=1e-9, abs=1e-12)
    assert s.stderr == pytest.approx(s.perplexity * scipy_stats.sem(nll), rel=1e-7, abs=1e-9)


def test_one_token_has_no_stderr() -> None:
    s = ppl.perplexity_stats([-0.7])
    assert s.stderr is None and s.nll_variance is None
    assert s.perplexity == pytest.approx(math.exp(0.7))


@given(logprob_lists, st.integers(min_value=1, max_value=7))
def test_streaming_in_blocks_equals_all_at_once(values: list[float], block: int) -> None:
    acc = ppl.SequenceAccumulator(0, top_k=3)
    raw = np.array(values)
    for start in range(0, len(values), block):
        part = raw[start : start + block]
        acc.add(part, ppl.flag_mask(part, probs=False), start)
    streamed = acc.finish()
    whole = summarise(values, top_k=3)
    assert streamed.moments.n == whole.moments.n
    assert streamed.moments.mean == pytest.approx(whole.moments.mean, rel=1e-12, abs=1e-12)
    assert streamed.moments.m2 == pytest.approx(whole.moments.m2, rel=1e-9, abs=1e-9)
    # the most surprising tokens: compare with a plain sort (earlier position wins ties)
    order = sorted(range(len(values)), key=lambda i: (values[i], i))[:3]
    assert [t.position for t in streamed.surprising] == [i + 1 for i in order]


def test_variance_survives_a_large_offset() -> None:
    """Σx² − (Σx)²/N would lose every digit here; Chan's merge of block M2s does not."""
    rng = np.random.default_rng(7)
    values = -(1e6 + rng.random(10_000))
    acc = ppl.SequenceAccumulator()
    for start in range(0, values.size, 999):
        part = values[start : start + 999]
        acc.add(part, np.zeros(part.size, bool), start)
    moments = acc.finish().moments
    assert moments.m2 / moments.n == pytest.approx(np.var(values), rel=1e-6)


@given(st.lists(logprob_lists, min_size=2, max_size=6))
def test_pooled_never_exceeds_token_weighted_mean_of_sequences(sequences: list[list[float]]) -> None:
    result = ppl.pool([summarise(seq) for seq in sequences], [None] * len(sequences))
    assert result.pooled.perplexity <= result.weighted_mean_sequence_perplexity * (1 + 1e-12)
    everything = [v for seq in sequences for v in seq]
    assert result.pooled.perplexity == pytest.approx(math.exp(-sum(everything) / len(everything)), rel=1e-9)


@given(st.integers(min_value=1, max_value=20), st.lists(st.just(0), min_size=2, max_size=6), st.data())
def test_pooled_never_exceeds_unweighted_mean_for_equal_lengths(length: int, shape: list[int], data) -> None:
    sequences = [data.draw(st.lists(logprob, min_size=length, max_size=length)) for _ in shape]
    result = ppl.pool([summarise(seq) for seq in sequences], [None] * len(sequences))
    assert result.pooled.perplexity <= result.mean_sequence_perplexity * (1 + 1e-12)


def test_unweighted_mean_can_fall_below_pooled_when_lengths_differ() -> None:
    """Why the unweighted mean is only an upper bound for equal lengths: one easy short text."""
    result = ppl.pool([summarise([0.0]), summarise([-5.0] * 1000)], [None, None])
    assert result.mean_sequence_perplexity < result.pooled.perplexity
    assert result.weighted_mean_sequence_perplexity >= result.pooled.perplexity


def analysed_ppl(values: list[float], **options) -> float:
    return analyse(",".join(repr(v) for v in values), Options(**options)).result.pooled.perplexity


@given(logprob_lists)
def test_base_two_input_gives_the_same_perplexity(values: list[float]) -> None:
    natural = analysed_ppl(values)
    assert analysed_ppl([v / math.log(2) for v in values], base="2") == pytest.approx(natural, rel=1e-9)
    assert analysed_ppl([v / math.log(10) for v in values], base="10") == pytest.approx(natural, rel=1e-9)


def test_base_is_reported_by_the_cli() -> None:
    natural = run_json("--logprobs", "-1.0,-2.0")
    base2 = run_json("--logprobs", f"{-1 / math.log(2)!r},{-2 / math.log(2)!r}", "--base", "2")
    assert base2["perplexity"] == pytest.approx(natural["perplexity"], rel=1e-12)
    assert (natural["input_base"], base2["input_base"]) == ("e", "2")
    assert "log base 2" in run("--logprobs", "-1,-2", "--base", "2").stdout


@given(st.lists(st.floats(min_value=1e-6, max_value=1.0), min_size=1, max_size=40))
def test_probs_equal_their_logs(values: list[float]) -> None:
    from_probs = analysed_ppl(values, probs=True)
    assert from_probs == pytest.approx(analysed_ppl([math.log(v) for v in values]), rel=1e-9)


# --- the plain parser -------------------------------------------------------------------------

separators = st.sampled_from([" ", "\n", ",", ", ", "\t", "\r\n", "  \n"])


@settings(max_examples=60)
@given(
    st.lists(st.one_of(logprob, st.just(None)), min_size=1, max_size=80),
    separators,
    st.integers(min_value=1, max_value=40),
)
def test_plain_blocks_parse_like_a_reference_loop(values: list, sep: str, chunk: int) -> None:
    text = sep.join("null" if v is None else repr(v) for v in values) + "\n"
    data = text.encode()
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    got, positions, skipped = [], [], 0
    for block in plain.iter_blocks(chunks, "--logprobs"):
        got += block.values.tolist()
        skipped += block.skipped
        positions += [block.start + 1 + i for i in range(block.values.size)] if block.positions is None else block.positions.tolist()
    want = [v for v in values if v is not None]
    assert got == want  # exact: both read the same decimal strings
    assert positions == [i + 1 for i, v in enumerate(values) if v is not None]
    assert skipped == values.count(None)


@given(st.lists(st.one_of(logprob, st.none()), min_size=1, max_size=30).filter(lambda v: any(x is not None for x in v)))
def test_json_arrays_read_back_exactly(values: list) -> None:
    extracted = extract_json(json.dumps(values))
    assert extracted.sequences[0].values == [v for v in values if v is not None]
    assert extracted.sequences[0].skipped_nulls == values.count(None)


def test_plain_bad_token_names_token_and_line() -> None:
    chunks = [b"-1.0\n-2.0\n", b"-0.5\nabc\n-1\n"]
    with pytest.raises(BadInput, match=r"'abc' \(token 4, line 4\) is not a number"):
        list(plain.iter_blocks(chunks, "--logprobs"))


def test_streaming_with_tiny_blocks_gives_the_same_answer(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    values = -rng.exponential(1.5, 3000)
    path = tmp_path / "lp.txt"
    path.write_text("\n".join(f"{v:.6f}" for v in values) + "\n")
    whole = run_json("--logprobs", f"@{path}")
    monkeypatch.setattr("tutor.logprobs.source.BLOCK_SIZE", 97)
    streamed = run_json("--logprobs", f"@{path}")
    written = [float(f"{v:.6f}") for v in values]
    assert streamed["perplexity"] == pytest.approx(whole["perplexity"], rel=1e-12)
    assert streamed["perplexity"] == pytest.approx(math.exp(-sum(written) / len(written)), rel=1e-12)
    assert streamed["most_surprising"] == whole["most_surprising"]


# --- the CLI ------------------------------------------------------------------------------


def assert_bad_input(result, *needles: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("llmtutor: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("args", "stdin", "needles"),
    [
        (["--logprobs", "-1.2,abc,-2"], None, ["--logprobs:", "'abc'", "not a number"]),
        (["--logprobs", "-"], "", ["--logprobs:", "empty"]),
        (["--logprobs", "-"], "  \n\n ", ["--logprobs:", "empty"]),
        (["--logprobs", "[]"], None, ["--logprobs:", "empty"]),
        (["--logprobs", "[null, null]"], None, ["--logprobs:", "all 2 entries are null"]),
        (["--logprobs", "-1.2,nan,-2"], None, ["--logprobs:", "NaN", "token 2"]),
        (["--logprobs", "[-1.2, NaN]"], None, ["--logprobs:", "NaN", "position 2"]),
        (["--logprobs", "-1.2,0.3,-2"], None, ["--logprobs:", "0.3", "positive", "token 2"]),
        (["--logprobs", "0.2,0.3,0.5"], None, ["--logprobs:", "probabilities", "--probs", "sum to 1"]),
        (["--logprobs", "[0.9, 0.05, 0.05]"], None, ["--logprobs:", "probabilities", "--probs"]),
        (["--logprobs", "-0.2,-1.5", "--probs"], None, ["--logprobs:", "-0.2", "not a probability", "drop --probs"]),
        (["--logprobs", "@missing.json"], None, ["--logprobs:", "no such file", "missing.json"]),
        (["--logprobs", '{"data": []}'], None, ["--logprobs:", "unrecognised JSON shape", "OpenAI Chat Completions",
                                                "llama.cpp", "Ollama", "vLLM prompt_logprobs"]),
        (["--logprobs", "-1,-2", "--base", "3"], None, ["--base:", "'3'"]),
        (["--logprobs", "0.5", "--probs", "--base", "2"], None, ["--base:", "probabilities"]),
        (["--logprobs", "[[-1.0], [-2.0]]", "--text", "hi"], None, ["--text:", "2 sequences"]),
        (["--logprobs", "-1", "--text", ""], None, ["--text:", "empty"]),
        ([], None, ["--logprobs:", "required"]),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, needles: list[str]) -> None:
    assert_bad_input(run(*args, stdin=stdin), *needles)


def test_file_name_without_at_sign_gets_a_hint(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "response.json").write_text("[-1.0]")
    assert_bad_input(run("--logprobs", "response.json"), "--logprobs:", "@response.json")


def test_positive_logprob_in_a_named_format_names_the_token() -> None:
    doc = {"model": "m", "response": "ab", "done": True,
           "logprobs": [{"token": "a", "logprob": -0.5}, {"token": "b", "logprob": 0.25}]}
    assert_bad_input(run("--logprobs", json.dumps(doc)), "--logprobs:", "0.25", "position 2", "'b'", "positive")


def test_directory_is_unreadable(tmp_path) -> None:
    assert_bad_input(run("--logprobs", f"@{tmp_path}"), "--logprobs:", "cannot read")


def test_probs_flag_with_named_logprob_format_is_refused() -> None:
    doc = {"model": "m", "response": "x", "done": True, "logprobs": [{"token": "x", "logprob": -0.5}]}
    assert_bad_input(run("--logprobs", json.dumps(doc), "--probs"), "--probs:", "log-probabilities")


def test_minus_9999_is_flagged_in_json_and_on_stderr() -> None:
    result = run("--logprobs", "-0.5,-9999,-1.5,-inf", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["n_flagged"] == 2
    assert [f["position"] for f in payload["flagged"]] == [2, 4]
    assert payload["perplexity"] == "inf"
    assert payload["excluding_flagged"]["perplexity"] == pytest.approx(math.exp(1.0))
    assert payload["excluding_flagged"]["n_tokens"] == 2
    assert [t["position"] for t in payload["most_surprising"]] == [3, 1]  # flagged ones listed apart
    assert result.stderr.startswith("llmtutor: warning: 2 token(s)")


def test_minus_9999_is_flagged_in_the_rich_output() -> None:
    result = run("--logprobs", "-0.5,-9999,-1.5")
    assert result.exit_code == 0
    assert "flagged" in result.stdout and "-9999" in result.stdout
    assert "position 2" in result.stdout
    assert "Without them" in result.stdout


def test_rich_output_explains_the_steps() -> None:
    result = run("--logprobs", "-1.2,-0.3,-2.0")
    assert result.exit_code == 0 and result.stderr == ""
    for needle in ("PPL = exp(−(1/N) Σ ln p_i)", "N           = 3 tokens", "mean NLL", "3.2113", "bits/token",
                   "natural log", "Most surprising"):
        assert needle in result.stdout


def test_rich_output_with_several_sequences_says_which_number_is_which() -> None:
    result = run("--logprobs", "[[-1.0, -2.0], [-0.1, -0.2, -0.3]]")
    assert result.exit_code == 0
    assert "pooled" in result.stdout and "unweighted mean" in result.stdout and "Jensen" in result.stdout


def test_stdin_and_text_give_bits_per_byte() -> None:
    payload = run_json("--logprobs", "-", "--text", "héllo", stdin="-1.0\n-2.0\nnull\n-0.5\n")
    assert payload["n_tokens"] == 3 and payload["skipped_nulls"] == 1
    assert payload["n_bytes"] == 6
    assert payload["bits_per_byte"] == pytest.approx(3.5 / 6 / math.log(2))
    assert payload["bytes_source"].startswith("--text")


def test_text_from_file(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("naïve".encode())
    payload = run_json("--logprobs", "-1,-1", "--text", f"@{path}")
    assert payload["n_bytes"] == 6


def test_single_token_reports_null_stderr_with_a_note() -> None:
    payload = run_json("--logprobs", "-0.7")
    assert payload["stderr"] is None
    assert any("at least 2 tokens" in note for note in payload["notes"])


def test_several_sequences_pool_token_weighted() -> None:
    payload = run_json("--logprobs", "[-1.0, -2.0]\n[-0.1, -0.2, -0.3]\n")
    assert [s["n_tokens"] for s in payload["sequences"]] == [2, 3]
    assert payload["perplexity"] == pytest.approx(math.exp(3.6 / 5))
    per = [math.exp(1.5), math.exp(0.2)]
    assert payload["mean_sequence_perplexity"] == pytest.approx(sum(per) / 2)


def test_help_does_not_import_numpy_or_rich() -> None:
    code = (
        "import sys; import tutor.cli.calc.perplexity; "
        "print(sorted(m for m in ('numpy', 'rich', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
