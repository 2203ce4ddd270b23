"""How much memory one student's kernel takes: run each lesson top to bottom in a fresh kernel and sample the
kernel's private (USS), proportional (PSS) and resident (RSS) memory with psutil's ``memory_full_info``.

USS is what each more student adds on a shared server; RSS also counts the shared library pages (libtorch, ...)
which every kernel on one machine maps from the same files and the machine holds once; PSS splits those among the
processes that share them. Writes ``benchmarks/results/kernel_memory-<preset>.json`` with ``--record``.

    python -m benchmarks.kernel_memory --preset cpu --record                 # every lesson
    python -m benchmarks.kernel_memory --preset smoke notebooks/02_residual_block.ipynb
    python -m benchmarks.kernel_memory --python /path/to/cpu-venv/bin/python notebooks/01_function_classes.ipynb

``--python`` runs the kernels with another environment's Python (one with ipykernel and this project installed),
e.g. one with the CPU-only build of PyTorch, as a hub without GPUs would install. ``--beside-another`` measures each
kernel while another process of the same Python holds PyTorch loaded, as on a hub where other students' kernels
share the library pages: alone, every page of libtorch a kernel touches counts as its private memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import psutil
import torch
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from benchmarks.machine_info import BUILD, RESULTS, ROOT, load_average, machine_info, utc_now

MIB = 2**20


class Peak:
    """The peak USS/PSS/RSS of this process's kernel children, sampled every ``interval`` seconds."""

    def __init__(self, interval: float = 0.5):
        self.interval, self.peak = interval, {"uss": 0, "pss": 0, "rss": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            for proc in me.children(recursive=True):
                try:
                    if "ipykernel" not in " ".join(proc.cmdline()):
                        continue
                    mem = proc.memory_full_info()
                except psutil.Error:
                    continue
                for key in self.peak:
                    self.peak[key] = max(self.peak[key], getattr(mem, key))


# another student's kernel: PyTorch (and torchvision where installed) loaded, one step of a small CNN, a figure drawn
ANOTHER_KERNEL = """
import sys, time, torch, matplotlib
try:
    import torchvision
except ImportError:
    pass
matplotlib.use("agg")
import matplotlib.pyplot as plt
net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.Flatten(),
                          torch.nn.Linear(8 * 26 * 26, 10))
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
torch.nn.functional.cross_entropy(net(torch.randn(4, 1, 28, 28)), torch.tensor([0, 1, 2, 3])).backward()
optimizer.step()
plt.plot([1, 2]); plt.savefig("/dev/null", format="png")
print("ready", flush=True)
time.sleep(100000)
"""


@contextmanager
def another_kernel(python: Path) -> Iterator[psutil.Process]:
    """A process of ``python`` holding PyTorch's library pages while the measured kernel runs (killed after)."""
    proc = subprocess.Popen([str(python), "-c", ANOTHER_KERNEL], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{python} could not load PyTorch for the companion process")
        yield psutil.Process(proc.pid)
    finally:
        proc.kill()
        proc.wait(timeout=30)


def kernel_manager(python: Path | None, kernels: Path) -> KernelManager:
    """This environment's ``python3`` kernel, or (``python`` given) a kernel spec in ``kernels`` that starts it."""
    if python is None:
        return KernelManager(kernel_name="python3")
    spec = kernels / "measured"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(python), "-m", "ipykernel_launcher", "-f",
                                                           "{connection_file}"],
                                                  "display_name": f"Python ({python})", "language": "python"}))
    return KernelManager(kernel_name="measured", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))


def measure(path: Path, preset: str, timeout: int, python: Path | None = None,
            beside_another: bool = False) -> dict[str, Any]:
    """Run a temporary copy of ``path`` (the committed notebook is never written) in a fresh kernel, of this
    environment or started by ``python``; with ``beside_another``, while :func:`another_kernel` runs."""
    if beside_another:
        with another_kernel(python or Path(sys.executable)):
            return measure(path, preset, timeout, python)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        nb = nbformat.read(copy, as_version=4)
        os.environ["RESNET_PRESET"] = preset  # the kernel inherits it
        km = kernel_manager(python, Path(tmp) / "kernels")
        client = NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(path.parent)}})
        error = None
        start = time.perf_counter()
        with Peak() as peak:
            try:
                client.execute()
            except CellExecutionError as err:
                error = str(err).strip().splitlines()[-1]
            finally:  # a kernel manager given to nbclient is not shut down by it: one left running would count
                if km.has_kernel:  # in the next lesson's peak
                    km.shutdown_kernel(now=True)
        wall = time.perf_counter() - start
    return {"wall_s": round(wall, 1), "error": error, **{f"peak_{k}_mib": round(v / MIB) for k, v in peak.peak.items()}}


def kernel_torch(python: Path | None) -> str:
    """The PyTorch version (e.g. ``2.13.0+cpu``) the kernels run."""
    if python is None:
        return str(torch.__version__)
    return subprocess.run([str(python), "-c", "import torch; print(torch.__version__)"], capture_output=True,
                          text=True, check=True, timeout=120).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--record", action="store_true", help="write benchmarks/results/kernel_memory-<preset>.json")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--label", default="", help="a note on the machine's state, kept in the record")
    parser.add_argument("--python", type=Path, help="run the kernels with this Python (another environment)")
    parser.add_argument("--beside-another", action="store_true",
                        help="measure while another process holds PyTorch loaded (as other students' kernels do)")
    parser.add_argument("--name", default="", help="added to the record's file name: kernel_memory-<preset><name>.json")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    out = args.out or (RESULTS if args.record else BUILD) / f"kernel_memory-{args.preset}{args.name}.json"
    record: dict[str, Any] = {"what": "each lesson's kernel memory (benchmarks/kernel_memory.py)", "label": args.label,
                              "preset": args.preset, "kernel_python": str(args.python or sys.executable),
                              "kernel_torch": kernel_torch(args.python), "beside_another": args.beside_another,
                              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
                              "machine": machine_info(torch.device("cpu")), "load_before": load_average(),
                              "notebooks": {}}
    print("| notebook | wall s | peak USS MiB | PSS MiB | RSS MiB |\n|---|---|---|---|---|")
    for path in notebooks:
        result = record["notebooks"][path.name] = measure(path.resolve(), args.preset, args.timeout, args.python,
                                                          args.beside_another)
        print(f"| {path.stem} | {result['wall_s']} | {result['peak_uss_mib']} | {result['peak_pss_mib']} | "
              f"{result['peak_rss_mib']} |" + (f" error: {result['error']}" if result["error"] else ""), flush=True)
    record.update(load_after=load_average(), finished=utc_now())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"record: {out}")
    return 1 if any(r["error"] for r in record["notebooks"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
