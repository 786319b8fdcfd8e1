"""Pure explain_* functions, one module per pillar: the explanation of each calculator as a Worked."""
