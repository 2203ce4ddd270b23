"""Classroom UI: plots, the palette, live training curves and the lessons' widgets (matplotlib, ipywidgets)."""
