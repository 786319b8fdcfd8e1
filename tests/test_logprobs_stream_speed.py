"""A Chat Completions stream saved as JSONL is read a batch at a time (`tutor.logprobs.streamed`),
never whole, and must give exactly what the whole-text reader gives (`detect.extract_json`, then
the report): the same numbers, the same tokens named, the same warnings, and for a bad input the
same one-line error, naming the same line.

Every case is read both ways, with blocks, batches and drains made tiny so that lines, UTF-8
characters, batches and drains all cross boundaries, and with both line parsers (pydantic-core's
and json's own). Speed is measured in benchmarks/ (scenario 7), never here; memory is bounded
here, with tracemalloc, as lines grow fourfold.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import random
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from background import command
from tutor.cli.app import app
from tutor.errors import BadInput
from tutor.logprobs import analyse as analysis
from tutor.logprobs import detect, jsonl, streamed
from tutor.logprobs import source as sources
from tutor.logprobs.analyse import Options

runner = CliRunner()
WORDS = (" the", " model", ",", " perplexity", "\n", " é", " 日本", " 🙂", " naïve", "\u2028", " a")


# --- building streams ------------------------------------------------------------------------------


def token(text: str, logprob: Any, **extra: Any) -> dict[str, Any]:
    entry = {"token": text, "logprob": logprob, "bytes": list(text.encode("utf-8", "surrogatepass")),
             "top_logprobs": []}
    entry.update(extra)
    return entry


def chunk(tokens: list[dict[str, Any]] | None, rid: Any = "chatcmpl-a", index: Any = 0, **extra: Any) -> dict[str, Any]:
    """One chat.completion.chunk; ``tokens`` None is a role or finish chunk (no logprobs)."""
    logprobs = None if tokens is None else {"content": tokens, "refusal": None}
    choice = {"index": index, "delta": {"content": "x"}, "logprobs": logprobs, "finish_reason": None}
    body = {"id": rid, "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice],
            "usage": None}
    body.update(extra)
    return body


def role(rid: str = "chatcmpl-a", index: int = 0) -> dict[str, Any]:
    body = chunk(None, rid, index)
    body["choices"][0]["logprobs"] = {"content": [], "refusal": None}
    return body


def chat(n: int, seed: int = 0, rid: str = "chatcmpl-a") -> list[dict[str, Any]]:
    """A role chunk, ``n`` one-token chunks, a finish chunk."""
    rng = random.Random(seed)
    body = [chunk([token(rng.choice(WORDS), round(-rng.expovariate(0.7), 6))], rid) for _ in range(n)]
    return [role(rid), *body, chunk(None, rid)]


def lines(chunks: list[Any]) -> str:
    return "".join((c if isinstance(c, str) else json.dumps(c, ensure_ascii=False)) + "\n" for c in chunks)


def with_lines(n: int, changes: dict[int, Any], seed: int = 0) -> str:
    """``chat(n)`` with the chunk on each given line (1-based) replaced: by a dict, a raw line of
    text, or a function of the chunk."""
    chunks: list[Any] = chat(n, seed)
    for line, change in changes.items():
        chunks[line - 1] = change(chunks[line - 1]) if callable(change) else change
    return lines(chunks)


def set_token(field: str, value: Any, at: int = 0) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(body: dict[str, Any]) -> dict[str, Any]:
        item = body["choices"][0]["logprobs"]["content"][at]
        if value is DROP:
            del item[field]
        else:
            item[field] = value
        return body
    return change


DROP = object()


def several_tokens(n: int, bad_at: int | None = None, drop: str | None = None) -> str:
    """Chunks of three tokens each; chunk 7's token ``bad_at`` has a null value, or lacks the field
    ``drop`` (so that chunk is read the long way, after the short way read part of it)."""
    rng = random.Random(3)
    body = []
    for k in range(n):
        items = [token(rng.choice(WORDS), round(-rng.expovariate(0.5), 5)) for _ in range(3)]
        if k == 7 and bad_at is not None:
            if drop is None:
                items[bad_at]["logprob"] = None
            else:
                del items[bad_at][drop]
        body.append(chunk(items))
    return lines([role(), *body, chunk(None)])


def interleaved(n: int) -> str:
    """Two choices, each in its own chunks, alternating."""
    a, b = chat(n, 1), chat(n, 2)
    for body in b:
        body["choices"][0]["index"] = 1
    return lines([x for pair in zip(a, b, strict=True) for x in pair])


def two_choices_per_chunk(n: int) -> str:
    body = chat(n, 4)
    for k, item in enumerate(body):
        second = json.loads(json.dumps(item["choices"][0]))
        second["index"] = 1
        if second["logprobs"] and second["logprobs"]["content"]:
            second["logprobs"]["content"][0]["logprob"] = -0.25 - k % 5
        item["choices"].append(second)
    return lines(body)


def refusal(n: int) -> str:
    body = chat(n, 5)
    for item in body[1:-1]:
        logprobs = item["choices"][0]["logprobs"]
        logprobs["refusal"], logprobs["content"] = logprobs["content"], None
    return lines(body)


def extra_keys(n: int, **extra: Any) -> str:
    return lines([dict(item, **extra) for item in chat(n, 6)])


def without(n: int, key: str) -> str:
    body = chat(n, 7)
    for item in body:
        item.pop(key, None)
        item["choices"][0].pop(key, None)
    return lines(body)


def all_tokens(n: int, field: str, value: Any) -> str:
    body = chat(n, 8)
    for item in body[1:-1]:
        entry = item["choices"][0]["logprobs"]["content"][0]
        if value is DROP:
            del entry[field]
        else:
            entry[field] = value
    return lines(body)


def sentinels(n: int) -> str:
    body = chat(n, 9)
    for k, item in enumerate(body[1:-1]):
        if k % 3 == 0:
            item["choices"][0]["logprobs"]["content"][0]["logprob"] = -9999.0
    return lines(body)


def ends(text: str, newline: str) -> str:
    return text.replace("\n", newline)


LONE_SURROGATE = lines(chat(40, 10)).replace('"token": " a"', '"token": "\\ud800"')
CASES: dict[str, tuple[Callable[[], str | bytes], Options]] = {
    "plain": (lambda: lines(chat(400)), Options()),
    "top logprobs, some malformed": (lambda: with_lines(200, {
        5: set_token("top_logprobs", [{"token": " a", "logprob": -0.1}, {"token": " b", "logprob": -2}]),
        9: set_token("top_logprobs", "x"), 40: set_token("top_logprobs", [{"token": " a"}]),
        41: set_token("top_logprobs", {}), 120: set_token("top_logprobs", [7])}), Options()),
    "bytes null and missing": (lambda: with_lines(200, {3: set_token("bytes", None), 77: set_token("bytes", DROP),
                                                         150: set_token("bytes", None)}), Options()),
    "no bytes anywhere": (lambda: all_tokens(150, "bytes", None), Options()),
    "no bytes key": (lambda: all_tokens(150, "bytes", DROP), Options()),
    "no token text": (lambda: with_lines(150, {20: set_token("token", None)}), Options()),
    "null and integer values": (lambda: with_lines(300, {4: set_token("logprob", None), 100: set_token("logprob", -2),
                                                          101: set_token("logprob", None)}), Options()),
    "several tokens per chunk": (lambda: several_tokens(120), Options()),
    "a null third token": (lambda: several_tokens(120, bad_at=2), Options()),
    "a token missing a field": (lambda: several_tokens(60, bad_at=1, drop="top_logprobs"), Options()),
    "a token missing its value": (lambda: several_tokens(60, bad_at=2, drop="logprob"), Options()),
    "stand-ins and -inf": (lambda: sentinels(400).replace("-9999.0}", "-Infinity}", 3), Options()),
    "NaN after a positive value": (lambda: with_lines(300, {90: set_token("logprob", 0.5),
                                                             250: set_token("logprob", math.nan)}), Options()),
    "a positive value": (lambda: with_lines(300, {222: set_token("logprob", 0.25)}), Options()),
    "Infinity": (lambda: with_lines(300, {17: set_token("logprob", math.inf)}), Options()),
    "interleaved choices": (lambda: interleaved(150), Options()),
    "two choices per chunk": (lambda: two_choices_per_chunk(120), Options()),
    "two responses": (lambda: lines(chat(100, 1, "chatcmpl-a") + chat(90, 2, "chatcmpl-b")), Options()),
    "refusal": (lambda: refusal(80), Options()),
    "error object mid-stream": (lambda: with_lines(200, {150: {"error": {"message": "rate limit"}}}), Options()),
    "error key that is null": (lambda: extra_keys(100, error=None), Options()),
    "type key that is not a Responses event": (lambda: extra_keys(100, type="chunk"), Options()),
    "a number mid-stream": (lambda: with_lines(200, {180: "42"}), Options()),
    "a Responses event mid-stream": (lambda: with_lines(200, {180: {"type": "response.created",
                                                                    "response": {"id": "r"}}}), Options()),
    "no choices": (lambda: with_lines(200, {60: {"id": "x", "object": "chat.completion.chunk"}}), Options()),
    "choices not a list": (lambda: with_lines(200, {60: lambda c: dict(c, choices="x")}), Options()),
    "malformed chunk, then a line that is not JSON": (lambda: with_lines(200, {60: lambda c: dict(c, choices="x"),
                                                                                190: "{not json"}), Options()),
    "a line that is not JSON": (lambda: with_lines(200, {130: '{"id": "x", '}), Options()),
    "nested too deeply": (lambda: with_lines(200, {130: "[" * 5000 + "]" * 5000}), Options()),
    "lone surrogate": (lambda: LONE_SURROGATE, Options()),
    "blank and space lines": (lambda: with_lines(200, {10: "", 11: "   ", 90: "\t", 91: "\u3000"}), Options()),
    "leading and trailing spaces": (lambda: with_lines(200, {12: lambda c: "  " + json.dumps(c) + "  "}), Options()),
    "CRLF": (lambda: ends(lines(chat(200)), "\r\n"), Options()),
    "lone CR": (lambda: ends(lines(chat(200)), "\r"), Options()),
    "BOM and blank lines first": (lambda: "\ufeff\n\n  \n" + lines(chat(100)), Options()),
    "no final newline": (lambda: lines(chat(100)).rstrip("\n"), Options()),
    "not UTF-8, late": (lambda: lines(chat(300)).encode() + b'{"id": "\xff"}\n', Options()),
    "one chunk only": (lambda: lines(chat(1))[: -1].split("\n")[1] + "\n", Options()),
    "one chunk, then blank lines": (lambda: lines(chat(1)).split("\n")[1] + "\n\n \n", Options()),
    "one chunk, then a vertical tab": (lambda: lines(chat(1)).split("\n")[1] + "\n\x0b\n", Options()),
    "no logprobs at all": (lambda: lines([role(), chunk(None), chunk(None)]), Options()),
    "every value null": (lambda: all_tokens(50, "logprob", None), Options()),
    "ids as numbers, no index": (lambda: without(60, "index").replace('"chatcmpl-a"', "7"), Options()),
    "no id": (lambda: without(60, "id"), Options()),
    "index true": (lambda: lines(chat(60)).replace('"index": 0', '"index": true'), Options()),
    "overflow": (lambda: all_tokens(200, "logprob", -1.5e306), Options()),
    "base 2": (lambda: lines(chat(300)), Options(base="2")),
    "probs": (lambda: lines(chat(300)), Options(probs=True)),
    "probs, and a line that is not JSON": (lambda: with_lines(100, {99: "nope"}), Options(probs=True)),
    "text": (lambda: lines(chat(300)), Options(text="some text")),
    "text, two responses": (lambda: lines(chat(30, 1, "a") + chat(30, 2, "b")), Options(text="t")),
    "top 0": (lambda: sentinels(300), Options(top_k=0)),
    "top 20": (lambda: lines(chat(300)), Options(top_k=20)),
}
#: Cases the batched reader hands back to the whole-text reader (`streamed.Reread`).
REREAD = {"a number mid-stream", "a Responses event mid-stream", "not UTF-8, late", "one chunk only",
          "one chunk, then blank lines", "one chunk, then a vertical tab",
          # an infinite value: -Infinity (p = 0) or a number past the float range (refused)? The text tells
          "Infinity"}


# --- reading both ways -------------------------------------------------------------------------------


@pytest.fixture(params=["pydantic-core", "json"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "json":
        monkeypatch.setattr(jsonl, "_parser", lambda: None)
    return str(request.param)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 1,021 bytes (lines and characters cut in two), batches of ~300 characters, the
    builders drained after every batch that leaves 5 tokens waiting."""
    monkeypatch.setattr(sources, "BLOCK_SIZE", 1021)
    monkeypatch.setattr(jsonl, "BATCH_CHARS", 300)
    monkeypatch.setattr(streamed, "DRAIN_EVERY", 1)
    monkeypatch.setattr(streamed, "DRAIN_AT", 5)


def whole(spec: str, options: Options) -> Any:
    """The whole-text reader: what `analyse` did for every JSON input before."""
    base = analysis.check_base(options.base)
    text_bytes = analysis._text_bytes(options.text)
    source = sources.open_source(spec)
    try:
        return analysis._analyse_extracted(detect.extract_json(source.text()), options, base, text_bytes)
    finally:
        source.close()


def outcome(read: Callable[[str, Options], Any], spec: str, options: Options) -> Any:
    try:
        return read(spec, options)
    except BadInput as error:
        return ("error", type(error).__name__, error.message, error.field)


def same(a: Any, b: Any) -> bool:
    """Equal, floats to 12 significant digits (the sums are added in another order)."""
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (tuple, list)) and type(a) is type(b):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def write(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "stream.jsonl"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return f"@{path}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_and_whole_readers_agree(name: str, parser: str, tiny: None, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    make, options = CASES[name]
    spec = write(tmp_path, make())
    expected = outcome(whole, spec, options)
    calls: list[str] = []
    again, read_whole = sources.Source.again, detect.extract_json
    monkeypatch.setattr(sources.Source, "again", lambda self: calls.append("again") or again(self))
    monkeypatch.setattr(detect, "extract_json", lambda text: calls.append("whole") or read_whole(text))
    got = outcome(analysis.analyse, spec, options)
    assert same(got, expected), f"{name}:\n{got}\n{expected}"
    assert ("again" in calls) == (name in REREAD), f"{name}: {calls}"  # never read whole unless it must
    assert "whole" not in calls or name in REREAD, f"{name}: {calls}"


@pytest.mark.parametrize("name", ["plain", "a line that is not JSON", "a Responses event mid-stream", "refusal"])
def test_standard_input_that_cannot_seek_agrees_too(name: str, tiny: None, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """A pipe cannot seek back: what is read is kept (spooled) for a second reading."""
    make, options = CASES[name]
    data = make()
    data = data if isinstance(data, bytes) else data.encode()
    expected = outcome(whole, write(tmp_path, data), options)
    monkeypatch.setattr(sources, "_stdin", lambda: Pipe(data))
    monkeypatch.setattr(sources, "SPOOL_BYTES", 2000)  # past this, the copy goes to a temporary file
    assert same(outcome(analysis.analyse, "-", options), expected)


class Pipe(io.BufferedReader):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))  # type: ignore[arg-type]

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        raise OSError("a pipe")


def test_the_benchmark_stream_is_read_in_batches_with_its_tokens_named(tmp_path: Path, tiny: None) -> None:
    report = analysis.analyse(write(tmp_path, sentinels(600)), Options())
    assert report.format == "openai-chat-stream" and report.result.n_flagged == 200
    assert all(t.token is not None for t in report.result.flagged + report.result.most_surprising)
    assert same(report, whole(write(tmp_path, sentinels(600)), Options()))


# --- line numbers ----------------------------------------------------------------------------------------


def test_a_bad_line_in_the_third_batch_is_named_by_its_own_number(tiny: None, parser: str, tmp_path: Path) -> None:
    good = lines(chat(300))
    third = list(jsonl.batches(sources.open_source(write(tmp_path, good))))[2][1]
    bad_line = third[len(third) // 2]
    text = with_lines(300, {bad_line: '{"id": "chatcmpl-a", "choices": [}'})
    spec = write(tmp_path, text)
    with pytest.raises(BadInput) as caught:
        analysis.analyse(spec, Options())
    assert caught.value.message.startswith(f"line {bad_line} is not valid JSON (Expecting value at column 34)")
    assert outcome(analysis.analyse, spec, Options()) == outcome(whole, spec, Options())
    result = runner.invoke(app, ["calc", "perplexity", "--logprobs", spec])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"llmtutor: --logprobs: {caught.value.message}"]


@pytest.mark.parametrize("block_size", [7, 64, 1021, 1 << 20])
@pytest.mark.parametrize("batch_chars", [1, 100, 1 << 16])
def test_batches_are_the_lines_json_loads_reads(block_size: int, batch_chars: int, parser: str,
                                                tmp_path: Path) -> None:
    """Whatever the block and batch sizes, every value and its line number are json.loads' own."""
    text = with_lines(120, {5: "", 6: "  ", 40: " [1, 2] ", 41: '"\u2028é"', 42: "-1.5e-7", 43: "null"})
    text = text.replace("\n", "\r\n", 30)
    expected = [(n, json.loads(line)) for n, line in enumerate(detect._LINES.split(text), start=1) if line.strip()]
    source = sources.open_source(write(tmp_path, text), block_size)
    got = [(n, value) for values, numbers in jsonl.batches(source, batch_chars)
           for n, value in zip(numbers, values, strict=True)]
    assert got == expected


SAMPLES = ["-1.2345678901234567", "-0.1e-3", "1e400", "-1e400", "5e-324", "-0", "-0.0", "123456789012345678901234567",
           "NaN", "-Infinity", "Infinity", '"\\ud800"', '"\\ud83d\\ude00"', '"\\u2028"', '{"a": 1, "a": 2}', "[1,]",
           "01", ".5", "1.", "+1", "nan", "inf", "[" * 300 + "]" * 300, '"\x01"', '"\\u00e9"', "true", "True", "{}"]


@pytest.mark.parametrize("line", SAMPLES)
def test_both_parsers_give_json_loads_values_and_errors(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def parsed() -> Any:
        values: list[Any] = []
        try:
            jsonl.parse_lines(line + "\n", 0, len(line) + 1, 9, values, [])
        except BadInput as error:
            return error.message
        return repr(values)

    fast = parsed()
    monkeypatch.setattr(jsonl, "_parser", lambda: None)
    assert parsed() == fast
    try:
        assert fast == repr([json.loads(line)])
    except json.JSONDecodeError as error:
        assert fast == f"line 9 is not valid JSON ({error.msg} at column {error.colno})"


def test_both_parsers_read_random_floats_alike() -> None:
    rng = random.Random(11)
    texts = [repr(-rng.expovariate(rng.choice([0.01, 1, 100]))) for _ in range(3000)]
    digits = [(rng.randrange(10 ** rng.randint(1, 25)), rng.randrange(10 ** rng.randint(1, 25))) for _ in range(3000)]
    texts += [f"-{whole}.{part}e{rng.randint(-330, 310)}" for whole, part in digits]
    fast = jsonl._parser()
    if fast is None:
        pytest.skip("pydantic-core is not installed")
    assert [repr(fast(t)) for t in texts] == [repr(json.loads(t)) for t in texts]


# --- memory ------------------------------------------------------------------------------------------------


def peak_bytes(spec: str) -> int:
    tracemalloc.start()
    try:
        analysis.analyse(spec, Options())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four times the lines, about the same peak (small blocks and drains, so that small files show it)."""
    monkeypatch.setattr(sources, "BLOCK_SIZE", 1 << 16)
    monkeypatch.setattr(streamed, "DRAIN_AT", 2000)
    monkeypatch.setattr(streamed, "DRAIN_EVERY", 4)
    peaks = []
    for n in (5_000, 20_000):
        (tmp_path / f"{n}.jsonl").write_text(lines(chat(n)), encoding="utf-8")
        peaks.append(peak_bytes(f"@{tmp_path / f'{n}.jsonl'}"))
    assert peaks[1] < 1.3 * peaks[0] + (256 << 10), peaks


#: The same measure at the real block and drain sizes, in a process of its own on the spare core
#: (tests/background.py): tracemalloc over 250,000 lines takes about 18 s.
MEMORY_PROBE = command([sys.executable, "-c", """
import json, sys, tempfile, tracemalloc
from pathlib import Path
sys.path.insert(0, "tests")
from test_logprobs_stream_speed import chat, lines, peak_bytes
folder = Path(tempfile.mkdtemp())
peaks = []
for n in (50_000, 200_000):
    (folder / f"{n}.jsonl").write_text(lines(chat(n)), encoding="utf-8")
    peaks.append(peak_bytes(f"@{folder / f'{n}.jsonl'}"))
print(json.dumps(peaks))
"""], cwd=Path(__file__).resolve().parents[1], timeout=300)


@pytest.mark.slow
@pytest.mark.background(MEMORY_PROBE)
def test_memory_of_200k_lines_stays_small() -> None:
    """As `calc perplexity` runs: 50,000 and 200,000 lines, the same 18 MB or so (read whole, as
    before, a million lines took 4 GB)."""
    done = MEMORY_PROBE.result()
    assert done.returncode == 0, done.stderr
    peaks = json.loads(done.stdout.strip().splitlines()[-1])
    assert peaks[1] < 40 << 20 and peaks[1] < 1.3 * peaks[0] + (1 << 20), peaks
