import gzip
import hashlib
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from tiny import make_unreadable
from torchvision.datasets import FashionMNIST as TorchvisionFashionMNIST

from resnet_lib.data import (
    DataError,
    FashionMNIST,
    batches,
    fashion_mnist,
    load_fashion_mnist,
    load_sample,
    make_sample,
)
from resnet_lib.data.sample import _idx_bytes

REAL_DEBIAN = fashion_mnist.DEBIAN_DIR
REAL_DOWNLOAD = fashion_mnist.download
HAVE_DEBIAN = fashion_mnist.Source("Debian package", REAL_DEBIAN).status() == "complete"
needs_debian = pytest.mark.skipif(not HAVE_DEBIAN, reason="needs Debian's dataset-fashion-mnist (apt install)")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No cache, no Debian files, no FASHION_MNIST_DIR, and downloads that fail."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "no-debian")

    def offline(root=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(fashion_mnist, "download", offline)
    return tmp_path


@pytest.fixture
def synthetic(tmp_path, monkeypatch):
    """A small, complete stand-in for the full set (its own checksums patched in): ``synthetic.write(dir)``
    puts the four .gz files there; ``synthetic.tensors`` holds what they contain."""
    g = torch.Generator().manual_seed(0)
    tensors = {"train_images": torch.randint(0, 256, (30, 28, 28), generator=g, dtype=torch.uint8),
               "train_labels": torch.randint(0, 10, (30,), generator=g),
               "test_images": torch.randint(0, 256, (20, 28, 28), generator=g, dtype=torch.uint8),
               "test_labels": torch.randint(0, 10, (20,), generator=g)}
    raw = {name: _idx_bytes(tensors[field]) for field, name in fashion_mnist.FILES.items()}
    monkeypatch.setattr(fashion_mnist, "FULL_SHA256", {name: hashlib.sha256(b).hexdigest() for name, b in raw.items()})

    class Synthetic:
        def __init__(self):
            self.tensors, self.raw = tensors, raw
            self.gz = {name: gzip.compress(b, mtime=0) for name, b in raw.items()}

        def write(self, directory: Path) -> Path:
            directory.mkdir(parents=True, exist_ok=True)
            for name, blob in self.gz.items():
                (directory / f"{name}.gz").write_bytes(blob)
            return directory

        def matches(self, ds: FashionMNIST) -> bool:
            return all(torch.equal(getattr(ds, field), t) for field, t in self.tensors.items())

    return Synthetic()


def test_embedded_sample_is_real_balanced_and_small():
    sample = load_sample()
    assert sample.train_images.shape == (3000, 28, 28) and sample.train_images.dtype == torch.uint8
    assert sample.test_images.shape == (1000, 28, 28)
    assert torch.bincount(sample.train_labels).tolist() == [300] * 10
    assert torch.bincount(sample.test_labels).tolist() == [100] * 10
    assert str(sample) == "Fashion-MNIST: embedded sample, 3,000 train / 1,000 test"
    assert sum(p.stat().st_size for p in fashion_mnist.SAMPLE_DIR.iterdir()) <= 2_000_000
    licence = (fashion_mnist.SAMPLE_DIR / "LICENSE").read_text()
    assert "Zalando SE" in licence and "MIT License" in licence


def test_sample_is_shuffled_so_any_prefix_is_mixed():
    assert len(set(load_sample().train_labels[:100].tolist())) == 10


def test_source_order_explicit_then_cache_then_debian(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "env"))
    labels = [s.label for s in fashion_mnist.full_sources()]
    assert labels == ["explicit directory", "user cache", "Debian package"]
    assert fashion_mnist.full_sources()[0].path == tmp_path / "env"
    assert fashion_mnist.full_sources(tmp_path / "arg")[0].path == tmp_path / "arg"  # argument beats the variable
    assert fashion_mnist.full_sources()[1].path == tmp_path / "cache" / "resnet_lib" / "FashionMNIST" / "raw"
    monkeypatch.delenv("FASHION_MNIST_DIR")
    assert [s.label for s in fashion_mnist.full_sources()] == ["user cache", "Debian package"]


@needs_debian
def test_the_real_full_set_verifies(isolated, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", REAL_DEBIAN)
    ds = load_fashion_mnist("full")
    assert ds.source.startswith("Debian package")
    assert ds.train_images.shape == (60000, 28, 28) and ds.test_labels.shape == (10000,)


def test_explicit_directory_is_used_first(isolated, synthetic, monkeypatch):
    synthetic.write(fashion_mnist.cache_root() / "FashionMNIST" / "raw")
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", synthetic.write(isolated / "debian"))
    ds = load_fashion_mnist("full", root=synthetic.write(isolated / "mine"))
    assert ds.source.startswith("explicit directory") and synthetic.matches(ds)


def test_cache_beats_debian(isolated, synthetic, monkeypatch):
    synthetic.write(fashion_mnist.cache_root() / "FashionMNIST" / "raw")
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", synthetic.write(isolated / "debian"))
    assert load_fashion_mnist("full").source.startswith("user cache")
    monkeypatch.setattr(fashion_mnist, "cache_root", lambda: isolated / "empty-cache")
    assert load_fashion_mnist("full").source.startswith("Debian package")


def test_corrupted_copy_is_rejected_naming_the_file(isolated, synthetic):
    bad = synthetic.write(isolated / "bad")
    raw = bytearray(synthetic.raw["train-labels-idx1-ubyte"])
    raw[20] = (raw[20] + 1) % 10  # one wrong label
    (bad / "train-labels-idx1-ubyte.gz").unlink()
    (bad / "train-labels-idx1-ubyte").write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte is corrupt.*SHA-256.*make data"):
        load_fashion_mnist("full", root=bad)


def test_truncated_gzip_is_rejected(isolated, synthetic):
    cut = synthetic.write(isolated / "cut")
    whole = synthetic.gz["t10k-labels-idx1-ubyte"]
    (cut / "t10k-labels-idx1-ubyte.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz.*truncated or corrupt"):
        load_fashion_mnist("full", root=cut)


def test_an_unreadable_file_is_reported_as_such_not_as_corrupt(isolated, synthetic, monkeypatch):
    mine = synthetic.write(isolated / "mine")
    make_unreadable(monkeypatch, mine / "train-images-idx3-ubyte.gz")
    with pytest.raises(DataError, match=r"cannot read .*train-images-idx3-ubyte.gz: permission denied; give your "
                                        r"user read access") as caught:
        load_fashion_mnist("full", root=mine)
    assert "corrupt" not in str(caught.value)


def test_partial_source_is_an_error_not_a_fallback(isolated):
    cache = fashion_mnist.cache_root() / "FashionMNIST" / "raw"
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


@pytest.fixture
def mirror(monkeypatch):
    """A local HTTP server standing in for torchvision's Fashion-MNIST mirror: ``mirror.serve(files)`` serves
    ``{name.gz: bytes}`` (any other path is a 404) and points torchvision at it, with the files' MD5s."""
    served: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> bytes:
            body = served.get(self.path.lstrip("/"), b"")
            self.send_response(200 if self.path.lstrip("/") in served else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return body

        def do_GET(self):
            self.wfile.write(self.do_HEAD())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Mirror:
        def serve(self, files: dict[str, bytes], md5s: dict[str, str] | None = None) -> None:
            served.clear()
            served.update(files)
            md5s = md5s or {name: hashlib.md5(blob).hexdigest() for name, blob in files.items()}
            monkeypatch.setattr(TorchvisionFashionMNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
            monkeypatch.setattr(TorchvisionFashionMNIST, "resources", list(md5s.items()))

    yield Mirror()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_download_runs_torchvision_lands_in_the_cache_and_is_verified(isolated, synthetic, mirror, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "download", REAL_DOWNLOAD)  # the real code path, against the local mirror
    mirror.serve({f"{name}.gz": blob for name, blob in synthetic.gz.items()})
    ds = load_fashion_mnist("full")
    assert ds.source.startswith("user cache") and synthetic.matches(ds)
    assert (fashion_mnist.cache_root() / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").is_file()


def test_a_failed_download_falls_back_to_the_sample_with_a_warning(isolated, synthetic, mirror, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "download", REAL_DOWNLOAD)
    mirror.serve({}, md5s={f"{name}.gz": "0" * 32 for name in synthetic.gz})  # every file: 404
    with pytest.warns(UserWarning, match=r"No full Fashion-MNIST found \(download failed: RuntimeError"):
        assert load_fashion_mnist("full").source == "embedded sample"


def test_a_download_that_is_not_fashion_mnist_is_rejected(isolated, synthetic, mirror, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "download", REAL_DOWNLOAD)
    mirror.serve({f"{name}.gz": blob for name, blob in synthetic.gz.items()})
    monkeypatch.setitem(fashion_mnist.FULL_SHA256, "t10k-labels-idx1-ubyte", "0" * 64)  # not the files we expect
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte is corrupt or not the Fashion-MNIST file"):
        load_fashion_mnist("full")


def test_corrupt_embedded_sample_is_detected(tmp_path, monkeypatch):
    for f in fashion_mnist.SAMPLE_DIR.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    labels = bytearray(gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    labels[-1] = (labels[-1] + 1) % 10
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(labels)))
    monkeypatch.setattr(fashion_mnist, "SAMPLE_DIR", tmp_path)
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


@pytest.mark.parametrize("train, test", [(-5, None), (0, None), (None, 2.5), (True, None)])
def test_subset_refuses_what_is_not_a_count(train, test):
    with pytest.raises(ValueError, match=r"subset\((train|test)=.*pass a number of examples >= 1, or None"):
        load_sample().subset(train, test)


def test_subset_takes_the_first_examples_or_all_there_are():
    sample = load_sample()
    small = sample.subset(5, 3)
    assert torch.equal(small.train_labels, sample.train_labels[:5]) and len(small.test_labels) == 3
    assert len(sample.subset(10**6).train_labels) == 3000


def test_batches_refuse_images_and_labels_of_different_lengths():
    sample = load_sample()
    with pytest.raises(ValueError, match=r"3,000 images and 2,999 labels; pass the same slice of both"):
        next(batches(sample.train_images, sample.train_labels[:-1], 64))


def test_batches_refuse_images_that_are_already_prepared():
    sample = load_sample().subset(8, 8)
    x, y = next(batches(sample.train_images, sample.train_labels, 8))
    with pytest.raises(ValueError, match=r"raw uint8 images .* got torch.float32 .*already prepared"):
        next(batches(x, y, 8))


@pytest.mark.parametrize("size", [0, -5, 2.0])
def test_bad_batch_size(size):
    sample = load_sample()
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(sample.train_images, sample.train_labels, size))


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_lib.data", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


@pytest.mark.integration
def test_cli_reports_sources_and_verifies(tmp_path):
    result = run_cli(XDG_CACHE_HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "user cache" in result.stdout and "Debian package" in result.stdout
    assert "verified Fashion-MNIST: embedded sample, 3,000 train / 1,000 test" in result.stdout
    if HAVE_DEBIAN:
        assert "verified Fashion-MNIST: Debian package" in result.stdout


@pytest.mark.integration
def test_cli_fails_clearly_on_a_corrupt_source(tmp_path):
    for name in fashion_mnist.FILES.values():  # all four files there, none of them Fashion-MNIST
        (tmp_path / name).write_bytes(b"not an idx file")
    result = run_cli(FASHION_MNIST_DIR=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "c"))
    assert result.returncode == 1
    assert "explicit directory" in result.stdout and "complete" in result.stdout
    assert "train-images-idx3-ubyte is corrupt or not the Fashion-MNIST file" in result.stderr
