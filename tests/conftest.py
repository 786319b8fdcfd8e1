"""Shared fixtures. Tests never touch the real user's data folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def tmp_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point LLMTUTOR_HOME (progress.json and friends) at a fresh empty folder for every test."""
    home = tmp_path_factory.mktemp("llmtutor-home")
    monkeypatch.setenv("LLMTUTOR_HOME", str(home))
    return home
