"""Pure numpy mathematics, one module per pillar: no I/O, no Rich, no Textual.

Functions return the result *and* the intermediate steps a learner should see,
as frozen dataclasses, so lessons, quizzes and `llmtutor calc` share one source.
"""
