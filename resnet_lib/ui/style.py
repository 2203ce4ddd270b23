"""One palette for the whole notebook set: plain nets are always orange, residual nets always blue, and
variants with batch norm are drawn dashed."""

from __future__ import annotations

COLORS: dict[str, str] = {
    "plain": "#d95f02",  # orange
    "residual": "#1b6ca8",  # blue
    "reference": "#7f7f7f",  # grey: recorded runs, baselines, quoted numbers
    "accent": "#2ca25f",  # green: the improved recipe, highlights
}


def variant_style(residual: bool, batch_norm: bool = False) -> dict[str, str]:
    """Matplotlib keyword arguments (``color``, ``linestyle``) for a plain/residual, with/without-BN variant."""
    return {
        "color": COLORS["residual" if residual else "plain"],
        "linestyle": "--" if batch_norm else "-",
    }
