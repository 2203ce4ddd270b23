"""Lesson 04's wall time, before and after the stronger ``cpu`` preset: how many times longer a learner waits.

The old version is notebook 04 *and the library* as of commit ``22c20d0`` (unpacked with ``git archive``); the new
one is this working tree. Each run executes the whole notebook top to bottom with ``jupyter nbconvert --execute``
(kernel start-up included, on both sides) and the chosen preset, into a temporary copy. Runs alternate old, new,
new, old, … so both see the same machine load. Prints every run's seconds, both medians and, last,
``ratio: <new / old>``; writes the record to ``benchmarks/results/lesson04_wall_time-<preset>.json``.
A cell that fails is kept in the executed copy and reported (the run still counts: every cell ran).

``--threads N`` sets ``OMP_NUM_THREADS`` for both sides: on a machine shared with other jobs, two threads per
process can run many times slower than one (each waits for the other to be scheduled). ``--keep DIR`` keeps the
executed notebooks.

Run: ``python -m benchmarks.lesson04_wall_time [--rounds 2] [--preset cpu] [--threads 1]`` from the repository
root.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/04_training.ipynb"
OLD_COMMIT = "22c20d0"
RESULTS = ROOT / "benchmarks" / "results"


def unpack(commit: str, directory: Path) -> Path:
    """The repository's files at ``commit``, unpacked into ``directory`` (no history, no outputs of this tree)."""
    directory.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True)
    return directory


def run_notebook(version_root: Path, preset: str, out_dir: Path, threads: int | None) -> tuple[float, int]:
    """Execute ``version_root``'s notebook 04 with its own library into ``out_dir``; the wall-clock seconds of
    the whole run and the number of cells that raised."""
    env = {**os.environ, "PYTHONPATH": str(version_root), "RESNET_PRESET": preset}
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
               "--ExecutePreprocessor.timeout=7200", "--output-dir", str(out_dir), str(version_root / NOTEBOOK)]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    cells = json.loads((out_dir / Path(NOTEBOOK).name).read_text())["cells"]
    return seconds, sum(o["output_type"] == "error" for c in cells for o in c.get("outputs", []))


def machine() -> dict[str, object]:
    """What the timings were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (old + new), alternating order")
    parser.add_argument("--preset", default="cpu", help="RESNET_PRESET for both versions (default: cpu)")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for both versions (default: torch's choice)")
    parser.add_argument("--keep", type=Path, help="a directory to keep the executed notebooks in")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    times: dict[str, list[float]] = {"old": [], "new": []}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="lesson04-wall-") as tmp:
        roots = {"old": unpack(OLD_COMMIT, Path(tmp) / "old"), "new": ROOT}
        outputs = args.keep or Path(tmp) / "out"
        for i in range(args.rounds):
            for side in ("old", "new") if i % 2 == 0 else ("new", "old"):
                seconds, errors = run_notebook(roots[side], args.preset, outputs / f"{side}-{i + 1}", args.threads)
                times[side].append(seconds)
                load.append(os.getloadavg()[0])
                failed = f" ({errors} cell(s) raised: see the executed copy)" if errors else ""
                print(f"round {i + 1} {side}: {seconds:.1f} s{failed}", flush=True)
    medians = {side: statistics.median(t) for side, t in times.items()}
    ratio = medians["new"] / medians["old"]
    print(f"median old ({OLD_COMMIT}): {medians['old']:.1f} s, new: {medians['new']:.1f} s")
    record = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "preset": args.preset,
              "threads": args.threads, "old": OLD_COMMIT, "seconds": times, "median_s": medians, "ratio": ratio,
              "load_average_1min": load, "machine": machine()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"lesson04_wall_time-{args.preset}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
