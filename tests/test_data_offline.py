"""Preparing an offline classroom: `make data` without internet, exporting the verified files, and error messages
that name the fix for the source at hand. A tiny synthetic "full set" stands in for Fashion-MNIST (its checksums
replace the real ones), so nothing here needs /usr/share/datasets or the internet."""

import gzip
import hashlib
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torchvision.datasets import FashionMNIST as TorchvisionFashionMNIST

from resnet_lib.data import DataError, fashion_mnist, load_fashion_mnist
from resnet_lib.data.__main__ import main
from resnet_lib.data.sample import _idx_bytes


@pytest.fixture
def no_sources(tmp_path, monkeypatch) -> Path:
    """No cache, no Debian files, no FASHION_MNIST_DIR; download() left as it is."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "debian")
    return tmp_path


@pytest.fixture
def offline(no_sources, monkeypatch) -> Path:
    """As ``no_sources``, and torchvision's download goes to a local port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(TorchvisionFashionMNIST, "mirrors", [f"http://127.0.0.1:{port}/"])
    return no_sources


@pytest.fixture
def write_full(monkeypatch) -> Callable[[Path], None]:
    """``write_full(folder)`` writes a tiny self-consistent "full set" (20 train / 10 test) as four .gz files."""
    g = torch.Generator().manual_seed(0)
    tensors = {"train_images": torch.randint(0, 256, (20, 28, 28), dtype=torch.uint8, generator=g),
               "train_labels": torch.arange(20) % 10,
               "test_images": torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8, generator=g),
               "test_labels": torch.arange(10)}
    raw = {name: _idx_bytes(tensors[field]) for field, name in fashion_mnist.FILES.items()}
    monkeypatch.setattr(fashion_mnist, "FULL_SHA256", {name: hashlib.sha256(b).hexdigest() for name, b in raw.items()})

    def write(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in raw.items():
            (folder / f"{name}.gz").write_bytes(gzip.compress(content))

    return write


def source_dir(kind: str, tmp_path: Path) -> Path:
    return {"explicit": tmp_path / "usb", "cache": fashion_mnist.cache_root() / "FashionMNIST" / "raw",
            "debian": fashion_mnist.DEBIAN_DIR}[kind]


def test_make_data_offline_fails_cleanly_and_leaves_no_cache_folder(offline, capsys):
    assert main(["--download"]) == 1  # what `make data` runs
    err = capsys.readouterr().err
    assert err.startswith("error: could not download Fashion-MNIST")
    assert "Connection refused>" in err  # the whole reason, not cut off mid-word
    assert "FASHION_MNIST_DIR" in err and "--export" in err and "dataset-fashion-mnist" in err
    assert not fashion_mnist.cache_root().exists()


def test_missing_fashion_mnist_dir_says_it_does_not_exist(no_sources, monkeypatch, capsys):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(no_sources / "typo"))
    with pytest.raises(DataError, match=r"explicit directory .*typo does not exist.*FASHION_MNIST_DIR") as err:
        load_fashion_mnist("full")
    assert "delete" not in str(err.value)
    assert main([]) == 1
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(("kind", "fix", "not_said"), [
    ("explicit", "copy that file again", "dataset-fashion-mnist"),
    ("cache", "delete it and run `make data`", "dataset-fashion-mnist"),
    ("debian", "apt-get install --reinstall dataset-fashion-mnist", "make data"),
])
def test_a_bad_file_names_the_fix_for_its_source(no_sources, write_full, monkeypatch, kind, fix, not_said):
    folder = source_dir(kind, no_sources)
    write_full(folder)
    bad = folder / "train-labels-idx1-ubyte.gz"
    labels = bytearray(gzip.decompress(bad.read_bytes()))
    labels[-1] = (labels[-1] + 1) % 10  # one wrong label
    bad.write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz is corrupt") as err:
        load_fashion_mnist("full", root=folder if kind == "explicit" else None, allow_download=False)
    assert fix in str(err.value) and not_said not in str(err.value)


def test_a_partial_explicit_folder_asks_for_the_missing_files(no_sources, write_full):
    write_full(no_sources / "usb")
    (no_sources / "usb" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"partial \(missing t10k-labels-idx1-ubyte\); copy the missing files"):
        load_fashion_mnist("full", root=no_sources / "usb")


@pytest.mark.parametrize("kind", ["explicit", "cache", "debian"])
def test_export_writes_the_verified_files_whatever_the_source(no_sources, write_full, kind, capsys):
    write_full(source_dir(kind, no_sources))
    target = no_sources / "stick" / "fashion-mnist"
    root = ["--root", str(source_dir(kind, no_sources))] if kind == "explicit" else []
    assert main(["--export", str(target), *root]) == 0
    out = capsys.readouterr().out
    assert f"FASHION_MNIST_DIR={target}" in out
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{name}.gz" for name in fashion_mnist.FILES.values())
    copy = load_fashion_mnist("full", root=target, allow_download=False)
    assert copy.source.startswith("explicit directory") and len(copy.train_labels) == 20


def test_export_without_a_full_set_is_an_error(offline, capsys):
    target = offline / "stick"
    assert main(["--export", str(target)]) == 1
    assert "no full Fashion-MNIST to export" in capsys.readouterr().err
    assert not target.exists()
