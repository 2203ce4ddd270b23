"""The improved recipe of lesson 04, trained exactly as the notebook trains it in one preset, once per seed: does
its test accuracy hold beyond the notebook's one seed? Writes a labelled JSON record (how, machine, load, every
run's history) to ``benchmarks/results/improved_seeds-<preset>.json``; notebook 04 prints it under its own run.
Run ``python -m benchmarks.improved_seeds --help``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from benchmarks.machine_info import RESULTS, command, load_average, machine_info, utc_now
from resnet_lib import PRESETS, resnet18
from resnet_lib.data import load_fashion_mnist
from resnet_lib.device import pick_device
from resnet_lib.lessons.plans import lesson04_plan
from resnet_lib.seeding import seed_everything
from resnet_lib.training import Recipe, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="cpu", choices=sorted(PRESETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, help="epochs (default: lesson 04's improved_epochs for the preset)")
    parser.add_argument("--train-limit", type=int, help="training images (default: the preset's)")
    parser.add_argument("--label", default="", help="a note on the conditions (e.g. 'shared machine')")
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/improved_seeds-<preset>.json")
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset]
    data = load_fashion_mnist(preset.data).subset(args.train_limit or preset.train_limit, preset.test_limit)
    plan = lesson04_plan(preset)
    recipe = Recipe.from_settings(preset, improved=True, epochs=args.epochs or plan.improved_epochs)
    device = pick_device(None)
    load_before, start = load_average(), time.perf_counter()
    runs = {}
    for seed in args.seeds:
        seed_everything(seed)
        history = train(resnet18(width=plan.train_width), data, dataclasses.replace(recipe, seed=seed),
                        progress=False)
        runs[str(seed)] = dataclasses.asdict(history)
        print(f"seed {seed}: test accuracy {history.test_acc[-1]:.4f} after {history.epochs_done} epochs "
              f"({sum(history.wall_s):.0f} s)", flush=True)
    record = {
        "how": command("benchmarks.improved_seeds", sys.argv[1:] if argv is None else argv),
        "preset": preset.name, "recipe": dataclasses.asdict(recipe), "width": plan.train_width,
        "data": f"{len(data.train_labels):,} train / {len(data.test_labels):,} test images",
        "date": utc_now(), "machine": machine_info(device),
        "load_average": {"before": load_before, "after": load_average()}, "label": args.label,
        "wall_s": round(time.perf_counter() - start, 1), "runs": runs,
    }
    out = args.out or RESULTS / f"improved_seeds-{preset.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"record: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
