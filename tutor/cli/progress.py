"""`llmtutor progress`: see, reset, export and import the learner's progress.

Only typer and the standard library at module level (`llmtutor --help` stays light);
the store and Rich are imported inside the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

progress_app = typer.Typer(
    name="progress",
    invoke_without_command=True,
    no_args_is_help=False,
    help="See your progress; reset it; move it to another machine (export / import).",
)


class _Warnings:
    """Prints a store's warnings as they appear, each once, as one line on stderr."""

    def __init__(self, store: Any) -> None:
        self.store, self.shown = store, 0

    def flush(self) -> None:
        from tutor.progress.files import text_of

        for message in self.store.warnings[self.shown :]:
            sys.stderr.write(f"llmtutor: warning: {text_of(message)}\n")
        self.shown = len(self.store.warnings)

    def failure(self, what: str) -> Exception:
        """`nothing was <what>: <why>` as the one error line; the warning that says the
        same thing is not printed as well."""
        from tutor.errors import BadInput

        problem = self.store.problem or "the progress files could not be written"
        self.store.warnings[:] = [w for w in self.store.warnings if not w.startswith(problem)]
        return BadInput(f"nothing was {what}: {problem}")


def _open() -> tuple[Any, _Warnings]:
    from tutor.progress import ProgressStore

    store = ProgressStore()
    return store, _Warnings(store)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _bar(fraction: float, width: int = 20) -> str:
    """A bar readable without colour (NO_COLOR, screen readers read the % beside it)."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "lessons_done": summary.lessons_done,
        "lessons_total": summary.lessons_total,
        "answers": summary.answers,
        "correct": summary.correct,
        "seconds": summary.seconds,
        "due": [state.question_id for state in summary.due],
        "due_now": len(summary.due),
        "due_this_week": summary.due_this_week,
        "resume": None if summary.resume is None else {
            "lesson": summary.resume.lesson_id, "step": summary.resume.step,
            "scroll": summary.resume.scroll,
        },
        "pillars": [{
            "id": p.pillar, "title": p.title, "lessons_done": p.lessons_done,
            "lessons_total": p.lessons_total, "answers": p.answers, "correct": p.correct,
            "questions": p.questions, "recalled": p.recalled, "mastery": round(p.mastery, 4),
            "due_now": p.due_now, "due_this_week": p.due_this_week,
        } for p in summary.pillars],
    }


def _render_summary(summary: Any, titles: dict[str, str]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from tutor.errors import quote
    from tutor.progress.files import text_of
    from tutor.render.plain import drawn

    table = Table(title="Your progress", title_justify="left", box=None, pad_edge=False)
    for name, justify in (("Pillar", "left"), ("Lessons", "right"), ("Quiz", "right"),
                          ("Mastery", "left"), ("", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for p in summary.pillars:
        quiz = f"{p.correct}/{p.answers} right" if p.answers else "—"
        table.add_row(p.title, f"{p.lessons_done}/{p.lessons_total}", quiz,
                      _bar(p.mastery), f"{p.mastery:.0%}")
    totals = Table.grid(padding=(0, 3))
    totals.add_column(style="bold")
    totals.add_column()
    totals.add_row("Lessons done", f"{summary.lessons_done}/{summary.lessons_total}")
    totals.add_row("Quiz", f"{summary.answers} answers, {_percent(summary.accuracy)} right")
    totals.add_row("Due for review", f"{len(summary.due)} now, {summary.due_this_week} "
                   "within 7 days  (llmtutor quiz --review)")
    totals.add_row("Time spent", _duration(summary.seconds))
    if summary.resume is not None:
        where = titles.get(summary.resume.lesson_id) or escape(quote(text_of(summary.resume.lesson_id)))
        step = "" if summary.resume.step is None else f", step {summary.resume.step}"
        totals.add_row("Resume", f"{where}{step}  (llmtutor learn)")
    parts = [table, Text(""), *((_due_table(summary), Text("")) if summary.answers else ()), totals]
    sys.stdout.write(drawn(Console(highlight=False), *parts))  # (without the spaces Rich pads lines with)


def _due_table(summary: Any) -> Any:
    """Reviews due per pillar: now, and within the 7 days from now (those due now included)."""
    from rich.table import Table

    table = Table(title="Reviews due", title_justify="left", box=None, pad_edge=False)
    for name, justify in (("Pillar", "left"), ("Now", "right"), ("Within 7 days", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for p in summary.pillars:
        table.add_row(p.title, str(p.due_now), str(p.due_this_week))
    other_now = len(summary.due) - sum(p.due_now for p in summary.pillars)
    other_week = summary.due_this_week - sum(p.due_this_week for p in summary.pillars)
    if other_week:
        table.add_row("Other questions", str(other_now), str(other_week))
    return table


@progress_app.callback(invoke_without_command=True)
def progress(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON, for scripts."),
) -> None:
    """Per-pillar mastery, lessons done, quiz accuracy and reviews due."""
    if ctx.invoked_subcommand is not None:
        return
    import json

    from tutor.progress.mastery import load_syllabus

    store, warnings = _open()
    try:
        syllabus = load_syllabus()
        summary = store.summary(syllabus=syllabus)
        if as_json:
            sys.stdout.write(json.dumps(_summary_json(summary)) + "\n")
        else:
            _render_summary(summary, syllabus.titles)
    finally:
        warnings.flush()


@progress_app.command("path")
def path() -> None:
    """Print where the progress file lives (set LLMTUTOR_HOME to move it)."""
    from tutor.progress import progress_home
    from tutor.progress.files import text_of

    typer.echo(text_of(progress_home() / "progress.json"))


def _confirm(question: str) -> None:
    """Ask before deleting; no answer (no stdin) or 'no' leaves everything as it was."""
    from tutor.errors import TutorError

    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        sys.stderr.write("\n")
        agreed = False
    if not agreed:
        raise TutorError("nothing was reset (confirm with 'y', or pass --yes)")


def _reset_target(store: Any, lesson: str | None, pillar: str | None, everything: bool) -> str:
    """What will be forgotten, in words; one clear line when the options do not say."""
    from tutor.errors import BadInput, UnknownLesson

    given = [name for name, value in (("--lesson", lesson), ("--pillar", pillar),
                                      ("--all", everything or None)) if value is not None]
    if not given:
        raise BadInput("say what to reset: --lesson ID, --pillar NAME or --all")
    if len(given) > 1:
        raise BadInput(f"{' and '.join(given)} cannot be used together: reset one thing at a time")
    try:
        return str(store.reset_target(lesson=lesson, pillar=pillar, everything=everything))
    except UnknownLesson as error:
        raise UnknownLesson(f"{error} (see 'llmtutor lessons')") from None


def course_lesson(text: str | None) -> str | None:
    """A lesson as the other commands take it (`find_slot`): a number (16) or a unique prefix of
    an id (entropy) becomes its id; anything else is passed on as written (an id of an older
    version's lesson may still be in the learner's progress)."""
    from tutor.curriculum.catalog import find_slot
    from tutor.errors import UnknownLesson
    from tutor.plan import load_plan

    if text is None:
        return None
    try:
        return find_slot(load_plan().lessons, text).id
    except UnknownLesson:
        return text


def course_pillar(text: str | None) -> str | None:
    """A pillar id, or one of the quiz's short names (la, calc, prob, info, opt)."""
    from tutor.plan import pillar_from_alias

    return None if text is None else pillar_from_alias(text)


@progress_app.command("reset")
def reset(
    lesson: str | None = typer.Option(None, "--lesson", metavar="LESSON", help="Forget one lesson (number, id or prefix)."),
    pillar: str | None = typer.Option(None, "--pillar", metavar="NAME", help="Forget one pillar (id, or la, calc, prob, info, opt)."),
    everything: bool = typer.Option(False, "--all", help="Forget everything."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Forget progress (everything is first copied beside it; importing the copy undoes it)."""
    from tutor.progress.files import text_of

    store, warnings = _open()
    try:
        lesson, pillar = course_lesson(lesson), course_pillar(pillar)
        target = _reset_target(store, lesson, pillar, everything)
        store.lessons_view()  # a folder that cannot be written is said before asking
        if store.read_only:
            raise warnings.failure("reset")
        warnings.flush()
        if not yes:
            _confirm(f"Forget {target}?")
        result = store.reset(lesson=lesson, pillar=pillar, everything=everything)
        if not result.saved:
            raise warnings.failure("reset")
        typer.echo(f"Forgot {target}: {result.lessons} lesson(s), {result.answers} answer(s).")
        if result.backup is not None:
            kept = text_of(result.backup)
            typer.echo(f"Everything as it was is kept in {kept} ('llmtutor progress import' it to undo).")
    finally:
        warnings.flush()


def _export_to(store: Any, file: str, force: bool) -> None:
    from tutor.errors import BadInput
    from tutor.progress.files import text_of
    from tutor.progress.transfer import ExistingFile

    try:
        exported = store.export(Path(file).expanduser(), force=force)
    except ExistingFile as error:
        raise BadInput(f"{error} (pass --force to replace it)") from None
    typer.echo(f"Exported {len(exported.answers)} answer(s) and "
               f"{len(exported.lessons)} lesson(s) to {text_of(file)}")


@progress_app.command("export")
def export(
    file: str = typer.Argument(..., metavar="FILE", help="Where to write ('-' for stdout)."),
    force: bool = typer.Option(False, "--force", "-f", help="Replace FILE if it exists."),
) -> None:
    """Write your progress and every answer to FILE, to import on another machine."""
    from tutor.errors import BadInput

    if not file.strip():
        raise BadInput("FILE is empty: give a file name, or - for standard output")
    store, warnings = _open()
    try:
        if file == "-":
            from tutor.progress.codec import dumps

            sys.stdout.buffer.write(dumps(store.snapshot()))
            sys.stdout.flush()
            return
        _export_to(store, file, force)
    finally:
        warnings.flush()


def _read_stdin() -> bytes:
    from tutor.progress.transfer import MAX_IMPORT_BYTES

    return bytes(sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1))


@progress_app.command("import")
def import_(
    file: str = typer.Argument(..., metavar="FILE", help="An export or progress.json ('-': stdin)."),
) -> None:
    """Merge progress from FILE into yours (importing the same file twice changes nothing)."""
    from tutor.errors import BadInput
    from tutor.progress.files import text_of

    if not file.strip():
        raise BadInput("FILE is empty: give a file name, or - for standard input")
    store, warnings = _open()
    try:
        if file == "-":
            result = store.import_bytes(_read_stdin(), "standard input")
        else:
            result = store.import_file(Path(file).expanduser())
        if not result.saved:
            raise warnings.failure("imported")
        name = "standard input" if file == "-" else text_of(file)
        if result.answers_added or result.lessons_changed:
            typer.echo(f"Imported {name}: {result.answers_added} new answer(s), "
                       f"{result.lessons_changed} lesson(s) updated.")
        else:
            typer.echo(f"Imported {name}: nothing new (it was already merged).")
    finally:
        warnings.flush()


def register(app: typer.Typer) -> None:
    """Attach the progress command group."""
    app.add_typer(progress_app, name="progress", rich_help_panel="Progress")
