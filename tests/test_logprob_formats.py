"""Every log-probability format is recognised and read correctly.

Each sample in tests/data/logprobs/ is hand-built to match the real tool's shape. The expected
values are computed here by walking the file's own fields with plain loops, independently of
the extractors, and compared with what `tutor.logprobs` reads and what the CLI reports.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.errors import BadInput
from tutor.logprobs.detect import KNOWN_FORMATS, extract_json
from tutor.logprobs.tokens import token_utf8_length

DATA = Path(__file__).parent / "data" / "logprobs"
runner = CliRunner()


def load(name: str) -> object:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def jsonl(name: str) -> list:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def mean_nll(sequences: list[list[float]]) -> float:
    total, count = 0.0, 0
    for values in sequences:
        for value in values:
            total += value
            count += 1
    return -total / count


def pooled_ppl(sequences: list[list[float]]) -> float:
    return math.exp(mean_nll(sequences))


def cli_json(*args: str) -> dict:
    result = runner.invoke(app, ["calc", "perplexity", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def headline(payload: dict, key: str) -> object:
    """A result field; a null must be explained under "special" (beyond / infinite / undefined)."""
    value = payload["result"][key]
    if value is None:
        assert f"result.{key}" in payload["special"], key
    return value


# --- expected values, walked by hand from each file ----------------------------------------------


def expect_openai_chat(doc: dict) -> tuple[list[list[float]], list[int]]:
    values, n_bytes = [], []
    for choice in doc["choices"]:
        row, count = [], 0
        for item in choice["logprobs"]["content"]:
            row.append(item["logprob"])
            count += len(item["bytes"])
        values.append(row)
        n_bytes.append(count)
    return values, n_bytes


def expect_completions(doc: dict) -> list[float]:
    return [v for v in doc["choices"][0]["logprobs"]["token_logprobs"] if v is not None]


def expect_responses(doc: dict) -> list[float]:
    out = []
    for item in doc["output"]:
        for part in item.get("content", []):
            if part["type"] == "output_text":
                out += [t["logprob"] for t in part["logprobs"]]
    return out


def expect_vllm(entries: list) -> list[float]:
    out = []
    for entry in entries:
        if entry is not None:
            first_key = list(entry)[0]
            out.append(entry[first_key]["logprob"])
    return out


CASES = {
    # file: (format key, expected sequences as lists of natural-log values)
    "openai_chat.json": ("openai-chat", lambda: expect_openai_chat(load("openai_chat.json"))[0]),
    "openai_chat_9999.json": ("openai-chat", lambda: expect_openai_chat(load("openai_chat_9999.json"))[0]),
    "openai_completions_echo.json": ("openai-completions", lambda: [expect_completions(load("openai_completions_echo.json"))]),
    "openai_responses.json": ("openai-responses", lambda: [expect_responses(load("openai_responses.json"))]),
    "llamacpp_completion.json": (
        "llamacpp",
        lambda: [[t["logprob"] for t in load("llamacpp_completion.json")["completion_probabilities"]]],
    ),
    "llamacpp_post_sampling.json": (
        "llamacpp-probs",
        lambda: [[math.log(t["prob"]) for t in load("llamacpp_post_sampling.json")["completion_probabilities"]]],
    ),
    "llamacpp_old_probs.json": (
        "llamacpp-old",
        lambda: [
            [
                math.log(p["prob"])
                for t in load("llamacpp_old_probs.json")["completion_probabilities"]
                for p in t["probs"]
                if p["tok_str"] == t["content"]
            ]
        ],
    ),
    "ollama_generate.json": ("ollama", lambda: [[t["logprob"] for t in load("ollama_generate.json")["logprobs"]]]),
    "ollama_chat_stream.jsonl": (
        "ollama",
        lambda: [[t["logprob"] for line in jsonl("ollama_chat_stream.jsonl") for t in line.get("logprobs", [])]],
    ),
    "vllm_prompt_logprobs.json": (
        "vllm-prompt",
        lambda: [expect_vllm(load("vllm_prompt_logprobs.json")["choices"][0]["prompt_logprobs"])],
    ),
    "vllm_prompt_logprobs_list.json": ("vllm-prompt", lambda: [expect_vllm(load("vllm_prompt_logprobs_list.json"))]),
    "array.json": ("json-array", lambda: [[v for v in load("array.json") if v is not None]]),
    "rows.jsonl": ("json-rows", lambda: jsonl("rows.jsonl")),
    "tokens.jsonl": ("json-tokens", lambda: [[line["logprob"] for line in jsonl("tokens.jsonl")]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_sample_is_detected_and_read(name: str) -> None:
    fmt, expected = CASES[name]
    extracted = extract_json((DATA / name).read_text(encoding="utf-8"))
    assert extracted.format == fmt
    got = [list(seq.values) for seq in extracted.sequences]
    if fmt.startswith("llamacpp-"):  # these dialects hold probabilities, as their field names say
        got = [[math.log(v) for v in row] for row in got]
    assert len(got) == len(expected())
    for row, want in zip(got, expected(), strict=True):
        assert row == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_perplexity_of_each_sample_matches_a_plain_loop(name: str) -> None:
    _, expected = CASES[name]
    result = runner.invoke(app, ["calc", "perplexity", "--logprobs", f"@{DATA / name}", "--json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["result"]["n_tokens"] == sum(len(row) for row in expected())
    want = mean_nll(expected())
    assert payload["result"]["nll_mean"] == pytest.approx(want, rel=1e-12)
    if want < 700:
        assert headline(payload, "perplexity") == pytest.approx(math.exp(want), rel=1e-9)
    else:  # a -9999 among a few tokens: e^want is past the float range, and the JSON says how far
        assert headline(payload, "perplexity") is None
        special = payload["special"]["result.perplexity"]
        assert special["kind"] == "beyond" and special["log10"] == pytest.approx(want / math.log(10), rel=1e-12)


@pytest.mark.parametrize("name", ["plain_lines.txt", "plain_commas.txt"])
def test_plain_files(name: str) -> None:
    text = (DATA / name).read_text()
    values = [float(tok) for tok in text.replace(",", " ").split()]
    payload = cli_json("--logprobs", f"@{DATA / name}")
    assert payload["steps"]["format"] == "plain"
    assert payload["result"]["n_tokens"] == len(values) == 20
    assert payload["result"]["perplexity"] == pytest.approx(pooled_ppl([values]), rel=1e-12)


def test_openai_chat_sequences_and_bits_per_byte_from_bytes_arrays() -> None:
    values, n_bytes = expect_openai_chat(load("openai_chat.json"))
    payload = cli_json("--logprobs", f"@{DATA / 'openai_chat.json'}")
    sequences = payload["steps"]["sequences"]
    assert [s["label"] for s in sequences] == ["choice 0", "choice 1"]
    for seq, row, count in zip(sequences, values, n_bytes, strict=True):
        assert seq["n_tokens"] == len(row)
        assert seq["perplexity"] == pytest.approx(math.exp(-sum(row) / len(row)))
        assert seq["n_bytes"] == count
    assert payload["steps"]["bytes_source"] == "token bytes arrays"
    total = sum(sum(row) for row in values)
    assert payload["result"]["bits_per_byte"] == pytest.approx(-total / sum(n_bytes) / math.log(2))
    # the emoji is split over two byte-level tokens: their bytes, not their display strings, count
    assert n_bytes[1] == len("Blue — one of the three primaries 🎨.".encode())


def test_legacy_completions_echo_null_is_skipped_not_zero() -> None:
    doc = load("openai_completions_echo.json")
    assert doc["choices"][0]["logprobs"]["token_logprobs"][0] is None
    payload = cli_json("--logprobs", f"@{DATA / 'openai_completions_echo.json'}")
    steps = payload["steps"]
    assert steps["skipped_nulls"] == 1
    assert payload["result"]["n_tokens"] == len(doc["choices"][0]["logprobs"]["tokens"]) - 1
    # bytes fall back to the token strings of the scored tokens (the first one predicts nothing)
    assert steps["bytes_source"] == "token strings (UTF-8 length)"
    assert payload["result"]["n_bytes"] == sum(len(t.encode()) for t in doc["choices"][0]["logprobs"]["tokens"][1:])
    # positions count the skipped null: the most surprising token " quick" is the 2nd token emitted
    assert steps["most_surprising"][0]["token"] == " quick"
    assert steps["most_surprising"][0]["position"] == 2
    assert any("never read as 0" in note for note in payload["notes"])


def test_flagged_minus_9999_is_named_with_token_and_position() -> None:
    result = runner.invoke(app, ["calc", "perplexity", "--logprobs", f"@{DATA / 'openai_chat_9999.json'}", "--json"])
    assert result.exit_code == 0
    steps = json.loads(result.stdout)["steps"]
    assert steps["n_flagged"] == 1
    assert steps["flagged"][0]["token"] == "42"
    assert steps["flagged"][0]["position"] == 5
    kept = [t["logprob"] for t in load("openai_chat_9999.json")["choices"][0]["logprobs"]["content"] if t["logprob"] > -9999]
    assert steps["perplexity_excluding_flagged"] == pytest.approx(math.exp(-sum(kept) / len(kept)))
    assert "warning" in result.stderr and "−9999" in result.stderr
    text = runner.invoke(app, ["calc", "perplexity", "--logprobs", f"@{DATA / 'openai_chat_9999.json'}"]).stdout
    assert "'42' at position 5: ln p = −9999" in text


def test_vllm_uses_prompt_token_ids_when_given() -> None:
    entries = load("vllm_prompt_logprobs_list.json")
    # prompt token ids picking the *second* key at position 1 must change the value read
    ids = [128000] + [int(list(e)[0]) for e in entries[1:]]
    ids[1] = int(list(entries[1])[1])
    doc = {"prompt_token_ids": ids, "prompt_logprobs": entries}
    seq = extract_json(json.dumps(doc)).sequences[0]
    assert seq.values[0] == entries[1][str(ids[1])]["logprob"]
    assert seq.values[1:] == expect_vllm(entries)[1:]


def test_llamacpp_old_unlisted_chosen_token_is_skipped_and_explained() -> None:
    extracted = extract_json((DATA / "llamacpp_old_probs.json").read_text())
    assert extracted.sequences[0].skipped_nulls == 1
    assert any("n_probs" in note for note in extracted.notes)


def test_ollama_stream_chunks_form_one_reply() -> None:
    extracted = extract_json((DATA / "ollama_chat_stream.jsonl").read_text())
    assert [s.label for s in extracted.sequences] == ["reply"]
    assert extracted.sequences[0].tokens[2] == " 👋"


def test_token_utf8_length_counts_openai_byte_tokens() -> None:
    assert token_utf8_length("bytes:\\xf0\\x9f\\x8e") == 3
    assert token_utf8_length(" café") == 6
    assert token_utf8_length("bytes: not escapes") == len("bytes: not escapes")


# --- smaller shapes, inline ------------------------------------------------------------------


def test_hugging_face_rows_and_trailing_zero_padding_note() -> None:
    extracted = extract_json("[[-1.0, -2.0, 0.0, 0.0], [-0.5, -0.25, -0.125, -1.0]]")
    assert extracted.format == "json-rows"
    assert [len(s.values) for s in extracted.sequences] == [4, 4]
    assert "padding" in extracted.sequences[0].notes[0]


def test_list_of_responses_and_jsonl_of_responses_give_all_sequences() -> None:
    one = load("llamacpp_completion.json")
    as_list = extract_json(json.dumps([one, one]))
    as_lines = extract_json(json.dumps(one) + "\n" + json.dumps(one) + "\n")
    for extracted in (as_list, as_lines):
        assert extracted.format == "llamacpp"
        assert len(extracted.sequences) == 2
    assert as_lines.sequences[1].label == "line 2 completion"


def test_batch_api_line_is_unwrapped() -> None:
    line = {"id": "batch_req_1", "custom_id": "q1", "response": {"status_code": 200, "body": load("openai_chat.json")}}
    assert extract_json(json.dumps(line)).format == "openai-chat"


def test_chat_refusal_tokens_are_used_when_content_is_null() -> None:
    doc = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None, "refusal": "No."},
                        "logprobs": {"content": None, "refusal": [{"token": "No", "logprob": -0.1, "bytes": [78, 111]}]}}]}
    extracted = extract_json(json.dumps(doc))
    assert extracted.sequences[0].values == [-0.1]
    assert "refus" in extracted.notes[0]


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"choices": [{"index": 0, "message": {"content": "hi"}, "logprobs": None}]}, "logprobs=true"),
        ({"object": "response", "output": [{"type": "message", "content": [{"type": "output_text", "text": "x"}]}]},
         "message.output_text.logprobs"),
        ({"model": "gemma3", "response": "hi", "done": True}, '"logprobs": true'),
        ({"choices": [{"text": "x", "logprobs": None}]}, "logprobs=1"),
    ],
)
def test_responses_without_logprobs_say_how_to_ask_for_them(doc: dict, needle: str) -> None:
    with pytest.raises(BadInput, match=r"^logprobs: .*") as caught:
        extract_json(json.dumps(doc))
    assert caught.value.field == "logprobs"
    assert needle in str(caught.value)


def test_mixed_formats_in_jsonl_are_refused() -> None:
    lines = json.dumps(load("ollama_generate.json")) + "\n" + json.dumps(load("llamacpp_completion.json"))
    with pytest.raises(BadInput, match="mix formats"):
        extract_json(lines)


@pytest.mark.parametrize("text", ['{"data": [1, 2]}', '["a", "b"]', "[true]", '[{"x": 1}]'])
def test_unknown_shapes_list_every_known_format(text: str) -> None:
    with pytest.raises(BadInput) as caught:
        extract_json(text)
    message = str(caught.value)
    assert message.startswith("logprobs: ") and caught.value.field == "logprobs"
    assert ("unrecognised JSON shape" in message) or ("not a number" in message)
    if "unrecognised" in message:
        for name in KNOWN_FORMATS:
            assert name in message


def test_non_number_inside_a_known_format_names_the_field() -> None:
    doc = load("ollama_generate.json")
    doc["logprobs"][3]["logprob"] = "-0.5"
    with pytest.raises(BadInput, match=r"logprobs\[3\]\.logprob is \"-0\.5\", not a number"):
        extract_json(json.dumps(doc))


def test_invalid_json_and_invalid_jsonl_line() -> None:
    with pytest.raises(BadInput, match="invalid JSON"):
        extract_json("[1, 2")
    with pytest.raises(BadInput, match="line 2 is not valid JSON"):
        extract_json("[-1.0]\n[-2.0,\n")
