"""He et al. 2015's degradation experiment (their Fig. 6) run to the end of training: plain and residual CIFAR-style
nets trained under one recipe with a cosine learning rate that falls to 0, so every curve has flattened, for several
seeds; after every epoch the training error and the test error of the whole sets, with the net in eval mode (as He
et al.'s curves: thin = training, bold = test). Lesson 06 draws its degradation conclusion from this record.

Each (net, seed) run is a job; ``--workers`` jobs run at once, one torch thread each. A finished job is kept in
``--work`` (git-ignored) under a name made from the whole recipe, so an interrupted run continues where it stopped
and a run with another recipe never picks up its results. Run ``python -m benchmarks.degradation_converged --help``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import sys
import time
from pathlib import Path

import torch

from benchmarks.machine_info import BUILD, RESULTS, run_label
from resnet_lib.data import batches, load_fashion_mnist
from resnet_lib.lessons.plain_vs_residual import KIND_OPTIONS, Run, cifar_model
from resnet_lib.record import Record
from resnet_lib.training import evaluate, train_steps


def error(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, image_size: int) -> float:
    """Fraction of ``images`` the net gets wrong, in eval mode."""
    return (evaluate(net, images, labels, image_size) != labels).float().mean().item()


def run_job(job: dict) -> dict:
    """Train one net for one seed; return its per-epoch errors and per-step losses."""
    torch.set_num_threads(1)
    r = job["recipe"]
    data = load_fashion_mnist(job["data"]).subset(train=r["train_images"], test=r["test_images"])
    net = cifar_model(job["kind"], job["depth"], r["width"], job["seed"])
    optimizer = torch.optim.SGD(net.parameters(), lr=r["lr"], momentum=0.9, weight_decay=1e-4)
    steps_per_epoch = len(data.train_labels) // r["batch_size"]
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=r["epochs"] * steps_per_epoch)
    out = {"train_error": [], "test_error": [], "losses": []}
    start = time.perf_counter()
    for epoch in range(r["epochs"]):
        stream = batches(data.train_images, data.train_labels, r["batch_size"], image_size=r["image_size"],
                         shuffle=True, seed=job["seed"], epoch=epoch, drop_last=True)
        losses = train_steps(net, optimizer, stream, on_step=lambda step, _: step and scheduler.step())
        out["losses"] += [round(v, 4) for v in losses]
        if not all(math.isfinite(v) for v in losses):
            break
        out["train_error"].append(round(error(net, data.train_images, data.train_labels, r["image_size"]), 5))
        out["test_error"].append(round(error(net, data.test_images, data.test_labels, r["image_size"]), 5))
    out["wall_s"] = round(time.perf_counter() - start, 1)
    return out


def job_file(work: Path, job: dict) -> Path:
    key = hashlib.sha256(json.dumps(job, sort_keys=True).encode()).hexdigest()[:16]
    return work / f"{str(Run(job['kind'], job['depth'])).replace(', ', '-')}-seed{job['seed']}-{key}.json"


def run_and_keep(args: tuple[dict, Path]) -> tuple[dict, dict]:
    job, path = args
    result = run_job(job)
    path.write_text(json.dumps(result))
    return job, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["full", "sample"], default="full",
                        help="Fashion-MNIST, or the small sample shipped with resnet_lib (for a quick try)")
    parser.add_argument("--train-images", type=int, default=10_000)
    parser.add_argument("--test-images", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=0.1, help="the cosine schedule's first learning rate")
    parser.add_argument("--width", type=int, default=8, help="channels of the first stage (He et al.: 16)")
    parser.add_argument("--image-size", type=int, default=14)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--depths", type=int, nargs="+", default=[20, 32, 56])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--kinds", nargs="+", default=["plain", "residual"], choices=list(KIND_OPTIONS), metavar="KIND")
    parser.add_argument("--workers", type=int, default=2, help="jobs at once, one torch thread each")
    parser.add_argument("--label", default="", help="a note on the conditions (e.g. 'other jobs running')")
    parser.add_argument("--work", type=Path, default=BUILD / "degradation_converged")
    parser.add_argument("--out", type=Path, default=RESULTS / "degradation-converged-cpu.json")
    args = parser.parse_args(argv)
    recipe = {"train_images": args.train_images, "test_images": args.test_images, "epochs": args.epochs,
              "lr": args.lr, "width": args.width, "image_size": args.image_size, "batch_size": args.batch_size}
    jobs = [{"data": args.data, "recipe": recipe, "kind": kind, "depth": depth, "seed": seed}
            for seed in args.seeds for kind in args.kinds for depth in args.depths]
    jobs.sort(key=lambda j: -j["depth"])  # longest first, so the pool ends together
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    files = [job_file(args.work, j) for j in jobs]
    results = {i: json.loads(f.read_text()) for i, f in enumerate(files) if f.is_file()}
    todo = [(j, f) for i, (j, f) in enumerate(zip(jobs, files, strict=True)) if i not in results]
    print(f"{len(jobs)} runs, {len(results)} already done in {args.work}", flush=True)
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        for job, result in pool.imap_unordered(run_and_keep, todo):
            results[jobs.index(job)] = result
            print(f"{str(Run(job['kind'], job['depth'])):<12} seed {job['seed']}: final training error "
                  f"{result['train_error'][-1]:.3f}, test error {result['test_error'][-1]:.3f} "
                  f"({result['wall_s']:.0f} s; {time.perf_counter() - start:.0f} s so far)", flush=True)
    torch.set_num_threads(1)
    info = run_label("benchmarks.degradation_converged", sys.argv[1:] if argv is None else argv, args.label,
                     load_before, start)
    info["machine"] = info["machine"].replace("1 thread(s)", f"{args.workers} runs at once, 1 thread each")
    info["load_average_at_end"] = round(os.getloadavg()[0], 1)
    info["recipe"] = {**recipe, "depths": args.depths, "seeds": args.seeds, "kinds": args.kinds,
                      "optimizer": f"SGD momentum 0.9, weight decay 1e-4, lr {args.lr} falling to 0 on a cosine "
                                   "over every step",
                      "errors": "after every epoch, of the whole training subset and the test set, net in eval mode"}
    record = Record(info)
    order = sorted(range(len(jobs)),
                   key=lambda i: (args.kinds.index(jobs[i]["kind"]), jobs[i]["depth"], jobs[i]["seed"]))
    for i in order:
        record.add(str(Run(jobs[i]["kind"], jobs[i]["depth"])), jobs[i]["seed"], results[i])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record.save(args.out)
    print(f"wrote {args.out} in {info['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
