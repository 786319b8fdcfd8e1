"""`python -m tutor` does what the `llmtutor` console script does."""

from __future__ import annotations

from tutor.cli.app import main

if __name__ == "__main__":
    try:
        main()
    finally:
        # CPython 3.11 marks a KeyboardInterrupt that leaves `exec(<a string>)` as unhandled
        # even when it is caught later (dataclasses compile their methods so, and llmtutor
        # compiles them on first use: a Ctrl-C can land there), and under `python -m` the
        # process then kills itself with SIGINT at exit instead of exiting 130. The next
        # `exec` of a string clears that mark; a KeyboardInterrupt really left unhandled
        # marks it again on its way out.
        exec("")
