"""The embedded sample (``resnet_lib/sample``): a class-balanced subset of the full set, written as gzipped IDX
files with their checksums (``python -m resnet_lib.data --write-sample`` rebuilds it)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import torch

from .fashion_mnist import CLASSES, FILES, SAMPLE_DIR, FashionMNIST


def make_sample(full: FashionMNIST, train_per_class: int = 300, test_per_class: int = 100,
                seed: int = 0) -> FashionMNIST:
    """A class-balanced random subset of ``full``, shuffled (used to build the embedded sample)."""
    g = torch.Generator().manual_seed(seed)

    def pick(labels: torch.Tensor, per_class: int) -> torch.Tensor:
        chosen = [torch.nonzero(labels == c).flatten() for c in range(len(CLASSES))]
        chosen = [idx[torch.randperm(len(idx), generator=g)[:per_class]] for idx in chosen]
        joined = torch.cat(chosen)
        return joined[torch.randperm(len(joined), generator=g)]

    tr, te = pick(full.train_labels, train_per_class), pick(full.test_labels, test_per_class)
    return FashionMNIST(full.train_images[tr], full.train_labels[tr], full.test_images[te], full.test_labels[te],
                        source="embedded sample")


def _idx_bytes(t: torch.Tensor) -> bytes:
    header = bytes([0, 0, 0x08, t.dim()]) + b"".join(int(s).to_bytes(4, "big") for s in t.shape)
    return header + t.to(torch.uint8).contiguous().numpy().tobytes()


def write_sample(ds: FashionMNIST, directory: Path = SAMPLE_DIR) -> None:
    """Write ``ds`` as four gzipped IDX files plus ``SHA256SUMS`` into ``directory``."""
    sums = []
    for field, name in FILES.items():
        raw = _idx_bytes(getattr(ds, field))
        (directory / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
        sums.append(f"{hashlib.sha256(raw).hexdigest()}  {name}\n")
    (directory / "SHA256SUMS").write_text("".join(sums))
