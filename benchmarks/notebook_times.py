"""How long a learner waits: run each notebook top to bottom in one preset and record its wall time.

Each notebook is executed from a temporary copy (the committed notebooks are never written), with its own folder as
the working directory and ``RESNET_PRESET`` set for the kernel, as ``make notebooks`` does. A notebook's time is
"Run All" as a learner sees it: kernel start-up plus every cell. Writes the times and the machine (CPU model, cores,
load average before and after, date) to ``benchmarks/results/notebook_times.json`` (``--out`` to write elsewhere)
and prints a Markdown table. Runs on a busy machine are slower: the load averages say how busy it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from benchmarks.machine_info import RESULTS, ROOT, load_average, machine_info, shown, utc_now
from resnet_lib.device import pick_device


def run_notebook(path: Path, preset: str, timeout: int) -> dict[str, Any]:
    """Execute a temporary copy of ``path`` with ``RESNET_PRESET=preset``; its wall time and any error."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        nb = nbformat.read(copy, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        error = None
        start = time.perf_counter()
        try:
            client.execute(env={**os.environ, "RESNET_PRESET": preset})
        except CellExecutionError as exc:
            error = str(exc).strip().splitlines()[-1][:300]
        wall = time.perf_counter() - start
    return {"notebook": path.name, "wall_s": round(wall, 1), "error": error}


def table(rows: list[dict[str, Any]], preset: str) -> str:
    """The times as a Markdown table."""
    def wait(s: float) -> str:
        return f"{s:.0f} s" if s < 60 else f"{int(s // 60)} min {s % 60:02.0f} s"

    lines = [f"| Notebook | Wall time ({preset} preset) |", "|---|---:|"]
    lines += [f"| `{r['notebook']}` | {wait(r['wall_s'])}{' (failed)' if r['error'] else ''} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--preset", default="cpu", help="RESNET_PRESET for the kernels (default cpu)")
    parser.add_argument("--out", type=Path, default=RESULTS / "notebook_times.json",
                        help="where to write the JSON record (default benchmarks/results/notebook_times.json)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell before giving up (default 3600)")
    parser.add_argument("--notes", default="", help="free text kept in the record")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [str(p) for p in notebooks if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        parser.error(f"not a notebook file: {', '.join(missing)}; give paths such as notebooks/02_residual_block.ipynb")
    before, rows = load_average(), []
    for path in notebooks:
        rows.append(run_notebook(path, args.preset, args.timeout))
        print(f"{path.name}: {rows[-1]['wall_s']} s" + (f", FAILED: {rows[-1]['error']}" if rows[-1]["error"] else ""),
              flush=True)
    record = {
        "benchmark": "notebook_times", "date": utc_now(), "preset": args.preset,
        "machine": machine_info(pick_device()), "load_average": {"before": before, "after": load_average()},
        "measured": "wall time of executing each notebook in a fresh kernel (kernel start-up plus every cell)",
        "notebooks": rows, "notes": args.notes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"\n{table(rows, args.preset)}\n\nrecord: {shown(args.out)}")
    return 1 if any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
