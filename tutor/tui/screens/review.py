"""Reviews: the questions spaced repetition says are due, asked on the quiz screen.

`plan_review` runs in a worker (it reads the progress and the banks): the questions due now,
most overdue first (as `llmtutor quiz --review` asks them), at most `REVIEW_COUNT` of them;
when none is due, it says when the next one will be. The same wording serves the lesson
screen, the progress screen and the header.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from tutor.progress.mastery import due_items
from tutor.tui.messages import QuizReady
from tutor.tui.overview import ProgressReader, clock

#: Questions in one review (as `llmtutor quiz --review` asks by default).
REVIEW_COUNT = 10


def duration(seconds: float) -> str:
    """Time spent, to the minute: `0m`, `42m`, `3h 05m`."""
    minutes = int(max(0.0, seconds) // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def until(moment: datetime, now: datetime) -> str:
    """How long until `moment`, in words, with the local clock time: `in 12 min (at 14:05)`,
    `in 3 days (Fri 9 May, 14:05)`."""
    seconds = max(0.0, (moment - now).total_seconds())
    local, today = moment.astimezone(), now.astimezone()
    if seconds < 60:
        return "in less than a minute"
    if seconds < 3600:
        span = f"in {int(seconds // 60)} min"
    elif seconds < 86400:
        hours, minutes = divmod(int(seconds // 60), 60)
        span = f"in {hours} h {minutes:02d} min"
    else:
        days = int(seconds // 86400)
        span = f"in {days} day{'s' if days > 1 else ''}"
    if local.date() == today.date():
        return f"{span} (at {local:%H:%M})"
    return f"{span} ({local:%a} {local.day} {local:%b}, {local:%H:%M})"


def nothing_due(next_due: datetime | None, now: datetime) -> str:
    """The one line said when no review is due."""
    if next_due is None:
        return ("Nothing to review yet: questions you answer come back for review when spaced "
                "repetition says so (q quizzes you).")
    return f"Nothing is due for review now; the next review is due {until(next_due, now)}."


def plan_review(reader: ProgressReader, count: int = REVIEW_COUNT, seed: int | None = None) -> QuizReady:
    """The review to ask now (call it in a worker): the due questions that still exist in the
    banks, most overdue first, at most `count`; or, when none is due, why not and when."""
    from tutor.quiz.bank import load_banks
    from tutor.quiz.session import Session, catalogue, review_items

    progress = reader.snapshot()
    states = progress.review_states()
    now = clock()
    due = [state.question_id for state in due_items(progress, reader.syllabus, now, None, states)]
    loaded = load_banks()
    problems = tuple(str(problem) for problem in loaded.problems)
    chosen = review_items(catalogue(loaded.questions), due)
    if not chosen:
        later = min((state.due for state in states.values() if state.due > now), default=None)
        return QuizReady(None, "review", nothing_due(later, now), problems)
    asked = chosen[:count]
    title = f"review · {len(asked)} due" if len(asked) == len(chosen) else f"review · {len(asked)} of {len(chosen)} due"
    return QuizReady(Session(asked, secrets.randbelow(2**31) if seed is None else seed), title, problems=problems)
