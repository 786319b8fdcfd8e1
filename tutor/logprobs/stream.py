"""Streamed replies, put back together: one sequence per generation, however the chunks arrive.

A streaming server sends a reply as many small JSON objects (as Server-Sent Events, or one per
line); each carries the log-probabilities of the few tokens it adds. The chunks of one
generation are joined in order; chunks of different generations (two choices of one request
interleaved, or two requests in one file) go to different sequences. Shapes, from the servers'
published schemas:

    OpenAI Chat Completions    {"id", "object": "chat.completion.chunk", "choices": [{"index",
                                "delta", "logprobs": {"content": [token objects]}}]}
                               grouped by (id, choice index); a role-only or finish chunk has
                               no logprobs and a usage-only chunk has "choices": [], both skipped
    OpenAI legacy Completions  {"id", "object": "text_completion", "choices": [{"index", "text",
                                "logprobs": {"tokens", "token_logprobs", ...}}]}, grouped the same
    llama.cpp /completion      {"index", "content", "stop": false, "completion_probabilities":
                                [token objects]} ... ending with {"content": "", "stop": true, ...}
    OpenAI Responses           events "response.created" (the response id), then
                               "response.output_text.delta" each with "logprobs": [token objects],
                               "response.output_text.done", "response.completed" (the whole body)

Ollama's native stream (one reply object per line) is read by `tutor.logprobs.ollama`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tutor.errors import BadInput, quote
from tutor.logprobs import llamacpp, openai
from tutor.logprobs.model import (
    LOGPROB,
    Extracted,
    SequenceBuilder,
    TokenSequence,
    bad,
    index_of,
    require_dict,
    require_list,
)
from tutor.logprobs.tokens import add_token_objects

Numbered = list[tuple[int, object]]  # (line the value starts on, the value)

CHAT_STREAM = f"{openai.CHAT} stream"
COMPLETIONS_STREAM = f"{openai.COMPLETIONS} stream"
RESPONSES_STREAM = f"{openai.RESPONSES} stream"


def kind(chunks: list[Any]) -> str | None:
    """Which stream the values `chunks` are the chunks of (None: not a stream this module reads)."""
    if not chunks or not all(isinstance(c, dict) for c in chunks):
        return None
    dicts: list[dict[str, Any]] = [c for c in chunks if isinstance(c, dict)]
    if any(str(c.get("type", "")).startswith("response.") for c in dicts):
        return "responses"
    if any(c.get("object") == "chat.completion.chunk" or _has_delta(c) for c in dicts):
        return "chat"
    if any(c.get("stop") is False for c in dicts) and all(_is_llama_chunk(c) for c in dicts):
        return "llama"
    if len(dicts) > 1 and all(_is_completion_chunk(c) for c in dicts) and _ids_repeat(dicts):
        return "completions"
    return None


def _has_delta(chunk: dict[str, Any]) -> bool:
    choices = chunk.get("choices")
    return isinstance(choices, list) and any(isinstance(c, dict) and "delta" in c for c in choices)


def _is_llama_chunk(chunk: dict[str, Any]) -> bool:
    return "completion_probabilities" in chunk or ("stop" in chunk and "content" in chunk) or "error" in chunk


def _is_completion_chunk(chunk: dict[str, Any]) -> bool:
    usage_only = chunk.get("choices") == [] and "usage" in chunk
    return chunk.get("object") == "text_completion" or openai.is_completions(chunk) or usage_only


def _ids_repeat(chunks: list[dict[str, Any]]) -> bool:
    ids = [c.get("id") for c in chunks if isinstance(c.get("id"), str)]
    return len(set(ids)) < len(ids)


def assemble(items: Numbered) -> Extracted:
    """Join the chunks of the stream `kind(items)` names into sequences."""
    readers = {"chat": _chat, "completions": _completions, "llama": _llama, "responses": _responses}
    name = kind([value for _, value in items])
    if name is None:
        raise ValueError("assemble() needs the chunks of a known stream")
    return readers[name](items)


def refuse_error(chunk: dict[str, Any], line: int | None = None) -> None:
    """A server that fails (mid-stream, or at once) sends an error object instead of tokens: say so."""
    error = chunk.get("error")
    if chunk.get("type") == "response.failed":
        response = chunk.get("response")
        error = response.get("error") if isinstance(response, dict) else None
    elif chunk.get("type") == "error":
        error = chunk
    if error is None or "choices" in chunk:
        return
    message = error.get("message", error) if isinstance(error, dict) else error
    where = f"line {line}: the stream" if line is not None else "the input"
    raise bad(f"{where} reports an error instead of tokens: {quote(str(message), 60)}")


# --- OpenAI Chat Completions and legacy Completions: grouped by (response id, choice index) ---


@dataclass
class Groups:
    """Builders in order of first appearance, by (response id, choice index)."""

    builders: dict[tuple[object, int], SequenceBuilder] = field(default_factory=dict)
    ids: list[object] = field(default_factory=list)

    def get(self, response_id: object, index: int) -> SequenceBuilder:
        rid = _key(response_id)
        key = (rid, index)
        if key not in self.builders:
            if rid not in self.ids:
                self.ids.append(rid)
            self.builders[key] = SequenceBuilder("", with_tokens=True, with_bytes=True)
        return self.builders[key]

    def labels(self) -> list[str]:
        """``choice 0``, or ``response 2 choice 0`` when the file holds several responses."""
        several = len(self.ids) > 1
        return [f"response {self.ids.index(rid) + 1} choice {index}" if several else f"choice {index}"
                for rid, index in self.builders]

    def sequences(self) -> list[TokenSequence]:
        return [builder.build(label) for builder, label in zip(self.builders.values(), self.labels(), strict=True)]


def choices_of(chunk: object, line: int, what: str = openai.CHAT) -> list[Any]:
    """The ``choices`` of one chunk; an error chunk, or one with no choices, is an error."""
    chunk = require_dict(chunk, f"line {line}")
    refuse_error(chunk, line)
    if "choices" not in chunk:
        raise bad(f"line {line} is not an {what} chunk (it has no \"choices\"); give one stream at a time")
    return require_list(chunk["choices"], f"line {line}: choices")


def chat_choice(groups: Groups, notes: list[str], line: int, chunk: object, i: int, choice: object) -> None:
    """One choice of one Chat Completions chunk: its tokens go to its (response id, index) sequence."""
    choice = require_dict(choice, f"line {line}: choices[{i}]")
    found = openai.chat_tokens(choice.get("logprobs"))
    if found is None:  # role-only, finish or content-filter chunk
        return
    key, tokens = found
    if key == "refusal" and REFUSAL not in notes:
        notes.append(REFUSAL)
    builder = groups.get(_id(chunk), index_of(choice, i))
    add_token_objects(builder, tokens, f"line {line}: choices[{i}].logprobs.{key}")


REFUSAL = "the model refused; scored the refusal tokens (logprobs.refusal)"


def no_chat_logprobs() -> BadInput:
    return bad(f"this {CHAT_STREAM} has no log-probabilities (no chunk has choices[].logprobs.content); "
               f"{openai.CHAT_HINT}")


def _chat(items: Numbered) -> Extracted:
    groups, notes = Groups(), list[str]()
    for line, chunk in items:
        for i, choice in enumerate(choices_of(chunk, line)):
            chat_choice(groups, notes, line, chunk, i, choice)
    if not groups.builders:
        raise no_chat_logprobs()
    return Extracted("openai-chat-stream", CHAT_STREAM, LOGPROB, groups.sequences(), notes)


def _completions(items: Numbered) -> Extracted:
    groups = Groups()
    for line, chunk in items:
        for i, choice in enumerate(choices_of(chunk, line, openai.COMPLETIONS)):
            choice = require_dict(choice, f"line {line}: choices[{i}]")
            logprobs = choice.get("logprobs")
            if not isinstance(logprobs, dict) or not (logprobs.get("token_logprobs") or logprobs.get("content")):
                continue
            builder = groups.get(_id(chunk), index_of(choice, i))
            openai.add_completion_logprobs(builder, logprobs, f"line {line}: choices[{i}].logprobs")
    if not groups.builders:
        raise bad(f"this {COMPLETIONS_STREAM} has no log-probabilities; {openai.COMPLETIONS_HINT}")
    return Extracted("openai-completions-stream", COMPLETIONS_STREAM, LOGPROB, groups.sequences())


def _id(chunk: object) -> object:
    return chunk.get("id") if isinstance(chunk, dict) else None


def _key(response_id: object) -> str | int | None:
    """An id usable as a key (a string or number); anything else groups with the id-less chunks."""
    return response_id if isinstance(response_id, (str, int)) else None


# --- llama.cpp /completion: runs of chunks up to "stop": true, by prompt index ---------------


@dataclass
class _LlamaState:
    """What reading a llama.cpp stream has gathered so far: open sequences, their order, notes."""

    open: dict[int, SequenceBuilder] = field(default_factory=dict)
    order: list[SequenceBuilder] = field(default_factory=list)
    dialect: str | None = None
    unlisted: int = 0
    notes: list[str] = field(default_factory=list)


def _llama(items: Numbered) -> Extracted:
    state = _LlamaState()
    for line, chunk in items:
        chunk = require_dict(chunk, f"line {line}")
        refuse_error(chunk, line)
        index = index_of(chunk, 0)
        probs = chunk.get("completion_probabilities")
        if probs:
            _llama_tokens(state, index, require_list(probs, f"line {line}: completion_probabilities"),
                          f"line {line}: completion_probabilities", final=chunk.get("stop") is True)
        if chunk.get("stop") is True:
            state.open.pop(index, None)
    if not state.order or state.dialect is None:
        raise bad(f"this {llamacpp.NAME} stream has no completion_probabilities; request n_probs > 0")
    several = len(state.order) > 1
    for k, builder in enumerate(state.order, start=1):
        builder.label = f"completion {k}" if several else "completion"
    found = llamacpp.extracted(state.dialect, state.order, state.unlisted, stream=True)
    found.notes.extend(state.notes)
    return found


def _llama_tokens(state: _LlamaState, index: int, probs: list[Any], where: str, final: bool) -> None:
    dialect = llamacpp.dialect_of(probs, where)
    if dialect is None:
        return
    if state.dialect not in (None, dialect):
        raise bad(f"{where} holds \"{dialect}\" values but earlier chunks held \"{state.dialect}\"; "
                  "give one stream at a time")
    state.dialect = dialect
    builder = state.open.get(index)
    if final and builder is not None and builder.seen:
        _final_repeat(state, builder, probs, where)
        return
    if builder is None:
        builder = state.open[index] = llamacpp.new_llama_builder("")
        state.order.append(builder)
    state.unlisted += llamacpp.add_items(builder, probs, dialect, where)


def _final_repeat(state: _LlamaState, builder: SequenceBuilder, probs: list[Any], where: str) -> None:
    """Older servers repeat every token's probabilities in the closing chunk: count them once."""
    if len(probs) != builder.seen:
        raise bad(f"{where} (the closing chunk) lists {len(probs)} tokens but the chunks before it "
                  f"held {builder.seen}; it cannot be told which to score")
    note = "the closing chunk repeats the probabilities of every token (older llama.cpp servers do); counted once"
    if note not in state.notes:
        state.notes.append(note)


# --- OpenAI Responses: events of one response, its id from "response.created" --------------------


@dataclass
class _Response:
    """One Responses-API response being read: its deltas, its finished parts and its final object."""

    deltas: SequenceBuilder = field(default_factory=lambda: SequenceBuilder("", with_tokens=True, with_bytes=True))
    done: list[tuple[int, Any]] = field(default_factory=list)  # (line, logprobs list) of output_text.done
    final: dict[str, Any] | None = None


def _responses(items: Numbered) -> Extracted:
    responses: dict[object, _Response] = {}
    current = responses.setdefault(None, _Response())
    for line, event in items:
        event = require_dict(event, f"line {line}")
        refuse_error(event, line)
        kind_ = event.get("type")
        if not isinstance(kind_, str):
            raise bad(f"line {line} is not an {openai.RESPONSES} event (it has no \"type\"); give one stream at a time")
        if isinstance(event.get("response"), dict):
            current = responses.setdefault(_key(_id(event["response"])), _Response())
            if kind_ in ("response.completed", "response.incomplete"):
                current.final = event["response"]
        elif kind_ == "response.output_text.delta" and event.get("logprobs"):
            add_token_objects(current.deltas, event["logprobs"], f"line {line}: logprobs")
        elif kind_ == "response.output_text.done" and event.get("logprobs"):
            current.done.append((line, require_list(event["logprobs"], f"line {line}: logprobs")))
    return _responses_extracted(list(responses.values()))


def _responses_extracted(responses: list[_Response]) -> Extracted:
    notes: list[str] = []
    builders = [b for b in (_response_tokens(r, notes) for r in responses) if b is not None]
    if not builders:
        raise bad(f"this {RESPONSES_STREAM} carries no log-probabilities; {openai.RESPONSES_HINT}")
    several = len(builders) > 1
    sequences = [b.build(f"response {k}" if several else "response") for k, b in enumerate(builders, start=1)]
    return Extracted("openai-responses-stream", RESPONSES_STREAM, LOGPROB, sequences, notes)


def _response_tokens(response: _Response, notes: list[str]) -> SequenceBuilder | None:
    """The deltas' tokens; else the output_text.done events'; else the completed body's."""
    done_count = sum(len(items) for _, items in response.done)
    if response.deltas.seen:
        if response.done and done_count != response.deltas.seen:
            notes.append(f"the output_text.delta events carry {response.deltas.seen} tokens but output_text.done "
                         f"carries {done_count}; scored the deltas, token by token as they were sent")
        return response.deltas
    if response.done:
        builder = SequenceBuilder("", with_tokens=True, with_bytes=True)
        for line, items in response.done:
            add_token_objects(builder, items, f"line {line}: logprobs")
        return builder
    if response.final is not None:
        return openai.responses_builder(response.final, "")
    return None
