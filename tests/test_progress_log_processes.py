"""history.jsonl with real processes: writers killed mid-append and writers racing each other.

Lines here are long (tens of kilobytes) so that one append spans many pages: a kill can
then land inside a write, and interleaved writers would show as lines that do not parse.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.progress import ProgressStore
from tutor.progress.history import parse_history

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")

# Appends long answers forever, printing an ack after each one has returned.
APPENDER = """
import sys
from tutor.progress import ProgressStore
store = ProgressStore()
pad, name, i = "x" * int(sys.argv[2]), sys.argv[1], 0
print("ready", flush=True)
while True:
    print("answer", store.record_answer(f"{name}-{i}-{pad}", i % 2 == 0, 1.0), flush=True)
    i += 1
"""

# Waits for a line on stdin, then appends COUNT long answers.
RACER = """
import sys
from tutor.progress import ProgressStore
store = ProgressStore()
name, count, pad = sys.argv[1], int(sys.argv[2]), "y" * int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    store.record_answer(f"{name}-{i}-{pad}", True, 1.0)
print("done", store.saved, len(store.warnings), flush=True)
"""


def spawn(script: str, *args: str, home: Path, stdin: int | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "LLMTUTOR_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )


def kill_appender(home: Path, rng: random.Random, round_: int, pad: int) -> set[str]:
    """Start an appender, SIGKILL it after a random while; the answer ids it acknowledged."""
    writer = spawn(APPENDER, f"r{round_}", str(pad), home=home)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    # Wait for one acknowledged answer, so every round counts however loaded the machine is;
    # the kill then lands at a random moment of the appends that follow.
    first = writer.stdout.readline()
    time.sleep(rng.uniform(0.0, 0.15))
    writer.send_signal(signal.SIGKILL)
    rest = first + writer.stdout.read()
    writer.wait(timeout=10)
    # Only a whole line is an acknowledgement: with a 200,000-character id, print() writes the
    # line in pieces, and the kill can cut one short ("answer " with no id, or half an id).
    whole = rest.split("\n")[:-1]
    return {line.split()[1] for line in whole if line.startswith("answer ")}


@pytest.mark.slow
def test_sigkill_during_appends_never_loses_an_acknowledged_answer(tmp_home: Path) -> None:
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    acked: set[str] = set()
    for round_ in range(12):
        acked |= kill_appender(tmp_home, rng, round_, pad=rng.choice([50, 20_000, 200_000]))
        found = parse_history((tmp_home / "history.jsonl").read_bytes())
        assert not (acked - set(found.answers)), f"acknowledged answers lost (seed {seed})"
        assert not found.damaged, f"{found.damaged[:2]} (seed {seed})"
    assert len(acked) >= 12, f"too few answers acknowledged to mean anything (seed {seed})"
    store = ProgressStore()  # the next learner session reads everything and appends cleanly
    assert acked <= set(store.snapshot().answers)
    store.record_answer("after", True, 1)
    found = parse_history((tmp_home / "history.jsonl").read_bytes())
    assert not found.damaged and "after" in {a.question for a in found.answers.values()}
    torn = list(tmp_home.glob("history.jsonl.torn-*"))
    assert all(w.count("incomplete line") == 1 for w in store.warnings)
    print(f"\n12 SIGKILLs (seed {seed}): {len(acked)} acked answers kept, "
          f"{len(torn)} torn lines set aside")


@pytest.mark.slow
def test_two_writers_appending_at_once_lose_nothing_and_never_interleave(tmp_home: Path) -> None:
    racers = [spawn(RACER, name, "60", "30000", home=tmp_home, stdin=subprocess.PIPE)
              for name in "ab"]
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:  # start both at once
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    reports = [racer.communicate(timeout=120)[0].split() for racer in racers]
    assert reports == [["done", "True", "0"]] * 2, reports  # all saved, no warnings
    raw = (tmp_home / "history.jsonl").read_bytes()
    found = parse_history(raw)
    assert not found.damaged and raw.endswith(b"\n") and raw.count(b"\n") == 121  # + header
    questions = {a.question.split("-")[0] + "-" + a.question.split("-")[1]
                 for a in found.answers.values()}
    assert questions == {f"{name}-{i}" for name in "ab" for i in range(60)}
