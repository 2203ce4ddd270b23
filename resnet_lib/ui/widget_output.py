"""The one convention every lesson widget follows (:class:`Explorer`), and the outputs it writes.

A widget's controls sit on top; below them an ``ipywidgets.Output`` shows the figure, then a caption. Outputs are
set directly (``out.outputs = (...)``), never captured with ``with out:``, which nbclient (``make notebooks``)
cannot replay. After each redraw a hidden label (CSS class ``resnet-marker``) holds ``updated: <name>=<value>``,
so the browser test knows the redraw for that value has finished; learners never see it.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

MARKER_CLASS = "resnet-marker"


def text_output(text: str) -> dict[str, object]:
    """A stdout stream output holding ``text`` (a trailing newline is added if missing)."""
    return {"output_type": "stream", "name": "stdout", "text": text if text.endswith("\n") else text + "\n"}


def png_output(fig: Figure, text: str) -> dict[str, object]:
    """A display_data output holding ``fig`` as a PNG, with ``text`` as its plain-text fallback."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"output_type": "display_data", "data": {"image/png": png, "text/plain": text}, "metadata": {}}


class Explorer:
    """Base of every lesson widget. A subclass fills ``self.controls`` (name -> control; the first one is the
    main slider), calls ``super().__init__()`` and implements :meth:`draw`. ``show()`` draws once and returns the
    widget; any control's change redraws."""

    controls: dict[str, widgets.ValueWidget]

    def __init__(self) -> None:
        self.output = widgets.Output()
        self.marker = widgets.Label(layout=widgets.Layout(display="none"))
        self.marker.add_class(MARKER_CLASS)
        self.caption = ""
        self.figure: Figure | None = None
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self.update(name, change["new"]), names="value")
        self.widget = widgets.VBox([*self.controls.values(), self.output, self.marker])

    def draw(self) -> tuple[Figure | None, str]:
        """The figure (or None) and the caption for the controls' current values."""
        raise NotImplementedError

    def update(self, name: str | None = None, value: object = None) -> None:
        """Redraw for the controls' current values; then set the marker ``updated: <name>=<value>``."""
        name = name or next(iter(self.controls))
        value = self.controls[name].value if value is None else value
        self.figure, self.caption = self.draw()
        outputs = [] if self.figure is None else [png_output(self.figure, f"<figure: {name}={value}>")]
        self.output.outputs = (*outputs, text_output(self.caption))
        if self.figure is not None:
            plt.close(self.figure)  # shown in the widget only, not again by the inline backend
        self.marker.value = f"updated: {name}={value}"

    def show(self) -> widgets.VBox:
        """Draw once and return the widget (the last expression of a cell displays it)."""
        self.update()
        return self.widget
