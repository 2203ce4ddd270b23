"""What a trained classifier gets wrong: the confusion matrix, the most-confused pairs, and their examples."""

from __future__ import annotations

import torch


def confusion_matrix(labels: torch.Tensor, preds: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """``cm[t, p]`` = how many examples of true class ``t`` were predicted as ``p``."""
    if labels.shape != preds.shape:
        raise ValueError(f"labels and preds must have the same shape, got {tuple(labels.shape)} and "
                         f"{tuple(preds.shape)}; pass one prediction per label")
    for name, t in (("labels", labels), ("preds", preds)):
        if t.numel() and not (0 <= int(t.min()) and int(t.max()) < num_classes):
            raise ValueError(f"{name} must be class indices 0..{num_classes - 1}, but they range over "
                             f"{int(t.min())}..{int(t.max())}; pass num_classes={int(t.max()) + 1} if there are "
                             "that many classes, or pass class indices (e.g. logits.argmax(1)), not scores")
    flat = labels.long().cpu() * num_classes + preds.long().cpu()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def most_confused(cm: torch.Tensor, k: int = 5) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal cells as ``(true, predicted, count)``, largest first."""
    off = cm.clone()
    off.fill_diagonal_(-1)
    counts, flat = torch.sort(off.flatten(), descending=True, stable=True)
    n = cm.shape[0]
    return [(int(i) // n, int(i) % n, int(c)) for c, i in zip(counts[:k], flat[:k], strict=True) if c > 0]


def mistakes_of(labels: torch.Tensor, preds: torch.Tensor, pairs: list[tuple[int, int, int]]) -> torch.Tensor:
    """Indices of the examples whose (true, predicted) pair is one of ``pairs``, pair by pair."""
    found = [torch.nonzero((labels.cpu() == t) & (preds.cpu() == p)).flatten() for t, p, _ in pairs]
    return torch.cat(found) if found else torch.empty(0, dtype=torch.long)
