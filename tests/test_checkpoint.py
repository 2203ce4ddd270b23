"""Checkpoints: atomic files, truncation detected (previous one used), other model or run refused."""

import pytest
import torch

from resnet_lib import resnet18
from resnet_lib.checkpoint import checkpoints, load_checkpoint
from resnet_lib.data import load_fashion_mnist
from resnet_lib.training import Recipe, train

RECIPE = Recipe(lr=0.05, epochs=3, batch_size=48, image_size=16, momentum=0.9)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A directory with the checkpoints of a finished 3-epoch run (the last two are kept)."""
    directory = tmp_path_factory.mktemp("ckpt")
    torch.manual_seed(0)
    train(resnet18(width=4), load_fashion_mnist("sample").subset(96, 32), RECIPE, checkpoint=directory,
          identity="smoke", progress=False)
    return directory


def restore(directory, width=4, identity=None):
    net = resnet18(width=width)
    optimizer = torch.optim.SGD(net.parameters(), lr=RECIPE.lr, momentum=RECIPE.momentum)
    return load_checkpoint(directory, model=net, optimizer=optimizer, scheduler=None,
                           identity=identity or f"smoke|{RECIPE.key()}")


def test_only_complete_files_and_the_newest_two_remain(trained):
    assert [p.name for p in checkpoints(trained)] == ["epoch-0003.pt", "epoch-0002.pt"]
    assert not [p for p in trained.iterdir() if p.suffix == ".tmp"]
    assert restore(trained)["epoch"] == 3


def test_truncated_checkpoint_is_detected_and_the_previous_one_used(trained, tmp_path):
    for p in checkpoints(trained):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    newest = tmp_path / "epoch-0003.pt"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])  # as if the machine died mid-copy
    with pytest.warns(UserWarning, match="epoch-0003.pt is truncated or corrupt"):
        payload = restore(tmp_path)
    assert payload["epoch"] == 2 and len(payload["history"]["test_acc"]) == 2


def test_resume_from_a_truncated_checkpoint_redoes_the_lost_epoch(trained, tmp_path):
    for p in checkpoints(trained):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    newest = tmp_path / "epoch-0003.pt"
    newest.write_bytes(newest.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="truncated"):
        history = train(resnet18(width=4), load_fashion_mnist("sample").subset(96, 32), RECIPE,
                        checkpoint=tmp_path, resume=True, identity="smoke", progress=False)
    assert history.epochs_done == 3


def test_a_different_model_is_refused(trained):
    with pytest.raises(ValueError, match="different model"):
        restore(trained, width=8)


def test_a_different_preset_or_recipe_is_refused(trained):
    with pytest.raises(ValueError, match="another run"):
        restore(trained, identity="cpu|{}")
    with pytest.raises(ValueError, match="another run"):
        train(resnet18(width=4), load_fashion_mnist("sample").subset(96, 32), RECIPE, checkpoint=trained,
              resume=True, identity="cpu", progress=False)


def test_an_empty_directory_means_a_fresh_start(tmp_path):
    assert restore(tmp_path) is None
