"""`python -m tutor` does what the `llmtutor` console script does."""

from __future__ import annotations

from tutor.cli.app import main

if __name__ == "__main__":
    main()
