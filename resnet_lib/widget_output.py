"""Outputs written straight into an ``ipywidgets.Output`` (``out.outputs = (...)``).

Widget callbacks here set outputs directly instead of capturing them with ``with out:``, which nbclient (used by
``make notebooks``) cannot replay; the result looks the same in JupyterLab.
"""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure


def text_output(text: str) -> dict[str, object]:
    """A stdout stream output holding ``text`` (a trailing newline is added if missing)."""
    return {"output_type": "stream", "name": "stdout", "text": text if text.endswith("\n") else text + "\n"}


def png_output(fig: Figure, text: str) -> dict[str, object]:
    """A display_data output holding ``fig`` as a PNG, with ``text`` as its plain-text fallback."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"output_type": "display_data", "data": {"image/png": png, "text/plain": text}, "metadata": {}}
