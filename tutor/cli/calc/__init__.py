"""`llmtutor calc`: calculators on the learner's own numbers, one module per pillar."""

from __future__ import annotations

import typer

calc_app = typer.Typer(
    name="calc",
    no_args_is_help=True,
    help="Calculators on your own numbers or real model output (--json for scripts).",
)


def register(app: typer.Typer) -> None:
    """Attach the calc command group and all its calculators."""
    from tutor.cli.calc import calculus, information, linear, optimization, perplexity, probability

    for module in (linear, calculus, probability, information, perplexity, optimization):
        module.register(calc_app)
    app.add_typer(calc_app, name="calc", rich_help_panel="Practice")
