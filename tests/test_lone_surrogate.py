"""A token that is half a character (a lone surrogate, ``"\\ud800"`` in the JSON, as a tokenizer
may cut an emoji) is shown escaped in text, the token view and JSON, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHUNK = {"choices": [{"index": 0, "logprobs": {"content": [
    {"token": "\ud800", "logprob": -1.0}, {"token": "a", "logprob": -0.5}]}}]}


@pytest.fixture(scope="module")
def reply(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("surrogate") / "reply.json"
    path.write_text(json.dumps(CHUNK), encoding="utf-8")  # ASCII: the surrogate as an escape
    return path


@pytest.mark.parametrize("extra", [[], ["--tokens"], ["--json"]])
def test_a_lone_surrogate_token_is_shown_escaped(reply: Path, extra: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "tutor", "calc", "perplexity", "--logprobs", f"@{reply}", *extra],
                          capture_output=True, env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode()
    out = done.stdout.decode("utf-8")  # strict: the output is valid UTF-8
    if extra == ["--json"]:
        result = json.loads(out)["result"]
        assert abs(result["perplexity"] - 2.117000016612675) < 1e-12
    else:
        assert "'\\ud800'" in out
