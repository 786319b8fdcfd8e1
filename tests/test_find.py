"""ctrl+p finds anything: ranking on the real course and banks, and the palette driven with Pilot
(type, Enter, land on the lesson's block or on the question's quiz)."""

from __future__ import annotations

import pytest
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from test_tui_learn import screen_text, settle
from tutor.curriculum.catalog import Catalog, load_catalog
from tutor.curriculum.model import Derivation, Lesson, Prose
from tutor.curriculum.passages import fold, snippet
from tutor.curriculum.search import LIMIT, PER_LESSON, Found, Index
from tutor.tui.app import TutorApp
from tutor.tui.find import Built, build_index, finder_for, hit_prompt
from tutor.tui.recorder import MemoryRecorder
from tutor.tui.screens.help import key_help
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.quiz import QuizScreen
from tutor.tui.widgets.lesson_view import LessonView

#: A phrase of step 6 of lesson 18's derivation, broken across two lines in the lesson file.
DERIVATION_PHRASE = "q puts no mass outside S"
#: From the prompt of information-theory/nats-to-bits.
QUESTION_PHRASE = "A training run prints a loss of 2.3"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def built(catalog: Catalog) -> Built:
    return build_index(catalog)


def top(built: Built, query: str) -> Found:
    hits = built.index.search(query)
    assert hits, f"nothing found for {query!r}"
    return hits[0]


def marked(found: Found) -> list[str]:
    return [found.text[start:end] for start, end in found.spans]


# -- ranking on the real course ------------------------------------------------------------


def test_a_lesson_number_comes_first(built: Built) -> None:
    for query in ("19", "lesson 19", " 19 "):
        found = top(built, query)
        assert (found.doc.kind, found.doc.number, found.unit) == ("lesson", 19, None)
    assert top(built, "5").doc.id == "attention-as-matrix-ops"


def test_title_words_and_id_prefixes_find_the_lesson(built: Built) -> None:
    assert top(built, "kl").doc.id == "kl-divergence"
    assert marked(top(built, "kl")) == ["KL"]
    found = top(built, "kl div")
    assert found.doc.id == "kl-divergence" and marked(found) == ["KL", "div"]
    assert top(built, "perp").doc.id == "perplexity"
    assert top(built, "svd-and-low-rank").doc.id == "svd-and-low-rank"
    assert top(built, "div kl").doc.id == "kl-divergence"  # any order
    assert top(built, "prplx").doc.id == "perplexity"  # letters in order


def test_titles_rank_above_passages_and_the_exact_title_first(built: Built) -> None:
    hits = built.index.search("entropy")
    assert [hit.doc.id for hit in hits[:3]] == ["entropy", "cross-entropy-loss", "softmax-cross-entropy-gradient"]
    assert all(hit.unit is None for hit in hits[:3]) and all(hit.unit is not None for hit in hits[3:])
    assert [hit.tier for hit in hits] == sorted((hit.tier for hit in hits), reverse=True)


def test_a_phrase_of_a_derivation_finds_its_lesson_step_and_line(built: Built) -> None:
    found = top(built, DERIVATION_PHRASE.lower())
    assert found.doc.id == "kl-divergence" and found.unit is not None
    assert (found.unit.kind, found.unit.step) == ("step", 6)
    assert "derivation 'D(p‖q) ≥ 0" in found.unit.label and found.unit.label.endswith("step 6")
    assert marked(found) == [DERIVATION_PHRASE]  # across the line break of the file
    block = found.unit.block
    lesson = next(lesson for lesson in load_catalog().lessons if lesson.id == "kl-divergence")
    assert block is not None and isinstance(lesson.blocks[block], Derivation)


def test_symbols_and_hyphens_are_folded(built: Built) -> None:
    found = top(built, "p||q")
    assert "p‖q" in marked(found)
    assert any(text.lower() == "cross-entropy" for hit in built.index.search("cross entropy") for text in marked(hit))
    assert fold("x̂ Σ")[0] == "x σ"


def test_a_question_phrase_finds_the_question(built: Built) -> None:
    found = top(built, QUESTION_PHRASE)
    assert (found.doc.kind, found.doc.id) == ("question", "information-theory/nats-to-bits")
    assert found.unit is not None and found.unit.kind == "prompt"
    assert marked(found) == [QUESTION_PHRASE]
    assert found.doc.number == 16  # its lesson, shown beside it
    explained = top(built, "1.4427 bits")  # from its explanation
    assert explained.doc.id == "information-theory/nats-to-bits" and explained.unit is not None
    assert explained.unit.kind == "explanation"
    assert top(built, "nats-to-bits").doc.id == "information-theory/nats-to-bits"  # by its id


def test_hits_are_capped_per_lesson_per_question_and_in_all(built: Built) -> None:
    hits = built.index.search("the")
    assert len(hits) == LIMIT
    passages: dict[str, int] = {}
    for hit in hits:
        if hit.unit is not None:
            passages[hit.doc.id] = passages.get(hit.doc.id, 0) + 1
    assert max(passages.values()) <= PER_LESSON
    assert all(count == 1 for doc_id, count in passages.items() if "/" in doc_id)
    assert built.index.search("") == [] and built.index.search("zzzz nothing is called this") == []
    assert all(hit.unit is None for hit in built.index.search("e"))  # one letter: titles only


# -- ranking rules on a made-up course -------------------------------------------------------


def lesson(number: int, title: str, *paragraphs: str) -> Lesson:
    blocks = tuple(Prose(paragraph, 10 * index) for index, paragraph in enumerate(paragraphs))
    return Lesson(f"lesson-{number}", number, "pillar", title, (), (), blocks, "made-up.md")


def test_whole_words_beat_word_starts_beat_substrings_and_earlier_lessons_come_first() -> None:
    index = Index([
        lesson(1, "One", "abnormal numbers here", "the norm again"),
        lesson(2, "Two", "normalise first"),
        lesson(3, "Three", "a norm of a vector"),
    ])
    places = [(hit.doc.number, hit.text, marked(hit)) for hit in index.search("norm")]
    assert places == [
        (1, "the norm again", ["norm"]), (3, "a norm of a vector", ["norm"]),  # whole words, in course order
        (2, "normalise first", ["norm"]),  # the start of a word
        (1, "abnormal numbers here", ["norm"]),  # inside a word
    ]


def test_in_a_lesson_headings_come_first_then_the_earlier_place() -> None:
    index = Index([lesson(1, "One", "what the gradient says", "## Gradient", "then the gradient again")])
    texts = [hit.text for hit in index.search("gradient")]
    assert texts == ["Gradient", "what the gradient says", "then the gradient again"]


# -- what a hit looks like -------------------------------------------------------------------


def test_snippet_cuts_around_the_match_and_moves_the_spans() -> None:
    text = "word " * 30 + "the needle is here" + " tail" * 30
    start = text.index("needle")
    shown, spans = snippet(text, [(start, start + 6)], 40)
    assert len(shown) == 40 and shown.startswith("…") and shown.endswith("…")
    assert [shown[a:b] for a, b in spans] == ["needle"]
    assert snippet("short", [(0, 5)], 40) == ("short", ((0, 5),))


def test_a_hit_fits_the_width_and_highlights_the_match(built: Built) -> None:
    found = top(built, DERIVATION_PHRASE)
    for width in (30, 72, 150):
        prompt, text = hit_prompt(found, width, "bold underline")
        lines = prompt.plain.split("\n")
        assert len(lines) == 2 and all(len(line) <= width for line in lines)
        assert text == lines[0] and lines[0].startswith("Lesson 18 · KL divergence")
        highlighted = [prompt.plain[span.start:span.end] for span in prompt.spans if span.style == "bold underline"]
        assert highlighted and DERIVATION_PHRASE.startswith(highlighted[0].rstrip("…"))
    title, _ = hit_prompt(top(built, "19"), 72)
    assert title.plain == "Lesson 19 · Perplexity"


# -- the palette, driven ------------------------------------------------------------------


async def find(app: TutorApp, pilot: Pilot[None], query: str) -> list[str]:
    """Open the palette, type `query`, wait for its hits; the hits' first lines, best first."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query[:2])  # typed; the rest arrives as a paste would (each key costs a search)
    if query[2:]:
        app.screen.query_one(CommandInput).insert_text_at_cursor(query[2:])
    await app.workers.wait_for_complete()
    await pilot.pause()
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(index).prompt).split("\n")[0] for index in range(options.option_count)]


def view_lines(app: TutorApp) -> list[str]:
    """The lines of the lesson pane as they are on screen now."""
    view = app.screen.query_one(LessonView)
    region = view.region
    strips = app.screen._compositor.render_strips()
    return [strip.text[region.x:region.right] for strip in strips[region.y:region.bottom]]


async def test_ctrl_p_goes_to_the_block_of_a_phrase_and_to_a_derivation_step(catalog: Catalog) -> None:
    app = TutorApp(catalog)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        finder = finder_for(app)
        assert finder is not None and finder.built is None  # nothing is indexed until ctrl+p
        hits = await find(app, pilot, "never negative")
        assert finder.built is not None and hits[0] == "Lesson 18 · KL divergence"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current is not None and app.current.number == 18
        lines = view_lines(app)
        assert any("Never negative: Gibbs' inequality" in line for line in lines[:4]), "\n".join(lines)

        hits = await find(app, pilot, DERIVATION_PHRASE)
        assert hits[0].startswith("Lesson 18 · KL divergence · derivation")
        await pilot.press("enter")
        await settle(app, pilot)
        lines = view_lines(app)
        assert "Derivation · D(p‖q) ≥ 0" in "".join(lines[:3]), "\n".join(lines)
        assert "It is in step 6 of this derivation;" in await screen_text(pilot)  # the toast wraps at 80
        assert any(row.action == "command_palette" and row.keys == "^p" and row.description == "Find"
                   for row in key_help(app.screen))


async def test_ctrl_p_opens_a_question_in_a_quiz_and_a_lesson_from_that_quiz(catalog: Catalog) -> None:
    recorder = MemoryRecorder()
    app = TutorApp(catalog, recorder)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        hits = await find(app, pilot, QUESTION_PHRASE)
        assert hits[0].startswith("Question information-theory/nats-to-bits · lesson 16")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QuizScreen)
        shown = await screen_text(pilot)
        assert "information-theory/nats-to-bits" in shown and "A training run prints a loss of 2.3" in shown
        app.screen.query_one("#quiz-answer", Input).value = "3.32"
        await pilot.press("enter")
        await pilot.pause()
        assert app.writer.flush(2)
        assert [(answer.question_id, answer.correct) for answer in recorder.answers] == \
            [("information-theory/nats-to-bits", True)]  # answered like any quiz question: recorded
        hits = await find(app, pilot, "19")
        assert hits[0] == "Lesson 19 · Perplexity"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and len(app.screen_stack) == 1  # the quiz is left
        assert app.current is not None and app.current.number == 19
