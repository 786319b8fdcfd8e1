"""A quiz's words, drawn once for both quizzes: the question's heading, its prompt and lettered
options, the verdict on an answer, the answer format line and the score at the end. The plain
quiz (`tutor.cli.quiz_plain`) prints them; the quiz screen (`tutor.tui.screens.quiz`) shows
them. Pure Rich: no numpy (the screen imports this before the first lesson is painted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from tutor.quiz.model import ANSWER_FORMS, Grade
from tutor.render.note import markdown

if TYPE_CHECKING:
    from tutor.quiz.session import Attempt, Session


def heading(attempt: Attempt, number: int, total: int) -> Text:
    """`Question 3/10 · <id>  (<type>, generated)`."""
    question = attempt.question
    kind = "generated" if question.generated else "hand-written"
    return Text(f"Question {number}/{total} · {question.id}  ({question.type}, {kind})", style="bold")


def option_lines(attempt: Attempt) -> list[Text]:
    """The options, lettered in the order this attempt shows them (none for other types)."""
    options = attempt.question.options
    return [Text(f"  {chr(ord('a') + shown)}) {options[index]}") for shown, index in enumerate(attempt.order or ())]


def prompt_renderable(attempt: Attempt) -> RenderableType:
    """The prompt (as Rich's Markdown draws it; parsed only when it needs to be) and the options."""
    return Group(markdown(attempt.question.prompt), *option_lines(attempt))


def answer_form(attempt: Attempt) -> Text:
    """How to write an answer to this question, and that `?` gives the hint."""
    return Text(f"({ANSWER_FORMS.get(attempt.question.type, 'an answer')}; ? for a hint)", style="dim")


def hint_text(hint: str) -> Text:
    return Text(f"Hint: {hint}", style="yellow")


def unreadable_text(message: str) -> Text:
    """An answer that could not be read (`message` names the accepted forms): not counted."""
    return Text(f"Could not read that ({message}). Try again.", style="red")


def verdict_text(grade: Grade) -> Text:
    """✓ or ✗, what we understood, the expected answer, and the likely slip if one is known."""
    if grade.correct:
        return Text(f"✓ Right: {grade.understood}", style="bold green")
    text = Text(f"✗ Not quite: you answered {grade.understood}; the answer is {grade.expected}.", style="bold red")
    if grade.misconception:
        text.append(f"\n  The likely slip: {grade.misconception}", style="yellow")
    return text


def summary_text(session: Session) -> Text:
    """`Score: X/N`, whether the quiz stopped early, and the answer to each question missed."""
    graded = session.graded
    text = Text(f"Score: {session.score}/{len(graded)}", style="bold")
    if len(graded) < session.total:
        text.append(f"\n(stopped after {len(graded)} of {session.total} questions; the answers given are saved)",
                    style="dim")
    for attempt in graded:
        if attempt.grade is not None and not attempt.grade.correct:
            text.append(f"\n  missed {attempt.question.id}: the answer is {attempt.grade.expected}")
    return text
