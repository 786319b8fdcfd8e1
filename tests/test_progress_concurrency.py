"""Real processes: killed mid-write, and racing each other, never lose an acknowledged update."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.progress.history import parse_history
from tutor.progress.versions import decode

from signals import default_signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")

# Records forever, printing an ack line after each update has returned.
WRITER = """
import sys
from tutor.progress import ProgressStore
store = ProgressStore()
print("session", store.session_id, flush=True)
spent, i = 0.0, 0
while True:
    answer = store.record_answer(f"{sys.argv[1]}-{i}", i % 3 != 0, 1.5)
    print("answer", answer, flush=True)
    store.add_time("kill-test", 0.5)
    spent += 0.5
    print("time", store.session_id, spent, flush=True)
    i += 1
"""

# Waits for a line on stdin, then records COUNT answers and a little time.
RACER = """
import sys
from tutor.progress import ProgressStore
store = ProgressStore()
name, count = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    store.record_answer(f"{name}-{i}", True, 1.0, pillar="calculus")
    if i % 10 == 0:
        store.add_time("race", 1.0)
print("done", store.session_id, store.saved, len(store.warnings), flush=True)
"""


def spawn(script: str, *args: str, home: Path, stdin: int | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "LLMTUTOR_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        preexec_fn=default_signals,
    )


def read_acks(lines: list[str], answers: set[str], spent: dict[str, float]) -> None:
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "answer":
            answers.add(parts[1])
        elif len(parts) == 3 and parts[0] == "time":
            spent[parts[1]] = max(spent.get(parts[1], 0.0), float(parts[2]))


def logged_answers(home: Path) -> set[str]:
    """Answer ids in history.jsonl; every complete line must parse (no interleaving)."""
    found = parse_history((home / "history.jsonl").read_bytes())
    assert not found.damaged, found.damaged[:3]
    return set(found.answers)


def check_file(home: Path, answers: set[str], spent: dict[str, float]) -> None:
    if not (home / "progress.json").exists():  # killed after its first answer, before any time:
        assert not spent, "time acknowledged, yet no progress.json"  # answers live in the history
        missing = answers - logged_answers(home)
        assert not missing, f"{len(missing)} acknowledged answers lost"
        return
    raw = (home / "progress.json").read_bytes()
    decoded = decode(raw)  # parses and validates, or raises
    assert decoded.version == 3 and not decoded.inline_answers
    missing = answers - logged_answers(home)
    assert not missing, f"{len(missing)} acknowledged answers lost"
    if spent:  # (a writer may die after its first answer, before any time was recorded)
        sessions = decoded.progress.lessons["kill-test"].sessions
        for session, seconds in spent.items():
            assert sessions[session] >= seconds, f"session {session}: time lost"


def kill_at_random(home: Path, rng: random.Random, round_: int, sig: int) -> tuple[str, bool]:
    """Start a writer, let it run a random while, send `sig`; acks seen, and temp file left?"""
    writer = spawn(WRITER, f"r{round_}", home=home)
    assert writer.stdout is not None
    assert writer.stdout.readline().startswith("session")
    time.sleep(rng.uniform(0.0, 0.2))
    writer.send_signal(sig)
    try:
        rest, _ = writer.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        writer.kill()
        writer.communicate()
        pytest.fail(f"the writer was still recording 30 s after signal {signal.Signals(sig).name}")
    left_temp = any(home.glob(".*.tmp"))
    return rest, left_temp


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_an_acknowledged_update(tmp_home: Path) -> None:
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    answers: set[str] = set()
    spent: dict[str, float] = {}
    mid_write = 0
    for round_ in range(20):
        rest, left_temp = kill_at_random(tmp_home, rng, round_, signal.SIGKILL)
        mid_write += left_temp
        read_acks(rest.splitlines(), answers, spent)
        if answers:
            check_file(tmp_home, answers, spent)
    assert len(answers) >= 20, f"too few updates acknowledged to mean anything (seed {seed})"
    assert len(spent) >= 10, f"too few writers recorded time (seed {seed})"
    assert not list(tmp_home.glob("progress.json.corrupt-*")), f"seed {seed}"
    print(f"\n20 SIGKILLs (seed {seed}): {len(answers)} acked answers kept, "
          f"{mid_write} kills landed mid-write (temp file left behind)")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM])
def test_ctrl_c_or_a_closed_terminal_keeps_the_answers_given(tmp_home: Path, sig: int) -> None:
    answers: set[str] = set()
    spent: dict[str, float] = {}
    rng = random.Random(sig)
    for round_ in range(2):
        rest, _ = kill_at_random(tmp_home, rng, round_, sig)
        read_acks(rest.splitlines(), answers, spent)
    assert answers
    check_file(tmp_home, answers, spent)
    assert not list(tmp_home.glob("progress.json.corrupt-*"))


@pytest.mark.slow
def test_two_processes_recording_at_once_keep_all_400_updates(tmp_home: Path) -> None:
    racers = [spawn(RACER, name, "200", home=tmp_home, stdin=subprocess.PIPE) for name in "ab"]
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:  # start both at once
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    reports = [racer.communicate(timeout=120)[0].split() for racer in racers]
    assert [r[0] for r in reports] == ["done", "done"]
    assert all(r[2:] == ["True", "0"] for r in reports), reports  # all saved, no warnings
    progress = decode((tmp_home / "progress.json").read_bytes()).progress
    found = parse_history((tmp_home / "history.jsonl").read_bytes())
    assert not found.damaged and len(found.answers) == 400
    questions = {a.question for a in found.answers.values()}
    assert questions == {f"{name}-{i}" for name in "ab" for i in range(200)}
    assert progress.lessons["race"].sessions == {r[1]: 20.0 for r in reports}
