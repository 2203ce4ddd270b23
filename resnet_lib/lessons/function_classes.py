"""Lesson 01, nested function classes, as experiments (plots and the widget: :mod:`resnet_lib.ui.function_classes`).

1. Closed form: approximate a target f* on [-1, 1] by piecewise-constant functions with ``size`` pieces.
   The *nested* family adds breakpoints from one fixed sequence (0, -1/2, 1/2, -3/4, …), so each class
   contains the last; the *non-nested* family cuts [-1, 1] into ``size`` equal pieces, and those grids do
   not contain each other.
2. Networks: grow a trained small CNN by one layer in three ways (a plain layer with PyTorch's default
   initialisation, a plain layer initialised to the identity, a residual block whose last batch-norm scale
   starts at zero) and keep training it, beside a control that keeps training the net as it is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

from ..blocks import Residual
from ..checks import check_positive
from ..data import load_sample, prepare
from ..presets import Preset, active_preset
from ..training import short_run
from .seeds import DIGITS, SeedComparison, compare_seeds, seed_table

FAMILIES = {True: "nested", False: "non-nested"}
GRID_POINTS = 4000


def target(x: torch.Tensor) -> torch.Tensor:
    """The "true" function f*(x) = x² + [x > 0]: a smooth curve plus a jump of 1 at x = 0."""
    return x**2 + (x > 0).to(x.dtype)


def grid(points: int = GRID_POINTS) -> torch.Tensor:
    """``points`` midpoints of equal cells of [-1, 1] (float64), where errors are measured."""
    check_positive(points=points)
    return (torch.arange(points, dtype=torch.float64) + 0.5) * (2 / points) - 1


def breakpoints(size: int, nested: bool) -> list[float]:
    """The ``size - 1`` interior breakpoints of the class with ``size`` pieces.

    Nested: the first ``size - 1`` terms of the van der Corput sequence mapped to [-1, 1]
    (0, -1/2, 1/2, -3/4, …), so class ``size`` contains class ``size - 1``. Non-nested: ``size`` equal pieces.
    """
    check_positive(size=size)
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


Target = Callable[[torch.Tensor], torch.Tensor]


def best_fit(size: int, nested: bool, x: torch.Tensor | None = None, f: Target = target) -> torch.Tensor:
    """The best (least-squares) member of the class on ``x``: the mean of the target ``f`` on each piece."""
    x = grid() if x is None else x
    piece = torch.bucketize(x, torch.tensor(sorted(breakpoints(size, nested)), dtype=x.dtype), right=True)
    y = _values(f, x)
    sums = torch.zeros(size, dtype=x.dtype).index_add_(0, piece, y)
    counts = torch.bincount(piece, minlength=size).to(x.dtype).clamp_min(1)
    return (sums / counts)[piece]


def best_error(size: int, nested: bool, f: Target = target) -> float:
    """Root-mean-square distance from the target ``f`` (f* by default) to the best member of the class with
    ``size`` pieces, on :func:`grid`."""
    x = grid()
    return (best_fit(size, nested, x, f) - _values(f, x)).pow(2).mean().sqrt().item()


def error_curves(max_size: int, f: Target = target) -> dict[str, list[float]]:
    """``{"nested": [...], "non-nested": [...]}``: best error for class sizes 1..``max_size``, for the target
    ``f`` (f* by default; any function of a float64 tensor, e.g. ``lambda x: x**2 + (x > 0.5)``)."""
    check_positive(max_size=max_size)
    sizes = range(1, max_size + 1)
    return {name: [best_error(n, nested, f) for n in sizes] for nested, name in FAMILIES.items()}


def _values(f: Target, x: torch.Tensor) -> torch.Tensor:
    """``f(x)`` as a float64 tensor of x's shape, or a clear error when ``f`` is not such a function."""
    y = torch.as_tensor(f(x))
    if y.shape != x.shape:
        raise ValueError(f"the target must return one value per point of x (shape {tuple(x.shape)}), "
                         f"got shape {tuple(y.shape)}; write it with tensor operations, e.g. x**2 + (x > 0.5)")
    return y.to(x.dtype)


# --- 2. the network version -------------------------------------------------------------------------------

INSERT_AT = 4  # after conv -> BN -> ReLU -> max-pool, before flatten


def small_cnn(channels: int = 8) -> nn.Sequential:
    """A one-conv Fashion-MNIST classifier: conv 3x3 -> BN -> ReLU -> 2x2 max-pool -> flatten -> linear."""
    check_positive(channels=channels)
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel_size=3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(channels * 14 * 14, 10),
    )


def plain_layer(channels: int) -> nn.Sequential:
    """A plain conv 3x3 -> BN -> ReLU layer, with PyTorch's default (random) initialisation."""
    check_positive(channels=channels)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    return nn.Sequential(conv, nn.BatchNorm2d(channels), nn.ReLU())


def identity_plain_layer(channels: int) -> nn.Sequential:
    """A plain conv 3x3 -> ReLU layer that starts as the identity on non-negative input: ``dirac_`` weights
    (1 at the kernel centre from channel i to channel i, 0 elsewhere) and zero bias. It has no BN, because in
    training mode a BN rescales each channel by its batch statistics and so would change the function."""
    check_positive(channels=channels)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    nn.init.dirac_(conv.weight)
    nn.init.zeros_(cast(torch.Tensor, conv.bias))  # a Conv2d built with a bias has one
    return nn.Sequential(conv, nn.ReLU())


def zero_init_residual(channels: int) -> Residual:
    """A ``Residual(channels, channels)`` whose last BN scale (gamma) starts at 0: its branch outputs 0."""
    block = Residual(channels, channels)
    block.zero_init_branch()
    return block


def insert_layer(net: nn.Sequential, layer: nn.Module, index: int = INSERT_AT) -> nn.Sequential:
    """A copy of ``net`` with ``layer`` inserted at ``index`` (``net`` itself is left untouched)."""
    if not 0 <= index <= len(net):
        raise ValueError(f"index must be between 0 and {len(net)} (the number of layers), got {index!r}")
    layers = list(copy.deepcopy(net))
    layers.insert(index, layer)
    return nn.Sequential(*layers)


CHANNELS = 8  # width of the lesson's small CNN
BATCH_SIZE = 64
EPOCHS_AFTER = 1  # passes over the images every variant trains for after growing (the same for all)
EVAL_IMAGES = 512  # the first training images the loss is measured on, in eval mode, during the runs
SEEDS = (1, 2)  # each seed sets the new layer's random weights and the order of the batches
CONTROL = "no layer inserted"  # the control: the trained net keeps training as it is
# variant -> how to build the new layer (None, the control: keep training the net as it is)
VARIANTS: dict[str, Callable[[int], nn.Module] | None] = {
    CONTROL: None,
    "plain, default init": plain_layer,
    "plain, identity init": identity_plain_layer,
    "residual, γ = 0": zero_init_residual,
}
IDENTITY_STARTS = ("plain, identity init", "residual, γ = 0")  # the grown nets that start as the trained net
WAYS_TO_GROW = tuple(variant for variant in VARIANTS if variant != CONTROL)  # the three ways to add a layer


def training_images(settings: Preset | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)``: the Fashion-MNIST training images that come with the course, as many as ``settings``
    (those for this computer by default) train on."""
    settings = active_preset() if settings is None else settings
    data = load_sample().subset(train=settings.train_limit)
    return data.train_images, data.train_labels


def passes_before_growing(settings: Preset | None = None) -> int:
    """How many passes (epochs) over :func:`training_images` the small CNN trains before it is grown."""
    return (active_preset() if settings is None else settings).epochs


def grow(net: nn.Sequential, variant: str, channels: int = CHANNELS) -> nn.Sequential:
    """A copy of the trained ``net``, with the layer of ``variant`` (a key of :data:`VARIANTS`) inserted after the
    max-pool (the control: a plain copy)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; use one of {', '.join(VARIANTS)}")
    make = VARIANTS[variant]
    return copy.deepcopy(net) if make is None else insert_layer(net, make(channels))


def steps_after(epochs: int, images: int, batch_size: int = BATCH_SIZE) -> int:
    """SGD steps in ``epochs`` passes over ``images`` images (a last partial batch is dropped)."""
    check_positive(epochs=epochs, images=images, batch_size=batch_size)
    return epochs * (images // batch_size)


class LossProbe:
    """An ``on_step`` callback for :func:`~resnet_lib.training.short_run`: at each of ``steps`` it records the
    eval-mode loss on the fixed images ``(images, labels)`` in ``losses``, then puts the model back in training."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, steps: list[int]):
        self.images, self.labels, self.steps = images, labels, set(steps)
        self.losses: list[float] = []

    def __call__(self, step: int, model: nn.Module) -> None:
        if step in self.steps:
            self.losses.append(loss_and_accuracy(model, self.images, self.labels)[1])
            model.train()


def checkpoint_steps(total: int, every: int) -> list[int]:
    """The steps at which :func:`insertion_runs` measures: 0, every, 2*every, … and ``total``."""
    return sorted({*range(0, total, every), total})


@dataclass(frozen=True)
class InsertionRuns:
    """Eval-mode loss at ``steps`` for every variant and seed: ``losses[variant][i]`` belongs to seed ``seeds[i]``."""

    steps: list[int]
    seeds: tuple[int, ...]
    losses: dict[str, list[list[float]]]

    def late_mean(self, variant: str, digits: int | None = None) -> dict[int, float]:
        """``{seed: mean loss over the second half of the run}`` (less noisy than the last point alone), rounded
        to ``digits`` decimals when given, so that differences computed from it agree with the values printed."""
        means = {seed: sum(curve[len(curve) // 2:]) / len(curve[len(curve) // 2:])
                 for seed, curve in zip(self.seeds, self.losses[variant], strict=True)}
        return means if digits is None else {seed: round(m, digits) for seed, m in means.items()}


# the comparisons lesson 01 reads: the damaged start against the control, then every pair among the two identity
# starts and the control
COMPARISONS: tuple[tuple[str, str], ...] = (
    ("plain, default init", CONTROL),
    ("plain, identity init", CONTROL),
    ("residual, γ = 0", CONTROL),
    ("plain, identity init", "residual, γ = 0"),
)


def insertion_runs(net: nn.Sequential, images: torch.Tensor, labels: torch.Tensor, epochs: int = EPOCHS_AFTER,
                   seeds: tuple[int, ...] = SEEDS, every: int = 8, eval_images: int = EVAL_IMAGES,
                   variants: tuple[str, ...] | None = None) -> InsertionRuns:
    """Grow the trained ``net`` in every way of :data:`VARIANTS` (or only those named in ``variants``) and train each
    copy for ``epochs``, once per seed.

    Within one seed every variant sees the same batches in the same order; the seed also draws the new layer's
    weights. Losses are measured in eval mode on the first ``eval_images`` training images (:class:`LossProbe`), every
    ``every`` steps; training is SGD, lr 0.05, momentum 0.9, batch :data:`BATCH_SIZE`.
    """
    if not seeds:
        raise ValueError("seeds must name at least one seed, e.g. (1, 2)")
    check_positive(every=every, eval_images=eval_images)
    chosen = tuple(VARIANTS) if variants is None else tuple(variants)
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown or not chosen:
        raise ValueError(f"variants must name some of the ways to grow the net, "
                         f"{', '.join(repr(v) for v in VARIANTS)}; got {chosen!r}")
    total = steps_after(epochs, len(labels))
    steps = checkpoint_steps(total, every)
    losses: dict[str, list[list[float]]] = {variant: [] for variant in chosen}
    for seed in seeds:
        for variant in chosen:
            torch.manual_seed(seed)
            grown = grow(net, variant)
            probe_run = LossProbe(images[:eval_images], labels[:eval_images], steps)
            short_run(grown, images, labels, total, batch_size=BATCH_SIZE, lr=0.05, seed=seed, on_step=probe_run)
            losses[variant].append(probe_run.losses)
    return InsertionRuns(steps, tuple(seeds), losses)


def in_a_word(comparison: SeedComparison) -> str:
    """A seed-by-seed comparison of a against b in a word: "higher" or "lower" (on every seed, by more than the
    spread between seeds), or "not told apart"."""
    return comparison.side or "not told apart"


@dataclass(frozen=True)
class RunComparison:
    """Section 3's verdicts on :class:`InsertionRuns`: each run's mean loss over its second half (``late``, rounded to
    the 3 decimals printed), the rule of :func:`~resnet_lib.lessons.seeds.compare_seeds` on each pair of
    ``comparisons``, and, for each identity start, how its loss minus the control's falls over the steps after the
    start (``above_control``: points above 0, points, the difference largest in size, with its sign)."""

    late: dict[str, dict[int, float]]
    comparisons: dict[tuple[str, str], SeedComparison]
    above_control: dict[str, tuple[int, int, float]]

    def verdict(self, a: str, b: str) -> str:
        """``a`` against ``b`` in a word: "higher" or "lower" (on every seed, by more than the spread between seeds),
        or "not told apart"."""
        return in_a_word(self.comparisons.get((a, b)) or compare_seeds(self.late[a], self.late[b]))

    def __str__(self) -> str:
        """Each run's late mean by seed, then the comparisons as a numbered :func:`~resnet_lib.lessons.seeds.seed_table`
        (rows "A vs B", A minus B), then the counts of the lower panel."""
        width = max(24, max(map(len, self.late)) + 2)
        lines = [f"{variant:<{width}}" + "".join(f"  seed {s}: {v:.3f}" for s, v in by_seed.items())
                 for variant, by_seed in self.late.items()]
        if self.comparisons:
            lines += ["", seed_table({f"{a} vs {b}": v for (a, b), v in self.comparisons.items()})]
        counts = [f"{variant} minus the control: above 0 at {above} of {points} points after the start, "
                  f"largest in size {largest:+.3f}"
                  for variant, (above, points, largest) in self.above_control.items()]
        return "\n".join(lines + ([""] + counts if counts else []))


def compare_runs(runs: InsertionRuns, comparisons: tuple[tuple[str, str], ...] = COMPARISONS) -> RunComparison:
    """Judge ``runs`` seed by seed: every pair of ``comparisons`` whose two variants were run, by their mean loss
    over the second half of the run (:meth:`InsertionRuns.late_mean`, 3 decimals)."""
    late = {variant: runs.late_mean(variant, digits=DIGITS) for variant in runs.losses}
    pairs = {(a, b): compare_seeds(late[a], late[b]) for a, b in comparisons if a in late and b in late}
    above: dict[str, tuple[int, int, float]] = {}
    for variant in (v for v in IDENTITY_STARTS if v in runs.losses and CONTROL in runs.losses):
        gaps = [a - c for curve, control in zip(runs.losses[variant], runs.losses[CONTROL], strict=True)
                for a, c in zip(curve[1:], control[1:], strict=True)]
        if gaps:
            above[variant] = (sum(g > 0 for g in gaps), len(gaps), max(gaps, key=abs))
    return RunComparison(late, pairs, above)


@torch.no_grad()
def loss_and_accuracy(net: nn.Module, images: torch.Tensor,
                      labels: torch.Tensor) -> tuple[torch.Tensor, float, float]:
    """``(outputs, mean cross-entropy loss, accuracy)`` of ``net`` in eval mode on all of ``images``."""
    net.eval()
    outputs = net(prepare(images))
    loss = F.cross_entropy(outputs, labels).item()
    return outputs, loss, (outputs.argmax(1) == labels).float().mean().item()
