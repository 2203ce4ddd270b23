"""What a trained classifier gets wrong: confusion matrix, most-confused pairs, a slider over the mistakes."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from .data import CLASSES
from .widget_output import png_output, text_output


def confusion_matrix(labels: torch.Tensor, preds: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """``cm[t, p]`` = how many examples of true class ``t`` were predicted as ``p``."""
    if labels.shape != preds.shape:
        raise ValueError(f"labels and preds must have the same shape, got {tuple(labels.shape)} and "
                         f"{tuple(preds.shape)}; pass one prediction per label")
    flat = labels.long().cpu() * num_classes + preds.long().cpu()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def most_confused(cm: torch.Tensor, k: int = 5) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal cells as ``(true, predicted, count)``, largest first."""
    off = cm.clone()
    off.fill_diagonal_(-1)
    counts, flat = torch.sort(off.flatten(), descending=True, stable=True)
    n = cm.shape[0]
    return [(int(i) // n, int(i) % n, int(c)) for c, i in zip(counts[:k], flat[:k], strict=True) if c > 0]


def plot_confusion(ax: Axes, cm: torch.Tensor, classes: tuple[str, ...] = CLASSES) -> None:
    """The confusion matrix as row-normalised colours with the counts written in."""
    rates = cm.float() / cm.sum(1, keepdim=True).clamp(min=1)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for t in range(len(classes)):
        for p in range(len(classes)):
            ax.text(p, t, int(cm[t, p]), ha="center", va="center", fontsize=7,
                    color="white" if rates[t, p] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class", title="confusion matrix (test set)")


def mistakes_of(labels: torch.Tensor, preds: torch.Tensor, pairs: list[tuple[int, int, int]]) -> torch.Tensor:
    """Indices of the examples whose (true, predicted) pair is one of ``pairs``, pair by pair."""
    found = [torch.nonzero((labels.cpu() == t) & (preds.cpu() == p)).flatten() for t, p, _ in pairs]
    return torch.cat(found) if found else torch.empty(0, dtype=torch.long)


class MistakeBrowser:
    """Widget: a slider over misclassified test images (most-confused pairs first): image, truth, guess."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, preds: torch.Tensor,
                 indices: torch.Tensor):
        if len(indices) == 0:
            raise ValueError("there are no mistakes to browse; pass the indices of misclassified examples")
        self.images, self.labels = images.cpu(), labels.cpu()
        self.preds, self.indices = preds.cpu(), indices.cpu()
        self.slider = widgets.IntSlider(value=0, min=0, max=len(indices) - 1, description="mistake")
        self.output = widgets.Output()
        self.text = ""
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.output])

    def update(self, position: int | None = None) -> None:
        """Show mistake ``position`` (default: the slider's); print ``updated: mistake=<position>`` first."""
        position = self.slider.value if position is None else position
        i = int(self.indices[position])
        truth, guess = CLASSES[int(self.labels[i])], CLASSES[int(self.preds[i])]
        self.text = f"updated: mistake={position}\ntest image {i}: true {truth}, predicted {guess}"
        fig, ax = plt.subplots(figsize=(2.2, 2.2), dpi=80)
        ax.imshow(self.images[i].numpy(), cmap="gray_r")
        ax.set_title(f"true {truth}\npredicted {guess}", fontsize=9)
        ax.axis("off")
        self.output.outputs = (text_output(self.text), png_output(fig, f"<test image {i}>"))
        plt.close(fig)

    def show(self) -> widgets.VBox:
        """Draw once and return the widget (the last expression of a cell displays it)."""
        self.update()
        return self.widget
