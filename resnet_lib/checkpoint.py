"""Checkpoints that survive a crash: one file per epoch end, written atomically (temp file + rename).

A checkpoint holds the model, optimiser (and LR scheduler) state, the history, the epoch and the RNG state.
One directory holds one run: :func:`check_fresh` refuses to start a new run in a directory that already holds
checkpoints (continue that run with ``resume=True``, or give the new run an empty directory), so two runs never
mix. :func:`load_checkpoint` reads the newest one with ``torch.load(weights_only=True)``; a truncated or corrupt
file (its zip archive or a CRC is broken) is reported and the previous one is used. Everything else is a
:class:`CheckpointError` naming the file and the fix: no readable checkpoint left, a file that cannot be read
(permissions), one that is not a resnet_lib checkpoint, or one from another model or run.
"""

from __future__ import annotations

import io
import os
import pickle
import random
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

PATTERN = re.compile(r"^epoch-(\d{4,})\.pt$")
TEMP = re.compile(r"^\.epoch-(\d{4,})\.pt\.tmp$")
KEYS = {"identity", "signature", "epoch", "history", "model", "optimizer", "scheduler", "rng"}


class CheckpointError(ValueError):
    """A checkpoint directory or file cannot be used for this run; the message names it and the fix."""


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
    numbered = [(int(m.group(1)), p) for p in directory.iterdir() if (m := PATTERN.match(p.name))]
    return [p for _, p in sorted(numbered, key=lambda pair: pair[0], reverse=True)]


def check_fresh(directory: str | Path) -> None:
    """Raise :class:`CheckpointError` if ``directory`` already holds checkpoints: a new run must not mix with
    (or delete) an older one."""
    if Path(directory).exists() and not Path(directory).is_dir():
        raise CheckpointError(f"checkpoint={str(directory)!r} is a file, not a directory; pass a directory for "
                              "this run's checkpoints (it is created if missing)")
    found = checkpoints(directory)
    if found:
        raise CheckpointError(
            f"{directory} already holds checkpoints of a run ({', '.join(p.name for p in found)}); continue that "
            "run with resume=True, or give this run an empty directory (or delete the old checkpoints first)"
        )


def save_checkpoint(directory: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any | None, history: dict[str, Any], epoch: int, identity: str,
                    keep: int = 2) -> Path:
    """Write ``epoch-NNNN.pt`` atomically (a crash leaves older files intact); keep the ``keep`` newest and
    remove temp files that a killed run left behind."""
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
    for stale in directory.iterdir():
        if TEMP.match(stale.name):
            stale.unlink()
    return final


def _read(path: Path) -> dict[str, Any] | None:
    """The payload of one checkpoint file, or None (with a warning) when the file is truncated or corrupt."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {path} ({type(exc).__name__}: {exc.strerror or exc}); "
                              "give your user read access to it (or copy the directory somewhere readable) "
                              "and resume again") from exc
    try:
        broken = zipfile.ZipFile(io.BytesIO(raw)).testzip()  # every member's CRC
    except (zipfile.BadZipFile, EOFError) as exc:
        broken = f"not a complete zip archive: {exc}"
    if broken is not None:
        warnings.warn(f"checkpoint {path.name} is truncated or corrupt ({broken}); trying the previous one",
                      stacklevel=3)
        return None
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{path} holds objects other than tensors and plain data, so it was not written by resnet_lib and "
            "torch.load(weights_only=True) refuses it; move it out of the checkpoint directory (load it with "
            "weights_only=False only if you trust its source)") from exc
    if not isinstance(payload, dict) or not KEYS <= payload.keys():
        raise CheckpointError(f"{path} is a PyTorch file but not a resnet_lib checkpoint (it lacks "
                              f"{sorted(KEYS - set(payload) if isinstance(payload, dict) else KEYS)}); move it "
                              "out of the checkpoint directory")
    return payload


def load_checkpoint(directory: str | Path, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any | None, identity: str) -> dict[str, Any] | None:
    """Restore the newest readable checkpoint into ``model``/``optimizer``/``scheduler`` and the RNGs;
    return its payload (``epoch``, ``history`` …), or None when the directory holds none.

    A truncated or corrupt file is skipped with a warning; if none is left, :class:`CheckpointError`."""
    found = checkpoints(directory)
    for path in found:
        payload = _read(path)
        if payload is None:
            continue
        if payload["signature"] != _signature(model):
            raise CheckpointError(f"checkpoint {path.name} was saved from a different model; resume with the "
                                  "same architecture, or start afresh (resume=False in an empty directory)")
        if payload["identity"] != identity:
            raise CheckpointError(f"checkpoint {path.name} belongs to another run ({payload['identity']!r}, "
                                  f"not {identity!r}); use the same preset and recipe, or start afresh "
                                  "(resume=False in an empty directory)")
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(payload["scheduler"])
        _set_rng_state(payload["rng"])
        return payload
    if found:
        raise CheckpointError(f"every checkpoint in {directory} is truncated or corrupt "
                              f"({', '.join(p.name for p in found)}); nothing can be resumed: delete them and "
                              "start afresh (resume=False), or restore them from a backup")
    return None
