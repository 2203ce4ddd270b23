"""Pick the device a run uses: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import torch


def pick_device(name: str | None = None) -> torch.device:
    """``None`` or ``"auto"`` picks the best available device; otherwise ``"cpu"``, ``"cuda"``, ``"cuda:1"``,
    ``"mps"`` … are checked and returned."""
    if name is None or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"unknown device {name!r}: use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available here; use 'auto' or 'cpu'")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise ValueError(f"device {name!r} requested but this machine has {count} CUDA device(s), "
                         f"cuda:0 to cuda:{count - 1}; use 'cuda' (the first) or one of those")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"device {name!r} requested but Apple MPS is not available here; use 'auto' or 'cpu'")
    if device.type not in {"cpu", "cuda", "mps"}:
        raise ValueError(f"unsupported device {name!r}: use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")
    return device
