"""Images into batches: uint8 tensors prepared (scaled, standardised, resized) batch by batch, in an order that
depends only on the seed and the epoch."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import torch
from torch.nn import functional as F

from ..checks import check_positive, is_int

MEAN, STD = 0.2860, 0.3530  # of the full training set's pixels in [0, 1]


def prepare(images: torch.Tensor, image_size: int = 28, normalize: bool = True) -> torch.Tensor:
    """uint8 (B, 28, 28) -> float (B, 1, S, S) in [0, 1] (or standardised), resized bilinearly as one batch."""
    if images.dtype != torch.uint8 or images.dim() != 3:
        hint = "already prepared? then use them as they are" if images.is_floating_point() else \
            "one image? pass images[i:i + 1]"
        raise ValueError(f"prepare takes raw uint8 images of shape (B, 28, 28), like data.train_images; got "
                         f"{images.dtype} of shape {tuple(images.shape)} ({hint})")
    x = images.unsqueeze(1).float().div_(255)
    if image_size != x.shape[-1]:
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False)
    return (x - MEAN) / STD if normalize else x


def batches(images: torch.Tensor, labels: torch.Tensor, batch_size: int, *, image_size: int = 28,
            shuffle: bool = False, seed: int = 0, epoch: int = 0, device: torch.device | str | None = None,
            normalize: bool = True, drop_last: bool = False,
            steps: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(x, y)`` batches cut from in-memory tensors; the order depends only on ``(seed, epoch)``.

    The one batch stream of the course: uint8 images, prepared (:func:`prepare`) batch by batch. Without
    ``steps``: one pass (epoch ``epoch``). With ``steps``: exactly that many batches, pass after pass (epochs
    ``epoch``, ``epoch + 1``, ...), as the short training runs want.
    """
    if not is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}; d2l uses 256")
    if len(images) != len(labels):
        raise ValueError(f"images and labels must match one to one, got {len(images):,} images and "
                         f"{len(labels):,} labels; pass the same slice of both (e.g. images[:n], labels[:n])")
    if steps is None:
        yield from _one_pass(images, labels, batch_size, image_size, shuffle, seed, epoch, device, normalize,
                             drop_last)
        return
    check_positive(steps=steps)
    if len(labels) < (batch_size if drop_last else 1):
        raise ValueError(f"need at least batch_size={batch_size} images, got {len(labels)}; use a smaller batch")
    done = 0
    for e in itertools.count(epoch):
        for batch in _one_pass(images, labels, batch_size, image_size, shuffle, seed, e, device, normalize,
                               drop_last):
            yield batch
            done += 1
            if done == steps:
                return


def _one_pass(images: torch.Tensor, labels: torch.Tensor, batch_size: int, image_size: int, shuffle: bool,
              seed: int, epoch: int, device: torch.device | str | None, normalize: bool,
              drop_last: bool) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    n = len(labels)
    if shuffle:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    else:
        order = torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size].to(images.device)
        x = images[idx].to(device) if device is not None else images[idx]
        y = labels[idx].to(x.device)
        yield prepare(x, image_size, normalize), y
