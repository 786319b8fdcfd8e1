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

from tutor.quiz.model import ANSWER_FORMS, AnswerFormatError, Question
from tutor.quiz.session import Attempt, Session, record
from tutor.render.note import markdown
from tutor.render.plain import drawn
from tutor.render.worked import worked_renderable

HINT_WORDS = {"?", "hint", "h"}


class PlainQuiz:
    """Drives a `Session` over text streams."""

    def __init__(self, session: Session, out: IO[str], source: IO[str]) -> None:
        self.session = session
        self.console = Console(file=out, highlight=False, soft_wrap=False)
        self.source = source
        self.warnings: list[str] = []

    def say(self, renderable: Any) -> None:
        """Print one renderable, without the trailing spaces Rich pads lines with."""
        self.console.file.write(drawn(self.console, renderable))
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
        question = attempt.question
        kind = "generated" if question.generated else "hand-written"
        self.say(Text(f"\nQuestion {number}/{self.session.total} · {question.id}  ({question.type}, {kind})",
                                style="bold"))
        self.say(markdown(question.prompt))  # Rich's Markdown, imported only if the prompt needs it
        for shown, index in enumerate(attempt.order or ()):
            self.say(Text(f"  {chr(ord('a') + shown)}) {question.options[index]}"))
        self.say(Text(f"({ANSWER_FORMS[question.type]}; ? for a hint)", style="dim"))

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
                self.say(Text(f"Hint: {self.session.hint()}", style="yellow"))
                continue
            try:
                result = self.session.answer(text)
            except AnswerFormatError as error:
                self.say(Text(f"Could not read that ({error.message}). Try again.", style="red"))
                continue
            self.feedback(attempt.question, result.correct, result.expected, result.understood, result.misconception)
            self.save(attempt)
            return True

    def feedback(self, question: Question, correct: bool, expected: str, understood: str, why: str | None) -> None:
        if correct:
            self.say(Text(f"✓ Right: {understood}", style="bold green"))
        else:
            self.say(Text(f"✗ Not quite: you answered {understood}; the answer is {expected}.", style="bold red"))
            if why:
                self.say(Text(f"  The likely slip: {why}", style="yellow"))
        self.say(worked_renderable(question.solution))

    def save(self, attempt: Attempt) -> None:
        record(attempt)
        from tutor.progress import default_store

        for message in default_store().warnings:
            if message not in self.warnings:
                self.warnings.append(message)
                sys.stderr.write(f"llmtutor: warning: {message}\n")

    def summary(self) -> None:
        graded = self.session.graded
        self.say(Text(f"\nScore: {self.session.score}/{len(graded)}", style="bold"))
        if len(graded) < self.session.total:
            self.say(Text(f"(stopped after {len(graded)} of {self.session.total} questions; "
                                    "the answers given are saved)", style="dim"))
        missed = [a for a in graded if a.grade is not None and not a.grade.correct]
        for attempt in missed:
            assert attempt.grade is not None
            self.say(Text(f"  missed {attempt.question.id}: the answer is {attempt.grade.expected}"))


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
