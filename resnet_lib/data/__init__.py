"""Fashion-MNIST for the course: verified sources (``fashion_mnist``), batches (``batching``), the embedded sample
(``sample``) and the command line ``python -m resnet_lib.data`` (``__main__``)."""

from .batching import MEAN, STD, batches, prepare
from .fashion_mnist import (
    CLASSES,
    FILES,
    DataError,
    FashionMNIST,
    Source,
    cache_root,
    download,
    export_full,
    full_sources,
    load_fashion_mnist,
    load_full,
    load_sample,
    parse_idx,
)
from .sample import make_sample, write_sample

__all__ = [
    "CLASSES", "FILES", "MEAN", "STD", "DataError", "FashionMNIST", "Source", "batches", "cache_root", "download",
    "export_full", "full_sources", "load_fashion_mnist", "load_full", "load_sample", "make_sample", "parse_idx",
    "prepare", "write_sample",
]
