import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from resnet_lib import data
from resnet_lib.data import DataError, FashionMNIST, batches, load_fashion_mnist, load_sample, make_sample

REAL_DEBIAN = data.DEBIAN_DIR
HAVE_DEBIAN = data.Source("Debian package", REAL_DEBIAN).status() == "complete"
needs_debian = pytest.mark.skipif(not HAVE_DEBIAN, reason="needs Debian's dataset-fashion-mnist (apt install)")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No cache, no Debian files, no FASHION_MNIST_DIR, and downloads that fail."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")

    def offline(root=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(data, "download", offline)
    return tmp_path


def link_debian_files(directory: Path, skip: str | None = None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in data.FILES.values():
        if name != skip:
            (directory / f"{name}.gz").symlink_to(REAL_DEBIAN / f"{name}.gz")


def test_embedded_sample_is_real_balanced_and_small():
    sample = load_sample()
    assert sample.train_images.shape == (3000, 28, 28) and sample.train_images.dtype == torch.uint8
    assert sample.test_images.shape == (1000, 28, 28)
    assert torch.bincount(sample.train_labels).tolist() == [300] * 10
    assert torch.bincount(sample.test_labels).tolist() == [100] * 10
    assert str(sample) == "Fashion-MNIST: embedded sample, 3,000 train / 1,000 test"
    assert sum(p.stat().st_size for p in data.SAMPLE_DIR.iterdir()) <= 2_000_000
    licence = (data.SAMPLE_DIR / "LICENSE").read_text()
    assert "Zalando SE" in licence and "MIT License" in licence


def test_sample_is_shuffled_so_any_prefix_is_mixed():
    assert len(set(load_sample().train_labels[:100].tolist())) == 10


def test_source_order_explicit_then_cache_then_debian(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "env"))
    labels = [s.label for s in data.full_sources()]
    assert labels == ["explicit directory", "user cache", "Debian package"]
    assert data.full_sources()[0].path == tmp_path / "env"
    assert data.full_sources(tmp_path / "arg")[0].path == tmp_path / "arg"  # argument beats the variable
    assert data.full_sources()[1].path == tmp_path / "cache" / "resnet_lib" / "FashionMNIST" / "raw"
    monkeypatch.delenv("FASHION_MNIST_DIR")
    assert [s.label for s in data.full_sources()] == ["user cache", "Debian package"]


@needs_debian
def test_explicit_directory_is_used_first(isolated, monkeypatch):
    link_debian_files(isolated / "mine")
    monkeypatch.setattr(data, "DEBIAN_DIR", REAL_DEBIAN)
    ds = load_fashion_mnist("full", root=isolated / "mine")
    assert ds.source.startswith("explicit directory")
    assert ds.train_images.shape == (60000, 28, 28) and ds.test_labels.shape == (10000,)


@needs_debian
def test_cache_beats_debian(isolated, monkeypatch):
    link_debian_files(data.cache_root() / "FashionMNIST" / "raw")
    monkeypatch.setattr(data, "DEBIAN_DIR", REAL_DEBIAN)
    assert load_fashion_mnist("full").source.startswith("user cache")


@needs_debian
def test_corrupted_copy_is_rejected_naming_the_file(isolated):
    link_debian_files(isolated / "bad", skip="train-labels-idx1-ubyte")
    raw = bytearray(gzip.decompress((REAL_DEBIAN / "train-labels-idx1-ubyte.gz").read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # one wrong label
    (isolated / "bad" / "train-labels-idx1-ubyte").write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte is corrupt.*SHA-256.*make data"):
        load_fashion_mnist("full", root=isolated / "bad")


@needs_debian
def test_truncated_gzip_is_rejected(isolated):
    link_debian_files(isolated / "cut", skip="t10k-labels-idx1-ubyte")
    whole = (REAL_DEBIAN / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (isolated / "cut" / "t10k-labels-idx1-ubyte.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz.*truncated or corrupt"):
        load_fashion_mnist("full", root=isolated / "cut")


def test_partial_source_is_an_error_not_a_fallback(isolated):
    cache = data.cache_root() / "FashionMNIST" / "raw"
    cache.mkdir(parents=True)
    (cache / "train-images-idx3-ubyte.gz").write_bytes(b"")
    with pytest.raises(DataError, match=r"user cache .* is partial \(missing train-labels"):
        load_fashion_mnist("full")


def test_missing_explicit_directory_is_an_error(isolated):
    with pytest.raises(DataError, match="explicit directory .* does not exist"):
        load_fashion_mnist("full", root=isolated / "nowhere")


def test_no_source_and_offline_falls_back_to_sample_with_warning(isolated):
    with pytest.warns(UserWarning, match=r"No full Fashion-MNIST found \(download failed: OSError"):
        ds = load_fashion_mnist("full")
    assert ds.source == "embedded sample"


@needs_debian
def test_download_lands_in_the_cache_and_is_used(isolated, monkeypatch):
    cache = data.cache_root() / "FashionMNIST" / "raw"
    monkeypatch.setattr(data, "download", lambda root=None: link_debian_files(cache))
    assert load_fashion_mnist("full").source.startswith("user cache")


def test_corrupt_embedded_sample_is_detected(tmp_path, monkeypatch):
    for f in data.SAMPLE_DIR.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    labels = bytearray(gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    labels[-1] = (labels[-1] + 1) % 10
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(labels)))
    monkeypatch.setattr(data, "SAMPLE_DIR", tmp_path)
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is corrupt"):
        load_sample()


def test_unknown_data_kind():
    with pytest.raises(ValueError, match="'sample' or 'full'"):
        load_fashion_mnist("tiny")


def test_make_sample_is_class_balanced_and_deterministic():
    g = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 10, (2000,), generator=g)
    images = torch.zeros(2000, 28, 28, dtype=torch.uint8)
    images[:, 0, 0], images[:, 0, 1] = torch.arange(2000) % 256, torch.arange(2000) // 256  # the index
    full = FashionMNIST(images, labels, images[:500], labels[:500], "synthetic")
    a, b = make_sample(full, 20, 5, seed=0), make_sample(full, 20, 5, seed=0)
    assert torch.bincount(a.train_labels).tolist() == [20] * 10
    assert torch.bincount(a.test_labels).tolist() == [5] * 10
    assert torch.equal(a.train_images, b.train_images)
    index = a.train_images[:, 0, 0].long() + 256 * a.train_images[:, 0, 1].long()
    assert torch.equal(full.train_labels[index], a.train_labels)  # each image keeps its label


def test_batches_shapes_resize_and_normalise():
    sample = load_sample().subset(256, 100)
    x, y = next(batches(sample.train_images, sample.train_labels, 64, image_size=96))
    assert x.shape == (64, 1, 96, 96) and x.dtype == torch.float32 and y.shape == (64,)
    full_batch, _ = next(batches(sample.train_images, sample.train_labels, 256))
    assert abs(full_batch.mean().item()) < 0.2 and 0.8 < full_batch.std().item() < 1.2
    raw, _ = next(batches(sample.train_images, sample.train_labels, 8, normalize=False))
    assert raw.min() >= 0 and raw.max() <= 1
    assert [len(b[1]) for b in batches(sample.test_images, sample.test_labels, 32)] == [32, 32, 32, 4]
    assert [len(b[1]) for b in batches(sample.test_images, sample.test_labels, 32, drop_last=True)] == [32] * 3


def test_shuffle_depends_only_on_seed_and_epoch():
    sample = load_sample().subset(200, 10)

    def order(seed, epoch):
        return torch.cat([y for _, y in batches(sample.train_images, sample.train_labels, 50, shuffle=True,
                                                  seed=seed, epoch=epoch)])

    assert torch.equal(order(0, 1), order(0, 1))
    assert not torch.equal(order(0, 1), order(0, 2)) and not torch.equal(order(0, 1), order(1, 1))
    assert torch.equal(order(0, 1).sort().values, sample.train_labels.sort().values)  # each example once


@pytest.mark.parametrize("size", [0, -5, 2.0])
def test_bad_batch_size(size):
    sample = load_sample()
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(sample.train_images, sample.train_labels, size))


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_lib.data", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_cli_reports_sources_and_verifies(tmp_path):
    result = run_cli(XDG_CACHE_HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "user cache" in result.stdout and "Debian package" in result.stdout
    assert "verified Fashion-MNIST: embedded sample, 3,000 train / 1,000 test" in result.stdout
    if HAVE_DEBIAN:
        assert "verified Fashion-MNIST: Debian package" in result.stdout


def test_cli_fails_clearly_on_a_corrupt_source(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"not an idx file")
    result = run_cli(FASHION_MNIST_DIR=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "c"))
    assert result.returncode == 1
    assert "partial" in result.stderr and "make data" in result.stderr
