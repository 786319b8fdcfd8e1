"""The line-by-line quiz: a question, its lettered options, a prompt; after each answer a
verdict, the right answer and the worked solution; at the end `Score: X/N` and what was missed.

Scriptable through a pipe. An answer that cannot be read is asked again and not counted; `?`
shows the hint. End of input or Ctrl-C ends the quiz: the answers so far are saved and the
partial score is printed (exit 0 for end of input, 130 for Ctrl-C).
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from tutor.quiz.model import AnswerFormatError
from tutor.quiz.session import Attempt, Session, record
from tutor.render.plain import drawn
from tutor.render.quiz import answer_form, heading, hint_text, prompt_renderable, summary_text, unreadable_text, verdict_text
from tutor.render.worked import worked_renderable

HINT_WORDS = {"?", "hint", "h"}


class PlainQuiz:
    """Drives a `Session` over text streams."""

    def __init__(self, session: Session, out: IO[str], source: IO[str]) -> None:
        self.session = session
        self.console = Console(file=out, highlight=False, soft_wrap=False)
        self.source = source
        self.warnings: list[str] = []

    def say(self, *parts: Any) -> None:
        """Print `parts` one after the other, without the trailing spaces Rich pads lines with."""
        self.console.file.write(drawn(self.console, *parts))
        self.console.file.flush()

    def run(self) -> bool:
        """Ask every question; False when the input ended early."""
        while len(self.session.graded) < self.session.total:
            attempt = self.session.next_question()
            self.show(attempt, len(self.session.attempts))
            if not self.ask(attempt):
                return False
        return True

    def show(self, attempt: Attempt, number: int) -> None:
        self.say(Text(""), heading(attempt, number, self.session.total), prompt_renderable(attempt),
                 answer_form(attempt))

    def ask(self, attempt: Attempt) -> bool:
        """Read answers until one can be graded; False at end of input."""
        while True:
            self.console.file.write("> ")
            self.console.file.flush()
            line = self.source.readline()
            if not line:
                return False
            text = line.strip()
            if text.lower() in HINT_WORDS:
                self.say(hint_text(self.session.hint()))
                continue
            try:
                result = self.session.answer(text)
            except AnswerFormatError as error:
                self.say(unreadable_text(error.message))
                continue
            self.say(verdict_text(result), worked_renderable(attempt.question.solution))
            self.save(attempt)
            return True

    def save(self, attempt: Attempt) -> None:
        record(attempt)
        from tutor.progress import default_store

        for message in default_store().warnings:
            if message not in self.warnings:
                self.warnings.append(message)
                sys.stderr.write(f"llmtutor: warning: {message}\n")

    def summary(self) -> None:
        self.say(Text(""), summary_text(self.session))


def report(session: Session, topic: str, finished: bool) -> dict[str, Any]:
    """The machine-readable end of a plain quiz (`--json`)."""
    return {
        "topic": topic, "seed": session.seed, "score": session.score, "answered": len(session.graded),
        "total": session.total, "finished": finished,
        "questions": [{
            "id": a.question.id, "type": a.question.type, "lesson": a.question.lesson,
            "generated": a.question.generated, "answer": a.answer, "correct": a.grade.correct,
            "expected": a.grade.expected, "understood": a.grade.understood,
            "misconception": a.grade.misconception, "hinted": a.hinted, "seconds": round(a.seconds, 3),
        } for a in session.graded if a.grade is not None],
    }


def run_plain(session: Session, topic: str, as_json: bool) -> int:
    """Run the quiz on stdin; the exit status (0, or 130 after Ctrl-C)."""
    out = sys.stderr if as_json else sys.stdout
    quiz = PlainQuiz(session, out, sys.stdin)
    status, finished = 0, False
    try:
        finished = quiz.run()
    except KeyboardInterrupt:
        status = 130
    quiz.summary()
    if as_json:
        sys.stdout.write(json.dumps(report(session, topic, finished), ensure_ascii=False) + "\n")
    return status
