"""Inputs that disagree with themselves are reported, never settled quietly: vLLM token ids that do
not line up with prompt_logprobs, a text whose bytes differ from the tokens' own, and the core's
errors naming fields (the CLI names options)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.errors import BadInput
from tutor.logprobs.analyse import Options, analyse
from tutor.logprobs.detect import extract_json

DATA = Path(__file__).parent / "data" / "logprobs"
runner = CliRunner()


def load(name: str) -> object:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def invoke(*args: str):
    return runner.invoke(app, ["calc", "perplexity", *args])


# --- vLLM: prompt_token_ids must match prompt_logprobs one to one ------------------------------------


def vllm_doc(drop: int) -> dict:
    entries = load("vllm_prompt_logprobs_list.json")
    ids = [128000] + [int(list(e)[0]) for e in entries[1:]]
    return {"prompt_token_ids": ids[: len(ids) - drop], "prompt_logprobs": entries}


def test_vllm_ids_that_line_up_are_used() -> None:
    doc = vllm_doc(0)
    assert extract_json(json.dumps(doc)).sequences[0].values == [
        e[str(i)]["logprob"] for e, i in zip(doc["prompt_logprobs"][1:], doc["prompt_token_ids"][1:], strict=True)]


@pytest.mark.parametrize("drop", [1, 3])
def test_vllm_ids_of_another_length_are_an_error_not_a_guess(drop: int) -> None:
    """Before, a mismatch fell back to each position's first key without a word (2.15 for 14.39)."""
    doc = vllm_doc(drop)
    with pytest.raises(BadInput) as caught:
        extract_json(json.dumps(doc))
    assert caught.value.field == "logprobs"
    message = caught.value.message
    assert f"prompt_token_ids has {11 - drop} token ids but prompt_logprobs has 11 positions" in message
    result = invoke("--logprobs", json.dumps(doc))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("llmtutor: --logprobs: prompt_token_ids has")


def test_vllm_choice_ids_of_another_length_are_an_error() -> None:
    doc = load("vllm_prompt_logprobs.json")
    entries = doc["choices"][0]["prompt_logprobs"]
    doc["choices"][0]["prompt_token_ids"] = [1] * (len(entries) + 2)
    with pytest.raises(BadInput, match=r"choices\[0\]\.prompt_token_ids has \d+ token ids"):
        extract_json(json.dumps(doc))


def test_vllm_without_ids_says_it_took_the_first_entry() -> None:
    extracted = extract_json((DATA / "vllm_prompt_logprobs_list.json").read_text())
    assert any("first entry" in note for note in extracted.notes)


# --- the text and the tokens' own bytes ------------------------------------------------------------


def ollama_payload(*extra: str):
    return invoke("--logprobs", str(DATA / "ollama_generate.json"), "--json", *extra)


def test_text_that_matches_the_token_bytes_is_confirmed() -> None:
    doc = load("ollama_generate.json")
    result = ollama_payload("--text", doc["response"])
    payload = json.loads(result.stdout)
    assert payload["result"]["n_bytes"] == 50 and payload["notes"] == [] and result.stderr == ""
    text = invoke("--logprobs", str(DATA / "ollama_generate.json"), "--text", doc["response"]).stdout
    assert "agree with the tokens' own" in text


def test_text_whose_bytes_differ_from_the_tokens_is_reported_and_used() -> None:
    doc = load("ollama_generate.json")
    values = [t["logprob"] for t in doc["logprobs"]]
    text = doc["response"] + " And more words the tokens never saw."
    result = ollama_payload("--text", text)
    payload = json.loads(result.stdout)
    n_text = len(text.encode())
    assert payload["result"]["n_bytes"] == n_text
    assert payload["result"]["bits_per_byte"] == pytest.approx(-sum(values) / n_text / math.log(2))
    warning = next(note for note in payload["notes"] if "UTF-8 bytes" in note)
    assert f"the text is {n_text} UTF-8 bytes but the tokens' token bytes arrays add up to 50" in warning
    assert "uses the text's" in warning and "because" in warning
    other = -sum(values) / 50 / math.log(2)
    assert f"{other:.4g}" in warning
    assert "llmtutor: warning: the text is" in result.stderr
    shown = invoke("--logprobs", str(DATA / "ollama_generate.json"), "--text", text).stdout
    assert "! the text is" in shown


def test_text_against_token_strings_of_a_legacy_completion() -> None:
    result = invoke("--logprobs", f"@{DATA / 'openai_completions_echo.json'}", "--text", "x", "--json")
    notes = json.loads(result.stdout)["notes"]
    assert any("token strings (UTF-8 length) add up to" in note for note in notes)


# --- messages: fields in the core, options in the CLI ---------------------------------------------


@pytest.mark.parametrize(
    ("spec", "options", "field", "words"),
    [
        ("0.2,0.3,0.5", Options(), "logprobs", "the probs switch"),
        ("-0.2,-1.5", Options(probs=True), "logprobs", "the probs switch"),
        ("-1,-2", Options(base="7"), "base", "'7'"),
        ('{"model": "m", "response": "x", "done": true, "logprobs": [{"token": "x", "logprob": -0.5}]}',
         Options(probs=True), "probs", "log-probabilities"),
        ("[[-1], [-2]]", Options(text="hi"), "text", "2 sequences"),
    ],
)
def test_the_core_names_fields_and_never_options(spec: str, options: Options, field: str, words: str) -> None:
    with pytest.raises(BadInput) as caught:
        analyse(spec, options)
    assert caught.value.field == field and words in caught.value.message
    assert "--" not in caught.value.message and "llmtutor" not in caught.value.message


def test_echoed_input_is_escaped() -> None:
    result = invoke("--logprobs", "-1,\x1b[31mred\x07,-2")
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\e[31mred\\x07" in result.stderr
    doc = {"model": "m", "response": "x", "done": True, "logprobs": [{"token": "\x1b[2J", "logprob": 0.5}]}
    result = invoke("--logprobs", json.dumps(doc))
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "'\\e[2J'" in result.stderr


def test_tokens_with_control_characters_or_markup_are_shown_safely() -> None:
    doc = {"model": "m", "response": "x", "done": True,
           "logprobs": [{"token": "[/INST]", "logprob": -3.0}, {"token": "\n\x1b[2J", "logprob": -2.0}]}
    result = invoke("--logprobs", json.dumps(doc))
    assert result.exit_code == 0, result.stderr
    assert "'[/INST]' at position 1" in result.stdout and "'\\n\\e[2J' at position 2" in result.stdout
    assert "\x1b" not in result.stdout
