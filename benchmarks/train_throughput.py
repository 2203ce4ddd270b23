"""Training throughput at d2l's size: d2l's input pipeline vs resnet_lib's, same model, same step, same device.

Sides (both over the same verified Fashion-MNIST images):
  d2l         torchvision ``FashionMNIST`` (read from IDX files laid out as torchvision expects) + ``Resize`` +
              ``ToTensor``, ``DataLoader(shuffle=True, num_workers=4)``, each batch then moved to the device.
  resnet_lib  the uint8 images held in memory on the device, cut, resized and normalised per batch on the device
              by ``resnet_lib.data.batches``.

Three figures per side, in images/s:
  input pipeline  batches delivered, resized, normalised and on the device; no training;
  training step   forward, loss, backward, SGD step and reading loss and accuracy (one function, both sides) on
                  batches prepared beforehand; on CUDA resnet_lib's side runs channels-last, as its training does;
  end to end      the pipeline feeding the step, as in a training epoch.

Timing boundaries, the same on both sides: a timed pass starts before its loader is built and stops once the last
batch is done on the device, so loader construction and worker start-up and shut-down are INSIDE the clock on
both sides (d2l starts its 4 workers anew for every pass, as for every epoch); reading the dataset into memory and
building the model and optimiser are OUTSIDE on both sides. Precision is the same on both sides: fp32, or bf16
autocast on CUDA.

Protocol: one untimed warm-up pass per side and figure, then ``--rounds`` rounds; in each round every figure is
measured once per side, d2l first in odd rounds, resnet_lib first in even ones. The training step is a repeated
callable, one SGD step on the next prepared batch, timed by ``torch.utils.benchmark.Timer.blocked_autorange`` for
``--step-seconds`` per side and round (a fresh model each round). The input pipeline and end to end are one pass
over a loader each round: a call that cannot be repeated back to back as Timer does (``timeit`` runs its statement
twice more as warm-up, ``blocked_autorange`` at least once more to size its blocks: two or three passes of up to
60,000 images, with the workers started anew, per measured one), so each pass is timed once by the clock and kept
as a ``torch.utils.benchmark.Measurement`` of one call. Statistics are the Measurement's, over every timed call of
every round (merged): per side the median seconds per call and its interquartile range; images/s = images per call
/ median. Printed: images/s median (IQR as % of the median) per side and the ratio resnet_lib / d2l (of the
medians; its spread is over the per-round ratios).

``make bench`` writes the JSON record to build/ (git-ignored); ``make bench-record`` (``--record``) writes the
committed one, ``benchmarks/results/train_throughput-<device>-<size>px.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn
from torch.utils import benchmark
from torch.utils.data import DataLoader, Subset
from torchvision import transforms

from benchmarks.machine_info import (
    BUILD,
    RESULTS,
    device_slug,
    file_sha256,
    git_commit,
    load_average,
    machine_info,
    shown,
    utc_now,
)
from resnet_lib.data import batches, load_fashion_mnist
from resnet_lib.device import pick_device
from resnet_lib.models import resnet18

SIDES = ("d2l", "resnet_lib")
FIGURES = ("input pipeline", "training step", "end to end")
DEFAULTS = {"image_size": 96, "width": 64, "batch_size": 256, "pipeline_images": 60_000, "train_images": 2_048,
            "warmup_images": 512, "rounds": 3, "step_seconds": 20.0}
TINY = {"image_size": 32, "width": 8, "batch_size": 16, "pipeline_images": 256, "train_images": 64,
        "warmup_images": 32, "rounds": 2, "step_seconds": 0.2}
LR = 0.05  # d2l's
WORKERS = 4  # d2l's load_data_fashion_mnist

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


def write_torchvision_root(images: torch.Tensor, labels: torch.Tensor, root: Path) -> Path:
    """Write ``images``/``labels`` as the raw IDX files torchvision's ``FashionMNIST(root)`` reads (its layout
    ``<root>/FashionMNIST/raw/``; the test files are the first 10 training examples, never read here)."""
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, (x, y) in {"train": (images, labels), "t10k": (images[:10], labels[:10])}.items():
        for kind, t in (("images-idx3", x), ("labels-idx1", y)):
            header = bytes([0, 0, 0x08, t.dim()]) + b"".join(int(s).to_bytes(4, "big") for s in t.shape)
            (raw / f"{prefix}-{kind}-ubyte").write_bytes(header + t.to(torch.uint8).contiguous().numpy().tobytes())
    return root


class Step:
    """One SGD training step on a fresh ResNet-18: the same code for both sides."""

    def __init__(self, width: int, device: torch.device, memory_format: torch.memory_format, seed: int = 0):
        torch.manual_seed(seed)
        self.net = resnet18(width=width).to(device, memory_format=memory_format)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=LR)
        self.loss_fn = nn.CrossEntropyLoss()
        self.memory_format = memory_format
        self.device = device
        self.net.train()

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        with autocast(self.device):
            logits = self.net(x.contiguous(memory_format=self.memory_format))
            loss = self.loss_fn(logits, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        loss.item(), (logits.argmax(1) == y).sum().item()  # both training loops read these every batch


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA (as resnet_lib trains there), nothing elsewhere; used by both sides."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def timed_pass(loader: Callable[[], Batches], device: torch.device, step: Step | None = None) -> float:
    """Seconds of one pass: build the loader, move each batch to the device, train on it if ``step``."""
    start = time.perf_counter()
    for x, y in loader():
        x, y = x.to(device), y.to(device)
        if step is not None:
            step(x, y)
    synchronize(device)
    return time.perf_counter() - start


def one_call(seconds: float, figure: str, side: str) -> benchmark.Measurement:
    """A pass timed once, as a Measurement of one call (merged with the other rounds' for its statistics)."""
    spec = benchmark.TaskSpec(stmt=f"one {figure} pass", setup="", label=figure, sub_label=side,
                              num_threads=torch.get_num_threads())
    return benchmark.Measurement(number_per_run=1, raw_times=[seconds], task_spec=spec)


class Bench:
    """The two pipelines over the first images of one data set, at one size, on one device."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, root: Path, args: argparse.Namespace,
                 device: torch.device):
        self.args, self.device = args, device
        trans = transforms.Compose([transforms.Resize(args.image_size), transforms.ToTensor()])  # d2l's
        self.tv_dataset = torchvision.datasets.FashionMNIST(str(root), train=True, transform=trans)
        self.images, self.labels = images.to(device), labels.to(device)
        self.passes = 0  # resnet_lib's shuffle changes from pass to pass, as from epoch to epoch
        self.memory_format = {"d2l": torch.contiguous_format,
                              "resnet_lib": torch.channels_last if device.type == "cuda" else torch.contiguous_format}
        self.prepared: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def loader(self, side: str, n: int) -> Callable[[], Batches]:
        """A function that builds ``side``'s loader over the first ``n`` images (called inside the clock)."""
        self.passes += 1
        size, epoch = self.args.batch_size, self.passes
        if side == "d2l":
            return lambda: DataLoader(Subset(self.tv_dataset, range(n)), size, shuffle=True, num_workers=WORKERS)
        return lambda: batches(self.images[:n], self.labels[:n], size, image_size=self.args.image_size,
                               shuffle=True, epoch=epoch)

    def images_per_call(self, figure: str) -> int:
        """Images in one timed call of ``figure``: a pass, or one training step."""
        return {"input pipeline": self.args.pipeline_images, "end to end": self.args.train_images,
                "training step": self.args.batch_size}[figure]

    def warm_up(self, figure: str, side: str) -> None:
        """One untimed pass of ``figure`` for ``side`` over ``--warmup-images`` images."""
        n = self.args.warmup_images
        step = None if figure == "input pipeline" else Step(self.args.width, self.device, self.memory_format[side])
        if figure == "training step":
            prepared = self.batches_for_steps(side)[:max(1, n // self.args.batch_size)]
            timed_pass(lambda: prepared, self.device, step)
        else:
            timed_pass(self.loader(side, n), self.device, step)

    def batches_for_steps(self, side: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``side``'s whole batches of the first ``--train-images`` images on the device, made once, untimed."""
        if side not in self.prepared:
            make = self.loader(side, self.args.train_images)
            self.prepared[side] = [(x.to(self.device), y.to(self.device)) for x, y in make()
                                   if len(y) == self.args.batch_size]
        return self.prepared[side]

    def run(self, figure: str, side: str) -> benchmark.Measurement:
        """One round of ``figure`` for ``side``: a timed pass, or SGD steps on a fresh model timed by
        ``Timer.blocked_autorange`` (seconds per step)."""
        if figure == "input pipeline":
            return one_call(timed_pass(self.loader(side, self.args.pipeline_images), self.device), figure, side)
        step = Step(self.args.width, self.device, self.memory_format[side])
        if figure == "end to end":
            return one_call(timed_pass(self.loader(side, self.args.train_images), self.device, step), figure, side)
        timer = benchmark.Timer("step(*next(batches))", label=figure, sub_label=side,
                                globals={"step": step, "batches": itertools.cycle(self.batches_for_steps(side))},
                                num_threads=torch.get_num_threads())  # Timer's default is 1 thread
        return timer.blocked_autorange(min_run_time=self.args.step_seconds)


def side_figures(rounds: list[benchmark.Measurement], images: int) -> dict[str, Any]:
    """One side's figure from its rounds' Measurements, merged: images/s at the median seconds per call, the IQR
    as % of the median, each round's images/s (at that round's median), and the seconds themselves."""
    [merged] = benchmark.Measurement.merge(rounds)
    return {"median": images / merged.median, "iqr_pct": 100 * merged.iqr / merged.median,
            "rounds": [images / m.median for m in rounds],
            "seconds_per_call": {"median": merged.median, "iqr": merged.iqr, "times": list(merged.times)}}


def summarise(measured: dict[str, dict[str, list[benchmark.Measurement]]], images: dict[str, int]) -> dict[str, Any]:
    """Per figure: each side's :func:`side_figures`, the images per call, the ratio of the medians and the
    per-round ratios."""
    out = {}
    for figure, by_side in measured.items():
        sides = {side: side_figures(rounds, images[figure]) for side, rounds in by_side.items()}
        out[figure] = {
            **sides, "images_per_call": images[figure],
            "ratio": sides["resnet_lib"]["median"] / sides["d2l"]["median"],
            "round_ratios": [b / a for a, b in zip(sides["d2l"]["rounds"], sides["resnet_lib"]["rounds"], strict=True)],
        }
    return out


def report_lines(figures: dict[str, Any], rounds: int, load: dict[str, list[float] | None],
                 cores: int | None) -> list[str]:
    """The printed table, which stage limits each side (the slower of pipeline and step), and how busy the
    machine was (1-minute load average before and after)."""
    def cell(s: dict[str, float]) -> str:
        return f"{s['median']:,.0f} (IQR {s['iqr_pct']:.0f}%)"

    lines = [f"images/s, median (interquartile range, % of the median) over {rounds} rounds; "
             "ratio of the medians [range of the per-round ratios]",
             f"{'':<16}{'d2l':>26}{'resnet_lib':>26}{'resnet_lib / d2l':>24}"]
    for figure, f in figures.items():
        lo, hi = min(f["round_ratios"]), max(f["round_ratios"])
        ratio = f"{f['ratio']:.2f} [{lo:.2f}-{hi:.2f}]"
        lines.append(f"{figure:<16}{cell(f['d2l']):>26}{cell(f['resnet_lib']):>26}{ratio:>24}")
    for side in SIDES:
        pipe, step = figures["input pipeline"][side]["median"], figures["training step"][side]["median"]
        slower = "training step" if step < pipe else "input pipeline"
        lines.append(f"{side}: the slower stage is the {slower} (pipeline {pipe:,.0f} vs step {step:,.0f} images/s, "
                     f"{max(pipe, step) / min(pipe, step):.1f}x)")
    if load["before"] and load["after"]:
        lines.append(f"1-minute load average {load['before'][0]:.1f} before, {load['after'][0]:.1f} after, "
                     f"on {cores} cores")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    for name, help_ in (("image_size", "resolution in px"), ("width", "ResNet-18 stem width (d2l's: 64)"),
                        ("batch_size", "batch size (d2l's: 256)"),
                        ("pipeline_images", "images per input-pipeline pass"),
                        ("train_images", "images per training-step and end-to-end pass"),
                        ("warmup_images", "images per warm-up pass"), ("rounds", "timed rounds"),
                        ("step_seconds", "seconds of training steps per side and round (Timer's min_run_time)")):
        parser.add_argument("--" + name.replace("_", "-"), type=type(DEFAULTS[name]),
                            help=f"{help_} (default {DEFAULTS[name]}; --tiny: {TINY[name]})")
    parser.add_argument("--tiny", action="store_true",
                        help="seconds-long sizes, to check that the script works (its figures mean nothing)")
    parser.add_argument("--data", choices=("full", "sample"), default="full",
                        help="full Fashion-MNIST (default) or the embedded 3,000-image sample")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps (default auto)")
    parser.add_argument("--record", action="store_true",
                        help="write the committed record to benchmarks/results/ (default: build/bench/)")
    parser.add_argument("--out", type=Path, help="write the record into this directory instead")
    parser.add_argument("--notes", default="", help="free text kept in the record (e.g. how busy the machine was)")
    args = parser.parse_args(argv)
    for name, value in (TINY if args.tiny else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.image_size, args.width, args.batch_size, args.warmup_images) < 1 or args.rounds < 2:
        parser.error("sizes must be >= 1 and --rounds >= 2 (a spread needs two rounds)")
    if args.step_seconds <= 0:
        parser.error("--step-seconds must be > 0")
    if min(args.pipeline_images, args.train_images) < args.batch_size:
        parser.error("--pipeline-images and --train-images must be >= --batch-size (a pass needs a whole batch)")
    if args.record and args.out:
        parser.error("--record writes to benchmarks/results/; give either --record or --out, not both")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    device = pick_device(args.device)
    warnings.filterwarnings("ignore", message="This DataLoader will create")  # d2l's 4 workers on fewer cores
    load_before = load_average()
    data = load_fashion_mnist(args.data)
    n = min(len(data.train_labels), max(args.pipeline_images, args.train_images))
    if n < max(args.pipeline_images, args.train_images):
        sys.exit(f"error: {data} has only {n:,} training images; lower --pipeline-images/--train-images")
    images, labels = data.train_images[:n], data.train_labels[:n]
    print(f"{data}; ResNet-18 width {args.width} at {args.image_size} px, batch {args.batch_size}; "
          f"{args.pipeline_images:,} images per pipeline pass, {args.train_images:,} per training pass; "
          f"{device}, torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    measured: dict[str, dict[str, list[benchmark.Measurement]]] = {f: {side: [] for side in SIDES} for f in FIGURES}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(images, labels, write_torchvision_root(images, labels, Path(tmp)), args, device)
        per_call = {figure: bench.images_per_call(figure) for figure in FIGURES}
        for figure in FIGURES:
            for side in SIDES:
                bench.warm_up(figure, side)
        for r in range(args.rounds):
            order = SIDES if r % 2 == 0 else SIDES[::-1]
            for figure in FIGURES:
                for side in order:
                    measured[figure][side].append(bench.run(figure, side))
            print(f"round {r + 1}/{args.rounds} ({order[0]} first): " + "; ".join(
                f"{figure} {per_call[figure] / measured[figure]['d2l'][-1].median:,.0f} / "
                f"{per_call[figure] / measured[figure]['resnet_lib'][-1].median:,.0f}"
                for figure in FIGURES) + " images/s (d2l / resnet_lib)", flush=True)
    figures = summarise(measured, per_call)
    load = {"before": load_before, "after": load_average()}
    lines = report_lines(figures, args.rounds, load, os.cpu_count())
    script = Path(__file__).resolve()
    record = {
        "benchmark": "train_throughput", "date": utc_now(), "machine": machine_info(device),
        "load_average": load, "data": data.source,
        "settings": {**{k: getattr(args, k) for k in DEFAULTS}, "tiny": args.tiny, "workers_d2l": WORKERS, "lr": LR,
                     "precision": "bf16 autocast, both sides" if device.type == "cuda" else "fp32, both sides",
                     "memory_format": {side: str(f).removeprefix("torch.") for side, f in bench.memory_format.items()}},
        "timing": "loader construction and worker start-up/shut-down inside the clock on both sides; dataset "
                  "loading, model and optimiser construction outside on both sides; warm-up passes untimed; rounds "
                  "alternate which side goes first",
        "statistics": "torch.utils.benchmark Measurements, merged over the rounds: median and interquartile range "
                      "of the seconds per call (training step: one SGD step, Timer.blocked_autorange for "
                      "step_seconds per side and round; input pipeline, end to end: one pass per round, timed "
                      "once); images/s = images_per_call / median",
        "figures": figures, "printed": lines, "wall_s": round(time.perf_counter() - started, 1),
        "code": {"commit": git_commit(), "script_sha256": file_sha256(script)}, "notes": args.notes,
    }
    directory = args.out or (RESULTS if args.record else BUILD / "bench")
    path = directory / f"train_throughput-{device_slug(device)}-{args.image_size}px.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    print("\n".join(lines))
    print(f"record: {shown(path)}")
    return record


if __name__ == "__main__":
    main(sys.argv[1:])
