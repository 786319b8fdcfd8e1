"""`llmtutor calc`: calculators on the learner's own numbers, one module per pillar."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup


class _PillarPanels(TyperGroup):
    """`calc --help` groups the calculators under their pillars' titles as the course plan
    spells them. The plan (a TOML file) is read only when that help is drawn, not on every
    calculation."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        titles = pillar_titles()
        for name, command in self.commands.items():
            pillar = PILLAR_OF.get(name)
            if pillar is not None:
                command.rich_help_panel = titles.get(pillar, pillar)  # type: ignore[attr-defined]
        super().format_help(ctx, formatter)


calc_app = typer.Typer(
    name="calc",
    cls=_PillarPanels,
    no_args_is_help=True,
    help="Calculators on your own numbers or real model output (--json for scripts).",
)

#: Each calculator's pillar: `calc --help` groups them under the pillar's title in the course plan.
PILLAR_OF = {
    "matmul": "linear-algebra", "attention": "linear-algebra", "eigen": "linear-algebra",
    "svd": "linear-algebra", "lora": "linear-algebra",
    "softmax-jacobian": "calculus", "ce-grad": "calculus", "layernorm-grad": "calculus",
    "softmax": "probability", "sample": "probability", "expectation": "probability",
    "mle": "probability", "bayes": "probability",
    "entropy": "information-theory", "cross-entropy": "information-theory", "kl": "information-theory",
    "mutual-information": "information-theory", "compression": "information-theory",
    "perplexity": "information-theory",
    "adam": "optimization", "lr-schedule": "optimization",
}


def pillar_titles() -> dict[str, str]:
    """Pillar id -> title as the course spells it (a damaged plan falls back to the ids)."""
    from tutor.errors import ContentError
    from tutor.plan import load_plan

    try:
        return {pillar.id: pillar.title for pillar in load_plan().pillars}
    except ContentError:
        return {}


def register(app: typer.Typer) -> None:
    """Attach the calc command group and all its calculators (help puts each in its pillar's panel)."""
    from tutor.cli.calc import calculus, information, linear, optimization, perplexity, probability

    for module in (linear, calculus, probability, information, perplexity, optimization):
        module.register(calc_app)
    app.add_typer(calc_app, name="calc", rich_help_panel="Practice")
