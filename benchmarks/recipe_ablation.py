"""A longer record of lesson 04's ablation: d2l's recipe with each improvement switched on alone, "none" and "all",
on more images, for more epochs and with more seeds than the notebook can afford live. Writes a labelled JSON record
(how it was made, the machine, the load, the time, every run's history) that notebook 04 prints beside its live
table. Run ``python -m benchmarks.recipe_ablation --help``; the committed record's ``info`` says how it was made.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.machine_info import RESULTS, run_label
from resnet_lib import PRESETS, resnet18
from resnet_lib.data import load_fashion_mnist
from resnet_lib.lessons.plans import lesson04_plan
from resnet_lib.lessons.recipe_ablation import one_switch_recipes, run_arms, save_ablation, table, verdict
from resnet_lib.training import Recipe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-images", type=int, default=10_000)
    parser.add_argument("--test-images", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--preset", default="cpu", help="model width and image size come from this preset")
    parser.add_argument("--data", choices=("full", "sample"), default="full")
    parser.add_argument("--label", default="", help="a note on the conditions (e.g. 'shared machine')")
    parser.add_argument("--out", type=Path, default=RESULTS / "recipe_ablation-cpu.json")
    args = parser.parse_args(argv)
    preset = replace(PRESETS[args.preset], batch_size=args.batch_size, epochs=args.epochs)
    data = load_fashion_mnist(args.data).subset(args.train_images, args.test_images)
    arms = one_switch_recipes(Recipe.from_settings(preset), Recipe.from_settings(preset, improved=True))
    width = lesson04_plan(args.preset).train_width
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    results = run_arms(lambda: resnet18(width=width), data, arms, tuple(args.seeds))
    info = run_label("benchmarks.recipe_ablation", sys.argv[1:] if argv is None else argv, args.label, load_before,
                     start)
    info["budget"] = {"train_images": len(data.train_labels), "test_images": len(data.test_labels),
                      "epochs": args.epochs, "batch_size": args.batch_size, "seeds": args.seeds,
                      "width": width, "image_size": preset.image_size}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_ablation(args.out, results, info)
    print(table(results))
    print(verdict(results))
    print(f"wrote {args.out} in {info['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
