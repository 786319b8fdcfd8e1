"""Perplexity maths (against closed forms, numpy and scipy), the plain streaming reader, and the
CLI's contract: one `Worked` behind the text and the JSON, one type per JSON field, one error line."""

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


def test_one_token_has_an_undefined_stderr() -> None:
    s = ppl.perplexity_stats([-0.7])
    assert isinstance(s.stderr, ppl.Undefined) and isinstance(s.nll_variance, ppl.Undefined)
    assert "at least 2 tokens" in s.stderr.reason
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
    assert base2["result"]["perplexity"] == pytest.approx(natural["result"]["perplexity"], rel=1e-12)
    assert (natural["steps"]["input_base"], base2["steps"]["input_base"]) == ("e", "2")
    assert (natural["inputs"]["base"], base2["inputs"]["base"]) == ("e", "2")
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
    for block in plain.iter_blocks(chunks):
        got += block.values.tolist()
        skipped += block.skipped
        positions += [block.start + 1 + i for i in range(block.values.size)] if block.positions is None else block.positions.tolist()
    want = [v for v in values if v is not None]
    assert got == want  # exact: both read the same decimal strings
    assert positions == [i + 1 for i, v in enumerate(values) if v is not None]
    assert skipped == values.count(None)


@settings(max_examples=60)
@given(st.lists(logprob, min_size=2, max_size=30), st.data(), st.integers(min_value=1, max_value=9))
def test_an_empty_field_is_reported_wherever_the_blocks_are_cut(values: list, data, chunk: int) -> None:
    """'1,,2', a leading comma or a trailing one: an error naming the line, never a skipped entry.
    (A comma at the end of a line, with the list going on below, is not empty: see the next test.)"""
    fields = [repr(v) for v in values]
    where = data.draw(st.integers(min_value=0, max_value=len(fields)))
    fields.insert(where, "")
    raw = ",".join(fields).encode()
    chunks = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    with pytest.raises(BadInput, match=r"an empty entry .*line 1\b") as caught:
        list(plain.iter_blocks(chunks))
    assert caught.value.field == "logprobs"


@given(st.lists(logprob, min_size=2, max_size=30), st.integers(min_value=1, max_value=9))
def test_a_list_wrapped_after_its_commas_is_read_whole(values: list, chunk: int) -> None:
    raw = ",\n".join(repr(v) for v in values).encode()
    chunks = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    assert [v for block in plain.iter_blocks(chunks) for v in block.values.tolist()] == values


@given(st.lists(st.one_of(logprob, st.none()), min_size=1, max_size=30).filter(lambda v: any(x is not None for x in v)))
def test_json_arrays_read_back_exactly(values: list) -> None:
    extracted = extract_json(json.dumps(values))
    assert extracted.sequences[0].values == [v for v in values if v is not None]
    assert extracted.sequences[0].skipped_nulls == values.count(None)


def test_plain_bad_token_names_token_and_line() -> None:
    chunks = [b"-1.0\n-2.0\n", b"-0.5\nabc\n-1\n"]
    with pytest.raises(BadInput, match=r"'abc' \(token 4, line 4\) is not a number"):
        list(plain.iter_blocks(chunks))


def test_plain_reads_the_typographic_minus_it_prints() -> None:
    assert analysed_ppl_text("−1.0,−2.0") == pytest.approx(math.exp(1.5))


def analysed_ppl_text(text: str) -> float:
    value = analyse(text, Options()).result.pooled.perplexity
    assert isinstance(value, float)
    return value


def test_streaming_with_tiny_blocks_gives_the_same_answer(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    values = -rng.exponential(1.5, 3000)
    path = tmp_path / "lp.txt"
    path.write_text("\n".join(f"{v:.6f}" for v in values) + "\n")
    whole = run_json("--logprobs", f"@{path}")
    monkeypatch.setattr("tutor.logprobs.source.BLOCK_SIZE", 97)
    streamed = run_json("--logprobs", f"@{path}")
    written = [float(f"{v:.6f}") for v in values]
    assert streamed["result"]["perplexity"] == pytest.approx(whole["result"]["perplexity"], rel=1e-12)
    assert streamed["result"]["perplexity"] == pytest.approx(math.exp(-sum(written) / len(written)), rel=1e-12)
    assert streamed["steps"]["most_surprising"] == whole["steps"]["most_surprising"]


# --- the CLI: bad input ---------------------------------------------------------------------------


def assert_bad_input(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("llmtutor: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "stdin", "needles"),
    [
        (["--logprobs", "-1.2,abc,-2"], None, ["--logprobs:", "'abc'", "not a number"]),
        (["--logprobs", "1,,2"], None, ["--logprobs:", "empty entry", "line 1"]),
        (["--logprobs", "-1,-2,"], None, ["--logprobs:", "empty entry", "ends with a comma"]),
        (["--logprobs", "-1,\n,-2"], None, ["--logprobs:", "empty entry after token 1", "line 2"]),
        (["--logprobs", "-"], "", ["--logprobs:", "empty"]),
        (["--logprobs", "-"], "  \n\n ", ["--logprobs:", "empty"]),
        (["--logprobs", "[]"], None, ["--logprobs:", "empty"]),
        (["--logprobs", "[null, null]"], None, ["--logprobs:", "all 2 entries are null"]),
        (["--logprobs", "-1.2,nan,-2"], None, ["--logprobs:", "NaN", "token 2"]),
        (["--logprobs", "[-1.2, NaN]"], None, ["--logprobs:", "NaN", "position 2"]),
        (["--logprobs", "-1.2,0.3,-2"], None, ["--logprobs:", "0.3", "positive", "token 2"]),
        (["--logprobs", "0.2,0.3,0.5"], None, ["--logprobs:", "probabilities", "say so with --probs", "sum to 1"]),
        (["--logprobs", "[0.9, 0.05, 0.05]"], None, ["--logprobs:", "probabilities", "--probs"]),
        (["--logprobs", "-0.2,-1.5", "--probs"], None, ["--logprobs:", "−0.2", "not a probability", "turn off --probs"]),
        (["--logprobs", "@missing.json"], None, ["--logprobs:", "no such file", "missing.json"]),
        (["--logprobs", "missing.json"], None, ["--logprobs:", "'missing.json'", "neither", "file that exists"]),
        (["--logprobs", '{"data": []}'], None, ["--logprobs:", "unrecognised JSON shape", "OpenAI Chat Completions",
                                                "llama.cpp", "Ollama", "vLLM prompt_logprobs"]),
        (["--logprobs", "-1,-2", "--base", "3"], None, ["--base:", "'3'"]),
        (["--logprobs", "0.5", "--probs", "--base", "2"], None, ["--base:", "probabilities"]),
        (["--logprobs", "[[-1.0], [-2.0]]", "--text", "hi"], None, ["--text:", "2 sequences"]),
        (["--logprobs", "-1", "--text", ""], None, ["--text:", "empty"]),
        (["--logprobs", "-1e308,-1e308"], None, ["too large for 64-bit floats"]),
        (["--logprobs", "-1e309,-1"], None, ["--logprobs:", "'-1e309' (token 1, line 1) is too large for 64-bit floats"]),
        (["--logprobs", "-1,null,\n\u22121E+400"], None, ["'\u22121E+400' (token 3, line 2)", "too large for 64-bit"]),
        (["--logprobs", "0.5,1e-400", "--probs"], None, ["--logprobs:", "'1e-400' (token 2, line 1) underflows 64-bit"]),
        (["--logprobs", "@"], None, ["--logprobs:", "'@' must be followed by a file name"]),
        (["--logprobs", "[-1, -1e309]"], None, ["'-1e309' (line 1, column 6) is too large for 64-bit floats"]),
        (["--logprobs", "[-1" + "0" * 400 + "]"], None, ["'-100000", "(line 1, column 2) is too large for 64-bit"]),
        (["--logprobs", "[-1" + "0" * 5000 + "]"], None, ["'-100000", "(line 1, column 2) is too large for 64-bit"]),
        (["--logprobs", '[{"token": "a", "logprob": -1E+999}]'], None, ["'-1E+999' (line 1, column 28)", "too large"]),
        (["--logprobs", "[-1]\n[-2, -1e309]"], None, ["'-1e309' (line 2, column 6)", "too large for 64-bit"]),
        (["--logprobs", "data: [-1, -1e309]\n\n"], None, ["'-1e309' (line 1, column 12)", "too large for 64-bit"]),
        (["--logprobs", "-1", "--text", "@"], None, ["--text:", "'@' must be followed by a file name"]),
        ([], None, ["--logprobs:", "required"]),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, needles: list[str]) -> None:
    assert_bad_input(run(*args, stdin=stdin), *needles)


def test_a_bare_path_is_read_as_a_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "response.json").write_text("[-1.0, -2.0]")
    (tmp_path / "my logprobs.txt").write_text("-1.0\n-2.0\n")
    for spec in ("response.json", "@response.json", str(tmp_path / "response.json"), "my logprobs.txt"):
        assert run_json("--logprobs", spec)["result"]["perplexity"] == pytest.approx(math.exp(1.5)), spec
    assert_bad_input(run("--logprobs", str(tmp_path)), "--logprobs:", "folder")


def test_positive_logprob_in_a_named_format_names_the_token() -> None:
    doc = {"model": "m", "response": "ab", "done": True,
           "logprobs": [{"token": "a", "logprob": -0.5}, {"token": "b", "logprob": 0.25}]}
    assert_bad_input(run("--logprobs", json.dumps(doc)), "--logprobs:", "0.25", "position 2", "'b'", "positive")


def test_directory_is_unreadable(tmp_path) -> None:
    assert_bad_input(run("--logprobs", f"@{tmp_path}"), "--logprobs:", "cannot read")


def test_probs_flag_with_named_logprob_format_is_refused() -> None:
    doc = {"model": "m", "response": "x", "done": True, "logprobs": [{"token": "x", "logprob": -0.5}]}
    assert_bad_input(run("--logprobs", json.dumps(doc), "--probs"), "--probs:", "log-probabilities")


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("shape", ["[{}]", '{{"choices": {}}}', "data: {}"])
def test_deeply_nested_json_is_one_error_line(depth: int, shape: str) -> None:
    nested = "[" * depth + "]" * depth
    result = run("--logprobs", shape.format(nested) if "{}" in shape else nested)
    line = assert_bad_input(result, "--logprobs:")
    assert "RecursionError" not in line and len(line) < 600


def test_deeply_nested_jsonl_line_is_one_error_line(tmp_path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text("[-1.0]\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    assert_bad_input(run("--logprobs", str(path)), "--logprobs:", "nested too deeply")


# --- the CLI: what it prints ----------------------------------------------------------------------


def test_text_and_json_come_from_the_same_worked(monkeypatch) -> None:
    """Plant a value in the explanation: both views must show it, so neither recomputes anything."""
    from dataclasses import replace

    import tutor.calculators.perplexity as calculator
    from tutor.explain.model import Scalar, Step

    real = calculator.explain_perplexity

    def planted(report):
        worked = real(report)
        steps = tuple(Step(step.heading, tuple(replace(item, value=1234.5678) if isinstance(item, Scalar)
                                               and item.key == "perplexity" else item for item in step.items))
                      for step in worked.steps)
        return replace(worked, steps=steps)

    monkeypatch.setattr(calculator, "explain_perplexity", planted)
    assert run_json("--logprobs", "-1,-2")["result"]["perplexity"] == 1234.5678
    assert "perplexity = 1,234.5678" in run("--logprobs", "-1,-2").stdout


def test_json_shape_and_text_agree_on_every_headline() -> None:
    payload = run_json("--logprobs", "-1.2,-0.3,-2.0")
    assert set(payload) == {"calculator", "inputs", "steps", "result", "notes", "claims", "special"}
    assert payload["calculator"] == "perplexity"
    result = payload["result"]
    assert result["perplexity"] == pytest.approx(math.exp(3.5 / 3))
    assert result["bits_per_token"] == pytest.approx(3.5 / 3 / math.log(2))
    text = run("--logprobs", "-1.2,-0.3,-2.0").stdout
    for key, shown in (("perplexity", "3.2113"), ("stderr", "1.5768"), ("bits_per_token", "1.6831")):
        assert f"{result[key]:.4f}" == shown and shown in text


def test_a_perplexity_past_the_float_range_is_beyond_never_inf() -> None:
    """logprobs −1, −2000: PPL = e^1000.5 ≈ 10^434.5, finite, and said so in one type per field."""
    result = run("--logprobs", "-1,-2000", "--json")
    payload = json.loads(result.stdout)
    assert '"inf"' not in result.stdout and "Infinity" not in result.stdout
    assert payload["result"]["perplexity"] is None
    special = payload["special"]["result.perplexity"]
    assert special["kind"] == "beyond"
    assert special["log10"] == pytest.approx(1000.5 / math.log(10), rel=1e-12)
    assert payload["special"]["result.stderr"]["kind"] == "beyond"
    assert payload["result"]["nll_mean"] == pytest.approx(1000.5)
    text = run("--logprobs", "-1,-2000").stdout
    assert "10^434.5" in text and "∞" not in text.split("Step 3")[1].split("Step 4")[0]


def test_a_token_of_probability_zero_makes_a_true_infinity() -> None:
    for args in (["--logprobs", "-1,-inf"], ["--logprobs", "0.5,0", "--probs"]):
        result = run(*args, "--json")
        payload = json.loads(result.stdout)
        assert payload["result"]["perplexity"] is None
        assert payload["special"]["result.perplexity"] == {"kind": "infinite", "sign": 1}
        assert payload["special"]["result.stderr"]["kind"] == "undefined"
        assert '"inf"' not in result.stdout


@pytest.mark.parametrize("spec", ["-1,-inf", "-1,-Infinity", "-1,-INF", "-1,\u2212inf", "[-1, -Infinity]",
                                  '[{"token": "a", "logprob": -1}, {"token": "b", "logprob": -Infinity}]'])
def test_an_infinity_written_as_such_is_still_a_probability_of_zero(spec: str) -> None:
    payload = run_json("--logprobs", spec)
    assert payload["special"]["result.perplexity"] == {"kind": "infinite", "sign": 1}
    assert payload["steps"]["n_flagged"] == 1


def test_a_number_with_a_million_digits_is_too_large_not_a_probability_of_zero(tmp_path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("-1.25\n" * 3 + "-1" + "0" * 1_000_000 + "\n-2.5\n")
    line = assert_bad_input(run("--logprobs", f"@{path}"), "(token 4, line 4) is too large for 64-bit floats")
    assert "'-1000" in line and len(line) < 200


def test_a_file_without_separators_fails_fast_with_one_line(tmp_path) -> None:
    assert_bad_input(run("--logprobs", "@/dev/zero"), "line 1 holds NUL bytes", "not UTF-8 text")
    path = tmp_path / "digits.txt"
    path.write_text("-1.5\n" + "1" * (5 << 20))
    assert_bad_input(run("--logprobs", f"@{path}"), "token 2 (line 2) runs past 4 MiB without a comma")


def chat_chunk(logprob: str) -> str:
    return ('{"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "a"}, '
            '"logprobs": {"content": [{"token": "a", "logprob": %s, "bytes": [97], "top_logprobs": []}]}}]}' % logprob)


@pytest.mark.parametrize("value", ["-1e309", "-1" + "0" * 400, "-1" + "0" * 5000])
def test_a_chat_stream_with_a_number_past_the_float_range_names_it(tmp_path, value: str) -> None:
    path = tmp_path / "stream.jsonl"
    path.write_text("\n".join(chat_chunk(v) for v in ("-0.5", value, "-1.5")) + "\n")
    column = chat_chunk(value).index(value) + 1
    assert_bad_input(run("--logprobs", f"@{path}"), f"'{value[:10]}", f"(line 2, column {column}) is too large for 64-bit")
    path.write_text("\n".join(chat_chunk(v) for v in ("-0.5", "-Infinity", "-1.5")) + "\n")
    assert run_json("--logprobs", f"@{path}")["special"]["result.perplexity"]["kind"] == "infinite"


def test_a_utf16_file_is_not_utf8_text(tmp_path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_text("-1.5\n-2.25\n", encoding="utf-16")
    line = assert_bad_input(run("--logprobs", f"@{path}"), "line 1 is not UTF-8 text")
    assert "\ufffd" not in line and "\\x" not in line
    path.write_text("-1.5\n-2.25\n", encoding="utf-16-le")  # no byte-order mark: NUL bytes between the digits
    assert_bad_input(run("--logprobs", f"@{path}"), "holds NUL bytes", "not UTF-8 text")


def test_minus_9999_is_flagged_in_json_and_on_stderr() -> None:
    result = run("--logprobs", "-0.5,-9999,-1.5,-inf", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    steps = payload["steps"]
    assert steps["n_flagged"] == 2
    assert [f["position"] for f in steps["flagged"]] == [2, 4]
    assert payload["special"]["result.perplexity"]["kind"] == "infinite"
    assert steps["perplexity_excluding_flagged"] == pytest.approx(math.exp(1.0))
    assert steps["n_tokens_excluding_flagged"] == 2
    assert [t["position"] for t in steps["most_surprising"]] == [3, 1]  # flagged ones listed apart
    assert payload["special"]["steps.flagged.0.probability"]["log10"] == pytest.approx(-9999 / math.log(10))
    assert any("2 token(s)" in note for note in payload["notes"])
    assert result.stderr.startswith("llmtutor: warning: 2 token(s)")


def test_minus_9999_is_flagged_in_the_text() -> None:
    result = run("--logprobs", "-0.5,-9999,-1.5")
    assert result.exit_code == 0
    out = result.stdout
    assert "Flagged tokens" in out and "−9999" in out and "position 2" in out
    assert "perplexity without them = 2.7183" in out


def test_text_explains_the_steps() -> None:
    result = run("--logprobs", "-1.2,-0.3,-2.0")
    assert result.exit_code == 0 and result.stderr == ""
    for needle in ("PPL = exp(−(1/N) Σ ln p_i)", "N = 3 tokens", "mean NLL = 1.1667", "perplexity = 3.2113",
                   "bits per token = 1.6831", "natural log", "most surprising", "position 3: ln p = −2"):
        assert needle in result.stdout, needle


def test_text_with_several_sequences_says_which_number_is_which() -> None:
    result = run("--logprobs", "[[-1.0, -2.0], [-0.1, -0.2, -0.3]]")
    assert result.exit_code == 0
    for needle in ("pooled", "unweighted", "Jensen", "per sequence (2×4)", "tokens (2×3)", "row 1", "row 2"):
        assert needle in result.stdout, needle


def test_stdin_and_text_give_bits_per_byte() -> None:
    payload = run_json("--logprobs", "-", "--text", "héllo", stdin="-1.0\n-2.0\nnull\n-0.5\n")
    assert payload["result"]["n_tokens"] == 3 and payload["steps"]["skipped_nulls"] == 1
    assert payload["result"]["n_bytes"] == 6
    assert payload["result"]["bits_per_byte"] == pytest.approx(3.5 / 6 / math.log(2))
    assert payload["steps"]["bytes_source"].startswith("the text")
    assert payload["inputs"]["text_bytes"] == 6


def test_text_from_file(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("naïve".encode())
    assert run_json("--logprobs", "-1,-1", "--text", f"@{path}")["result"]["n_bytes"] == 6


def test_single_token_has_an_undefined_stderr_with_its_reason() -> None:
    payload = run_json("--logprobs", "-0.7")
    assert payload["result"]["stderr"] is None
    assert "at least 2 tokens" in payload["special"]["result.stderr"]["reason"]


def test_several_sequences_pool_token_weighted() -> None:
    payload = run_json("--logprobs", "[-1.0, -2.0]\n[-0.1, -0.2, -0.3]\n")
    assert [s["n_tokens"] for s in payload["steps"]["sequences"]] == [2, 3]
    assert payload["result"]["perplexity"] == pytest.approx(math.exp(3.6 / 5))
    per = [math.exp(1.5), math.exp(0.2)]
    assert payload["steps"]["mean_sequence_perplexity"] == pytest.approx(sum(per) / 2)
    assert payload["steps"]["weighted_mean_sequence_perplexity"] == pytest.approx((2 * per[0] + 3 * per[1]) / 5)


def test_sequence_means_stay_exact_past_the_float_range() -> None:
    """Log-sum-exp: a sequence at e^1000 still averages to a finite power of ten."""
    result = ppl.pool([summarise([-1000.0]), summarise([-1.0])], [None, None])
    mean = result.mean_sequence_perplexity
    assert isinstance(mean, ppl.Beyond)
    assert mean.log10 == pytest.approx((1000 - math.log(2)) / math.log(10), rel=1e-12)


def test_help_does_not_import_numpy_or_rich() -> None:
    code = (
        "import sys; import tutor.cli.calc.perplexity; "
        "print(sorted(m for m in ('numpy', 'rich', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- size -------------------------------------------------------------------------------------------


def _measured(spec: str) -> tuple[float, dict]:
    import tracemalloc

    from tutor.calculators.perplexity import explain_perplexity
    from tutor.explain.jsonable import worked_to_json

    tracemalloc.start()
    try:
        payload = worked_to_json(explain_perplexity(analyse(spec, Options())))
        return tracemalloc.get_traced_memory()[1] / 1e6, payload
    finally:
        tracemalloc.stop()


def _values(n: int) -> np.ndarray:
    return np.round(-np.random.default_rng(11).exponential(2.0, n), 6)


def test_256000_plain_tokens_stream_in_little_memory(tmp_path) -> None:
    values = _values(256_000)
    path = tmp_path / "lp.txt"
    path.write_text("\n".join(f"{v:.6f}" for v in values) + "\n")
    peak_mb, payload = _measured(f"@{path}")
    assert payload["result"]["perplexity"] == pytest.approx(math.exp(-math.fsum(values) / values.size), rel=1e-9)
    assert peak_mb < 20, f"{peak_mb:.1f} MB"  # measured 7 MB: one 1 MiB block at a time


@pytest.mark.slow
def test_256000_tokens_of_json_fit_in_bounded_memory(tmp_path) -> None:
    values = _values(256_000)
    path = tmp_path / "lp.json"
    path.write_text(json.dumps(values.tolist()))
    peak_mb, payload = _measured(f"@{path}")
    assert payload["result"]["perplexity"] == pytest.approx(math.exp(-math.fsum(values) / values.size), rel=1e-9)
    assert peak_mb < 100, f"{peak_mb:.1f} MB"  # measured 48 MB: the text, the parsed list, the arrays
