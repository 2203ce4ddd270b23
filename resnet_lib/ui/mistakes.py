"""Lesson 04's pictures of what a classifier gets wrong: the confusion matrix, and a slider over the mistakes."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from ..data import CLASSES
from .widget_output import Explorer


def _ink_on(rgb: tuple[float, ...]) -> str:
    """Black or white, whichever contrasts more with a cell of colour ``rgb`` (WCAG relative luminance)."""
    lum = sum(w * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
              for w, c in zip((0.2126, 0.7152, 0.0722), rgb, strict=True))
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def plot_confusion(ax: Axes, cm: torch.Tensor, classes: tuple[str, ...] = CLASSES) -> None:
    """The confusion matrix as row-normalised colours with the counts written in."""
    rates = cm.float() / cm.sum(1, keepdim=True).clamp(min=1)
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)  # vmin=0, vmax=1: a rate is its place on the colour map
    for t in range(len(classes)):
        for p in range(len(classes)):
            ax.text(p, t, str(int(cm[t, p])), ha="center", va="center", fontsize=12,
                    color=_ink_on(tuple(image.cmap(float(rates[t, p]))[:3])))  # the colour scale is 0 to 1
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=12)
    ax.set_yticks(range(len(classes)), classes, fontsize=12)
    ax.set_xlabel("predicted class", fontsize=13)
    ax.set_ylabel("true class", fontsize=13)
    ax.set_title("confusion matrix (test set): images per cell", fontsize=13)


class MistakeBrowser(Explorer):
    """Widget: a slider over misclassified test images (most-confused pairs first): image, truth, guess."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, preds: torch.Tensor,
                 indices: torch.Tensor):
        if len(indices) == 0:
            raise ValueError("there are no mistakes to browse; pass the indices of misclassified examples")
        self.images, self.labels = images.cpu(), labels.cpu()
        self.preds, self.indices = preds.cpu(), indices.cpu()
        self.controls = {"mistake": widgets.IntSlider(value=0, min=0, max=len(indices) - 1, description="mistake")}
        super().__init__()

    def draw(self) -> tuple[plt.Figure, str]:
        i = int(self.indices[self.controls["mistake"].value])
        truth, guess = CLASSES[int(self.labels[i])], CLASSES[int(self.preds[i])]
        fig, ax = plt.subplots(figsize=(6.0, 6.4), dpi=80)  # about 400 px once cropped: big enough for a projector
        ax.imshow(self.images[i].numpy(), cmap="gray_r")
        ax.set_title(f"true {truth}\npredicted {guess}", fontsize=16)
        ax.axis("off")
        return fig, f"test image {i}: true {truth}, predicted {guess}"
