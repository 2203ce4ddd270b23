"""Lesson 04's question: why does the test accuracy of d2l's recipe jump from one epoch to the next while the
training accuracy climbs? An epoch of N images in batches of B ends with a short batch of ``N % B`` images
(10,000 = 39 x 256 + 16). One plain SGD step on a few images, at the learning rate chosen for B, is a long,
noisy step; the test accuracy is measured right after it. :func:`epoch_ends` trains with d2l's recipe and, at
every epoch's end, measures the test accuracy just before and just after that last step, the same with the batch
norm statistics recomputed, and the length of every step."""

from __future__ import annotations

import copy
import statistics
from dataclasses import dataclass

import torch
from torch import nn

from ..data import FashionMNIST, batches
from ..training import evaluate, train_step

# (training images, epochs) of the lesson's run, by the size of the notebook's run; 10,000 images leave a short
# batch of 16 (10,000 = 39 x 256 + 16), 400 images one of 144
SIZES = {"smoke": (400, 2), "cpu": (10_000, 5), "full": (10_000, 5)}


def study_size(preset_name: str) -> tuple[int, int]:
    """``(training images, epochs)`` for lesson 04's run of :func:`epoch_ends` at a preset's size."""
    if preset_name not in SIZES:
        raise ValueError(f"unknown preset {preset_name!r}; use one of {', '.join(SIZES)}")
    return SIZES[preset_name]


def batches_in_words(images: int, batch_size: int) -> str:
    """How an epoch of ``images`` training images cuts into batches of ``batch_size``, as a learner reads it:
    "10,000 training images = 39 batches of 256 and a short one of 16" (the short one is the epoch's last)."""
    full, short = divmod(images, batch_size)
    if full == 0:
        return f"{images:,} training images = one short batch of {short:,}"
    cut = f"{images:,} training images = {full:,} batch{'es' * (full > 1)} of {batch_size:,}"
    return f"{cut} and a short one of {short:,}" if short else f"{cut}, none short"


@dataclass(frozen=True)
class EpochEnd:
    """What happened at the end of one epoch (test accuracies in [0, 1])."""

    epoch: int  # 1, 2, ...
    last_batch: int  # images in the epoch's last batch
    before: float  # test accuracy just before the last step
    after: float  # just after it (batch norm's running statistics, as every evaluation in the course)
    after_recomputed: float  # just after it, with batch norm's statistics recomputed on the training images
    last_step: float  # length of the last step (norm of the change of all weights)
    typical_step: float  # median length of the epoch's other steps (of its only step, if it has one)


def accuracy(net: nn.Module, data: FashionMNIST, image_size: int) -> float:
    """Test accuracy with the net in eval mode."""
    return (evaluate(net, data.test_images, data.test_labels, image_size) == data.test_labels).float().mean().item()


def recomputed_bn(net: nn.Module, data: FashionMNIST, image_size: int, batch_size: int = 256) -> nn.Module:
    """A copy of ``net`` whose batch norm running statistics are recomputed from the training images with the
    current weights (``torch.optim.swa_utils.update_bn``)."""
    copied = copy.deepcopy(net)
    stream = (x for x, _ in batches(data.train_images, data.train_labels, batch_size, image_size=image_size))
    torch.optim.swa_utils.update_bn(stream, copied)
    return copied


def _weights(net: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in net.parameters()])


def epoch_ends(net: nn.Module, data: FashionMNIST, *, epochs: int, lr: float = 0.05, batch_size: int = 256,
               image_size: int = 28, seed: int = 0, drop_last: bool = False,
               lr_last: float | None = None) -> list[EpochEnd]:
    """Train ``net`` in place with plain SGD (d2l's recipe) for ``epochs`` epochs and measure every epoch's end.
    ``drop_last=True`` leaves out each epoch's short last batch (then ``before == after``); ``lr_last`` is the
    learning rate of each epoch's last step (e.g. ``lr * 16 / 256``, scaled to a short batch of 16; None: ``lr``)."""
    if len(data.train_labels) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} training images, got {len(data.train_labels)}")
    if lr_last is not None and not lr_last >= 0:
        raise ValueError(f"lr_last={lr_last!r}: pass a learning rate >= 0 for each epoch's last step, or None for lr")
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    ends = []
    for epoch in range(epochs):
        net.train()
        stream = list(batches(data.train_images, data.train_labels, batch_size, image_size=image_size,
                              shuffle=True, seed=seed, epoch=epoch, drop_last=drop_last))
        lengths = []
        for i, (x, y) in enumerate(stream):
            last = i == len(stream) - 1
            if last:
                before = accuracy(net, data, image_size)
            for group in optimizer.param_groups:
                group["lr"] = lr_last if last and lr_last is not None else lr
            w = _weights(net)
            train_step(net, optimizer, x, y)
            lengths.append((_weights(net) - w).norm().item())
        ends.append(EpochEnd(epoch + 1, len(stream[-1][1]), before, accuracy(net, data, image_size),
                             accuracy(recomputed_bn(net, data, image_size), data, image_size), lengths[-1],
                             statistics.median(lengths[:-1] or lengths)))
    return ends


def describe_ends(ends: list[EpochEnd]) -> str:
    """One line per epoch of :func:`epoch_ends`: how far its last step moved the weights, as a multiple of a
    typical step, and the test accuracy just before and just after that step."""
    return "\n".join(
        f"epoch {e.epoch}: last step on {e.last_batch} images moved the weights {e.last_step / e.typical_step:.1f}x "
        f"as far as a typical step; test accuracy {e.before:.3f} before it, {e.after:.3f} after it" for e in ends)
