"""The Textual app behind `llmtutor learn`. No maths here: it shows what the core computes."""
