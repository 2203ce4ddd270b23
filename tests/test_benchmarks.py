"""The scripts in benchmarks/ run at tiny sizes (so they cannot rot), write what they promise, and leave git clean."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIGURES = ("input pipeline", "training step", "end to end")
MACHINE = {"cpu", "cores", "usable_cores", "torch_threads", "device", "device_name", "torch", "torchvision"}


def run(script: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``python -m benchmarks.<script> args...`` from the repository root, as the README runs it."""
    return execute([sys.executable, "-m", f"benchmarks.{script}", *args], check)


def execute(command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    # one torch thread: these runs check what the scripts write, not speed, and two threads on a busy 2-core machine
    # stall each other at every operation (seconds per tiny step)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def record_path(stdout: str) -> Path:
    """The path a script printed on its ``record: …`` line (relative to the repository root when inside it)."""
    line = next(line for line in stdout.splitlines() if line.startswith("record: "))
    return ROOT / line.removeprefix("record: ")


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def in_git() -> bool:
    return subprocess.run(["git", "rev-parse"], cwd=ROOT, capture_output=True).returncode == 0


def check_throughput_record(record: dict, rounds: int) -> None:
    """What every reader of a throughput record relies on (``resnet_lib.lessons.records``: each side's median
    images/s and the ratio), and that the numbers agree with each other: for records made with
    ``torch.utils.benchmark`` statistics, with the Measurement's seconds and with the lines ``report_lines`` prints;
    for the older ones (median [min-max] of one pass per round), with their rounds."""
    from benchmarks.train_throughput import report_lines

    assert MACHINE <= set(record["machine"]) and record["date"] and record["timing"]
    assert set(record["figures"]) == set(FIGURES)
    for figure in record["figures"].values():
        for side in ("d2l", "resnet_lib"):
            numbers = figure[side]
            assert len(numbers["rounds"]) == rounds and all(r > 0 for r in numbers["rounds"])
            if "statistics" in record:
                seconds = numbers["seconds_per_call"]
                assert len(seconds["times"]) >= rounds and all(t > 0 for t in seconds["times"])
                assert seconds["median"] == pytest.approx(statistics.median(seconds["times"]))
                assert numbers["median"] == pytest.approx(figure["images_per_call"] / seconds["median"])
                assert numbers["iqr_pct"] == pytest.approx(100 * seconds["iqr"] / seconds["median"])
                assert seconds["iqr"] >= 0
            else:
                assert numbers["min"] <= numbers["median"] <= numbers["max"]
                assert numbers["median"] == pytest.approx(statistics.median(numbers["rounds"]))
        assert figure["ratio"] == pytest.approx(figure["resnet_lib"]["median"] / figure["d2l"]["median"])
        assert len(figure["round_ratios"]) == rounds
    if "statistics" in record:
        printed = report_lines(record["figures"], rounds, record["load_average"], record["machine"]["cores"])
        assert record["printed"] == printed  # the printed figures are the recorded ones
    else:
        for name, figure in record["figures"].items():
            line = next(line for line in record["printed"] if line.startswith(name))
            assert f"{figure['d2l']['median']:,.0f} [" in line and f"{figure['ratio']:.2f} [" in line


@pytest.mark.skipif(not in_git() or shutil.which("make") is None, reason="needs a git checkout and make")
@pytest.mark.full  # a benchmark script in a subprocess: make test-all
def test_make_bench_writes_outside_tracked_files_and_records_what_it_printed():
    before = git_status()
    # `make bench` as a user runs it, at a tiny size; -o: never (re)build the venv from here, use this interpreter
    result = execute(["make", "-o", ".venv/.installed", f"BIN={Path(sys.executable).parent}", "bench",
                      "BENCH_ARGS=--tiny --data sample --device cpu"])
    path = record_path(result.stdout)
    assert path.is_relative_to(ROOT / "build")
    assert git_status() == before
    record = json.loads(path.read_text())
    assert "torch.utils.benchmark" in record["statistics"]  # checked against the Measurement's seconds below
    check_throughput_record(record, rounds=2)
    assert record["settings"]["tiny"] and record["settings"]["image_size"] == 32
    for line in record["printed"]:
        assert line in result.stdout


def test_bench_rejects_sizes_that_cannot_make_a_pass():
    result = run("train_throughput", "--tiny", "--train-images", "8", "--batch-size", "16", check=False)
    assert result.returncode == 2 and "--batch-size" in result.stderr


@pytest.mark.parametrize("path", sorted(RESULTS.glob("train_throughput-*.json")), ids=lambda p: p.name)
def test_committed_throughput_record_is_a_full_size_run_of_this_code(path):
    record = json.loads(path.read_text())
    settings = record["settings"]
    assert not settings["tiny"] and path.name.endswith(f"-{settings['image_size']}px.json")
    assert settings["train_images"] >= 2048 and settings["pipeline_images"] >= 2048 and settings["rounds"] >= 2
    check_throughput_record(record, settings["rounds"])


@pytest.mark.full  # a benchmark script in a subprocess: make test-all
def test_gpu_record_refuses_the_cpu_unless_allowed(tmp_path):
    result = run("gpu_record", "--device", "cpu", "--out", str(tmp_path), check=False)
    assert result.returncode == 1 and "--allow-cpu" in result.stderr and "no GPU" in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.full  # trains: make test-all
def test_gpu_record_trial_on_the_cpu_writes_history_and_machine(tmp_path):
    result = run("gpu_record", "--device", "cpu", "--allow-cpu", "--epochs", "1", "--train-limit", "64",
                 "--test-limit", "64", "--data", "sample", "--out", str(tmp_path))
    record = json.loads((tmp_path / "full-run-cpu.json").read_text())
    assert record["preset"] == "full" and MACHINE <= set(record["machine"])
    history = record["history"]
    assert len(history["test_acc"]) == 1 and history["info"]["recipe"]["image_size"] == 96
    assert history["info"]["recipe"]["lr"] == 0.05 and record["model"]["width"] == 64
    assert "--epochs 1" in record["deviations"] and "on the CPU" in record["deviations"]
    assert "test acc" in result.stdout


@pytest.mark.full  # runs a lesson: make test-all
def test_notebook_times_runs_a_copy_and_records_the_wait(tmp_path):
    notebook = ROOT / "notebooks" / "02_residual_block.ipynb"
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    out = tmp_path / "times.json"
    result = run("notebook_times", "--preset", "smoke", "--out", str(out), str(notebook))
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == digest  # the committed notebook is untouched
    record = json.loads(out.read_text())
    assert record["preset"] == "smoke" and MACHINE <= set(record["machine"])
    assert set(record["load_average"]) == {"before", "after"}
    [row] = record["notebooks"]
    assert row["notebook"] == notebook.name and row["error"] is None and row["wall_s"] > 0
    assert f"| `{notebook.name}` |" in result.stdout


@pytest.mark.full  # a benchmark script in a subprocess: make test-all
def test_notebook_times_names_a_missing_notebook(tmp_path):
    result = run("notebook_times", "--out", str(tmp_path / "t.json"), "notebooks/99_nothing.ipynb", check=False)
    assert result.returncode == 2 and "99_nothing.ipynb" in result.stderr


@pytest.mark.full  # trains: make test-all
def test_recipe_ablation_record_runs_every_arm_and_loads_back(tmp_path):
    from resnet_lib.lessons.recipe_ablation import SWITCHES, load_ablation

    out = tmp_path / "ablation.json"
    result = run("recipe_ablation", "--data", "sample", "--train-images", "64", "--test-images", "32",
                 "--epochs", "1", "--batch-size", "32", "--seeds", "0", "1", "--preset", "smoke", "--out", str(out))
    results, info = load_ablation(out)
    assert list(results) == ["none", *SWITCHES, "all"] and all(len(runs) == 2 for runs in results.values())
    assert info["budget"]["train_images"] == 64 and info["budget"]["seeds"] == [0, 1]
    assert info["how"].startswith("python -m benchmarks.recipe_ablation ")
    assert "every seed above every seed of 'none'" in result.stdout


@pytest.mark.full  # trains: make test-all
def test_degradation_record_runs_the_arms_asked_for_and_loads_back(tmp_path):
    from resnet_lib.lessons.plain_vs_residual import load_record

    out = tmp_path / "preact.json"
    run("degradation", "--data", "sample", "--train-images", "64", "--steps", "3", "--batch-size", "32",
        "--width", "2", "--depths", "8", "--seeds", "0", "1", "--kinds", "residual", "pre-activation",
        "--out", str(out))
    curves, info = load_record(out)
    assert set(map(str, curves)) == {"ResNet-8", "pre-activation ResNet-8"} and info["recipe"]["kinds"] == ["residual",
                                                                                                 "pre-activation"]
    assert all(sorted(runs) == [0, 1] and len(runs[0].errors) == 3 for runs in curves.values())
    wrong = run("degradation", "--kinds", "highway", "--out", str(out), check=False)
    assert wrong.returncode == 2 and "pre-activation" in wrong.stderr


@pytest.mark.full  # trains: make test-all
def test_improved_seeds_records_one_history_per_seed(tmp_path):
    out = tmp_path / "seeds.json"
    result = run("improved_seeds", "--preset", "smoke", "--seeds", "0", "1", "--epochs", "1", "--train-limit", "64",
                 "--out", str(out))
    record = json.loads(out.read_text())
    assert set(record["runs"]) == {"0", "1"} and record["preset"] == "smoke" and MACHINE <= set(record["machine"])
    assert all(len(history["test_acc"]) == 1 for history in record["runs"].values())
    assert record["recipe"]["one_cycle"] and "seed 1: test accuracy" in result.stdout
