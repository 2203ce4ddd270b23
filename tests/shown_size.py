"""How big a figure's text is as the notebook shows it. The inline backend saves the figure as a PNG cropped to its
contents (``bbox_inches="tight"``); the notebook shows that PNG at its own width, or scaled down to the notebook's
width when it is wider, and its text with it."""

from __future__ import annotations

import io
import struct

from resnet_lib.ui.style import NOTEBOOK_WIDTH_PX, shown_font_sizes

# The notebook's width on the classroom projector, as a reviewer measured it (~780 px). resnet_lib.ui.style's
# NOTEBOOK_WIDTH_PX (960) is JupyterLab's widest output area; lessons 01 and 02 size their figures for the narrower one.
DISPLAY_PX = 780


def png_width(fig) -> int:
    """Width in pixels of the PNG the notebook shows for ``fig`` (saved as the inline backend saves it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return struct.unpack(">I", buffer.getvalue()[16:20])[0]  # the PNG header's width field


def shown_sizes(fig, width_px: int = DISPLAY_PX) -> list[float]:
    """The size in points (at 80 dpi, as style counts them) of every visible text of ``fig`` as shown in a notebook
    ``width_px`` wide: the texts :func:`~resnet_lib.ui.style.shown_font_sizes` finds, scaled as that PNG is shown."""
    style_scale = min(1.0, NOTEBOOK_WIDTH_PX / (fig.get_figwidth() * fig.dpi))  # what shown_font_sizes applied
    scale = min(1.0, width_px / png_width(fig)) / style_scale
    return [size * scale for size in shown_font_sizes(fig)]
