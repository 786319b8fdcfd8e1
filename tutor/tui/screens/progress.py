"""The progress screen (g): per pillar, lessons done, quiz accuracy, reviews due and time spent.

The numbers are `llmtutor progress`'s (the same `tutor.progress` summary), plus reviews due
today and time per pillar. They are read in a worker (`ProgressReader.read`) when the screen
opens and each time it comes back into view (after a quiz or a review started here). The
table's cursor chooses a pillar for `q`; the last row, "All lessons", quizzes on everything.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from tutor.errors import error_detail, quote
from tutor.progress.completion import REQUIRED_RIGHT
from tutor.tui.messages import ProgressRead, QuizReady, ReviewRequested
from tutor.tui.overview import Overview, PillarRow, ProgressReader, clock
from tutor.tui.screens.quiz import QuizScreen, Record, lesson_quiz
from tutor.tui.screens.review import duration, nothing_due
from tutor.tui.widgets.released import ReleasedFooter
from tutor.tui.threads import thread_work

#: Questions in a quiz on a pillar (or on everything) started here.
PILLAR_COUNT = 10
#: The table's last row: the whole course (its quiz is `llmtutor quiz all`'s).
ALL = "all"
COLUMNS = (("Pillar", "pillar"), ("Lessons", "lessons"), ("Quiz right", "quiz"), ("Due now", "now"),
           ("Today", "today"), ("7 days", "week"), ("Time", "time"))
RULE = (f"A lesson is done when you have revealed every step of it and answered {REQUIRED_RIGHT} of its "
        "questions right, or when you press c on it.")


def bar(done: int, total: int) -> str:
    """Lessons done as one block each, legible without colour: `███░░`."""
    return "█" * done + "░" * max(0, total - done)


def accuracy(correct: int, answers: int) -> str:
    return f"{correct}/{answers} {correct / answers:.0%}" if answers else "—"


def row_cells(row: PillarRow | Overview) -> list[Text]:
    """One row of the table (a pillar, or the totals, in bold)."""
    total = isinstance(row, Overview)
    title, lessons = ("All lessons", f"{row.lessons_done}/{row.lessons_total}") if isinstance(row, Overview) else \
        (row.title, f"{bar(row.lessons_done, row.lessons_total)} {row.lessons_done}/{row.lessons_total}")
    cells = [Text(title), Text(lessons), Text(accuracy(row.correct, row.answers)),
             Text(str(row.due_now), style="bold" if row.due_now else ""), Text(str(row.due_today)),
             Text(str(row.due_week)), Text(duration(row.seconds))]
    for cell in cells:
        cell.no_wrap = True
        if total:
            cell.stylize("bold")
    return cells


def widest(rows: list[list[Text]]) -> list[int]:
    """Each column's widest entry, its header included, in terminal cells."""
    return [max(cell_len(label), *(row[i].cell_len for row in rows)) for i, (label, _) in enumerate(COLUMNS)]


def fit_titles(rows: list[list[Text]], width: int) -> None:
    """Shorten the first column with "…" so that the table fits `width` cells (each column has
    one cell of padding on either side)."""
    others = sum(column + 2 for column in widest(rows)[1:])
    room = max(8, width - others - 2)
    for row in rows:
        if row[0].cell_len > room:
            row[0].truncate(room, overflow="ellipsis")


def reviews_line(overview: Overview) -> Text:
    """What is due, or when the next review is."""
    now = clock()
    due = overview.due_at(now)
    if due:
        return Text.assemble((f"{due} review{'s' if due > 1 else ''} due now", "bold"),
                             " (r asks them, most overdue first).")
    return Text(nothing_due(overview.next_due(now), now))


class ProgressScreen(Screen[None]):
    """Where the learner stands: the course, pillar by pillar."""

    BINDING_GROUP_TITLE = "Progress"
    BINDINGS = [
        Binding("r", "review", "Review", tooltip="review the questions due, most overdue first"),
        Binding("q", "quiz", "Quiz pillar", tooltip="quiz me on the pillar chosen in the table (↑/↓)"),
        Binding("escape", "back", "Back", tooltip="back to where you were"),
    ]

    def __init__(self, reader: ProgressReader, record: Record | None = None) -> None:
        super().__init__()
        self.reader = reader
        self.record = record
        self.overview: Overview | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="progress-body"):
            yield Static(Text("Reading your progress…", style="dim"), id="progress-status")
            yield DataTable(id="progress-table", cursor_type="row", zebra_stripes=False)
            yield Static("", id="progress-reviews")
            yield Static(RULE, id="progress-rule")
            yield Static(Text("↑/↓ chooses a pillar · q quizzes on it · r reviews · Esc goes back", style="dim"),
                         id="progress-keys")
        yield ReleasedFooter()

    def on_mount(self) -> None:
        self.sub_title = "Progress"
        table = self.table
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self.overview is not None:  # back from a quiz: the numbers have moved
            self.load()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#progress-table", DataTable)

    @thread_work(exclusive=True, group="progress-read", exit_on_error=False)
    def load(self) -> None:
        """Read and sum up the learner's progress (the disk and the FSRS replay: a worker)."""
        try:
            self.post_message(ProgressRead(self.reader.read()))
        except Exception as error:  # unreadable progress: one line, the screen stays
            detail = error_detail(error)
            self.post_message(ProgressRead(None, f"Your progress could not be read ({detail})."))

    def on_progress_read(self, message: ProgressRead) -> None:
        """Show the numbers (the message goes on to the app, which updates the header)."""
        status = self.query_one("#progress-status", Static)
        if message.overview is None:
            status.update(Text(message.error, style="red"))
            return
        self.overview = overview = message.overview
        status.update(Text(f"Your progress · {overview.lessons_done} of {overview.lessons_total} lessons done",
                           style="bold"))
        self.fill()

    def fill(self) -> None:
        """The table and the reviews line, for the overview read last, at the screen's width."""
        overview = self.overview
        if overview is None:
            return
        rows = [*(row_cells(row) for row in overview.pillars), row_cells(overview)]
        fit_titles(rows, self.query_one("#progress-body").scrollable_content_region.width - 1)
        table = self.table
        chosen = table.cursor_row
        with self.app.batch_update():
            # Each column gets the width of its widest entry now, with the rows: left to the
            # table, the widths follow at its next idle moment, and a header drawn in between
            # stays drawn at the old width (Textual caches it until the table next changes).
            table.clear(columns=True)
            for (label, key), width in zip(COLUMNS, widest(rows)):
                table.add_column(label, key=key, width=width)
            for key, cells in zip([*(row.id for row in overview.pillars), ALL], rows):
                table.add_row(*cells, key=key)
            table.move_cursor(row=min(max(0, chosen), table.row_count - 1), animate=False)
            self.query_one("#progress-reviews", Static).update(reviews_line(overview))

    def on_resize(self) -> None:
        self.fill()

    # -- keys ----------------------------------------------------------------------------

    def action_review(self) -> None:
        self.post_message(ReviewRequested())

    def chosen_pillar(self) -> tuple[str, str]:
        """The pillar under the table's cursor (id, title), or everything."""
        if self.overview is None or self.table.cursor_row >= len(self.overview.pillars):
            return ALL, "all lessons"
        row = self.overview.pillars[self.table.cursor_row]
        return row.id, row.title

    def action_quiz(self) -> None:
        self.build_quiz(*self.chosen_pillar())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter on a row: its quiz
        self.action_quiz()

    @thread_work(exclusive=True, group="progress-quiz", exit_on_error=False)
    def build_quiz(self, topic: str, title: str) -> None:
        """Choose a pillar's questions off the event loop (the banks are files)."""
        try:
            quiz, problems = lesson_quiz(topic, PILLAR_COUNT)
        except Exception as error:  # unreadable banks: say so, the screen stays
            quiz, problems = None, [f"the quiz could not be loaded ({type(error).__name__}: {quote(str(error), 80)})"]
        self.post_message(QuizReady(quiz, title, f"There are no questions on {title} yet.", tuple(problems)))

    def on_quiz_ready(self, message: QuizReady) -> None:
        message.stop()
        if message.problems:
            self.notify(f"{message.problems[0]}; those questions are skipped.", severity="warning", timeout=10)
        if getattr(self.app, "closing", False) or not self.is_current:
            return  # the learner has moved on, or is quitting
        if message.quiz is None:
            self.notify(message.empty, timeout=5)
        else:
            self.app.push_screen(QuizScreen(message.quiz, self.record, message.title))

    async def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()
        else:
            await self.app.switch_mode("lesson")
