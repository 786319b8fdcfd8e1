"""The scenarios of run.py: each times llmtutor against a baseline in the same run, alternately.

A scenario is a function of the `Bench` (the options, the temporary folder, the inputs written
so far) returning rows of the table. Pairs of programs run warm (one untimed run each first:
bytecode cache, page cache, and the outputs are checked), then `runs` times each, alternating
which goes first.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import Measured, Program, child_env, llmtutor, median, percentile, run_program
import inputs

HERE = Path(__file__).resolve().parent


@dataclass
class Row:
    """One line of the table. `met` is None when there is no target (or the row was skipped)."""

    number: str
    what: str
    median: str
    baseline: str = "—"
    ratio: str = "—"
    peak: str = "—"
    target: str = "—"
    met: bool | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Bench:
    folder: Path
    runs: int
    quick: bool
    made: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """An input, made on first use (outside any timing) and kept for the run."""
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]

    def script(self, name: str, text: str) -> str:
        path = self.folder / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        return str(path)

    def home(self, name: str, history: bool = True) -> str:
        """A progress folder of its own for a scenario: with the 5,000-answer history (500 with
        --quick), or empty (commands that read no progress; it keeps the learner's own untouched)."""
        def make() -> str:
            home = self.folder / name
            if history:
                inputs.build_history(home, 500 if self.quick else 5_000)
            else:
                home.mkdir()
            return str(home)
        return str(self.once(f"home:{name}", make))


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def pair(bench: Bench, subject: Program, baseline: Program,
         check: Callable[[Measured, Measured], list[str]] | None = None) -> tuple[list[Measured], list[Measured], list[str]]:
    """Warm both (and check their outputs), then time them alternately `bench.runs` times each.
    With --quick nothing is warmed (the first timed runs are checked instead)."""
    env = child_env()
    warm = None if bench.quick else (run_program(subject, env), run_program(baseline, env))
    mine: list[Measured] = []
    theirs: list[Measured] = []
    for run in range(bench.runs):
        if run % 2 == 0:
            mine.append(run_program(subject, env))
            theirs.append(run_program(baseline, env))
        else:
            theirs.append(run_program(baseline, env))
            mine.append(run_program(subject, env))
    notes = check(*(warm or (mine[0], theirs[0]))) if check else []
    return mine, theirs, notes


def ratio_row(number: str, what: str, mine: list[Measured], theirs: list[Measured], target: float,
              peak_limit: float | None = None, notes: list[str] | None = None) -> Row:
    ours, base = median([m.seconds for m in mine]), median([m.seconds for m in theirs])
    ratio = ours / base
    peak, base_peak = max(m.peak_mb for m in mine), max(m.peak_mb for m in theirs)
    met = ratio <= target and (peak_limit is None or peak < peak_limit) and not notes  # a wrong answer fails
    wanted = f"≤ {target:g}×" + (f", < {peak_limit:g} MB" if peak_limit is not None else "")
    return Row(number, what, seconds(ours), seconds(base), f"{ratio:.2f}", f"{peak:.0f} ({base_peak:.0f})",
               wanted, met, notes or [])


# --- 1-3: start-up of one-shot commands -----------------------------------------------------

def help_(bench: Bench) -> list[Row]:
    home = {"LLMTUTOR_HOME": bench.home("home-cli", history=False)}
    two = bench.script("two_commands.py", inputs.TWO_COMMAND_TYPER)
    mine, theirs, _ = pair(bench, Program(llmtutor("--help"), env=home), Program([sys.executable, two, "--help"]))
    return [ratio_row("1", "`llmtutor --help` vs a two-command Typer app's `--help`", mine, theirs, 1.25)]


def calc(bench: Bench) -> list[Row]:
    home = {"LLMTUTOR_HOME": bench.home("home-cli", history=False)}
    table = bench.script("rich_table.py", inputs.RICH_TABLE)
    command = llmtutor("calc", "softmax", "--logits", "1,2,3")
    mine, theirs, _ = pair(bench, Program(command, env=home), Program([sys.executable, table]))
    return [ratio_row("2", "`llmtutor calc softmax --logits 1,2,3` vs numpy+typer+rich printing a table",
                      mine, theirs, 1.25)]


def show(bench: Bench) -> list[Row]:
    home = {"LLMTUTOR_HOME": bench.home("home-cli", history=False)}
    table = bench.script("rich_table.py", inputs.RICH_TABLE)
    mine, theirs, _ = pair(bench, Program(llmtutor("show", "5"), env=home), Program([sys.executable, table]))
    cold, theirs_too, _ = pair(bench, Program(llmtutor("show", "5"), env=home | {"LLMTUTOR_CACHE": "off"}),
                               Program([sys.executable, table]))
    row = ratio_row("3c", "for scale: `show 5` with the cache off (a first run: parse, compute, draw) vs the "
                    "same script", cold, theirs_too, 1.5)
    row.target, row.met = "—", None
    return [ratio_row("3", "`llmtutor show 5` (attention) vs the same table script (a second run: the text "
                      "is in llmtutor's cache)", mine, theirs, 1.5), row]


# --- 4-5: the TUI ---------------------------------------------------------------------------

def learn(bench: Bench) -> list[Row]:
    probe = str(HERE / "tui_probe.py")
    home = {"LLMTUTOR_HOME": bench.home("home-learn")}
    mine, theirs, _ = pair(bench, Program([sys.executable, probe, "paint", "llmtutor"], inside=True, env=home),
                           Program([sys.executable, probe, "paint", "minimal"], inside=True))
    return [ratio_row("4", "`llmtutor learn` to the first painted lesson vs a Textual app with a Tree and a "
                      "Markdown, to its first paint", mine, theirs, 1.5)]


KEY_ROWS = (
    ("5a", "n", "lesson switch (`n`): key to the paint of the new lesson"),
    ("5b", "s", "step reveal (`s`): key to the paint after StepRevealed"),
    ("5c", "type", "playground: a typed character to its paint"),
    ("5d", "enter", "playground: Enter to the paint of the result (computed in a worker)"),
    ("5e", "plot", "plot update: Enter to the paint of the redrawn plot (drawn in a worker)"),
)


def keys(bench: Bench) -> list[Row]:
    """Key press to repaint, headless, on a 5,000-answer history (see tui_probe.py)."""
    home = {"LLMTUTOR_HOME": bench.home("home-keys")}
    walk = ["--first", "6", "--lessons", "2"] if bench.quick else ["--first", "1", "--lessons", "25"]
    program = Program([sys.executable, str(HERE / "tui_probe.py"), "keys", *walk], env=home)
    env = child_env()
    if not bench.quick:
        run_program(program, env)  # warm: bytecode, page cache
    samples: dict[str, list[float]] = {}
    peaks, skipped, heights = [], {}, []
    for _ in range(bench.runs):
        measured = run_program(program, env)
        found = json.loads(measured.stdout.strip().splitlines()[-1])
        peaks.append(measured.peak_mb)
        skipped.update(found.get("skipped", {}))
        heights += found.get("plot_heights", [])
        for name, values in found["keys"].items():
            samples.setdefault(name, []).extend(values)
    peak = f"{max(peaks):.0f}"
    rows = []
    for number, name, what in KEY_ROWS:
        if name == "plot" and heights:
            what += f"; terminal 100 × {min(heights)}-{max(heights)}"
        values = samples.get(name, [])
        if not values:
            reason = skipped.get(name, "no such key in the lessons walked")
            rows.append(Row(number, what, "skipped", target="p95 < 50 ms", notes=[f"{number} skipped: {reason}"]))
            continue
        p95 = percentile(values, 0.95)
        rows.append(Row(number, what, f"{median(values) * 1000:.0f} ms (p95 {p95 * 1000:.0f} ms, n={len(values)})",
                        peak=peak, target="p95 < 50 ms", met=p95 < 0.050))
    done = samples.get("computed", [])
    if done:
        rows.append(Row("5f", "after `n`: every example of the new lesson computed (worker) and painted",
                        f"{median(done):.2f} s (p95 {percentile(done, 0.95):.2f} s)", peak=peak))
    return rows


# --- 6-7: perplexity of large inputs ---------------------------------------------------------

def _perplexity_of(measured: Measured) -> float:
    return float(json.loads(measured.stdout)["result"]["perplexity"])


def _agrees(bench: Bench, path: Path, exact: float, what: str) -> list[str]:
    """Run `--json` once (untimed) and compare llmtutor's perplexity with the exact one."""
    got = _perplexity_of(run_program(Program(llmtutor("calc", "perplexity", "--logprobs", f"@{path}", "--json")),
                                     child_env()))
    ok = math.isclose(got, exact, rel_tol=1e-9)
    return [] if ok else [f"{what}: llmtutor's perplexity {got!r} differs from the exact {exact!r}"]


def perplexity_plain(bench: Bench) -> list[Row]:
    lines = 200_000 if bench.quick else 10_000_000
    path = bench.folder / "logprobs.txt"
    exact = bench.once("plain", lambda: inputs.write_plain_logprobs(path, lines))
    notes = _agrees(bench, path, exact, "6")
    awk = shutil.which("awk") or "awk"
    mine, theirs, _ = pair(bench, Program(llmtutor("calc", "perplexity", "--logprobs", f"@{path}")),
                           Program([awk, inputs.AWK_PROGRAM, str(path)]))
    return [ratio_row("6", f"`calc perplexity` on {lines:,} plain lines vs awk", mine, theirs, 1.0, 100.0, notes)]


def perplexity_chat(bench: Bench) -> list[Row]:
    lines = 20_000 if bench.quick else 1_000_000
    path = bench.folder / "chat-stream.jsonl"
    exact = bench.once("chat", lambda: inputs.write_chat_stream(path, lines))
    notes = _agrees(bench, path, exact, "7")
    loop = bench.script("json_loop.py", inputs.JSON_LOOP)
    mine, theirs, _ = pair(bench, Program(llmtutor("calc", "perplexity", "--logprobs", f"@{path}")),
                           Program([sys.executable, loop, str(path)]))
    return [ratio_row("7", f"`calc perplexity` on {lines:,} OpenAI chat-stream JSONL lines vs a json.loads loop",
                      mine, theirs, 1.0, notes=notes)]


# --- 8-9: a quiz, and the capstone's training ------------------------------------------------

def quiz(bench: Bench) -> list[Row]:
    answers = bench.once("answers", lambda: inputs.quiz_answers("all", 20, 1))
    home = {"LLMTUTOR_HOME": bench.home("home-quiz")}
    command = llmtutor("quiz", "all", "--plain", "--count", "20", "--seed", "1")

    def check(mine: Measured, _: Measured) -> list[str]:
        return [] if "Score: 20/20" in mine.stdout else ["8: the piped quiz did not score 20/20"]

    baseline = Program([sys.executable, "-c", "import numpy, typer"])
    mine, theirs, notes = pair(bench, Program(command, stdin=answers, env=home), baseline, check)
    floor = bench.script("typer_floor.py", inputs.typer_floor())
    lowest, theirs_too, _ = pair(bench, Program([sys.executable, floor, "la", "--count", "3"]), baseline)
    row = ratio_row("8f", "for scale: a one-command Typer app (an argument, an option) importing numpy: Typer's floor "
                    "vs the same baseline", lowest, theirs_too, 1.5)
    row.target, row.met = "—", None
    return [ratio_row("8", "`llmtutor quiz all --plain --count 20`, answers piped, vs `python -c \"import numpy, "
                      "typer\"`", mine, theirs, 1.5, notes=notes), row]


def capstone(bench: Bench) -> list[Row]:
    probe = str(HERE / "capstone_probe.py")
    steps = ["--steps", "60"] if bench.quick else []

    def check(mine: Measured, theirs: Measured) -> list[str]:
        ours, plain = (json.loads(m.stdout.strip().splitlines()[-1])["losses"] for m in (mine, theirs))
        differ = [k for k in ours if not math.isclose(ours[k], plain[k], rel_tol=1e-9)]
        return [f"9: the two training runs end with different losses ({', '.join(differ)})"] if differ else []

    mine, theirs, notes = pair(bench, Program([sys.executable, probe, "tutor", *steps], inside=True),
                               Program([sys.executable, probe, "plain", *steps], inside=True), check)
    what = "lesson 25's training run (600 steps)" if not bench.quick else "lesson 25's training run (60 steps)"
    return [ratio_row("9", f"{what} vs the same model in a plain numpy loop", mine, theirs, 1.2, notes=notes)]


#: --only names, in the order of the table.
SCENARIOS: dict[str, Callable[[Bench], list[Row]]] = {
    "help": help_, "calc": calc, "show": show, "learn": learn, "keys": keys,
    "perplexity-plain": perplexity_plain, "perplexity-jsonl": perplexity_chat, "quiz": quiz, "capstone": capstone,
}
