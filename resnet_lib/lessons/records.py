"""The committed measurement records in ``benchmarks/results/`` (present in a clone of the repository), as lines a
learner can read: the input-pipeline / training-step benchmark, any recorded GPU run of the ``full`` preset, and
how long a record took to make, in words."""

from __future__ import annotations

import json
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"  # the committed records, in a clone


def minutes_in_words(seconds: float) -> str:
    """A duration as a learner reads it: "1 minute", "18 minutes" (rounded, at least one)."""
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def cpu_in_words(info: dict) -> str:
    """The machine a record was made on, as a learner reads it: "a 2-core CPU", or "a busy 2-core CPU" when the
    load average at the start was at least the number of cores."""
    found = re.search(r"(\d+) logical CPUs", str(info["machine"]))
    if found is None:
        raise ValueError(f"the record's machine does not say its logical CPUs: {info['machine']!r}")
    cores = int(found.group(1))
    return f"a {'busy ' if info['load_average_at_start'] >= cores else ''}{cores}-core CPU"


def time_taken(info: dict) -> str:
    """How long a record took to make, in words: "18 minutes on a busy 2-core CPU" (its wall time, rounded)."""
    return f"{minutes_in_words(info['wall_s'])} on {cpu_in_words(info)}"


def _machine(record: dict) -> str:
    machine = record["machine"]
    name = machine["device_name"] if machine["device"] != "cpu" else f"{machine['cores']}-core {machine['cpu']}"
    return name if machine["device"] != "cpu" else f"a {name}"


def throughput_records(results: Path = RESULTS) -> list[str]:
    """One line per ``train_throughput-*.json``: images/s of d2l's pipeline and resnet_lib's, and their ratio, for
    the input pipeline, the training step and end to end."""
    lines = []
    for path in sorted(results.glob("train_throughput-*.json")):
        record = json.loads(path.read_text())
        settings = record["settings"]
        figures = "; ".join(
            f"{name} {fig['d2l']['median']:,.0f} vs {fig['resnet_lib']['median']:,.0f} images/s ({fig['ratio']:.2f}x)"
            for name, fig in record["figures"].items())
        lines.append(f"made in advance on {_machine(record)}, {settings['image_size']} px, width {settings['width']}, "
                     f"batch {settings['batch_size']} (d2l's loader vs batches): {figures}")
    return lines or ["no speed measurement made in advance"]


def gpu_runs(results: Path = RESULTS) -> list[str]:
    """One line per ``full-run-*.json`` (a recorded run of the ``full`` preset), or one saying there is none."""
    lines = []
    for path in sorted(results.glob("full-run-*.json")):
        record = json.loads(path.read_text())
        history = record["history"]
        lines.append(f"a run of d2l's full recipe made in advance on {_machine(record)}: test accuracy "
                     f"{history['test_acc'][-1]:.3f} after {len(history['test_acc'])} epochs, "
                     f"{sum(history['wall_s']) / 60:.0f} min")
    return lines or ["no run of d2l's full recipe made in advance on a GPU yet"]


def improved_seeds(preset: str, results: Path = RESULTS) -> list[str]:
    """The recorded runs of lesson 04's improved recipe in ``preset``, one line per seed (from
    ``benchmarks/improved_seeds.py``), or one line saying there is no record."""
    path = results / f"improved_seeds-{preset}.json"
    if not path.is_file():
        return ["no runs of the improved recipe made in advance at these settings"]
    record = json.loads(path.read_text())
    return [f"made in advance on {_machine(record)}: seed {seed}, test accuracy {run['test_acc'][-1]:.4f} after "
            f"{len(run['test_acc'])} epochs" for seed, run in record["runs"].items()]
