"""Every payload shape keeps each token's top alternatives, read independently here from the file.

The expected alternatives are walked by hand from each sample's own fields (plain loops over the
JSON, the JSONL lines or the event stream), then compared with what `tutor.logprobs` keeps on
the token records. A shape that lists none keeps None; a list that cannot be read is counted in a
note and never changes the values.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tutor.logprobs.detect import extract_json, extract_sse
from tutor.logprobs.model import Extracted

DATA = Path(__file__).parent / "data" / "logprobs"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def lines(name: str) -> list[Any]:
    text = (DATA / name).read_text(encoding="utf-8")
    if name.endswith(".sse"):
        found = [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]
        return [json.loads(data) for data in found if data.strip() != "[DONE]"]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read(name: str) -> Extracted:
    text = (DATA / name).read_text(encoding="utf-8")
    return extract_sse(text) if name.endswith(".sse") else extract_json(text)


def objects(items: list[dict[str, Any]], key: str = "top_logprobs", value: str = "logprob",
            text: str = "token") -> list[list[tuple[str, float]]]:
    return [[(a[text], a[value]) for a in item[key]] for item in items]


# --- hand walks, one per shape --------------------------------------------------------------------


def chat(name: str) -> list[list[list[tuple[str, float]]]]:
    return [objects(c["logprobs"]["content"]) for c in load(name)["choices"]]


def completions(name: str) -> list[list[list[tuple[str, float]]]]:
    logprobs = load(name)["choices"][0]["logprobs"]
    return [[list(d.items()) for v, d in zip(logprobs["token_logprobs"], logprobs["top_logprobs"]) if v is not None]]


def responses(name: str) -> list[list[list[tuple[str, float]]]]:
    out: list[list[tuple[str, float]]] = []
    for item in load(name)["output"]:
        for part in item.get("content", []):
            if part.get("type") == "output_text":
                out += objects(part["logprobs"])
    return [out]


def llama(name: str) -> list[list[list[tuple[str, float]]]]:
    items = load(name)["completion_probabilities"]
    if "top_probs" in items[0]:
        return [objects(items, "top_probs", "prob")]
    if "probs" in items[0]:  # the chosen token must be listed, else it is skipped
        kept = [t for t in items if any(p["tok_str"] == t["content"] for p in t["probs"])]
        return [objects(kept, "probs", "prob", "tok_str")]
    return [objects(items)]


def ollama(name: str) -> list[list[list[tuple[str, float]]]]:
    chunks = lines(name) if name.endswith(".jsonl") else [load(name)]
    return [objects([item for chunk in chunks for item in chunk.get("logprobs") or []])]


def vllm(name: str) -> list[list[list[tuple[str, float]]]]:
    doc = load(name)
    entries = doc if isinstance(doc, list) else doc["choices"][0]["prompt_logprobs"]
    return [[[(v["decoded_token"], v["logprob"]) for v in entry.values()] for entry in entries if entry is not None]]


def chat_stream(name: str) -> list[list[list[tuple[str, float]]]]:
    by_choice: dict[int, list[list[tuple[str, float]]]] = {}
    for chunk in lines(name):
        for choice in chunk["choices"]:
            content = (choice.get("logprobs") or {}).get("content") or []
            by_choice.setdefault(choice["index"], [])
            by_choice[choice["index"]] += objects(content)
    return [alts for _, alts in sorted(by_choice.items()) if alts]


def completions_stream(name: str) -> list[list[list[tuple[str, float]]]]:
    out: list[list[tuple[str, float]]] = []
    for chunk in lines(name):
        for choice in chunk["choices"]:
            logprobs = choice.get("logprobs") or {}
            out += [list(d.items()) for v, d in zip(logprobs.get("token_logprobs") or [],
                                                      logprobs.get("top_logprobs") or []) if v is not None]
    return [out]


def llama_stream(name: str) -> list[list[list[tuple[str, float]]]]:
    out: list[list[tuple[str, float]]] = []
    for chunk in lines(name):
        if chunk.get("stop") is True and out:  # older servers repeat every token at the end
            continue
        out += objects(chunk.get("completion_probabilities") or [])
    return [out]


def responses_stream(name: str) -> list[list[list[tuple[str, float]]]]:
    deltas = [e for e in lines(name) if e.get("type") == "response.output_text.delta"]
    return [objects([item for e in deltas for item in e.get("logprobs") or []])]


CASES = {
    "openai_chat.json": chat, "openai_chat_9999.json": chat, "vllm_chat.json": chat,
    "openai_completions_echo.json": completions, "vllm_completions.json": completions,
    "openai_responses.json": responses,
    "llamacpp_completion.json": llama, "llamacpp_post_sampling.json": llama, "llamacpp_old_probs.json": llama,
    "ollama_generate.json": ollama, "ollama_chat_stream.jsonl": ollama,
    "vllm_prompt_logprobs.json": vllm, "vllm_prompt_logprobs_list.json": vllm,
    "openai_chat_stream.jsonl": chat_stream, "openai_chat_stream.sse": chat_stream,
    "openai_completions_stream.sse": completions_stream, "llamacpp_stream.sse": llama_stream,
    "openai_responses_stream.sse": responses_stream,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_shape_keeps_every_tokens_alternatives(name: str) -> None:
    expected = CASES[name](name)
    sequences = read(name).sequences
    assert len(sequences) == len(expected)
    for seq, alternatives in zip(sequences, expected):
        assert seq.alternatives is not None and len(seq.alternatives) == len(seq.values) == len(alternatives)
        for kept, hand in zip(seq.alternatives, alternatives):
            assert kept is not None
            assert [text for text, _ in kept] == [text for text, _ in hand]
            assert [value for _, value in kept] == pytest.approx([value for _, value in hand], rel=0, abs=0)


def test_every_sample_with_tokens_is_covered() -> None:
    with_tokens = {p.name for p in DATA.iterdir() if p.suffix in (".json", ".jsonl", ".sse")} - {
        "array.json", "rows.jsonl", "tokens.jsonl"}
    assert with_tokens == set(CASES)


def test_vllm_completions_dict_holds_the_sampled_token_beside_the_top_one() -> None:
    seq = read("vllm_completions.json").sequences[0]
    assert seq.tokens is not None and seq.alternatives is not None
    assert seq.tokens[1] == "," and dict(seq.alternatives[1]) == {".": -0.6931, ",": -1.204}


def test_no_alternatives_requested_keeps_none() -> None:
    sample = {"choices": [{"index": 0, "message": {"content": "Hi"}, "logprobs": {"content": [
        {"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []},
        {"token": "!", "logprob": -0.2, "bytes": [33]},
        {"token": " x", "logprob": -0.3, "bytes": [32, 120], "top_logprobs": None}]}}]}
    seq = extract_json(json.dumps(sample)).sequences[0]
    assert seq.alternatives == [None, None, None] and not seq.notes
    plain = extract_json((DATA / "tokens.jsonl").read_text(encoding="utf-8")).sequences[0]
    assert plain.alternatives == [None] * len(plain.values)
    numbers = extract_json("[-1.0, -2.0]").sequences[0]
    assert numbers.alternatives is None  # bare numbers name no tokens at all


@pytest.mark.parametrize("bad", ['"top"', '[{"token": "a"}]', '[{"token": "a", "logprob": "x"}]', '[3]',
                                 '[{"token": "a", "logprob": true}]', '{"a": -1}'])
def test_an_unreadable_list_is_counted_and_the_values_still_count(bad: str) -> None:
    text = ('{"choices": [{"index": 0, "message": {}, "logprobs": {"content": ['
            '{"token": "a", "logprob": -0.5, "top_logprobs": ' + bad + '},'
            '{"token": "b", "logprob": -1.5, "top_logprobs": [{"token": "b", "logprob": -1.5}]}]}}]}')
    seq = extract_json(text).sequences[0]
    assert seq.values == [-0.5, -1.5]
    assert seq.alternatives == [None, (("b", -1.5),)]
    assert any("1 token(s) list their alternatives in a shape that could not be read" in n for n in seq.notes)


def test_legacy_dict_with_a_non_number_is_unreadable_and_a_short_list_is_ignored() -> None:
    doc = {"choices": [{"text": "ab", "logprobs": {"tokens": ["a", "b"], "token_logprobs": [-1.0, -2.0],
                                                  "top_logprobs": [{"a": -1.0}, {"b": None}]}}]}
    seq = extract_json(json.dumps(doc)).sequences[0]
    assert seq.alternatives == [(("a", -1.0),), None] and seq.notes
    doc["choices"][0]["logprobs"]["top_logprobs"] = [{"a": -1.0}]  # not one per token: not lined up, not used
    assert extract_json(json.dumps(doc)).sequences[0].alternatives == [None, None]


def test_post_sampling_probabilities_are_kept_as_probabilities() -> None:
    seq = read("llamacpp_post_sampling.json").sequences[0]
    assert seq.alternatives is not None and seq.alternatives[0] is not None
    assert all(0.0 <= value <= 1.0 for alts in seq.alternatives if alts for _, value in alts)
    assert math.isclose(seq.alternatives[0][0][1], seq.values[0])
