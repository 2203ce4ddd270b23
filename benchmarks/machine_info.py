"""What every benchmark record says about where it was made: machine, versions, date, code."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shlex
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
import torchvision

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"  # committed records
BUILD = ROOT / "build"  # git-ignored: where default runs write


def cpu_model() -> str:
    """The CPU's marketing name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    """The GPU's name for CUDA, ``"Apple MPS"``, else the CPU model."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "Apple MPS" if device.type == "mps" else cpu_model()


def device_slug(device: torch.device) -> str:
    """A file-name part: ``cpu``, ``mps``, or the GPU's name in lower case (``nvidia-h200``)."""
    if device.type != "cuda":
        return device.type
    return re.sub(r"[^a-z0-9]+", "-", device_name(device).lower()).strip("-")


def load_average() -> list[float] | None:
    """The 1/5/15-minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def git_commit() -> str | None:
    """``HEAD``'s commit, with ``+dirty`` if tracked files differ from it (None outside a git checkout)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def machine_info(device: torch.device) -> dict[str, Any]:
    """CPU model, cores, torch threads, versions and the device a run used."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable, "torch_threads": torch.get_num_threads(),
        "device": str(device), "device_name": device_name(device), "platform": platform.platform(),
        "python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
    }


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def shown(path: Path) -> str:
    """``path`` relative to the repository root when inside it (so printed lines name no machine paths)."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def command(module: str, argv: list[str]) -> str:
    """The command that repeats a run, from the repository root: ``python -m benchmarks.degradation --steps 3``.
    (Records made before ``benchmarks`` was a package say ``python benchmarks/degradation.py ...``.)"""
    return shlex.join(["python", "-m", module, *argv])


def run_label(module: str, argv: list[str], label: str, load_at_start: float, started: float) -> dict[str, Any]:
    """How a lesson record was made, in the keys the notebooks print: the command (``module`` run with ``argv``), the
    machine in one line, the load at the start, the caller's ``label``, when it finished and its wall time since
    ``started`` (perf_counter)."""
    return {
        "how": command(module, argv),
        "machine": f"{cpu_model()}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, "
                   f"{torch.get_num_threads()} thread(s)",
        "load_average_at_start": round(load_at_start, 1),
        "label": label,
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_s": round(time.perf_counter() - started, 1),
    }
