"""Lesson 01, nested function classes, as experiments.

1. Closed form: approximate a target f* on [-1, 1] by piecewise-constant functions with ``size`` pieces.
   The *nested* family adds breakpoints from one fixed sequence (0, -1/2, 1/2, -3/4, …), so each class
   contains the last; the *non-nested* family cuts [-1, 1] into ``size`` equal pieces, and those grids do
   not contain each other.
2. Networks: insert a layer into a trained small CNN, either a plain conv layer or a residual block whose
   last batch-norm scale starts at zero, and see which one keeps the function (and the loss).
3. :class:`FunctionClassExplorer`, the lesson's widget: a class-size slider and a nested/non-nested toggle.
"""

from __future__ import annotations

import copy

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn import functional as F

from .blocks import Residual, _check_positive
from .data import batches, prepare
from .style import COLORS, variant_style
from .widget_output import png_output, text_output

FAMILIES = {True: "nested", False: "non-nested"}
GRID_POINTS = 4000


def target(x: torch.Tensor) -> torch.Tensor:
    """The "true" function f*(x) = x² + [x > 0]: a smooth curve plus a jump of 1 at x = 0."""
    return x**2 + (x > 0).to(x.dtype)


def grid(points: int = GRID_POINTS) -> torch.Tensor:
    """``points`` midpoints of equal cells of [-1, 1] (float64), where errors are measured."""
    _check_positive(points=points)
    return (torch.arange(points, dtype=torch.float64) + 0.5) * (2 / points) - 1


def breakpoints(size: int, nested: bool) -> list[float]:
    """The ``size - 1`` interior breakpoints of the class with ``size`` pieces.

    Nested: the first ``size - 1`` terms of the van der Corput sequence mapped to [-1, 1]
    (0, -1/2, 1/2, -3/4, …), so class ``size`` contains class ``size - 1``. Non-nested: ``size`` equal pieces.
    """
    _check_positive(size=size)
    if not nested:
        return [-1 + 2 * k / size for k in range(1, size)]
    points = []
    for i in range(1, size):
        value, scale = 0.0, 0.5
        while i:
            value, i, scale = value + scale * (i & 1), i >> 1, scale / 2
        points.append(2 * value - 1)
    return points


def contains(big: list[float], small: list[float]) -> bool:
    """Whether the class with breakpoints ``big`` contains the one with breakpoints ``small`` (it does
    exactly when every breakpoint of ``small`` is one of ``big``'s)."""
    return set(small) <= set(big)


def best_fit(size: int, nested: bool, x: torch.Tensor | None = None) -> torch.Tensor:
    """The best (least-squares) member of the class on ``x``: the mean of f* on each piece."""
    x = grid() if x is None else x
    piece = torch.bucketize(x, torch.tensor(sorted(breakpoints(size, nested)), dtype=x.dtype), right=True)
    y = target(x)
    sums = torch.zeros(size, dtype=x.dtype).index_add_(0, piece, y)
    counts = torch.bincount(piece, minlength=size).to(x.dtype).clamp_min(1)
    return (sums / counts)[piece]


def best_error(size: int, nested: bool) -> float:
    """Root-mean-square distance from f* to the best member of the class with ``size`` pieces."""
    x = grid()
    return (best_fit(size, nested, x) - target(x)).pow(2).mean().sqrt().item()


def error_curves(max_size: int) -> dict[str, list[float]]:
    """``{"nested": [...], "non-nested": [...]}``: best error for class sizes 1..``max_size``."""
    _check_positive(max_size=max_size)
    sizes = range(1, max_size + 1)
    return {name: [best_error(n, nested) for n in sizes] for nested, name in FAMILIES.items()}


def plot_function_classes(size: int, nested: bool, max_size: int = 12) -> plt.Figure:
    """Left: f* and the best fit of one class. Right: best error vs class size for both families."""
    if not 1 <= size <= max_size:
        raise ValueError(f"size must be between 1 and max_size={max_size}, got {size!r}")
    x = grid()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=80)
    left.plot(x, target(x), color=COLORS["reference"], label="f*")
    left.plot(x, best_fit(size, nested, x), color=COLORS["residual" if nested else "plain"],
              label=f"best fit, {FAMILIES[nested]}, {size} piece(s)")
    left.set(title="f* and the best member of one class", xlabel="x", ylabel="y")
    left.legend(loc="upper left", fontsize=8)
    sizes = range(1, max_size + 1)
    for flag, (name, errors) in zip(FAMILIES, error_curves(max_size).items(), strict=True):
        right.plot(sizes, errors, "o-", color=COLORS["residual" if flag else "plain"], label=name)
    right.plot([size], [best_error(size, nested)], "ko", markerfacecolor="none", markersize=12)
    right.set(title="best error vs class size", xlabel="class size (pieces)", ylabel="RMS error to f*")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


class FunctionClassExplorer:
    """Widget: a class-size slider and a nested/non-nested toggle redraw :func:`plot_function_classes`."""

    def __init__(self, size: int = 3, nested: bool = False, max_size: int = 12):
        if not 1 <= size <= max_size:
            raise ValueError(f"size must be between 1 and max_size={max_size}, got {size!r}")
        self.max_size = max_size
        self.slider = widgets.IntSlider(value=size, min=1, max=max_size, description="class size",
                                         continuous_update=False)
        self.toggle = widgets.ToggleButtons(options=[("non-nested", False), ("nested", True)], value=nested)
        self.output = widgets.Output()
        self.text = ""
        self.figure: plt.Figure | None = None
        self.slider.observe(lambda change: self.update("size", change["new"]), names="value")
        self.toggle.observe(lambda change: self.update("nested", change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.toggle, self.output])

    def update(self, name: str = "size", value: object = None) -> None:
        """Redraw for the current controls; write ``updated: <name>=<value>`` first."""
        size, nested = self.slider.value, self.toggle.value
        value = {"size": size, "nested": nested}[name] if value is None else value
        self.text = (f"updated: {name}={value}\n{FAMILIES[nested]} class with {size} piece(s), breakpoints "
                     f"{[round(b, 4) for b in breakpoints(size, nested)]}, best RMS error "
                     f"{best_error(size, nested):.4f}")
        self.figure = plot_function_classes(size, nested, self.max_size)
        plt.close(self.figure)  # shown in the widget only, not again by the inline backend
        self.output.outputs = (  # set directly, not captured: works the same in a kernel, nbclient and tests
            text_output(self.text),
            png_output(self.figure, f"<function classes, {FAMILIES[nested]}, size {size}>"),
        )

    def show(self) -> widgets.VBox:
        """Draw once and return the widget (the last expression of a cell displays it)."""
        self.update()
        return self.widget


# --- 2. the network version -------------------------------------------------------------------------------

INSERT_AT = 4  # after conv -> BN -> ReLU -> max-pool, before flatten


def small_cnn(channels: int = 8) -> nn.Sequential:
    """A one-conv Fashion-MNIST classifier: conv 3x3 -> BN -> ReLU -> 2x2 max-pool -> flatten -> linear."""
    _check_positive(channels=channels)
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel_size=3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(channels * 14 * 14, 10),
    )


def plain_layer(channels: int) -> nn.Sequential:
    """A plain conv 3x3 -> BN -> ReLU layer, with PyTorch's default (random) initialisation."""
    _check_positive(channels=channels)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    return nn.Sequential(conv, nn.BatchNorm2d(channels), nn.ReLU())


def zero_init_residual(channels: int) -> Residual:
    """A ``Residual(channels, channels)`` whose last BN scale (gamma) starts at 0: its branch outputs 0."""
    block = Residual(channels, channels)
    nn.init.zeros_(block.bn2.weight)
    return block


def insert_layer(net: nn.Sequential, layer: nn.Module, index: int = INSERT_AT) -> nn.Sequential:
    """A copy of ``net`` with ``layer`` inserted at ``index`` (``net`` itself is left untouched)."""
    if not 0 <= index <= len(net):
        raise ValueError(f"index must be between 0 and {len(net)} (the number of layers), got {index!r}")
    layers = list(copy.deepcopy(net))
    layers.insert(index, layer)
    return nn.Sequential(*layers)


def train(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, epochs: int, seed: int = 0,
          lr: float = 0.05, batch_size: int = 64) -> list[float]:
    """SGD with momentum 0.9 on uint8 ``images``; returns the loss of every step."""
    _check_positive(epochs=epochs, batch_size=batch_size)
    net.train()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        for x, y in batches(images, labels, batch_size, shuffle=True, seed=seed, epoch=epoch):
            loss = F.cross_entropy(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


@torch.no_grad()
def evaluate(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, float, float]:
    """``(outputs, mean cross-entropy loss, accuracy)`` of ``net`` in eval mode on all of ``images``."""
    net.eval()
    outputs = net(prepare(images))
    loss = F.cross_entropy(outputs, labels).item()
    return outputs, loss, (outputs.argmax(1) == labels).float().mean().item()


def plot_insertion_training(curves: dict[str, list[float]], before: float, window: int = 10) -> plt.Figure:
    """Training loss per step (running mean over ``window`` steps) of the nets with an inserted layer, keyed
    ``"plain"`` / ``"residual"`` (both have BN: dashed, as in the palette), against the loss ``before`` of the
    trained net before the insertion."""
    _check_positive(window=window)
    if not curves or set(curves) - {"plain", "residual"}:
        raise ValueError(f"curves must be keyed 'plain' and/or 'residual', got {list(curves)}")
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=80)
    for name, losses in curves.items():
        steps = torch.tensor(losses)
        smooth = steps.unfold(0, min(window, len(steps)), 1).mean(1)
        ax.plot(range(len(steps) - len(smooth) + 1, len(steps) + 1), smooth,
                **variant_style(residual=name == "residual", batch_norm=True), label=f"{name} layer inserted")
    ax.axhline(before, color=COLORS["reference"], linestyle=":", label="trained net before insertion")
    ax.set(title="the same training budget after inserting a layer", xlabel="SGD step",
           ylabel=f"training loss (mean of {window} steps)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
