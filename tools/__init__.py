"""Classroom tools (student edition, exercise layout, tidy notebooks, the site): python -m tools.<name>."""
