"""See training as it happens in Jupyter: one ``tqdm.auto`` bar for the run (reset at each epoch, named after it) and
one live matplotlib figure (train loss; train and test accuracy) redrawn in place, a tidy stand-in for d2l's
Animator."""

from __future__ import annotations

import math
import time
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..history import History
from .style import COLORS

POINTS_PER_EPOCH = 5  # running train loss/accuracy is recorded this often within an epoch
REDRAW_S = 2.0  # within an epoch the figure is redrawn at most this often (a redraw costs tens of milliseconds)
CURVES = {  # key -> (panel, label, colour, line style, marker): the loss on the left, accuracies on the right
    "train_loss": (0, "train loss", COLORS["plain"], "-", None),
    "train_acc": (1, "train accuracy", COLORS["residual"], "--", None),
    "test_acc": (1, "test accuracy", COLORS["accent"], "-", "o"),
}
FONT = 14  # points: readable from the back of a room at the notebook's width (the figure is shown about 1:1)
FIGSIZE = (9.6, 4.2)  # inches at 80 dpi: 768 px, within the site's 780 px column, so its text is not scaled down


def accuracy_floor(values: list[float]) -> float:
    """The accuracy panel's lower limit: just below the lowest accuracy drawn, on a 0.05 grid (0 if none is drawn),
    so that curves high up are not squeezed into the top of a 0-1 axis."""
    return max(0.0, math.floor((min(values) - 0.02) * 20) / 20) if values else 0.0


def draw_curves(axes: tuple[Axes, Axes], curves: dict[str, tuple[list[float], list[float]]], epochs: int,
                test_label: str | None = None) -> None:
    """Draw ``key -> (x in epochs, y)`` curves: the training loss on ``axes[0]``, the accuracies on ``axes[1]``
    (its axis from :func:`accuracy_floor` to 1). ``test_label`` names the test curve (e.g. which test images). Each
    panel's legend sits below it, under the x label, where it can hide no curve."""
    for ax in axes:
        ax.clear()
    for key, (xs, ys) in curves.items():
        panel, label, color, style, marker = CURVES[key]
        label = test_label if key == "test_acc" and test_label else label
        axes[panel].plot(xs, ys, linestyle=style, color=color, marker=marker, label=label, linewidth=2)
    loss_ax, acc_ax = axes
    top = max([1.0, *curves["train_loss"][1]]) if "train_loss" in curves else 1.0
    loss_ax.set_ylim(0, top * 1.05)
    loss_ax.set_ylabel("training loss (cross-entropy)", fontsize=FONT)
    acc_ax.set_ylim(accuracy_floor([y for key in ("train_acc", "test_acc") for y in curves.get(key, ([], []))[1]]), 1)
    acc_ax.set_ylabel("accuracy (fraction correct)", fontsize=FONT)
    for ax in axes:
        ax.set_xlim(0, epochs * 1.04)  # room for the last epoch's dot
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=epochs > 1))  # whole epochs
        ax.set_xlabel("epoch", fontsize=FONT)
        ax.tick_params(labelsize=FONT)
        ax.grid(alpha=0.3)
        if ax.get_lines():
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=FONT, frameon=False)


class LiveCurves:
    """A figure that is displayed once and then updated in place (``IPython.display`` display handle)."""

    def __init__(self, epochs: int, figsize: tuple[float, float] = FIGSIZE, test_label: str | None = None):
        from IPython.display import display

        self.epochs, self.test_label = epochs, test_label
        self.curves: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in CURVES}
        self.fig: Figure = plt.figure(figsize=figsize, dpi=80)
        self.axes = (self.fig.add_subplot(1, 2, 1), self.fig.add_subplot(1, 2, 2))
        plt.close(self.fig)  # shown only through the handle, never twice
        draw_curves(self.axes, self.curves, epochs, test_label)
        self.fig.tight_layout()
        self.handle = display(self.fig, display_id=True)

    def add(self, key: str, x: float, y: float) -> None:
        self.curves[key][0].append(x)
        self.curves[key][1].append(y)

    def redraw(self) -> None:
        draw_curves(self.axes, self.curves, self.epochs, self.test_label)
        self.handle.update(self.fig)


class NotebookProgress:
    """One ``tqdm.auto`` bar for the whole run, reset at every epoch and named after it ("epoch 3/12"), and the live
    curves below it; ``test_label`` names the test curve (e.g. "test accuracy (first 1,000 test images)"). A bar per
    epoch would stack one line per epoch under the figure (and on the course site, which keeps each bar's last
    text)."""

    def __init__(self, test_label: str | None = None) -> None:
        self.test_label = test_label
        self.bar: Any = None
        self.live: LiveCurves | None = None
        self.epoch = self.steps = self.done = 0
        self.drawn = 0.0  # when the figure was last redrawn (time.perf_counter)

    def start_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        from tqdm.auto import tqdm

        if self.live is None:
            self.live = LiveCurves(epochs, test_label=self.test_label)
        self.epoch, self.steps, self.done = epoch, steps, 0
        desc = f"epoch {epoch + 1}/{epochs}"
        if self.bar is None:
            self.bar = tqdm(total=steps, desc=desc, unit="batch", leave=False, mininterval=REDRAW_S / 4)
        else:  # the same bar, from 0 again
            self.bar.reset(total=steps)
            self.bar.set_description(desc, refresh=False)
        self.drawn = time.perf_counter()

    def step(self, loss: float, acc: float) -> None:
        self.done += 1
        self.bar.update()
        every = max(1, self.steps // POINTS_PER_EPOCH)
        if self.done % every == 0 and self.live is not None:
            x = self.epoch + self.done / self.steps
            self.live.add("train_loss", x, loss)
            self.live.add("train_acc", x, acc)
            self.bar.set_postfix(loss=f"{loss:.3f}", acc=f"{acc:.3f}", refresh=False)
            if time.perf_counter() - self.drawn >= REDRAW_S:
                self.live.redraw()
                self.drawn = time.perf_counter()

    def end_epoch(self, history: History) -> None:
        if self.live is not None:
            self.live.add("test_acc", self.epoch + 1, history.test_acc[-1])
            self.live.redraw()
        if self.bar is not None:
            self.bar.refresh()  # the last step and loss, not the last throttled picture: a saved notebook keeps it

    def close(self) -> None:
        if self.bar is not None:
            self.bar.refresh()
            self.bar.close()
            self.bar = None
