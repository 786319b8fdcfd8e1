"""The inputs the scenarios read, written once into a temporary folder before anything is timed."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import ROOT, child_env

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)

#: The issue's baseline for `--help`: a Typer app with two commands.
TWO_COMMAND_TYPER = '''\
import typer

app = typer.Typer(help="Two commands.")


@app.command()
def hello(name: str = typer.Argument(..., help="Who to greet.")) -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye(name: str = typer.Argument(..., help="Who to see off.")) -> None:
    """Say goodbye."""
    print(f"bye {name}")


app()
'''

#: The issue's baseline for `calc` and `show`: numpy, typer and rich imported, one Rich table printed.
RICH_TABLE = '''\
import numpy as np
import typer  # noqa: F401
from rich.console import Console
from rich.table import Table

z = np.array([1.0, 2.0, 3.0])
p = np.exp(z - z.max())
p /= p.sum()
table = Table("i", "z", "softmax")
for i, (zi, pi) in enumerate(zip(z, p)):
    table.add_row(str(i), f"{zi:g}", f"{pi:.4f}")
Console().print(table)
'''

#: The issue's baseline for the JSONL perplexity: a json.loads loop summing "logprob".
JSON_LOOP = '''\
import json, math, sys

total, count = 0.0, 0
with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        chunk = json.loads(line)
        for choice in chunk["choices"]:
            logprobs = choice.get("logprobs") or {}
            for token in logprobs.get("content") or ():
                total += token["logprob"]
                count += 1
print(math.exp(-total / count))
'''

#: The floor of a Typer command as llmtutor runs its commands: one argument and one option,
#: numpy imported, and text parameters passed through as given. Typer 0.29 would otherwise coerce
#: every value through a pydantic TypeAdapter when the command runs, and importing pydantic alone
#: costs about 0.8× this baseline; llmtutor skips that for its text parameters with
#: `_given_text` (tutor/cli/app.py), which `typer_floor()` copies in verbatim, so this is the
#: floor the quiz is measured against.
TYPER_FLOOR = '''\
from typing import Any

import numpy  # noqa: F401
import typer
from typer.core import TyperArgument, TyperOption

GIVEN_TEXT

TyperOption.process_value = _given_text(TyperOption.process_value)
TyperArgument.process_value = _given_text(TyperArgument.process_value)
app = typer.Typer()


@app.command()
def main(topic: str = typer.Argument(None), count: str = typer.Option("10")) -> None:
    print(topic, count)


app()
'''


def typer_floor() -> str:
    """`TYPER_FLOOR` with llmtutor's own `_given_text` in it (read from its source, so the
    floor cannot drift from what llmtutor does; the floor's process does not import llmtutor)."""
    import inspect

    from tutor.cli.app import _given_text

    return TYPER_FLOOR.replace("GIVEN_TEXT", inspect.getsource(_given_text))


AWK_PROGRAM = "{s+=$1} END {print exp(-s/NR)}"


def write_plain_logprobs(path: Path, lines: int, seed: int = 0) -> float:
    """`lines` log-probabilities (−Exp(2), six decimals), one per line; the exact perplexity."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total, written = 0.0, 0
    with path.open("w") as handle:
        while written < lines:
            count = min(1_000_000, lines - written)
            block = np.round(-rng.exponential(2.0, count), 6).tolist()
            handle.write("\n".join(f"{value:.6f}" for value in block))
            handle.write("\n")
            total += math.fsum(block)
            written += count
    return math.exp(-total / lines)


WORDS = (" the", " model", " is", " a", " token", " of", " and", " to", " perplexity", ",", ".", " in", " it",
         " softmax", " attention", " we", " loss", "\n", " gradient", " that")


def _chunk(token: str | None, logprob: float | None, finish: str | None = None) -> str:
    """One OpenAI Chat Completions stream chunk, as the API sends it with logprobs=true."""
    if token is None:  # the first chunk (the role) or the last (the finish reason)
        delta = {"role": "assistant", "content": "", "refusal": None} if finish is None else {}
        logprobs: object = {"content": [], "refusal": None} if finish is None else None
    else:
        delta = {"content": token}
        entry = {"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": []}
        logprobs = {"content": [entry], "refusal": None}
    choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
    return json.dumps({"id": "chatcmpl-bench0000000000000000000", "object": "chat.completion.chunk",
                       "created": 1754550000, "model": "gpt-4o-mini-2024-07-18", "service_tier": "default",
                       "system_fingerprint": "fp_560af6e559", "choices": [choice], "usage": None,
                       "obfuscation": "x9"}, separators=(",", ":"), ensure_ascii=False)


def write_chat_stream(path: Path, lines: int, seed: int = 0) -> float:
    """A streamed Chat Completions reply of `lines` JSONL lines (a role chunk, one token per
    chunk, a finish chunk); the exact perplexity of its tokens."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tokens = lines - 2
    total = 0.0
    with path.open("w", encoding="utf-8") as handle:
        handle.write(_chunk(None, None) + "\n")
        for start in range(0, tokens, 100_000):
            count = min(100_000, tokens - start)
            values = np.round(-rng.exponential(1.5, count), 6).tolist()
            words = rng.integers(0, len(WORDS), count).tolist()
            handle.write("".join(_chunk(WORDS[w], v) + "\n" for w, v in zip(words, values)))
            total += math.fsum(values)
        handle.write(_chunk(None, None, finish="stop") + "\n")
    return math.exp(-total / tokens)


def build_history(home: Path, answers: int) -> None:
    """A progress folder holding `answers` quiz answers and two lessons under way (imported
    from an export, as moving to a new machine would)."""
    rows = [{"id": f"bench-{i:06d}", "question": f"calculus/q{i % 300}", "correct": i % 4 != 0,
             "seconds": 5.0 + i % 50, "at": (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
             "pillar": "calculus"} for i in range(answers)]
    source = home.parent / f"{home.name}-export.json"
    source.write_text(json.dumps({"schema_version": 2, "lessons": {}, "answers": rows}))
    script = ("import sys; from pathlib import Path; from tutor.progress import ProgressStore; "
              "store = ProgressStore(Path(sys.argv[1])); store.import_file(Path(sys.argv[2])); "
              "store.record_lesson_open('matrix-multiplication'); store.record_lesson_open('attention-as-matrix-ops')")
    subprocess.run([sys.executable, "-c", script, str(home), str(source)], cwd=ROOT, env=child_env(), check=True)


def quiz_answers(topic: str, count: int, seed: int) -> str:
    """The right answers to `llmtutor quiz TOPIC --count N --seed S`, one per line (the tests'
    own `answers_for`, run in a subprocess so this process stays small)."""
    script = ("import sys; sys.path.insert(0, 'tests'); from test_quiz_cli import answers_for; "
              f"sys.stdout.write(answers_for({topic!r}, {count}, {seed}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=child_env(), check=True,
                          capture_output=True, text=True)
    return done.stdout
