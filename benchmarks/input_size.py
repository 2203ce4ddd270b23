"""Input size vs accuracy: ResNet-18 (width 16) trained on Fashion-MNIST at 28, 48 and 96 px with one plan.

Every run sees the same training images in the same order, for the same number of steps, with the same recipe
and seeds; only the input size (the images are resized bilinearly) changes. Rounds go seed by seed, size by size,
so machine load falls on every size alike. Writes ``benchmarks/results/input_size-cpu.json`` (lesson 03 loads it).
Run: ``python -m benchmarks.input_size --notes "what the machine was doing"``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch

from resnet_lib.data import load_fashion_mnist
from resnet_lib.lessons.input_size import RECORD, SizePlan, SizeRecord, run_size


def main(argv: list[str] | None = None) -> SizeRecord:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = SizePlan()
    parser.add_argument("--train-images", type=int, default=defaults.train_images)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--notes", default="", help="what else the machine was doing")
    parser.add_argument("--out", type=Path, default=RECORD)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    plan = SizePlan(train_images=args.train_images, epochs=args.epochs)
    data = load_fashion_mnist("full", allow_download=False)
    record = SizeRecord(plan, info={
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "device": "cpu", "threads": args.threads,
        "cpus": os.cpu_count(), "machine": platform.machine(), "torch": torch.__version__,
        "data": "Fashion-MNIST (all 60,000 / 10,000 images; the first ones used)", "notes": args.notes,
        "load_average_at_start": os.getloadavg()[0],
    })
    for seed in plan.seeds:
        for size in plan.sizes:
            run = run_size(data, plan, size, seed)
            record.runs.append(run)
            print(f"{size:>3} px seed {seed}: test acc {run.test_acc}, {sum(run.train_s):.0f} s", flush=True)
            record.save(args.out)  # a partial record survives an interrupted run
    record.info["load_average_at_end"] = os.getloadavg()[0]
    record.save(args.out)
    print(f"wrote {args.out}")
    return record


if __name__ == "__main__":
    main()
