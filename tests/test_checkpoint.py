"""Checkpoints: atomic files; one run per directory; a truncated or corrupt file is skipped for the previous one,
every other problem is a clear error; another model or run is refused."""

import shutil
import zipfile

import pytest
import torch
from tiny import TinyNet, make_unreadable, same_weights, tiny_data, weights

from resnet_lib.checkpoint import CheckpointError, checkpoints, load_checkpoint, save_checkpoint
from resnet_lib.training import Recipe, train

RECIPE = Recipe(lr=0.05, epochs=3, batch_size=16, image_size=12, momentum=0.9, augment=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A directory with the checkpoints of a finished 3-epoch run (the last two are kept)."""
    directory = tmp_path_factory.mktemp("ckpt")
    train(TinyNet(), tiny_data(), RECIPE, checkpoint=directory, identity="smoke", progress=False)
    return directory


@pytest.fixture
def copy(trained, tmp_path):
    """A copy of the finished run's directory, free to damage."""
    return shutil.copytree(trained, tmp_path / "copy")


def restore(directory, width=4, identity=None):
    net = TinyNet(width=width, seed=1)
    optimizer = torch.optim.SGD(net.parameters(), lr=RECIPE.lr, momentum=RECIPE.momentum)
    return load_checkpoint(directory, model=net, optimizer=optimizer, scheduler=None,
                           identity=identity or f"smoke|{RECIPE.key()}")


def resume(directory, net=None):
    return train(net or TinyNet(seed=1), tiny_data(), RECIPE, checkpoint=directory, resume=True,
                 identity="smoke", progress=False)


def truncate(path, keep=0.5):
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])


def test_only_complete_files_and_the_newest_two_remain(trained):
    assert [p.name for p in checkpoints(trained)] == ["epoch-0003.pt", "epoch-0002.pt"]
    assert not [p for p in trained.iterdir() if p.suffix == ".tmp"]
    assert restore(trained)["epoch"] == 3


def test_keep_sets_how_many_remain_and_stale_temp_files_go(tmp_path):
    net = TinyNet()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    (tmp_path / ".epoch-0009.pt.tmp").write_bytes(b"half a checkpoint of a killed run")
    for epoch in (1, 2, 3):
        save_checkpoint(tmp_path, model=net, optimizer=optimizer, scheduler=None, history={}, epoch=epoch,
                        identity="x", keep=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-0003.pt"]


def test_a_fresh_run_refuses_a_directory_holding_another_run(trained):
    before = {p.name: p.read_bytes() for p in trained.iterdir()}
    with pytest.raises(CheckpointError, match=r"already holds checkpoints.*resume=True.*empty directory"):
        train(TinyNet(), tiny_data(), RECIPE, checkpoint=trained, identity="smoke", progress=False)
    assert {p.name: p.read_bytes() for p in trained.iterdir()} == before  # nothing deleted, nothing mixed


def test_truncated_checkpoint_is_detected_and_the_previous_one_used(copy):
    truncate(copy / "epoch-0003.pt")  # as if the machine died mid-copy
    with pytest.warns(UserWarning, match="epoch-0003.pt is truncated or corrupt"):
        payload = restore(copy)
    assert payload["epoch"] == 2 and len(payload["history"]["test_acc"]) == 2


def test_a_flipped_byte_in_the_weights_is_detected(copy):
    path = copy / "epoch-0003.pt"
    with zipfile.ZipFile(path) as archive:
        biggest = max((i for i in archive.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
    raw = bytearray(path.read_bytes())
    local_header = biggest.header_offset
    start = local_header + 30 + int.from_bytes(raw[local_header + 26:local_header + 28], "little") \
        + int.from_bytes(raw[local_header + 28:local_header + 30], "little")
    raw[start + biggest.file_size // 2] ^= 0x40  # bit rot inside one weight tensor: torch.load alone reads it
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="epoch-0003.pt is truncated or corrupt"):
        assert restore(copy)["epoch"] == 2


def test_resume_from_a_truncated_checkpoint_continues_from_the_previous_one(trained, copy):
    finished = torch.load(trained / "epoch-0003.pt", weights_only=True)
    before = torch.load(trained / "epoch-0002.pt", weights_only=True)["history"]
    truncate(copy / "epoch-0003.pt", keep=0.1)
    net = TinyNet(seed=1)
    with pytest.warns(UserWarning, match="truncated"):
        history = resume(copy, net)
    assert history.epochs_done == 3
    # a fresh start would re-measure epochs 1-2 (their wall-clock times cannot repeat) and end elsewhere
    assert history.wall_s[:2] == before["wall_s"] and history.test_acc[:2] == before["test_acc"]
    assert same_weights(weights(net), finished["model"])


def test_every_checkpoint_corrupt_is_an_error_not_a_fresh_start(copy):
    for path in checkpoints(copy):
        truncate(path)
    with pytest.warns(UserWarning), pytest.raises(CheckpointError, match=r"every checkpoint .* delete them"):
        resume(copy)
    assert len(checkpoints(copy)) == 2


def test_an_unreadable_checkpoint_is_an_error_not_corrupt(copy, monkeypatch):
    make_unreadable(monkeypatch, copy / "epoch-0003.pt")
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*epoch-0003.pt \(PermissionError.*read "
                                               r"access"):
        restore(copy)


def test_a_file_weights_only_refuses_is_an_error_not_corrupt(copy):
    torch.save({"model": {}, "note": copy}, copy / "epoch-0004.pt")  # a Path: not plain data
    with pytest.raises(CheckpointError, match=r"epoch-0004.pt holds objects other than tensors.*weights_only"):
        restore(copy)


def test_a_foreign_torch_file_is_an_error(copy):
    torch.save({"state_dict": {}}, copy / "epoch-0004.pt")
    with pytest.raises(CheckpointError, match="not a resnet_lib checkpoint.*move it out"):
        restore(copy)


def test_a_different_model_is_refused(trained):
    with pytest.raises(CheckpointError, match="different model"):
        restore(trained, width=8)


def test_a_different_preset_or_recipe_is_refused(trained):
    with pytest.raises(CheckpointError, match="another run"):
        restore(trained, identity="cpu|{}")
    with pytest.raises(CheckpointError, match="another run"):
        train(TinyNet(), tiny_data(), RECIPE, checkpoint=trained, resume=True, identity="cpu", progress=False)


def test_an_empty_directory_means_a_fresh_start(tmp_path):
    assert restore(tmp_path) is None
