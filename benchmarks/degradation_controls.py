"""Lesson 05's question, what makes the deep plain net train worse, answered with controlled runs: the 3- and
50-block MLPs of lesson 05 trained under its recipe, then with one thing changed at a time — a smaller learning
rate, a warm-up, four times the steps; and the residual net with its branches' batch-norm scale starting at 1 (as
well as at 0). Several seeds; the training loss of every step. Writes a labelled JSON record that notebook 05 plots.
Run ``python -m benchmarks.degradation_controls --help``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

from benchmarks.machine_info import RESULTS, run_label
from resnet_lib.data import load_fashion_mnist
from resnet_lib.lessons.degradation import control_name, final_loss
from resnet_lib.lessons.gradients import VARIANTS, DeepMLP
from resnet_lib.record import Record
from resnet_lib.training import short_run

# each control: the net and the change from lesson 05's recipe (lr 0.02, momentum 0.9, batch 128); "steps" is a
# multiple of --steps
CONTROLS: dict[str, tuple[str, dict]] = {
    "plain+BN": ("plain+BN", {}),
    "plain+BN, lr 0.005": ("plain+BN", {"lr": 0.005}),
    "plain+BN, warm-up": ("plain+BN", {"warmup": 50}),
    "plain+BN, 4x steps": ("plain+BN", {"steps": 4}),
    "residual+BN, γ=0": ("residual+BN, γ=0", {}),
    "residual+BN, γ=1": ("residual+BN", {}),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["full", "sample"], default="full")
    parser.add_argument("--train-images", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--depths", type=int, nargs=2, default=[3, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=RESULTS / "degradation_controls-cpu.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_fashion_mnist(args.data).subset(train=args.train_images)
    load_before, start = os.getloadavg()[0], time.perf_counter()
    record = Record()
    for name, (variant, change) in CONTROLS.items():
        options = {"lr": 0.02, **change}
        options["steps"] = args.steps * options.get("steps", 1)
        for depth in args.depths:
            for seed in args.seeds:
                torch.manual_seed(seed)
                losses = short_run(DeepMLP(depth, **VARIANTS[variant]), data.train_images, data.train_labels, seed=seed,
                                   **options)
                record.add(control_name(name, depth), seed, {"losses": [round(v, 4) for v in losses]})
                print(f"{name:<20} {depth:>3} blocks, seed {seed}: final loss {final_loss(losses):.3f} "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
    info = run_label("benchmarks.degradation_controls", sys.argv[1:] if argv is None else argv, args.label, load_before,
                     start)
    info["recipe"] = {"train_images": args.train_images, "batch_size": 128, "steps": args.steps, "depths": args.depths,
                      "seeds": args.seeds, "width": 32, "optimizer": "SGD lr 0.02, momentum 0.9 unless the run's "
                      "name says otherwise; warm-up: lr rises linearly over the first 50 steps"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record.info = info
    record.save(args.out)
    print(f"wrote {args.out} in {info['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
