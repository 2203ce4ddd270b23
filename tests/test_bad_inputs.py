"""Wrong calls a learner types into a notebook cell, one row each: the exception's type, and a message that names
the problem and the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest
import torch
from tiny import TinyNet, tiny_data

from resnet_lib import check_exercise, get_preset, pick_device, resnet18
from resnet_lib.blocks import PreActResidual, Residual, resnet_block
from resnet_lib.checkpoint import CheckpointError, save_checkpoint
from resnet_lib.data import DataError, batches, load_fashion_mnist, prepare
from resnet_lib.evaluation import confusion_matrix
from resnet_lib.lessons.plans import lesson05_plan
from resnet_lib.measure import count_flops, stages
from resnet_lib.models import d2l_alexnet
from resnet_lib.training import Recipe, evaluate, train

matplotlib.use("Agg")

RECIPE = Recipe(lr=0.05, epochs=1, batch_size=16, image_size=12)


def sample():
    return tiny_data(64, 32)


def train_tiny(**kwargs) -> Callable[[], object]:
    return lambda: train(TinyNet(), sample(), RECIPE, progress=False, **kwargs)


def used_directory(tmp_path: Path) -> Path:
    net = TinyNet()
    save_checkpoint(tmp_path, model=net, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), scheduler=None,
                    history={}, epoch=1, identity="x")
    return tmp_path


def empty_data():
    data = sample()
    return type(data)(data.train_images[:0], data.train_labels[:0], data.test_images, data.test_labels, "none")


def mistakes_without_mistakes():
    from resnet_lib.ui.mistakes import MistakeBrowser

    return MistakeBrowser(torch.zeros(1, 28, 28), torch.zeros(1), torch.zeros(1), torch.empty(0, dtype=torch.long))


def input_size_explorer(value):
    from resnet_lib.ui.architecture import InputSizeExplorer

    return InputSizeExplorer(value=value)


def gradient_explorer_at(depth):
    from resnet_lib.ui.gradient_explorer import GradientExplorer

    return GradientExplorer(torch.zeros(4, 8), torch.zeros(4, dtype=torch.long), depths=(2, 10), depth=depth)


LABELS = torch.tensor([0, 1, 2, 9])
CASES: list[tuple[str, Callable[..., object], type[Exception], str]] = [
    # blocks
    ("Residual: channels change, no 1x1 conv", lambda: Residual(3, 6), ValueError, r"pass use_1x1conv=True"),
    ("Residual: stride 2, no 1x1 conv", lambda: Residual(3, 3, strides=2), ValueError, r"pass use_1x1conv=True"),
    ("Residual: bools for sizes", lambda: Residual(True, True), ValueError, r"bool True; pass a whole number"),
    ("Residual: stride 0", lambda: Residual(3, 3, True, 0), ValueError, r"strides .* got 0; pass a whole number"),
    ("Residual: 6.0 channels", lambda: Residual(3, 6.0, True), ValueError, r"got 6.0; pass a whole number >= 1"),
    ("PreActResidual: channels change", lambda: PreActResidual(3, 6), ValueError, r"pass use_1x1conv=True"),
    ("resnet_block: not a block", lambda: resnet_block(64, 64, 2, block=Residual(1, 1)), ValueError,
     r"must be a residual block class"),
    ("resnet_block: no residuals", lambda: resnet_block(64, 64, 0), ValueError,
     r"num_residuals .* pass a whole number"),
    # models
    ("resnet18: width 0", lambda: resnet18(width=0), ValueError, r"width .* pass a whole number >= 1"),
    ("resnet18: 10.5 classes", lambda: resnet18(num_classes=10.5), ValueError, r"pass a whole number >= 1"),
    ("resnet18 fed RGB", lambda: resnet18(width=4)(torch.rand(2, 3, 32, 32)), ValueError,
     r"build the model with in_channels=3 or convert the images"),
    ("AlexNet fed 96 px", lambda: d2l_alexnet()(torch.rand(1, 1, 96, 96)), ValueError, r"Resize the images to 224"),
    ("stages of a non-ResNet", lambda: stages(torch.nn.Sequential(torch.nn.Linear(1, 1))), ValueError,
     r"build it with resnet_lib.resnet18\(\)"),
    ("count_flops with (H, W)", lambda: count_flops(resnet18(width=4), (28, 28)), ValueError,
     r"input_shape must be \(channels, height, width\)"),
    # data
    ("unknown data kind", lambda: load_fashion_mnist("tiny"), ValueError, r"use 'sample' or 'full'"),
    ("missing explicit directory", lambda: load_fashion_mnist("full", root="/nonexistent/fashion"), DataError,
     r"explicit directory .* does not exist; set FASHION_MNIST_DIR"),
    ("subset(-5)", lambda: sample().subset(-5), ValueError, r"subset\(train=-5\): pass a number of examples >= 1"),
    ("subset(test=0.5)", lambda: sample().subset(test=0.5), ValueError, r"pass a number of examples >= 1, or None"),
    ("batches: labels one short", lambda: next(batches(sample().train_images, sample().train_labels[:-1], 8)),
     ValueError, r"pass the same slice of both"),
    ("batches: batch_size 0", lambda: next(batches(sample().train_images, sample().train_labels, 0)), ValueError,
     r"batch_size must be a whole number >= 1, got 0; d2l uses 256"),
    ("prepare twice", lambda: prepare(prepare(sample().train_images)), ValueError,
     r"already prepared\? then use them as they are"),
    ("prepare one image", lambda: prepare(sample().train_images[0]), ValueError, r"pass images\[i:i \+ 1\]"),
    # presets
    ("unknown preset", lambda: get_preset("gpu"), ValueError, r"valid presets are smoke, cpu, full"),
    ("unknown lesson-05 plan", lambda: lesson05_plan("huge"), ValueError, r"use one of smoke, cpu, full"),
    # training
    ("Recipe lr 0", lambda: Recipe(lr=0), ValueError, r"lr must be a positive number, got 0; d2l uses 0.05"),
    ("Recipe 0 epochs", lambda: Recipe(epochs=0), ValueError, r"epochs .* got 0; d2l uses epochs=10"),
    ("Recipe batch 2.5", lambda: Recipe(batch_size=2.5), ValueError, r"batch_size .* d2l uses batch_size=256"),
    ("Recipe momentum 1", lambda: Recipe(momentum=1.0), ValueError, r"the improved recipe uses momentum=0.9"),
    ("Recipe momentum as text", lambda: Recipe(momentum="0.9"), ValueError, r"momentum must be a number in \[0, 1\)"),
    ("Recipe seed -1", lambda: Recipe(seed=-1), ValueError, r"seed must be a whole number >= 0, got -1; e.g. seed=0"),
    ("train on a TPU", train_tiny(device="tpu"), ValueError, r"use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"),
    ("train with no training images", lambda: train(TinyNet(), empty_data(), RECIPE, progress=False), ValueError,
     r"pass a larger subset"),
    ("resume without a directory", train_tiny(resume=True), ValueError, r"resume=True needs checkpoint="),
    ("a GPU that is not there", lambda: pick_device(f"cuda:{torch.cuda.device_count() + 7}"), ValueError,
     r"use 'auto' or 'cpu'|use 'cuda' \(the first\)"),
    ("evaluate: labels one short", lambda: evaluate(TinyNet(), sample().test_images, sample().test_labels[:-1], 12),
     ValueError, r"pass the same slice of both"),
    ("confusion_matrix: class 10 of 10", lambda: confusion_matrix(LABELS, LABELS + 1), ValueError,
     r"pass num_classes=11"),
    ("confusion_matrix: one prediction short", lambda: confusion_matrix(LABELS, LABELS[:-1]), ValueError,
     r"pass one prediction per label"),
    ("confusion_matrix: scores, not classes", lambda: confusion_matrix(LABELS, -torch.ones(4)), ValueError,
     r"pass class indices \(e.g. logits.argmax\(1\)\)"),
    # checkpoints
    ("a fresh run in a used directory", lambda tmp_path: train(TinyNet(), sample(), RECIPE, progress=False,
                                                              checkpoint=used_directory(tmp_path)),
     CheckpointError, r"continue that run with resume=True, or give this run an empty directory"),
    ("a file as the checkpoint directory", lambda tmp_path: train(
        TinyNet(), sample(), RECIPE, progress=False, checkpoint=Path(tmp_path, "run.pt").write_bytes(b"") or
        Path(tmp_path, "run.pt")), CheckpointError, r"is a file, not a directory; pass a directory"),
    ("resume into another model", lambda tmp_path: train(TinyNet(width=8), sample(), RECIPE, progress=False,
                                                         checkpoint=used_directory(tmp_path), resume=True,
                                                         identity="x"),
     CheckpointError, r"resume with the same architecture, or start afresh"),
    ("resume another run", lambda tmp_path: train(TinyNet(), sample(), RECIPE, progress=False,
                                                  checkpoint=used_directory(tmp_path), resume=True),
     CheckpointError, r"use the same preset and recipe, or start afresh"),
    # widgets, exercises, seeds
    ("mistake browser without mistakes", mistakes_without_mistakes, ValueError,
     r"pass the indices of misclassified examples"),
    ("input-size slider off its range", lambda: input_size_explorer(500), ValueError, r"pick another value or step"),
    ("gradient explorer at a depth it lacks", lambda: gradient_explorer_at(7), ValueError, r"pick one of them"),
    ("unknown exercise", lambda: check_exercise("9.1", 3), ValueError, r"known exercises: 01.1"),
]


def test_every_case_has_its_own_name():  # pytest ids must tell the cases apart
    assert len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize("call, error, fix", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_wrong_call_says_what_to_do(call, error, fix, tmp_path):
    args = (tmp_path,) if call.__code__.co_varnames[:1] == ("tmp_path",) else ()
    with pytest.raises(error, match=fix):
        call(*args)
