"""Find anything from the command palette (ctrl+p): a lesson by number, id or title words, and
any passage of the lessons or of the hand-written questions (`tutor.curriculum.search`).

The index is built once per app, in a thread worker, when the palette first opens (the
question banks are files); a search typed before it is ready waits for it, and every later
keystroke only scans the index in memory (a few milliseconds over the whole course:
benchmarks/bench_find.py). Each hit shows where it is and the matching passage, cut to the
screen's width with the match highlighted. Choosing a lesson opens it and scrolls to the block
holding the match (`LessonScreen.show_block`); choosing a question opens a quiz of that one
question over the screen underneath (Esc comes back).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.style import Style

from tutor.curriculum.catalog import Catalog
from tutor.curriculum.passages import QuestionText, snippet
from tutor.curriculum.search import Found, Index
from tutor.explain.model import Note
from tutor.quiz.model import Question
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.quiz import QuizScreen
from tutor.tui.threads import gated

#: The palette's options are the screen's width less their padding and the scroll bar.
MARGIN = 8
PLACEHOLDER = "Find a lesson (19, kl), words in any lesson or question, or a command…"
SNIPPET_STYLE = "dim not bold"


def question_text(question: Question) -> QuestionText:
    """What the index searches in a hand-written question: prompt, options, explanation."""
    notes = " ".join(item.text for item in question.solution.items() if isinstance(item, Note))
    return QuestionText(question.id, question.lesson, question.prompt, question.options, notes)


@dataclass(frozen=True)
class Built:
    """The index, the questions it can open, and why some could not be searched."""

    index: Index
    questions: dict[str, Question] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def build_index(catalog: Catalog) -> Built:
    """Read the question banks and index them with every written lesson (in a thread)."""
    from tutor.quiz.bank import load_banks

    try:
        loaded = load_banks()
        questions = list(loaded.questions)
        problems = [str(problem) for problem in loaded.problems]
    except Exception as error:  # unreadable banks: the lessons can still be searched
        questions, problems = [], [f"the questions could not be read ({type(error).__name__}: {error})"]
    index = Index(catalog.lessons, [question_text(question) for question in questions])
    return Built(index, {question.id: question for question in questions}, tuple(problems))


class Finder:
    """One app's index: built on first use in a thread worker, then kept."""

    def __init__(self, app: App[Any], catalog: Catalog) -> None:
        self.app = app
        self.catalog = catalog
        self.built: Built | None = None
        self.told = False  # the problems have been shown
        self._ready: asyncio.Event | None = None

    def start(self) -> None:
        """Begin building, unless it has begun (returns at once)."""
        if self._ready is not None:
            return
        self._ready = asyncio.Event()
        loop = asyncio.get_running_loop()
        self.app.run_worker(gated(partial(self._build, loop, self._ready)), thread=True, group="find-index",
                            exit_on_error=False, description="indexing the course for ctrl+p")

    def _build(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Event) -> None:
        try:
            built = build_index(self.catalog)
        except Exception as error:  # a lesson the indexer trips on: titles and numbers still work
            built = Built(Index(()), problems=(f"the course could not be indexed ({type(error).__name__}: {error})",))
        self.built = built
        try:
            loop.call_soon_threadsafe(ready.set)
        except RuntimeError:  # the app has closed meanwhile
            pass

    async def index(self) -> Built:
        """The index, waiting for it the first time (a cancelled search leaves the build going)."""
        self.start()
        assert self._ready is not None
        await self._ready.wait()
        assert self.built is not None
        return self.built


_FINDERS: WeakKeyDictionary[App[Any], Finder] = WeakKeyDictionary()


def finder_for(app: App[Any]) -> Finder | None:
    """The app's finder (None for an app without a course)."""
    finder = _FINDERS.get(app)
    if finder is None:
        catalog = getattr(app, "catalog", None)
        if not isinstance(catalog, Catalog):
            return None
        finder = _FINDERS[app] = Finder(app, catalog)
    return finder


# -- drawing a hit -------------------------------------------------------------------------


def _highlighted(text: str, spans: tuple[tuple[int, int], ...], match: Style | str, base: Style | str = "") -> Content:
    content = Content(text)
    if base:
        content = content.stylize(base)
    for start, end in spans:
        if end > start:
            content = content.stylize(match, start, end)
    return content


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def where_line(found: Found) -> str:
    """The first line of a passage hit: the lesson (or question) and the place in it."""
    doc, unit = found.doc, found.unit
    if doc.kind == "question":
        lesson = f" · lesson {doc.number}, {doc.title}" if doc.number else ""
        return f"Question {doc.id}{lesson}"
    place = f" · {unit.label}" if unit is not None and unit.label else ""
    return f"Lesson {doc.number} · {doc.title}{place}"


def hit_prompt(found: Found, width: int, match: Style | str = "bold underline") -> tuple[Content, str]:
    """What the palette shows for `found` at `width` columns, and it as plain text."""
    if found.unit is None:  # a lesson by its number or title
        lead = f"Lesson {found.doc.number} · "
        spans = tuple((start + len(lead), end + len(lead)) for start, end in found.spans)
        line = _fit(lead + found.text, width)
        return _highlighted(line, spans, match), line
    head = _fit(where_line(found), width)
    text, spans = snippet(found.text, found.spans, width)
    body = _highlighted(text, spans, match, SNIPPET_STYLE)
    return Content(head).append("\n").append(body), head


# -- what choosing a hit does --------------------------------------------------------------


async def open_lesson(app: App[Any], lesson_id: str, block: int | None = None, step: int | None = None,
                      at: float = 0.0) -> None:
    """Go to the lessons (leaving a quiz or the help) and show `block` of lesson `lesson_id`."""
    catalog = getattr(app, "catalog", None)
    slot = next((s for s in catalog.slots if s.id == lesson_id), None) if isinstance(catalog, Catalog) else None
    if slot is None or not slot.written:
        app.notify("That lesson is no longer in the course.", severity="warning", timeout=4)
        return
    if app.current_mode != "lesson":
        await app.switch_mode("lesson")
    while len(app.screen_stack) > 1 and not isinstance(app.screen, LessonScreen):
        await app.pop_screen()
    screen = app.screen
    if isinstance(screen, LessonScreen):
        screen.show_block(slot, block, step, at)


async def open_question(app: App[Any], question: Question) -> None:
    """A quiz of this one question, over whatever the learner was reading."""
    from tutor.quiz.session import Item
    from tutor.quiz.session import Session as QuizSession

    record = getattr(app, "record_answer", None)
    session = QuizSession([Item(question.id, question.pillar, question.lesson, question=question)], seed=0)
    await app.push_screen(QuizScreen(session, record, f"question {question.id}"))


# -- the provider --------------------------------------------------------------------------


class FindProvider(Provider):
    """Lessons by number, id or title, and words anywhere in the lessons and the questions."""

    async def startup(self) -> None:
        finder = finder_for(self.app)
        if finder is not None:
            finder.start()  # index while the learner types the first letters

    async def discover(self) -> Hits:
        """With nothing typed: every written lesson, in course order."""
        catalog = getattr(self.app, "catalog", None)
        if not isinstance(catalog, Catalog):
            return
        for slot in catalog.slots:
            if slot.written:
                text = f"Lesson {slot.number} · {slot.title}"
                yield DiscoveryHit(text, partial(open_lesson, self.app, slot.id), text=text)

    async def search(self, query: str) -> Hits:
        finder = finder_for(self.app)
        if finder is None:
            return
        built = await finder.index()
        if built.problems and not finder.told:
            finder.told = True
            more = f" (and {len(built.problems) - 1} more)" if len(built.problems) > 1 else ""
            self.app.notify(f"{built.problems[0]}{more}; ctrl+p searches the rest.", severity="warning", timeout=10)
        width = max(20, self.app.size.width - MARGIN)
        match = self.match_style or "bold underline"
        hits = built.index.search(query)
        for rank, found in enumerate(hits):
            prompt, text = hit_prompt(found, width, match)
            yield Hit(max(0.01, found.tier / 100 - rank * 1e-4), prompt, self._command(found, built), text=text)

    def _command(self, found: Found, built: Built) -> partial[Any]:
        if found.doc.kind == "question":
            return partial(open_question, self.app, built.questions[found.doc.id])
        unit = found.unit
        if unit is None:
            return partial(open_lesson, self.app, found.doc.id)
        return partial(open_lesson, self.app, found.doc.id, unit.block, unit.step, unit.at)
