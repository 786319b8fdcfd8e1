"""Reading per-token log-probabilities from real tools' output.

One small module per family, pure Python and json: `numbers` (JSON arrays), `openai`,
`llamacpp`, `ollama`, `vllm`; `detect` recognises a JSON shape (unknown shapes get an error
listing the known formats); `source` opens ``--logprobs SRC``. Two modules use numpy, each
for speed: `plain` streams numbers through numpy's C reader (imported inside its functions),
and `analyse` feeds them to `tutor.maths.perplexity`; only the `calc perplexity` command
imports `analyse`.
"""
