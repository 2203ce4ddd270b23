"""Checkpoints that survive a crash: one file per epoch end, written atomically (temp file + rename).

A checkpoint holds the model, optimiser (and LR scheduler) state, the history, the epoch and the RNG state.
:func:`load_checkpoint` reads the newest one with ``torch.load(weights_only=True)``; a truncated or corrupt
file is reported and the previous one is used; one from another model or run is refused with a ValueError.
"""

from __future__ import annotations

import os
import random
import re
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

PATTERN = re.compile(r"^epoch-(\d{4,})\.pt$")


def _signature(model: nn.Module) -> list[str]:
    return [f"{name}:{tuple(t.shape)}" for name, t in model.state_dict().items()]


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def checkpoints(directory: str | Path) -> list[Path]:
    """The checkpoint files in ``directory``, newest (highest epoch) first; temp files are ignored."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if PATTERN.match(p.name)]
    return sorted(found, key=lambda p: int(PATTERN.match(p.name).group(1)), reverse=True)


def save_checkpoint(directory: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any | None, history: dict[str, Any], epoch: int, identity: str,
                    keep: int = 2) -> Path:
    """Write ``epoch-NNNN.pt`` atomically (a crash leaves older files intact); keep the ``keep`` newest."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "identity": identity, "signature": _signature(model), "epoch": epoch, "history": history,
        "model": model.state_dict(), "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None, "rng": _rng_state(),
    }
    final = directory / f"epoch-{epoch:04d}.pt"
    tmp = directory / f".{final.name}.tmp"
    with open(tmp, "wb") as f:
        torch.save(payload, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)  # atomic on POSIX and Windows: readers see the old file or the new one, never half
    for old in checkpoints(directory)[keep:]:
        old.unlink()
    return final


def load_checkpoint(directory: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any | None, identity: str) -> dict[str, Any] | None:
    """Restore the newest readable checkpoint into ``model``/``optimizer``/``scheduler`` and the RNGs;
    return its payload (``epoch``, ``history`` …), or None when the directory holds none."""
    for path in checkpoints(directory):
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # truncated zip, bad pickle, I/O error: fall back to the previous checkpoint
            warnings.warn(f"checkpoint {path.name} is truncated or corrupt ({type(exc).__name__}); "
                          "trying the previous one", stacklevel=2)
            continue
        if payload.get("signature") != _signature(model):
            raise ValueError(f"checkpoint {path.name} was saved from a different model; resume with the same "
                             "architecture, or start afresh (resume=False or another checkpoint directory)")
        if payload.get("identity") != identity:
            raise ValueError(f"checkpoint {path.name} belongs to another run ({payload.get('identity')!r}, "
                             f"not {identity!r}); use the same preset and recipe, or start afresh "
                             "(resume=False or another checkpoint directory)")
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(payload["scheduler"])
        _set_rng_state(payload["rng"])
        return payload
    return None
