"""`llmtutor quiz TOPIC`: questions that check mathematics as mathematics.

In a terminal it opens the TUI's quiz screen; with `--plain`, or when standard input or output
is not a terminal, it runs line by line (scriptable through a pipe). `--list` prints the
questions of a topic, `--review` asks what spaced repetition says is due.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from tutor.quiz.session import Item, Session, Topic

MAX_COUNT = 200
DEFAULT_COUNT = 10


def quiz(
    topic: str = typer.Argument(None, help="linear-algebra (la), calculus (calc), probability (prob), "
                                "information-theory (info), optimization (opt), all, or a lesson id or number."),
    count: str | None = typer.Option(None, "--count", "-n", help="How many questions (default 10; with --list, at most N "
                              "listed).", metavar="N", show_default=False),
    seed: str = typer.Option(None, "--seed", help="Draw the same questions and options again.", metavar="S"),
    plain: bool = typer.Option(False, "--plain", help="Line by line in the terminal, no TUI."),
    review: bool = typer.Option(False, "--review", help="Ask what is due for review, most overdue first."),
    list_only: bool = typer.Option(False, "--list", help="List the questions of TOPIC instead of asking them."),
    as_json: bool = typer.Option(False, "--json", help="With --list: a JSON array; in a quiz: the final report "
                                 "as JSON on stdout (questions go to stderr)."),
) -> None:
    """Quiz yourself: hand-written and freshly generated questions, graded as mathematics."""
    from tutor import parse
    from tutor.quiz.session import Session, resolve_topic

    chosen_topic = resolve_topic(topic) if topic else None
    if chosen_topic is None and not review:
        from tutor.errors import BadInput
        from tutor.quiz.session import topic_names
        from tutor.plan import load_plan

        raise BadInput(f"say what to quiz on: {', '.join(topic_names(load_plan()))}, a lesson, or --review")
    given = None if count is None else parse.parse_int(count, "--count", minimum=1, maximum=MAX_COUNT)
    number = DEFAULT_COUNT if given is None else given
    items = _catalogue(chosen_topic.pillar if chosen_topic else None)
    if list_only:  # --review --list: what --review would ask; -n: at most that many
        shown = _due(items, given or MAX_COUNT, chosen_topic)[0] if review else items
        if review and not shown and not as_json:
            sys.stdout.write("Nothing is due for review now.\n")
            return
        _print_list(chosen_topic, shown, as_json, given)
        return
    seed_value = _seed(seed)
    chosen = _review(items, number, chosen_topic) if review else _pick(chosen_topic, items, number, seed_value)
    session = Session(chosen, seed_value)
    if not plain and not as_json and sys.stdin.isatty() and sys.stdout.isatty():
        _open_tui(session, chosen_topic.name if chosen_topic else "review")
        return
    from tutor.cli.quiz_plain import run_plain

    raise typer.Exit(run_plain(session, chosen_topic.name if chosen_topic else "review", as_json))


def _seed(text: str | None) -> int:
    from tutor import parse

    if text is None:
        import secrets

        return secrets.randbelow(2**31)
    return parse.parse_int(text, "--seed", minimum=0, maximum=2**63 - 1)


def _catalogue(pillar: str | None) -> list[Item]:
    """Every askable item of `pillar`'s bank and generators (None: of every pillar)."""
    from tutor.quiz.bank import load_bank, load_banks
    from tutor.quiz.session import catalogue
    from tutor.resources import quizzes_dir

    loaded = load_banks() if pillar is None else load_bank(quizzes_dir() / f"{pillar}.toml")
    for problem in loaded.problems:
        sys.stderr.write(f"llmtutor: warning: {problem} (question skipped)\n")
    return catalogue(loaded.questions)


def _pick(topic: Topic | None, items: list[Item], count: int, seed: int) -> list[Item]:
    import numpy as np

    from tutor.errors import BadInput
    from tutor.quiz.session import choose, items_for

    assert topic is not None
    pool = items_for(topic, items)
    if not pool:
        raise BadInput(f"there are no questions on '{topic.name}' yet; try another topic or 'all'")
    return choose(pool, count, np.random.default_rng(seed))


def _due(items: list[Item], count: int, topic: Topic | None) -> tuple[list[Item], int]:
    """What is due for review in `topic`, most overdue first (at most `count`), and how many due
    cards are for questions this version no longer has."""
    from tutor.progress import default_store
    from tutor.quiz.session import items_for, review_items

    due = [state.question_id for state in default_store().due_items()]
    pool = items_for(topic, items) if topic is not None else items
    known = {item.id for item in items}
    return review_items(pool, due)[:count], sum(1 for question_id in due if question_id not in known)


def _review(items: list[Item], count: int, topic: Topic | None) -> list[Item]:
    chosen, gone = _due(items, count, topic)
    if not chosen:
        from tutor.errors import counted

        sys.stdout.write("Nothing is due for review now. Come back later, or quiz a topic.\n")
        if gone:  # `llmtutor progress` counts them: say why they are not asked
            sys.stdout.write(f"({counted(gone, 'card')} due for questions this version of llmtutor no "
                             "longer has; they are not asked.)\n")
        raise typer.Exit(0)
    return chosen


def _print_list(topic: Topic | None, items: list[Item], as_json: bool, most: int | None = None) -> None:
    import json

    from tutor.quiz.session import Topic, items_for

    shown = items_for(topic or Topic("all"), items)[:most]
    rows: list[dict[str, Any]] = [
        {"id": item.id, "type": item.type, "lesson": item.lesson, "pillar": item.pillar, "generated": item.generated}
        for item in shown]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tutor.plan import load_plan
    from tutor.render.plain import drawn

    number = {lesson.id: lesson.number for lesson in load_plan().lessons}
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("lesson", justify="right", no_wrap=True)
    for column in ("id", "type"):  # a generated question's type is "generated"
        table.add_column(column, no_wrap=True, overflow="fold")
    for row in rows:
        table.add_row(str(number.get(row["lesson"], "")), Text(row["id"]), row["type"])
    sys.stdout.write(drawn(Console(highlight=False), table))  # (without the spaces Rich pads lines with)
    sys.stdout.write(f"{len(rows)} question(s)\n")


def _open_tui(session: Session, title: str) -> None:
    """The quiz in the tutor; afterwards the score stays in the terminal, as in plain mode."""
    from tutor.cli.lessons import load_catalog_reporting
    from tutor.tui.app import TutorApp
    from tutor.tui.progress_recorder import open_recorder

    app = TutorApp(load_catalog_reporting(), recorder=open_recorder(), quiz=session, quiz_title=title)
    app.run()
    if session.graded:
        sys.stdout.write(f"Score: {session.score}/{len(session.graded)}"
                         + ("" if len(session.graded) == session.total else f" (of {session.total} questions)") + "\n")
    if app.unsaved:
        sys.stderr.write(f"llmtutor: warning: {app.unsaved} progress update(s) could not be saved before exit\n")


def register(app: typer.Typer) -> None:
    """Attach `quiz`."""
    app.command("quiz", rich_help_panel="Practice")(quiz)
