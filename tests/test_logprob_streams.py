"""Streamed replies: OpenAI Chat Completions (JSONL and Server-Sent Events), legacy Completions,
llama.cpp /completion and the OpenAI Responses API, each put back into the sequences it belongs to.

Each fixture in tests/data/logprobs/ follows the server's published chunk shape (OpenAI's
`chat.completion.chunk` with `choices[].logprobs.content[]`, `text_completion` chunks,
`response.output_text.delta` events with `logprobs`, llama.cpp's `completion_probabilities` chunks
ending with `{"content": "", "stop": true}`). The expected values are walked out of the file
here with plain loops, independently of `tutor.logprobs`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli.app import app
from tutor.errors import BadInput
from tutor.logprobs import detect

DATA = Path(__file__).parent / "data" / "logprobs"
runner = CliRunner()


def sse_payloads(name: str) -> list[dict]:
    """The JSON of every ``data:`` line, skipping ``[DONE]`` (a hand-written reader, not the module's)."""
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").split("\n"):
        if line.startswith("data: ") and line[6:] != "[DONE]":
            out.append(json.loads(line[6:]))
    return out


def jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def cli(*args: str) -> dict:
    result = runner.invoke(app, ["calc", "perplexity", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def read(name: str):
    text = (DATA / name).read_text(encoding="utf-8")
    return detect.extract_sse(text) if name.endswith(".sse") else detect.extract_json(text)


# --- expected values, walked from each file ------------------------------------------------------


def chat_by_choice(chunks: list[dict]) -> dict[int, list[float]]:
    found: dict[int, list[float]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            if choice.get("logprobs") and choice["logprobs"].get("content"):
                found.setdefault(choice["index"], []).extend(t["logprob"] for t in choice["logprobs"]["content"])
    return found


def completions_values(chunks: list[dict]) -> list[float]:
    return [v for c in chunks for ch in c["choices"] for v in ch["logprobs"]["token_logprobs"]]


def llama_values(chunks: list[dict]) -> list[float]:
    return [t["logprob"] for c in chunks for t in c.get("completion_probabilities", [])]


def responses_values(events: list[dict]) -> list[float]:
    return [t["logprob"] for e in events if e["type"] == "response.output_text.delta" for t in e["logprobs"]]


CASES = {
    "openai_chat_stream.jsonl": ("openai-chat-stream", lambda: list(chat_by_choice(jsonl("openai_chat_stream.jsonl")).values())),
    "openai_chat_stream.sse": ("openai-chat-stream", lambda: list(chat_by_choice(sse_payloads("openai_chat_stream.sse")).values())),
    "openai_completions_stream.sse": ("openai-completions-stream",
                                      lambda: [completions_values(sse_payloads("openai_completions_stream.sse"))]),
    "llamacpp_stream.sse": ("llamacpp-stream", lambda: [llama_values(sse_payloads("llamacpp_stream.sse"))]),
    "openai_responses_stream.sse": ("openai-responses-stream",
                                    lambda: [responses_values(sse_payloads("openai_responses_stream.sse"))]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_stream_is_recognised_and_assembled(name: str) -> None:
    fmt, expected = CASES[name]
    extracted = read(name)
    assert extracted.format == fmt
    assert [seq.values for seq in extracted.sequences] == expected()


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_perplexity_of_each_stream_matches_a_plain_loop(name: str) -> None:
    _, expected = CASES[name]
    rows = expected()
    payload = cli("--logprobs", str(DATA / name))  # a bare path: read as a file
    everything = [v for row in rows for v in row]
    assert payload["result"]["n_tokens"] == len(everything)
    assert payload["result"]["perplexity"] == pytest.approx(math.exp(-sum(everything) / len(everything)), rel=1e-12)
    assert [s["n_tokens"] for s in payload["steps"]["sequences"]] == [len(row) for row in rows]


def test_interleaved_choices_become_two_sequences_with_their_own_bytes() -> None:
    chunks = sse_payloads("openai_chat_stream.sse")
    payload = cli("--logprobs", f"@{DATA / 'openai_chat_stream.sse'}")
    sequences = payload["steps"]["sequences"]
    assert [s["label"] for s in sequences] == ["choice 0", "choice 1"]
    for seq, index in zip(sequences, (0, 1), strict=True):
        tokens = [t for c in chunks for ch in c["choices"] if ch["index"] == index and ch.get("logprobs")
                  for t in ch["logprobs"]["content"]]
        assert seq["n_bytes"] == sum(len(t["bytes"]) for t in tokens)
        assert seq["perplexity"] == pytest.approx(math.exp(-sum(t["logprob"] for t in tokens) / len(tokens)))
    assert "🎨".encode() in bytes(b for c in chunks for ch in c["choices"] if ch["index"] == 1 and ch.get("logprobs")
                                  for t in ch["logprobs"]["content"] for b in t["bytes"])


def test_role_finish_and_usage_chunks_are_skipped() -> None:
    chunks = jsonl("openai_chat_stream.jsonl")
    assert chunks[0]["choices"][0]["delta"].get("role") == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and chunks[-2]["choices"][0]["logprobs"] is None
    assert chunks[-1]["choices"] == [] and "usage" in chunks[-1]
    extracted = read("openai_chat_stream.jsonl")
    assert [s.label for s in extracted.sequences] == ["choice 0"]
    assert extracted.sequences[0].skipped_nulls == 0
    assert len(extracted.sequences[0].values) == len(chunks) - 3


def test_done_marker_comments_and_event_names_are_understood() -> None:
    raw = (DATA / "openai_chat_stream.sse").read_text()
    assert "data: [DONE]" in raw and "\n: keep-alive\n" in raw and raw.startswith(":")
    bare = "".join(f"data: {json.dumps(c)}\n\n" for c in sse_payloads("openai_chat_stream.sse"))
    named = "".join(f"event: chunk\nid: {i}\ndata: {json.dumps(c)}\n\n"
                    for i, c in enumerate(sse_payloads("openai_chat_stream.sse")))
    want = [s.values for s in read("openai_chat_stream.sse").sequences]
    assert [s.values for s in detect.extract_sse(bare).sequences] == want
    assert [s.values for s in detect.extract_sse(named).sequences] == want


def test_sse_given_inline_is_read_as_events_not_numbers() -> None:
    chunk = sse_payloads("openai_chat_stream.sse")[3]
    payload = cli("--logprobs", f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n")
    assert payload["steps"]["format"] == "openai-chat-stream" and payload["result"]["n_tokens"] == 1


def test_an_event_whose_data_spans_lines_is_joined() -> None:
    chunk = json.dumps(sse_payloads("openai_chat_stream.sse")[3], indent=1)
    text = "".join(f"data: {line}\n" for line in chunk.splitlines()) + "\n"
    assert detect.extract_sse(text).sequences[0].values == [sse_payloads("openai_chat_stream.sse")[3]["choices"][0]
                                                            ["logprobs"]["content"][0]["logprob"]]


def test_llamacpp_stream_as_jsonl_reads_like_sse() -> None:
    lines = "".join(json.dumps(c) + "\n" for c in sse_payloads("llamacpp_stream.sse"))
    sse = read("llamacpp_stream.sse")
    as_jsonl = detect.extract_json(lines)
    assert as_jsonl.format == "llamacpp-stream"
    assert [s.values for s in as_jsonl.sequences] == [s.values for s in sse.sequences]
    assert sse_payloads("llamacpp_stream.sse")[-1] == {**sse_payloads("llamacpp_stream.sse")[-1], "stop": True,
                                                        "content": ""}


def test_llamacpp_two_generations_in_a_row_are_two_sequences() -> None:
    chunks = sse_payloads("llamacpp_stream.sse")
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks + chunks)
    extracted = detect.extract_sse(text)
    assert [s.label for s in extracted.sequences] == ["completion 1", "completion 2"]


def test_llamacpp_closing_chunk_that_repeats_every_token_counts_them_once() -> None:
    chunks = sse_payloads("llamacpp_stream.sse")
    final = dict(chunks[-1], completion_probabilities=[t for c in chunks[:-1] for t in c["completion_probabilities"]])
    extracted = detect.extract_sse("".join(f"data: {json.dumps(c)}\n\n" for c in chunks[:-1] + [final]))
    assert extracted.sequences[0].values == llama_values(chunks)
    assert any("counted once" in note for note in extracted.notes)
    final["completion_probabilities"] = final["completion_probabilities"][:3]
    with pytest.raises(BadInput, match="closing chunk"):
        detect.extract_sse("".join(f"data: {json.dumps(c)}\n\n" for c in chunks[:-1] + [final]))


def test_responses_stream_counts_each_token_once() -> None:
    events = sse_payloads("openai_responses_stream.sse")
    done = next(e for e in events if e["type"] == "response.output_text.done")
    completed = next(e for e in events if e["type"] == "response.completed")
    deltas = responses_values(events)
    assert [t["logprob"] for t in done["logprobs"]] == deltas  # the same tokens arrive three times
    assert [t["logprob"] for t in completed["response"]["output"][0]["content"][0]["logprobs"]] == deltas
    assert read("openai_responses_stream.sse").sequences[0].values == deltas


def test_responses_stream_without_deltas_falls_back_to_the_completed_body() -> None:
    events = [e for e in sse_payloads("openai_responses_stream.sse")
              if e["type"] not in ("response.output_text.delta", "response.output_text.done")]
    extracted = detect.extract_sse("".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events))
    assert extracted.sequences[0].values == responses_values(sse_payloads("openai_responses_stream.sse"))


def test_responses_deltas_that_disagree_with_done_are_reported() -> None:
    events = sse_payloads("openai_responses_stream.sse")
    done = next(e for e in events if e["type"] == "response.output_text.done")
    done["logprobs"] = done["logprobs"][:2]
    extracted = detect.extract_sse("".join(f"data: {json.dumps(e)}\n\n" for e in events))
    assert any("carry 6 tokens but output_text.done carries 2" in note for note in extracted.notes)


def test_two_chat_streams_in_one_file_stay_apart() -> None:
    first = jsonl("openai_chat_stream.jsonl")
    second = [dict(c, id="chatcmpl-other") for c in first]
    extracted = detect.extract_json("".join(json.dumps(c) + "\n" for c in first + second))
    assert [s.label for s in extracted.sequences] == ["response 1 choice 0", "response 2 choice 0"]
    assert extracted.sequences[0].values == extracted.sequences[1].values


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('data: {"choices": [{"index": 0, "delta": {"content": "x"}, "logprobs": null}]}\n\n', "logprobs=true"),
        ("data: {not json}\n\n", "line 1: the event's data is not JSON"),
        ('data: {"choices": []}\nhello there\n\n', "line 2"),
        ("data: [DONE]\n\n", "no data events"),
        ('data: {"error": {"message": "Rate limit\\u001b[31m reached"}}\n\n', "reports an error"),
        ('event: response.failed\ndata: {"type": "response.failed", "response": {"id": "r", "error": '
         '{"message": "server overloaded"}}}\n\n', "server overloaded"),
    ],
)
def test_bad_streams_are_one_error_line(text: str, needle: str) -> None:
    result = runner.invoke(app, ["calc", "perplexity", "--logprobs", text])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmtutor: --logprobs: ") and needle in lines[0], lines
    assert "\x1b" not in result.stderr
