"""Record a real run of lesson 04's ``full`` preset (d2l's recipe and size) on a GPU, labelled with its machine.

Trains ``resnet18()`` (width 64) with ``Recipe.from_settings(get_preset("full"))`` — plain SGD, lr 0.05, batch 256,
96 px, 10 epochs — on all of Fashion-MNIST, and writes the per-epoch History plus the machine to
``benchmarks/results/full-run-<device>.json`` (notebook 04 plots such a record beside the learner's run).
Without CUDA or Apple MPS it refuses (the run takes hours on a CPU) unless ``--allow-cpu``. A run that changes the
preset (``--epochs``, ``--train-limit``, ``--test-limit``, ``--data sample``) or runs on the CPU is a trial: it is
written to build/gpu-record/ (git-ignored) unless ``--out`` says otherwise. Run: ``make gpu-record``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.machine_info import BUILD, RESULTS, device_slug, git_commit, load_average, machine_info, shown, utc_now
from resnet_lib.data import load_fashion_mnist
from resnet_lib.device import pick_device
from resnet_lib.models import resnet18
from resnet_lib.presets import get_preset
from resnet_lib.training import Recipe, train

WIDTH = 64  # d2l's ResNet-18


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--device", default="auto", help="auto (default: CUDA, then MPS), cuda, cuda:N, mps, cpu")
    parser.add_argument("--allow-cpu", action="store_true", help="run even without a GPU (hours for the full run)")
    parser.add_argument("--epochs", type=int, help="epochs (default: the preset's 10)")
    parser.add_argument("--train-limit", type=int, help="training images used (default: all)")
    parser.add_argument("--test-limit", type=int, help="test images evaluated (default: all)")
    parser.add_argument("--data", choices=("full", "sample"), default="full",
                        help="full Fashion-MNIST (default) or the embedded 3,000-image sample")
    parser.add_argument("--out", type=Path, help="directory for the record (default: see above)")
    args = parser.parse_args(argv)
    for name in ("epochs", "train_limit", "test_limit"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    device = pick_device(args.device)
    if device.type == "cpu" and not args.allow_cpu:
        sys.exit("error: no GPU here (neither CUDA nor Apple MPS): the full preset trains for hours on a CPU. "
                 "Run `make gpu-record` on a GPU machine, or add --allow-cpu (with e.g. --epochs 1 --train-limit 512 "
                 "for a quick trial).")
    preset = get_preset("full")
    recipe = Recipe.from_settings(preset)
    if args.epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=args.epochs)
    deviations = [f"{flag} {value}" for flag, value in (
        ("--epochs", args.epochs), ("--train-limit", args.train_limit), ("--test-limit", args.test_limit),
        ("--data", None if args.data == "full" else args.data)) if value is not None]
    deviations += ["on the CPU"] if device.type == "cpu" else []
    data = load_fashion_mnist(args.data).subset(args.train_limit or preset.train_limit,
                                                args.test_limit or preset.test_limit)
    print(f"{preset}\n{data}; {device} ({machine_info(device)['device_name']})"
          + (f"; trial, not the full run: {', '.join(deviations)}" if deviations else ""), flush=True)
    load_before, started = load_average(), time.perf_counter()
    torch.manual_seed(recipe.seed)
    net = resnet18(width=WIDTH)
    model = {"name": "resnet18", "width": WIDTH, "parameters": sum(p.numel() for p in net.parameters())}
    history = train(net, data, recipe, device=str(device), identity=preset.name)
    record = {
        "record": "full-run", "preset": preset.name, "date": utc_now(), "machine": machine_info(device),
        "load_average": {"before": load_before, "after": load_average()}, "data": data.source, "model": model,
        "deviations": deviations, "wall_s": round(time.perf_counter() - started, 1),
        "history": dataclasses.asdict(history), "code": {"commit": git_commit()},
    }
    directory = args.out or (BUILD / "gpu-record" if deviations else RESULTS)
    path = directory / f"full-run-{device_slug(device)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{history.summary()}\nrecord: {shown(path)}")
    return record


if __name__ == "__main__":
    main(sys.argv[1:])
