"""The explanation model (pure data), claims checks, and the JSON view of an explanation."""
