"""One call that makes a run repeatable on the CPU."""

from __future__ import annotations

import random

import torch

from .checks import check_non_negative


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy (if installed) and PyTorch (CPU and every GPU) with ``seed``."""
    check_non_negative(seed=seed)
    random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    try:
        import numpy as np
    except ImportError:  # numpy is optional for torch
        return
    np.random.seed(seed % 2**32)
