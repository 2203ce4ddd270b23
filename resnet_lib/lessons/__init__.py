"""Lesson experiments: the measurements behind one lesson each (no plotting, no widgets)."""
