"""``python -m resnet_lib.data``: report the Fashion-MNIST sources and verify them; ``--download`` (what
``make data`` runs), ``--export DIR`` and ``--write-sample``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .fashion_mnist import (
    OFFLINE_HINT,
    SAMPLE_DIR,
    DataError,
    Source,
    _cache_source,
    _find_full,
    _show,
    export_full,
    full_sources,
    load_sample,
)
from .sample import make_sample, write_sample


def main(argv: list[str] | None = None) -> int:
    """Report the sources and verify the one used; ``--download`` fetches the full set if no source has it,
    ``--export DIR`` copies its verified files to DIR, ``--write-sample`` rebuilds the embedded sample from it."""
    parser = argparse.ArgumentParser(prog="python -m resnet_lib.data", description=main.__doc__)
    parser.add_argument("--root", help="explicit directory holding the four IDX files (raw or .gz)")
    parser.add_argument("--download", action="store_true", help="download into the user cache if no source exists")
    parser.add_argument("--export", metavar="DIR", help="copy the verified full set's four files to DIR")
    parser.add_argument("--write-sample", action="store_true", help="rebuild resnet_lib/sample from the full set")
    args = parser.parse_args(argv)
    print("Fashion-MNIST sources, in the order they are tried:")
    for source in full_sources(args.root):
        print(f"  {source.label:<19} {_show(source.path):<45} {source.status()}")
    print(f"  {'embedded sample':<19} {'resnet_lib/sample':<45} {Source('', SAMPLE_DIR).status()}")
    try:
        print(f"verified {load_sample()}")
        full, reason = _find_full(args.root, allow_download=args.download)
        if full is None and args.download:
            print(f"error: could not download Fashion-MNIST ({reason}). {OFFLINE_HINT}", file=sys.stderr)
            return 1
        if full is None and (args.export or args.write_sample):
            print(f"error: no full Fashion-MNIST to {'export' if args.export else 'sample'} ({reason}). "
                  "Run `make data` first.", file=sys.stderr)
            return 1
        if full is None:
            print(f"no full set ({reason}): the notebooks use the embedded sample; `make data` downloads it")
            return 0  # the sample alone is usable data
        print(f"verified {full} (SHA-256 of all four decompressed files match)")
        if args.export:
            copy = export_full(args.export, args.root)
            target = _show(Path(args.export).expanduser().resolve())
            print(f"exported to {target}: verified {copy}\nOn each student machine, either set "
                  f"FASHION_MNIST_DIR={target} (the folder's path there) or copy the four files into "
                  f"{_show(_cache_source().path)}")
        if args.write_sample:
            write_sample(make_sample(full))
            print(f"wrote {load_sample()} to resnet_lib/sample")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
