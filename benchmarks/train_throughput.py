"""Training throughput: a d2l-style input pipeline vs resnet_lib's, same model, resolution and device.

(a) d2l: torchvision ``FashionMNIST`` read from a root directory, per-image ``Resize`` + ``ToTensor``,
    ``DataLoader(num_workers=4)``, a plain SGD loop.
(b) resnet_lib: the images as one uint8 tensor on the device, resized per batch by ``resnet_lib.data.batches``,
    trained by ``resnet_lib.training.train`` (bf16 autocast and channels-last on CUDA).

Rounds alternate (a), (b), (a), (b) … so both see the same machine load; each round trains a fresh ResNet-18 for
one pass over the same ``--images`` training images and times the whole pass (wall clock, loader included).
Prints both medians, writes JSON, and ends with ``ratio: <b/a>``. Run: ``make bench`` or
``python benchmarks/train_throughput.py --help``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import transforms

from resnet_lib import pick_device, resnet18, seed_everything
from resnet_lib.data import FILES, FashionMNIST, load_fashion_mnist, write_sample
from resnet_lib.training import Recipe, train

RESULTS = Path(__file__).parent / "results"


def torchvision_root(data: FashionMNIST, directory: Path) -> Path:
    """Lay ``data`` out as torchvision expects (``<root>/FashionMNIST/raw/<decompressed IDX files>``)."""
    raw = directory / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    write_sample(data, raw)  # gzipped IDX files + SHA256SUMS
    for name in FILES.values():
        (raw / name).write_bytes(gzip.decompress((raw / f"{name}.gz").read_bytes()))
    return directory


def d2l_pass(root: Path, n: int, size: int, batch_size: int, lr: float, device: torch.device) -> float:
    """(a) One pass over the first ``n`` training images, d2l style; returns examples/s."""
    trans = transforms.Compose([transforms.Resize(size), transforms.ToTensor()])
    dataset = Subset(torchvision.datasets.FashionMNIST(str(root), train=True, transform=trans), range(n))
    net = resnet18().to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    net.train()
    for X, y in DataLoader(dataset, batch_size, shuffle=True, num_workers=4):
        X, y = X.to(device), y.to(device)
        loss = loss_fn(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # d2l's loop reads the loss every batch
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n / (time.perf_counter() - start)


def resnet_lib_pass(data: FashionMNIST, size: int, batch_size: int, lr: float, device: torch.device) -> float:
    """(b) The same pass with resnet_lib's pipeline and loop; returns examples/s (training only)."""
    recipe = Recipe(lr=lr, epochs=1, batch_size=batch_size, image_size=size)
    history = train(resnet18(), data, recipe, device=str(device), progress=False)
    return history.examples_per_s[-1]


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=384, help="training images per pass (default 384)")
    parser.add_argument("--rounds", type=int, default=3, help="passes per pipeline, interleaved (default 3)")
    parser.add_argument("--image-size", type=int, default=96, help="resolution, as in the seed (default 96)")
    parser.add_argument("--batch-size", type=int, default=128, help="default 128 (the seed uses 256)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, mps (default auto)")
    parser.add_argument("--json", type=Path, help="where to write the result (default benchmarks/results/)")
    args = parser.parse_args(argv)
    if args.images < args.batch_size or args.rounds < 1:
        parser.error("need --images >= --batch-size and --rounds >= 1")
    device = pick_device(args.device)
    warnings.filterwarnings("ignore", message="This DataLoader will create")  # d2l's 4 workers on 2 cores
    seed_everything(0)
    data = load_fashion_mnist("full").subset(args.images, args.batch_size)
    print(f"{data}; {args.images} images x {args.rounds} rounds, {args.image_size} px, batch {args.batch_size}, "
          f"{device}, torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    rates: dict[str, list[float]] = {"d2l": [], "resnet_lib": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = torchvision_root(data, Path(tmp))
        for r in range(args.rounds):
            rates["d2l"].append(d2l_pass(root, args.images, args.image_size, args.batch_size, 0.05, device))
            rates["resnet_lib"].append(resnet_lib_pass(data, args.image_size, args.batch_size, 0.05, device))
            print(f"round {r + 1}: d2l {rates['d2l'][-1]:.1f}, resnet_lib {rates['resnet_lib'][-1]:.1f} "
                  "examples/s", flush=True)
    medians = {k: statistics.median(v) for k, v in rates.items()}
    ratio = medians["resnet_lib"] / medians["d2l"]
    result = {
        "device": str(device), "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
        else platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
        "torch": torch.__version__, "torchvision": torchvision.__version__, "python": platform.python_version(),
        "data": data.source, "settings": {k: v for k, v in vars(args).items() if k != "json"},
        "examples_per_s": rates, "median_examples_per_s": medians, "ratio": ratio,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = args.json or RESULTS / f"train_throughput-{device.type}-{args.image_size}px.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"d2l pipeline:        {medians['d2l']:.1f} examples/s (median of {args.rounds})")
    print(f"resnet_lib pipeline: {medians['resnet_lib']:.1f} examples/s (median of {args.rounds})")
    print(f"wrote {path.name} to {path.parent.name}/")
    print(f"ratio: {ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main(sys.argv[1:])
