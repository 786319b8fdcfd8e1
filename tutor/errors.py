"""Exceptions whose message is written for the learner, not for a developer.

The CLI prints ``str(error)`` as one line on stderr and exits with ``exit_code``;
anything a user or a content author can cause must surface as one of these.
"""

from __future__ import annotations


class TutorError(Exception):
    """A problem the learner can act on; the message says what to fix."""

    exit_code = 1


class BadInput(TutorError):
    """The user's input (an option, a file, a value) is malformed."""

    exit_code = 2


class UnknownLesson(BadInput):
    """No lesson matches what the user typed."""


class ContentError(TutorError):
    """A lesson or question bank file is malformed (reported as file:line: message)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")
