"""Reading per-token log-probabilities from real tools' output (pure Python and json).

One small module per family: `plain` (numbers, streamed), `numbers` (JSON arrays), `openai`,
`llamacpp`, `ollama`, `vllm`; `detect` recognises a JSON shape; `source` opens ``--logprobs
SRC``; `analyse` ties them to the maths in `tutor.maths.perplexity` (that one needs numpy).
The reference for the shapes is the project's notes on log-probability formats.
"""
