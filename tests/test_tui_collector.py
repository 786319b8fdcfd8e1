"""Full garbage collections stay short, and the long one runs between keys: what exists is
frozen at start and after each full collection, garbage frozen meanwhile is freed when the
learner is idle, and the interpreter is left as it was found when the app stops."""

from __future__ import annotations

import gc

import pytest

import tutor.tui.collector as collector
from tutor.tui.collector import DUE, IDLE, OVERDUE, PAUSE, SPACING, IdleCollector


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(collector.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def running(clock: list[float]):
    callbacks = list(gc.callbacks)
    idle = IdleCollector()
    idle.start()
    yield idle
    idle.stop()
    assert gc.callbacks == callbacks and gc.get_freeze_count() == 0


def test_start_freezes_what_exists(running: IdleCollector) -> None:
    assert gc.get_freeze_count() > 0


def test_a_full_collection_python_runs_by_itself_leaves_what_it_kept_frozen(running: IdleCollector) -> None:
    kept = [[index] for index in range(1000)]  # tracked objects made after start
    frozen = gc.get_freeze_count()
    gc.collect(1)
    assert gc.get_freeze_count() == frozen  # a young collection freezes nothing
    gc.collect(2)
    assert gc.get_freeze_count() >= frozen + len(kept)  # the next one will not traverse them
    assert len(gc.get_objects()) < len(kept)


def test_a_full_collection_waits_for_the_learner_to_be_idle(running: IdleCollector, clock: list[float]) -> None:
    clock[0] += SPACING + 1
    running.touch()
    clock[0] += IDLE / 2
    assert not running.tick() and running.collections == 0  # a key was pressed a moment ago
    clock[0] += IDLE
    assert running.tick() and running.collections == 1
    assert gc.get_freeze_count() > 0  # what survived is frozen again


def test_full_collections_are_spaced_out(running: IdleCollector, clock: list[float]) -> None:
    clock[0] += SPACING + IDLE
    assert running.tick()
    clock[0] += SPACING / 2
    assert not running.tick()
    clock[0] += SPACING / 2
    assert running.tick() and running.collections == 2


def test_an_idle_collection_frees_cycles_made_while_frozen(running: IdleCollector, clock: list[float]) -> None:
    class Node:
        pass

    def cycle() -> None:
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]

    gc.collect(1)  # the young generations: nothing older is looked at
    cycle()
    gc.freeze()  # as if the cycle had been frozen with everything else
    clock[0] += SPACING + IDLE
    found = []
    gc.callbacks.append(lambda phase, info: found.append(info.get("collected", 0)) if phase == "stop" else None)
    try:
        assert running.tick()
    finally:
        gc.callbacks.pop()
    assert sum(found) >= 2  # the two nodes were unfrozen and collected


def test_python_runs_a_full_collection_itself_only_when_long_overdue(clock: list[float]) -> None:
    before = gc.get_threshold()
    idle = IdleCollector()
    idle.start()
    try:
        assert gc.get_threshold() == (*before[:2], OVERDUE)
    finally:
        idle.stop()
    assert gc.get_threshold() == before


def _young_collections(count: int) -> None:
    """`count` generation-1 collections: each counts towards the next full one."""
    for _ in range(count):
        gc.collect(1)


def test_a_due_full_collection_runs_in_a_pause_between_keys(running: IdleCollector, clock: list[float]) -> None:
    _young_collections(DUE)
    frozen = gc.get_freeze_count()
    kept = [[index] for index in range(1000)]  # made since the last freeze
    running.touch()
    clock[0] += PAUSE / 2
    assert not running.tick() and running.short_collections == 0  # keys are coming
    clock[0] += PAUSE / 2
    assert running.tick() and running.short_collections == 1 and running.collections == 0
    assert gc.get_count()[2] == 0  # the count starts again
    assert gc.get_freeze_count() >= frozen + len(kept)  # what it kept is frozen: not traversed again


def test_no_full_collection_before_it_is_due(running: IdleCollector, clock: list[float]) -> None:
    gc.collect()  # the count of young collections starts at zero
    _young_collections(DUE - 1)
    clock[0] += PAUSE
    assert not running.tick() and running.short_collections == 0


def test_stop_without_start_changes_nothing() -> None:
    callbacks, frozen = list(gc.callbacks), gc.get_freeze_count()
    IdleCollector().stop()
    assert gc.callbacks == callbacks and gc.get_freeze_count() == frozen
