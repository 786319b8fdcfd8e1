"""`llmtutor learn`: start the Textual tutor."""

from __future__ import annotations

import typer


def learn(
    lesson: str = typer.Argument(None, help="Open this lesson (number, id or prefix); default: where you left off."),
) -> None:
    """Open the interactive tutor (F1 inside for keys)."""
    import sys

    from tutor import startup_gc

    startup_gc.pause()  # the app's start-up, until the first lesson is painted (TutorApp)
    try:
        from tutor.cli.lessons import load_catalog_reporting, written_slot

        catalog = load_catalog_reporting()
        start = written_slot(catalog, lesson) if lesson else None
        if not in_a_terminal():
            from tutor.errors import BadInput

            raise BadInput("learn needs a terminal, and standard input or output is not one here: "
                           "'llmtutor show LESSON' prints a lesson as text, 'llmtutor quiz TOPIC --plain' "
                           "asks questions line by line")
        from tutor.tui.app import TutorApp
        from tutor.tui.progress_recorder import open_recorder

        app = TutorApp(catalog, recorder=open_recorder(), start=start)
        app.run()
    finally:
        startup_gc.resume()
    if app.unsaved:
        sys.stderr.write(f"llmtutor: warning: {app.unsaved} progress update(s) could not be saved before exit\n")


def in_a_terminal() -> bool:
    """Whether standard input and output are a terminal: a full-screen app written into a
    file or fed from one would fill it with escape codes and wait for keys that never come."""
    import sys

    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()


def register(app: typer.Typer) -> None:
    """Attach `learn`."""
    app.command("learn", rich_help_panel="Learn")(learn)
