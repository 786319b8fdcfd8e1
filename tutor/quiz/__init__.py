"""The quiz: questions as data, a safe parser for mathematical answers, grading, parametric
generators, and quiz sessions. Solutions are explanations in the one model (`Worked`)."""
