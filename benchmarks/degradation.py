"""A longer record of lesson 06's degradation experiment: plain and residual CIFAR-style nets (plus the residual
nets with zero-initialised branches) trained under one recipe on a Fashion-MNIST subset, training error at every
step. Writes a labelled JSON record (how it was made, the machine, the load, the time) that notebook 06 plots
beside its live run. ``--kinds`` trains other nets under the same recipe: ``--kinds residual pre-activation`` made
the record notebook 02 reads (``results/preact-cpu.json``). Run ``python -m benchmarks.degradation --help``; each
committed record's ``info`` says how it was made.
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
from resnet_lib.lessons.plain_vs_residual import KIND_OPTIONS, KINDS, Run, run_degradation, save_record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["full", "sample"], default="full",
                        help="Fashion-MNIST, or the small sample shipped with resnet_lib (for a quick try)")
    parser.add_argument("--train-images", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--width", type=int, default=8, help="channels of the first stage (He et al.: 16)")
    parser.add_argument("--image-size", type=int, default=14)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--depths", type=int, nargs="+", default=[20, 56])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KIND_OPTIONS), metavar="KIND",
                        help=f"the nets to train (default: lesson 06's {', '.join(KINDS)}; "
                             f"known: {', '.join(KIND_OPTIONS)})")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--label", default="", help="a note on the conditions (e.g. 'shared machine')")
    parser.add_argument("--out", type=Path, default=RESULTS / "degradation-cpu.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_fashion_mnist(args.data).subset(train=args.train_images)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()

    def report(run: Run, seed: int, curve) -> None:
        print(f"{run:<22} seed {seed}: training error over the last 20 % of steps {curve.tail_error():.3f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)

    curves = run_degradation(data.train_images, data.train_labels, depths=args.depths, seeds=args.seeds,
                             steps=args.steps, width=args.width, image_size=args.image_size,
                             batch_size=args.batch_size, kinds=args.kinds, on_run=report)
    info = run_label("benchmarks.degradation", sys.argv[1:] if argv is None else argv, args.label, load_before,
                     start)
    info["recipe"] = {"train_images": args.train_images, "steps": args.steps, "batch_size": args.batch_size,
                      "image_size": args.image_size, "width": args.width, "depths": args.depths, "seeds": args.seeds,
                      "kinds": args.kinds, "optimizer": "SGD lr 0.1, momentum 0.9, weight decay 1e-4"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_record(args.out, curves, info)
    print(f"wrote {args.out} in {info['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
