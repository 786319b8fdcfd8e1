"""`calc perplexity --tokens`: the token view on every payload shape, at 80 columns, piped (no
colour) and in colour, its JSON, and the entropy lower bound against hand computations."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tutor.calculators.token_surprise import explain_tokens
from tutor.cli.app import app
from tutor.errors import display_width
from tutor.explain.jsonable import worked_to_json
from tutor.explain.token_layout import layout
from tutor.explain.tokens import TokenText
from tutor.explain.model import Worked
from tutor.logprobs.analyse import Options
from tutor.logprobs.token_input import read_token_input
from tutor.render.worked import worked_renderable

DATA = Path(__file__).parent / "data" / "logprobs"
TOKEN_FILES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".json", ".jsonl", ".sse")
                     and p.name not in ("array.json", "rows.jsonl"))
PROBABILITY_FILES = {"llamacpp_post_sampling.json", "llamacpp_old_probs.json"}


def view(name: str, **options: Any) -> Worked:
    return explain_tokens(read_token_input(str(DATA / name), Options(**options)))


def drawn(worked: Worked, width: int = 80, colour: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, color_system="truecolor" if colour else None,
                      force_terminal=colour, no_color=False)
    console.print(worked_renderable(worked))
    return console.file.getvalue()  # type: ignore[attr-defined]


def token_text(worked: Worked) -> TokenText:
    return next(item for item in worked.items() if isinstance(item, TokenText))


def as_json(worked: Worked) -> dict[str, Any]:
    return json.loads(json.dumps(worked_to_json(worked), ensure_ascii=False, allow_nan=False))


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["calc", "perplexity", *args], env={"COLUMNS": "80"})


def hand_values(name: str) -> list[float]:
    """ln p of every scored token, walked from the file with plain loops (all sequences, in order)."""
    text = (DATA / name).read_text(encoding="utf-8")
    if name == "tokens.jsonl":
        return [json.loads(line)["logprob"] for line in text.splitlines() if line.strip()]
    doc = json.loads(text)
    if name in ("ollama_generate.json",):
        return [t["logprob"] for t in doc["logprobs"]]
    if name in ("openai_chat.json", "openai_chat_9999.json", "vllm_chat.json"):
        return [t["logprob"] for c in doc["choices"] for t in c["logprobs"]["content"]]
    if name == "llamacpp_post_sampling.json":
        return [math.log(t["prob"]) for t in doc["completion_probabilities"]]
    if name in ("openai_completions_echo.json", "vllm_completions.json"):
        return [v for v in doc["choices"][0]["logprobs"]["token_logprobs"] if v is not None]
    raise KeyError(name)


# --- every payload shape -----------------------------------------------------------------------


@pytest.mark.parametrize("name", TOKEN_FILES)
def test_every_shape_draws_at_80_columns_piped_with_one_mark_per_token(name: str) -> None:
    worked = view(name)
    text = drawn(worked)
    lines = text.splitlines()
    assert all(display_width(line) <= 80 for line in lines), max(lines, key=display_width)
    assert "\x1b" not in text
    item = token_text(worked)
    for paragraph in item.paragraphs:
        laid = layout(paragraph.cells, 80)
        assert sum(len(line.marks) - line.marks.count(" ") for line in laid) == len(paragraph.cells)
        shown = "".join(piece.text for c in paragraph.cells for piece in c.pieces)
        assert "".join(line.text for line in laid) == shown  # nothing lost or repeated by wrapping
        for line in laid:  # each line of text is followed by its line of marks
            at = lines.index(line.text)
            assert lines[at + 1].rstrip() == line.marks
    n = sum(len(seq.values) for seq in read_token_input(str(DATA / name), Options()).extracted.sequences)
    assert worked.value("n_tokens") == n and len(as_json(worked)["steps"]["tokens"]) == n


@pytest.mark.parametrize("name", ["ollama_generate.json", "openai_chat.json", "vllm_chat.json",
                                  "llamacpp_post_sampling.json", "openai_completions_echo.json",
                                  "vllm_completions.json", "tokens.jsonl"])
def test_surprise_and_the_top_list_match_the_file_walked_by_hand(name: str) -> None:
    values = hand_values(name)
    payload = as_json(view(name))
    tokens = payload["steps"]["tokens"]
    assert [t["logprob"] for t in tokens] == pytest.approx(values, rel=1e-12)
    assert [t["surprise"] for t in tokens] == pytest.approx([-v for v in values], rel=1e-12)
    order = sorted(range(len(values)), key=lambda i: (values[i], i))[:10]  # lowest ln p first, ties earlier
    assert [(t["position"], t["sequence"]) for t in payload["steps"]["most_surprising"]] == [
        (tokens[i]["position"], tokens[i]["sequence"]) for i in order]


def test_the_shipped_sample_joins_the_split_emoji_and_says_no_alternatives_were_listed() -> None:
    worked = explain_tokens(read_token_input(str(Path("content/data/gpt-4o-logprobs.json").resolve()), Options()))
    text = drawn(worked)
    assert "💙 Blue Heart" in text and "\\xf0" not in text.split("most surprising")[0]
    assert "lists no alternatives" in text and "a character split across tokens" in text
    emoji = next(c for p in token_text(worked).paragraphs for c in p.cells if c.pieces[0].text == "💙")
    assert emoji.tokens == 2


def test_colour_shades_by_level_and_drops_the_marks() -> None:
    worked = view("ollama_generate.json")
    console = Console(file=io.StringIO(), width=80, color_system="truecolor", force_terminal=True)
    segments = list(console.render(worked_renderable(worked)))
    looks = [s for s in segments if s.text == " looks"]
    assert looks and looks[0].style is not None and looks[0].style.bgcolor is not None  # 1.99 nats: level 1
    plain = [s for s in segments if " sky" in s.text and "looks" not in s.text]
    assert plain and (plain[0].style is None or plain[0].style.bgcolor is None)  # 0.01 nats: unshaded
    coloured = drawn(worked, colour=True)
    assert "·  ·   1" not in coloured and "surprise −ln p in whole nats" in coloured


def test_base_sets_the_unit_and_probabilities_are_read_as_such() -> None:
    bits = as_json(view("tokens.jsonl", base="2"))
    assert bits["inputs"]["unit"] == "bits"
    assert bits["steps"]["tokens"][2]["surprise"] == pytest.approx(1.9934)  # read as log2: −log2 p = 1.9934
    assert "−log₂ p" in drawn(view("tokens.jsonl", base="2"))
    probs = as_json(view("llamacpp_post_sampling.json"))
    assert probs["inputs"]["values"] == "probabilities" and probs["inputs"]["unit"] == "nats"


# --- the entropy lower bound ----------------------------------------------------------------


def test_bound_of_half_and_quarter_listed_is_one_and_a_half_bits(tmp_path: Path) -> None:
    """p = ½ (the token) and ¼ listed, ¼ unlisted: H(½, ¼, ¼) = 0.5·1 + 0.25·2 + 0.25·2 = 1.5 bits."""
    line = {"token": "a", "logprob": -1, "top_logprobs": [{"token": "a", "logprob": -1}, {"token": "b", "logprob": -2}]}
    path = tmp_path / "half.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    token = as_json(explain_tokens(read_token_input(str(path), Options(base="2"))))["steps"]["tokens"][0]
    assert token["entropy_lower_bound"] == pytest.approx(1.5, abs=1e-12)
    assert token["known_probability"] == pytest.approx(0.75) and token["entropy_exact"] is False
    renormalised = -(2 / 3 * math.log2(2 / 3) + 1 / 3 * math.log2(1 / 3))  # 0.918 bits: not the bound
    assert abs(token["entropy_lower_bound"] - renormalised) > 0.5


def test_bound_in_the_text_matches_a_hand_computation() -> None:
    """Ollama's ' looks': listed ' is' −0.2901, ' looks' −1.9934, ' appears' −2.441 (natural logs)."""
    p = [math.exp(v) for v in (-0.2901, -1.9934, -2.441)]
    r = 1 - sum(p)
    bound = -sum(x * math.log(x) for x in p) - r * math.log(r)
    text = drawn(view("ollama_generate.json"), width=200)
    assert f"≥ {bound:.4g} nats (a lower bound: {r:.4g} of the probability unlisted)" in text
    assert "grouping property" in text and "renormalised to sum to 1 is not a bound" in text


def test_the_chosen_token_counts_when_the_list_leaves_it_out() -> None:
    """Legacy completions with echo: ' quick' (−9.129) is not among ' first', ' best'."""
    token = as_json(view("openai_completions_echo.json"))["steps"]["tokens"][0]
    assert token["token"] == " quick"
    p = [math.exp(-3.2201), math.exp(-3.9012), math.exp(-9.129)]
    r = 1 - sum(p)
    assert token["known_probability"] == pytest.approx(sum(p), rel=1e-12)
    assert token["entropy_lower_bound"] == pytest.approx(-sum(x * math.log(x) for x in p) - r * math.log(r), rel=1e-12)


def test_a_list_summing_past_one_has_no_bound_and_says_why() -> None:
    payload = as_json(view("vllm_prompt_logprobs.json", base="2"))  # read as log2: 0.514 + 0.489 + 0.215
    ochond = next(t for t in payload["steps"]["tokens"] if t["token"] == "ochond")
    assert ochond["entropy_lower_bound"] is None
    index = payload["steps"]["tokens"].index(ochond)
    assert "more than 1" in payload["special"][f"steps.tokens.{index}.entropy_lower_bound"]["reason"]


# --- the JSON, the options, and what is refused ------------------------------------------------


def test_json_shape_and_stand_ins_explained_under_special() -> None:
    result = cli("--logprobs", str(DATA / "openai_chat_9999.json"), "--tokens", "--top", "3", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["calculator"] == "perplexity-tokens" and payload["inputs"]["top"] == 3
    assert set(payload["result"]) == {"n_tokens", "mean_surprise", "perplexity"}
    keys = {"sequence", "position", "token", "logprob", "surprise", "probability", "bytes", "flagged",
            "alternatives", "known_probability", "entropy_lower_bound", "entropy_exact"}
    assert all(set(t) == keys for t in payload["steps"]["tokens"])
    first = payload["steps"]["most_surprising"][0]
    assert first["token"] == "42" and first["flagged"] and first["probability"] is None and first["bytes"] == 2
    index = payload["steps"]["tokens"].index(first)
    assert payload["special"][f"steps.tokens.{index}.probability"]["log10"] == pytest.approx(-9999 / math.log(10))
    assert "stand-in" in result.stderr and len(payload["steps"]["most_surprising"]) == 3


def test_text_and_json_are_two_views_of_one_worked(monkeypatch: pytest.MonkeyPatch) -> None:
    import tutor.render.worked as renderer

    seen: list[Worked] = []
    draw = renderer.worked_renderable
    monkeypatch.setattr(renderer, "worked_renderable", lambda w: seen.append(w) or draw(w))
    args = ("--logprobs", str(DATA / "openai_chat.json"), "--tokens")
    assert cli(*args).exit_code == 0 and len(seen) == 1
    assert json.loads(cli(*args, "--json").stdout) == json.loads(json.dumps(worked_to_json(seen[0])))


def test_a_long_input_shows_a_bounded_text_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tutor.calculators.token_surprise as surprise

    monkeypatch.setattr(surprise, "VIEW_TOKENS", 50)
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps({"token": f" w{i}", "logprob": -0.01 * (i % 7)}) + "\n" for i in range(200)))
    worked = explain_tokens(read_token_input(str(path), Options()), top=3)
    assert sum(len(p.cells) for p in token_text(worked).paragraphs) == 50
    assert "showing the first 50 of 200 tokens" in drawn(worked)
    payload = as_json(worked)
    assert len(payload["steps"]["tokens"]) == 200
    assert [t["position"] for t in payload["steps"]["most_surprising"]] == [7, 14, 21]  # −0.06: past the 50 shown


@pytest.mark.parametrize(("args", "needle"), [
    (["--logprobs", "-1.2,-0.3", "--tokens"], "--logprobs: the inline list holds plain numbers, which name no tokens"),
    (["--logprobs", str(DATA / "array.json"), "--tokens"], "names no tokens"),
    (["--logprobs", str(DATA / "plain_lines.txt"), "--tokens"], "holds plain numbers"),
    (["--logprobs", str(DATA / "ollama_generate.json"), "--tokens", "--text", "hi"], "--text: is for bits per byte"),
    (["--logprobs", str(DATA / "ollama_generate.json"), "--tokens", "--top", "-1"], "--top: must be at least 0"),
    (["--logprobs", str(DATA / "ollama_generate.json"), "--tokens", "--top", "many"], "--top:"),
    (["--logprobs", str(DATA / "ollama_generate.json"), "--tokens", "--probs"], "--probs:"),
])
def test_what_the_token_view_refuses_is_one_line(args: list[str], needle: str) -> None:
    result = CliRunner().invoke(app, ["calc", "perplexity", *args])
    assert result.exit_code == 2 and needle in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_top_also_sets_the_plain_perplexity_list() -> None:
    payload = json.loads(cli("--logprobs", str(DATA / "ollama_generate.json"), "--top", "2", "--json").stdout)
    assert len(payload["steps"]["most_surprising"]) == 2


def test_the_readme_example_is_what_the_command_prints() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ llmtutor calc perplexity --logprobs tests/data/logprobs/ollama_generate.json --tokens "
                         "--top 1\n...\n", 1)[1].split("```", 1)[0]
    result = cli("--logprobs", str(DATA / "ollama_generate.json"), "--tokens", "--top", "1")
    assert result.exit_code == 0 and block.strip() and block in result.stdout
