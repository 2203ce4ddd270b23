"""Fashion-MNIST as in-memory uint8 tensors, verified, from the first source that exists.

Full-set sources, in order: an explicit directory (argument or ``$FASHION_MNIST_DIR``), the user cache
(torchvision's layout, where ``make data`` downloads to), Debian's ``dataset-fashion-mnist`` package, else a download
via torchvision. A real, class-balanced sample ships inside this package (Fashion-MNIST © Zalando SE, MIT licence,
see ``resnet_lib/sample/LICENSE``). Run ``python -m resnet_lib.data`` to see which sources exist and verify them, and
``python -m resnet_lib.data --export DIR`` to copy the verified files to a folder (for machines without internet).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from ..checks import is_int

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FILES = {  # field -> file name, without .gz
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
FULL_SHA256 = {  # of the decompressed files
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
SAMPLE_DIR = Path(__file__).parents[1] / "sample"  # resnet_lib/sample
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
VERIFIED_COPY = "a verified copy (on a machine where `make data` works, `python -m resnet_lib.data --export DIR`)"
OFFLINE_HINT = (
    "Offline? Install Debian's `dataset-fashion-mnist`, or copy the four files from a machine that has them "
    "(`python -m resnet_lib.data --export DIR` there) and set FASHION_MNIST_DIR=DIR."
)


class DataError(RuntimeError):
    """A data file is missing, corrupt or not Fashion-MNIST; the message names the file and the fix."""


@dataclass(frozen=True)
class Source:
    """A directory that may hold the four Fashion-MNIST files (raw or ``.gz``)."""

    label: str
    path: Path

    def files(self) -> dict[str, Path | None]:
        """File name -> the path found for it (raw preferred over ``.gz``), or None."""
        found: dict[str, Path | None] = {}
        for name in FILES.values():
            candidates = [self.path / name, self.path / f"{name}.gz"]
            found[name] = next((p for p in candidates if p.is_file()), None)
        return found

    def status(self) -> str:
        """``"complete"``, ``"absent"`` or ``"partial (missing …)"``."""
        missing = [name for name, path in self.files().items() if path is None]
        if not missing:
            return "complete"
        return "absent" if len(missing) == len(FILES) else f"partial (missing {', '.join(missing)})"

    def fix(self, what: str = "that file again") -> str:
        """What to do about a bad or missing file here (``what`` to copy, for an explicit directory)."""
        if self.label == "explicit directory":
            return f"copy {what} from {VERIFIED_COPY}"
        if self.label == "user cache":
            return "delete it and run `make data` (or `python -m resnet_lib.data --download`)"
        if self.label == "Debian package":
            return "reinstall it: `sudo apt-get install --reinstall dataset-fashion-mnist`"
        return "this copy of resnet_lib is damaged: restore resnet_lib/sample (git checkout) or reinstall it"


def cache_root() -> Path:
    """Where downloads go: ``$XDG_CACHE_HOME/resnet_lib`` (default ``~/.cache/resnet_lib``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "resnet_lib"


def _cache_source() -> Source:
    return Source("user cache", cache_root() / "FashionMNIST" / "raw")  # torchvision's layout


def full_sources(root: str | Path | None = None) -> list[Source]:
    """The candidate full-set sources, in the order they are tried."""
    sources = []
    explicit = root if root is not None else os.environ.get("FASHION_MNIST_DIR") or None
    if explicit is not None:
        sources.append(Source("explicit directory", Path(explicit).expanduser()))
    sources.append(_cache_source())
    sources.append(Source("Debian package", DEBIAN_DIR))
    return sources


def _show(path: Path) -> str:
    home = str(Path.home())
    return "~" + str(path)[len(home):] if str(path).startswith(home + os.sep) else str(path)


@dataclass
class FashionMNIST:
    """Train and test images (uint8, N x 28 x 28) and labels (int64), plus where they came from."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: str

    def __str__(self) -> str:
        return f"Fashion-MNIST: {self.source}, {len(self.train_labels):,} train / {len(self.test_labels):,} test"

    def subset(self, train: int | None = None, test: int | None = None) -> FashionMNIST:
        """The first ``train`` training and ``test`` test examples, or all there are if fewer (None keeps all;
        both sets come shuffled, so any prefix mixes the classes). A cut is a copy, not a view: the full set can
        then be freed (a view would keep all 60,000 images in memory)."""
        for name, count in (("train", train), ("test", test)):
            if count is not None and (not is_int(count) or count < 1):
                raise ValueError(f"subset({name}={count!r}): pass a number of examples >= 1, or None for all")

        def cut(x: torch.Tensor, count: int | None) -> torch.Tensor:
            return x if count is None or count >= len(x) else x[:count].clone()

        return FashionMNIST(
            cut(self.train_images, train), cut(self.train_labels, train),
            cut(self.test_images, test), cut(self.test_labels, test), self.source,
        )

    def to(self, device: torch.device | str) -> FashionMNIST:
        """A copy with every tensor on ``device`` (batches are then cut there, with no host-to-device copy)."""
        return FashionMNIST(self.train_images.to(device), self.train_labels.to(device), self.test_images.to(device),
                            self.test_labels.to(device), source=self.source)


def _read_verified(path: Path, sha256: str, fix: str) -> torch.Tensor:
    """Read one IDX file (raw or .gz), check the SHA-256 of its decompressed bytes, parse it."""
    try:
        raw = _read_bytes(path)
    except PermissionError as exc:
        raise DataError(f"cannot read {_show(path)}: permission denied; give your user read access to it "
                        "(chmod a+r), or point FASHION_MNIST_DIR at a readable copy.") from exc
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"cannot read {_show(path)} ({exc}): the file is truncated or corrupt; {fix}.") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise DataError(
            f"{_show(path)} is corrupt or not the Fashion-MNIST file: SHA-256 of its decompressed bytes is "
            f"{digest[:16]}…, expected {sha256[:16]}…; {fix}."
        )
    return parse_idx(raw)


def _read_bytes(path: Path) -> bytearray:
    """The file's bytes (decompressed if .gz), read a piece at a time into one writable buffer that the tensor then
    uses: at no time the compressed file, its decompressed bytes and a copy of them together (for the training
    images, 26 + 47 + 47 MB more in the kernel at once)."""
    out = bytearray()
    with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as file:
        while piece := file.read(1 << 20):
            out += piece
    return out


def parse_idx(raw: bytes | bytearray) -> torch.Tensor:
    """The tensor in the bytes of an unsigned-byte IDX file (the inverse of :func:`.sample._idx_bytes`), parsed in place
    as torchvision's ``read_image_file``/``read_label_file`` do: images uint8 (N, 28, 28), labels int64 (N,).
    Not torchvision's reader itself: importing torchvision costs each kernel ~90 MiB, and it reads from a path."""
    if len(raw) < 4 or raw[:3] != bytes([0, 0, 0x08]):
        raise DataError("not an unsigned-byte IDX file (its first bytes are not 00 00 08)")
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    buffer = raw if isinstance(raw, bytearray) else bytearray(raw)  # writable: a bytearray is used as it is
    tensor = torch.frombuffer(buffer, dtype=torch.uint8, offset=4 + 4 * ndim).view(*shape)
    return tensor.long() if ndim == 1 else tensor


def _load_source(source: Source, checksums: dict[str, str]) -> FashionMNIST:
    files = source.files()
    tensors = {}
    for field, name in FILES.items():
        path = files[name]
        if path is None:
            raise DataError(f"{source.label} {_show(source.path)} lacks {name}(.gz); {source.fix('it')}.")
        tensors[field] = _read_verified(path, checksums[name], source.fix())
    label = source.label if source.label == "embedded sample" else f"{source.label} ({_show(source.path)})"
    return FashionMNIST(**tensors, source=label)


def _sample_checksums() -> dict[str, str]:
    lines = (SAMPLE_DIR / "SHA256SUMS").read_text().split("\n")
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def load_sample() -> FashionMNIST:
    """The embedded sample: 3,000 train / 1,000 test real images, class-balanced, the same everywhere."""
    return _load_source(Source("embedded sample", SAMPLE_DIR), _sample_checksums())


def download(root: Path | None = None) -> None:
    """Download the full set with torchvision into the user cache (needs the internet); if it fails, the cache is
    left as it was (the files arrive in a temporary folder and move into place only when all four are there)."""
    from torchvision.datasets import FashionMNIST as TorchvisionFashionMNIST

    target = Path(root or cache_root()) / "FashionMNIST" / "raw"
    with tempfile.TemporaryDirectory() as tmp:
        TorchvisionFashionMNIST(root=tmp, train=True, download=True)
        target.mkdir(parents=True, exist_ok=True)
        for file in (Path(tmp) / "FashionMNIST" / "raw").iterdir():
            shutil.move(file, target / file.name)


def _first_complete(root: str | Path | None) -> Source | None:
    """The first source holding all four files; a partial source, or a missing explicit one, is a DataError."""
    for source in full_sources(root):
        status = source.status()
        if status == "complete":
            return source
        where = f"{source.label} {_show(source.path)}"
        if source.label == "explicit directory" and not source.path.is_dir():
            raise DataError(f"{where} does not exist; set FASHION_MNIST_DIR (or root=) to the folder holding the "
                            "four Fashion-MNIST files, or unset it to use the other sources")
        if status != "absent":
            raise DataError(f"{where} is {status}; {source.fix('the missing files')}")
        if source.label == "explicit directory":
            raise DataError(f"{where} holds none of the four Fashion-MNIST files ({', '.join(FILES.values())}, "
                            "raw or .gz); point FASHION_MNIST_DIR (or root=) at the folder that does")
    return None


def _clean(exc: Exception) -> str:
    """An exception as one readable line, never cut mid-word."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 400 else text[:400].rsplit(" ", 1)[0] + " …"


def _find_full(root: str | Path | None, allow_download: bool) -> tuple[FashionMNIST | None, str]:
    """The verified full set and ``""``, or ``None`` and why there is none."""
    source = _first_complete(root)
    if source is not None:
        return _load_source(source, FULL_SHA256), ""
    if not allow_download:
        return None, "no source holds it and downloading is off"
    try:
        download()
    except Exception as exc:  # offline, mirror down, …
        return None, f"download failed: {_clean(exc)}"
    return _load_source(_cache_source(), FULL_SHA256), ""


def load_full(root: str | Path | None = None, allow_download: bool = True) -> FashionMNIST:
    """The full set from the first source that has it (see the module docstring).

    A corrupt, truncated or partial source raises :class:`DataError`; only when no source exists and the
    download fails does it fall back, with a warning, to the embedded sample.
    """
    full, reason = _find_full(root, allow_download)
    if full is not None:
        return full
    warnings.warn(
        f"No full Fashion-MNIST found ({reason}); using the embedded sample (3,000 train / 1,000 test) instead. "
        "Install Debian's dataset-fashion-mnist, set FASHION_MNIST_DIR, or run `make data` while online.",
        stacklevel=2,
    )
    return load_sample()


def export_full(directory: str | Path, root: str | Path | None = None) -> FashionMNIST:
    """Copy the four files of the full set's source (as found: raw or .gz) into ``directory`` and verify the copy.

    Any Fashion-MNIST files already in ``directory`` are replaced. Returns the copy, loaded from ``directory``.
    """
    source = _first_complete(root)
    if source is None:
        raise DataError("no full Fashion-MNIST to export: " + OFFLINE_HINT.removeprefix("Offline? "))
    _load_source(source, FULL_SHA256)  # verify before copying
    target = Path(directory).expanduser()
    if target.exists() and target.resolve() == source.path.resolve():
        raise DataError(f"{_show(target)} is the source itself ({source.label}); export to another folder")
    target.mkdir(parents=True, exist_ok=True)
    for name, path in source.files().items():
        if path is None:
            raise DataError(f"{source.label} has no {name}; {source.fix()}")
        for old in (target / name, target / f"{name}.gz"):
            old.unlink(missing_ok=True)
        shutil.copyfile(path, target / path.name)
    return _load_source(Source("explicit directory", target), FULL_SHA256)


def load_fashion_mnist(data: Literal["sample", "full"] = "full", root: str | Path | None = None,
                       allow_download: bool = True) -> FashionMNIST:
    """``"sample"``: the embedded sample; ``"full"``: see :func:`load_full`."""
    if data == "sample":
        return load_sample()
    if data == "full":
        return load_full(root, allow_download)
    raise ValueError(f"unknown data {data!r}; use 'sample' or 'full'")
