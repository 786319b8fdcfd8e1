"""Rich renderables shared by the CLI and the TUI: formulas, matrices, derivations, notes."""
