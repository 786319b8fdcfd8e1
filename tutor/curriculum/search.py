"""Finding anything in the course: a lesson by number, id or title words, and any passage of
the lessons (prose, formulas, derivation steps, errata, playgrounds) or of the hand-written
questions (prompt, options, explanation). Pure Python: the TUI's command palette
(`tutor.tui.find`) draws what `Index.search` returns. The passages and the folding that makes
`kl` find "KL" and `p||q` find "D(p‖q)" are in `tutor.curriculum.passages`.

Ranking, best first: the lesson with that number; a lesson whose id or title is the query; a
lesson whose title words start with the query's words; a title containing the query; a title
holding the query's letters in order (fuzzy); a question by its id; then passages: a phrase as
whole words above a phrase at a word's start above a phrase inside a word above the query's
words scattered through one passage, and, at equal footing, headings and titles of blocks above
their body text. Ties go to the earlier lesson, then the earlier place in it (a question ranks
just after its lesson). At most `PER_LESSON` passages of a lesson, one of a question, `LIMIT`
hits in all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from tutor.curriculum.model import Lesson
from tutor.curriculum.passages import (
    Doc, QuestionText, Span, Unit, clean, fold, fold_query, lesson_units, question_units,
)

LIMIT = 50
PER_LESSON = 3
#: Passages are searched from this many characters of query on (one letter finds titles only).
MIN_BODY = 2
#: Characters of a query that count (a paste of a page searches for its opening).
MAX_QUERY = 120
#: How much a passage's kind adds at equal match quality (block titles above body text).
KIND_WEIGHT = {"heading": 3, "derivation": 3, "caption": 3, "playground": 3, "question-id": 3, "objective": 2,
               "prompt": 2, "erratum": 1, "step": 1, "formula": 1}
#: Tiers. Titles: 100 number, 95 exact, 86-90 title words, 80-84 title substring, 70-75 fuzzy,
#: 65 a question's exact id. Passages: BODY + 12 whole words / + 8 word start / + 4 inside a
#: word / + 0 words apart, + KIND_WEIGHT.
BODY = 40.0
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Found:
    """One hit: `spans` (in `text`) are what matched. `unit` is None for a lesson's title."""

    doc: Doc
    tier: float
    text: str
    spans: tuple[Span, ...]
    unit: Unit | None = None


@dataclass(frozen=True)
class _Title:
    """A lesson's title and id, folded, with the spans of their words."""

    doc: Doc
    key: str
    where: tuple[int, ...] | None
    words: tuple[Span, ...]
    id_key: str
    id_words: tuple[str, ...]


def _title(doc: Doc) -> _Title:
    key, where = fold(doc.title)
    words = tuple(match.span() for match in _WORD.finditer(key))
    id_key = fold(doc.id)[0]
    return _Title(doc, key, where, words, id_key, tuple(_WORD.findall(id_key)))


class _Query:
    """A folded query, its words, and the patterns that grade a phrase hit: whole words (12),
    the start of a word (8), anywhere (4); its words scattered through a passage are 0. A query
    that begins or ends with a symbol counts as bounded there."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = text.split()
        literal = re.escape(text)  # first, so that re scans for it fast; the boundaries after it
        opens = rf"(?<![^\W_]{literal})" if text[:1].isalnum() else ""
        closes = r"(?![^\W_])" if text[-1:].isalnum() else ""
        self.whole = re.compile(literal + opens + closes)
        self.opening = re.compile(literal + opens)

    def grades(self, keys: Sequence[str]) -> Iterator[tuple[int, int]]:
        """(position, grade) of every key that matches: the cheap `in` test for all of them,
        the patterns for those that pass it."""
        whole, opening, text = self.whole.search, self.opening.search, self.text
        for position in [position for position, key in enumerate(keys) if text in key]:
            key = keys[position]
            yield position, 12 if whole(key) else 8 if opening(key) else 4
        if len(self.words) > 1:
            first = max(self.words, key=len)  # the longest word is the rarest, as a rule: filter on it
            rest = [word for word in self.words if word is not first]
            for position in [position for position, key in enumerate(keys) if first in key and text not in key]:
                if all(word in keys[position] for word in rest):
                    yield position, 0

    def spans(self, key: str, grade: int) -> tuple[Span, ...]:
        """Where in `key` the match of that grade is (the first one)."""
        if grade > 0:
            match = (self.whole if grade == 12 else self.opening if grade == 8 else None)
            found = match.search(key) if match is not None else None
            start = found.start() if found is not None else key.find(self.text)
            return ((start, start + len(self.text)),)
        return tuple(sorted((start, start + len(word)) for word in self.words if (start := key.find(word)) >= 0))


def _names(key: str, text: str) -> bool:
    """Whether `text` is the question id `key`, or its part after the pillar."""
    return key == text or key.endswith("/" + text)


def _title_words(title: _Title, words: Sequence[str]) -> tuple[Span, ...] | None:
    """Spans of title words that the query's words start, each used once, in any order; None
    unless every query word starts a title word (or a word of the id)."""
    spans: list[Span] = []
    used: set[int] = set()
    if not words:
        return None
    for word in words:
        index = next((i for i, (s, e) in enumerate(title.words) if i not in used and title.key.startswith(word, s)
                      and len(word) <= e - s), None)
        if index is not None:
            used.add(index)
            start = title.words[index][0]
            spans.append((start, start + len(word)))
        elif not any(part.startswith(word) for part in title.id_words):
            return None
    return tuple(sorted(spans))


def _fuzzy(key: str, query: str) -> tuple[Span, ...] | None:
    """The query's letters in order in `key` (spaces ignored), each as early as possible."""
    spans: list[Span] = []
    position = 0
    for char in query.replace(" ", ""):
        found = key.find(char, position)
        if found < 0:
            return None
        if spans and spans[-1][1] == found:
            spans[-1] = (spans[-1][0], found + 1)
        else:
            spans.append((found, found + 1))
        position = found + 1
    return tuple(spans)


def _title_match(title: _Title, query: str, words: Sequence[str]) -> tuple[float, tuple[Span, ...]] | None:
    doc, key = title.doc, title.key
    if query in (str(doc.number), f"lesson {doc.number}"):
        return 100.0, ()
    if query in (key, title.id_key):
        return 95.0, ((0, len(key)),)
    letters = max(1, sum(end - start for start, end in title.words))
    spans = _title_words(title, words)
    if spans is not None:
        covered = sum(end - start for start, end in spans) / letters
        first = 1.0 if spans and title.words and spans[0][0] == title.words[0][0] else 0.0
        return 86.0 + 3.0 * min(1.0, covered) + first, spans
    start = key.find(query)
    if start >= 0:
        return 80.0 + 4.0 * len(query) / max(1, len(key)), ((start, start + len(query)),)
    if len(query) >= 3 and (fuzzy := _fuzzy(key, query)) is not None:
        reach = fuzzy[-1][1] - fuzzy[0][0]
        return 70.0 + 5.0 * len(query.replace(" ", "")) / max(1, reach) - 0.5 * len(fuzzy), fuzzy
    return None


def _shown_spans(title: _Title, spans: Iterable[Span]) -> tuple[Span, ...]:
    if title.where is None:
        return tuple(spans)
    where = title.where
    return tuple((where[start], where[end - 1] + 1) for start, end in spans if end > start)


class Index:
    """Every lesson and hand-written question, cut into passages and folded once; `search` is
    then a scan of a few thousand short strings."""

    def __init__(self, lessons: Iterable[Lesson], questions: Iterable[QuestionText] = ()) -> None:
        self.docs: list[Doc] = []
        self.units: list[Unit] = []
        self.titles: list[_Title] = []
        self.prompts: dict[str, str] = {}  # a question's prompt, shown under a hit on its id
        lessons = sorted(lessons, key=lambda item: item.number)
        numbers = {lesson.id: (lesson.number, lesson.title) for lesson in lessons}
        for lesson in lessons:
            doc = Doc("lesson", lesson.id, lesson.number, lesson.title, lesson.number * 10_000)
            self.docs.append(doc)
            self.titles.append(_title(doc))
            self.units += lesson_units(lesson, doc)
        for position, question in enumerate(questions, start=1):
            number, title = numbers.get(question.lesson, (0, ""))
            doc = Doc("question", question.id, number, title, number * 10_000 + position)
            self.prompts[question.id] = clean(question.prompt)
            self.docs.append(doc)
            self.units += question_units(question, doc)
        self.keys = [unit.key for unit in self.units]
        self._base = [BODY + KIND_WEIGHT.get(unit.kind, 0) for unit in self.units]

    def search(self, query: str, limit: int = LIMIT) -> list[Found]:
        """The hits for `query`, best first (see the module's docstring for the order)."""
        text = fold_query(query)[:MAX_QUERY].strip()
        if not text:
            return []
        parsed = _Query(text)
        ranked: list[tuple[float, int, int, int, int]] = []  # (-tier, doc order, place, title or unit, grade)
        for position, title in enumerate(self.titles):
            match = _title_match(title, text, parsed.words)
            if match is not None:
                ranked.append((-match[0], title.doc.order, -1, position, -1))
        if len(text) >= MIN_BODY:
            units, base = self.units, self._base
            for position, grade in parsed.grades(self.keys):
                unit = units[position]
                tier = 65.0 if unit.kind == "question-id" and _names(unit.key, text) else base[position] + grade
                ranked.append((-tier, unit.doc.order, unit.order, position, grade))
        ranked.sort()
        return [self._found(entry, parsed) for entry in _capped(ranked, limit, self.units)]

    def _found(self, entry: tuple[float, int, int, int, int], query: _Query) -> Found:
        tier, _, _, position, grade = entry
        if grade < 0:
            title = self.titles[position]
            match = _title_match(title, query.text, query.words)
            spans = _shown_spans(title, match[1]) if match is not None else ()
            return Found(title.doc, -tier, title.doc.title, spans)
        unit = self.units[position]
        if unit.kind == "question-id":  # show the question, not its id again
            return Found(unit.doc, -tier, self.prompts.get(unit.doc.id, unit.text), (), unit)
        spans = tuple(unit.shown(span) for span in query.spans(unit.key, grade))
        return Found(unit.doc, -tier, unit.text, spans, unit)


def _capped(ranked: Iterable[tuple[float, int, int, int, int]], limit: int,
            units: Sequence[Unit]) -> list[tuple[float, int, int, int, int]]:
    """The first `limit` entries, keeping `PER_LESSON` passages of a lesson, one of a question."""
    kept: list[tuple[float, int, int, int, int]] = []
    passages: dict[int, int] = {}
    for entry in ranked:
        if entry[4] >= 0:
            doc = units[entry[3]].doc
            seen = passages.get(doc.order, 0)
            if seen >= (PER_LESSON if doc.kind == "lesson" else 1):
                continue
            passages[doc.order] = seen + 1
        kept.append(entry)
        if len(kept) >= limit:
            break
    return kept

