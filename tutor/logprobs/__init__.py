"""Reading per-token log-probabilities from real tools' output.

One small module per family, pure Python and json: `numbers` (JSON arrays), `openai`,
`llamacpp`, `ollama`, `vllm`; `sse` splits Server-Sent Events and `stream` joins a streamed
reply's chunks back into sequences; `detect` recognises a JSON shape (unknown shapes get an
error listing the known formats); `source` opens the input (inline, a file, or stdin). Two
modules use numpy, each for speed: `plain` streams numbers through numpy's C reader (imported
inside its functions), and `analyse` feeds them to `tutor.maths.perplexity`; only the
`calc perplexity` command imports `analyse`. A Chat Completions stream saved as JSONL is read a
batch of lines at a time (`jsonl` parses, `streamed` keeps running sums), never whole; `parts`
is what the report needs of a sequence either way. Errors name the field (``logprobs``,
``probs``, ``base``, ``text``), never a command-line option.
"""
