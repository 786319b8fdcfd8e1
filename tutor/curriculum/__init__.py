"""Loading and validating the course: the syllabus plan and the lesson files."""
