"""The Makefile's commands, run as the README shows them (with the running environment's tools, never reinstalling).

Each test runs ``make -o .venv/.installed TARGET BIN=<this Python's bin>``: the recipe itself, from this checkout,
without rebuilding ``.venv``. Skipped where there is no ``make`` (plain pip on Windows).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_env(**extra: str) -> dict[str, str]:
    """This environment without an outer make's flags (``make test`` runs pytest), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}
    return {**env, **extra}


def make_command(*args: str, cwd: Path = ROOT) -> list[str]:
    return ["make", "--no-print-directory", "-C", str(cwd), "-o", ".venv/.installed", f"BIN={BIN}", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_lab(tmp_path: Path, work: Path) -> tuple[dict | None, str, int | None]:
    """``make lab WORK=work`` until its JupyterLab answers, then stopped: (its root's listing, what make said,
    make's exit status)."""
    port, token = free_port(), secrets.token_hex(16)
    options = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0 " \
              f"--ServerApp.token={token}"
    lab = subprocess.Popen(make_command("lab", f"WORK={work}", f"LAB_ARGS={options}"), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True,
                           env=make_env(JUPYTER_RUNTIME_DIR=str(tmp_path)))
    try:
        listing, deadline = None, time.monotonic() + 120
        while listing is None and lab.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=5) as r:
                    listing = json.load(r)
            except OSError:
                time.sleep(0.3)
        if listing is not None:
            stop = urllib.request.Request(f"http://127.0.0.1:{port}/api/shutdown", method="POST",
                                          headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(stop, timeout=10).close()
            lab.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass  # fails in the caller
    finally:
        if lab.poll() is None:  # make and the server it started
            os.killpg(lab.pid, signal.SIGKILL)
    return listing, lab.communicate()[0], lab.returncode


def test_make_lab_serves_the_student_copies_and_a_rerun_keeps_a_learners_edits(tmp_path):
    work, lessons = tmp_path / "work", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    listing, output, status = run_lab(tmp_path, work)
    assert listing is not None, f"JupyterLab never answered; make lab said:\n{output}"
    assert status == 0, output
    assert sorted(item["name"] for item in listing["content"]) == lessons  # its root: the copies, nothing else
    assert output.count("added ") == len(lessons) and "kept" not in output
    assert ("--allow-root" in output) == (os.geteuid() == 0)  # as root it says why it adds --allow-root
    first = nbformat.read(work / lessons[0], as_version=4)
    assert all(c.outputs == [] for c in first.cells if c.cell_type == "code")  # the student edition

    edited = work / lessons[0]  # a learner answers an exercise and saves; another notebook is deleted
    solution = next(c for c in first.cells if c.metadata.get("nbgrader", {}).get("solution"))
    solution.source = "answer = {1, 2, 3}  # my answer"
    nbformat.write(first, edited)
    mine = edited.read_bytes()
    (work / lessons[1]).unlink()
    listing, output, status = run_lab(tmp_path, work)
    assert listing is not None and status == 0, output
    assert edited.read_bytes() == mine
    assert sorted(p.name for p in work.iterdir()) == lessons
    assert f"added {work / lessons[1]}" in output and output.count("added ") == 1
    assert f"kept  {edited}" in output and output.count("kept ") == len(lessons) - 1


def test_make_student_without_a_folder_says_how_to_give_one():
    result = subprocess.run(make_command("student"), capture_output=True, text=True, timeout=60, env=make_env())
    assert result.returncode != 0 and "make student DEST=" in result.stdout + result.stderr


@pytest.mark.full  # collecting every test module in one process imports them all: ~30 s of make test's 4 minutes
def test_make_unit_collects_unit_tests_only():
    result = subprocess.run(make_command("unit", "UNIT_WORKERS="), capture_output=True, text=True, timeout=300,
                            env=make_env(PYTEST_ADDOPTS="--collect-only -q"))  # one process: collecting is all
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert any(line.startswith("tests/test_data.py::") for line in collected)
    other_tiers = ("tests/test_browser", "tests/test_book.py", "notebooks/", "tests/test_make.py",
                   "tests/test_benchmarks.py", "tests/test_committed_results.py",
                   "tests/test_lesson05_exercises.py::test_the_widest_chain_drifts_least")  # browser ... slow
    assert not [line for line in collected if line.startswith(other_tiers)]
    assert any(line.startswith("tests/test_lesson05_exercises.py::") for line in collected)  # its fast tests stay


def dry_run_setup(tmp_path: Path, *args: str, pyproject_changed: bool = False) -> str:
    """What ``make setup ARGS`` would run in a checkout whose .venv was installed with ``PIP_ARGS=--recorded``."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").mkdir(exist_ok=True)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.write_text("--recorded\n")
    later = time.time() + (-60 if pyproject_changed else 60)
    os.utime(stamp, (later, later))
    result = subprocess.run(["make", "-n", "-C", str(tmp_path), "setup", *args], capture_output=True, text=True,
                            env=make_env(PIP_ARGS=""), timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_new_pip_args_rebuilds_the_venv_and_is_remembered(tmp_path):
    rebuild = dry_run_setup(tmp_path, "PIP_ARGS=--extra-index-url https://download.pytorch.org/whl/cpu")
    assert "rm -rf .venv" in rebuild
    assert "pip install --quiet --extra-index-url https://download.pytorch.org/whl/cpu -e '.[dev]'" in rebuild
    assert "pip install" not in dry_run_setup(tmp_path)  # no PIP_ARGS: the installed .venv stays
    assert "pip install" not in dry_run_setup(tmp_path, "PIP_ARGS=--recorded")  # the same ones: nothing to do
    refresh = dry_run_setup(tmp_path, pyproject_changed=True)  # reinstalls with the options it was built with
    assert "pip install --quiet --recorded -e '.[dev]'" in refresh and "rm -rf" not in refresh


TINY_NOTEBOOK = [
    "import os\nprint('preset:', os.environ.get('RESNET_PRESET'))",
    "import sys\nprint('one', flush=True)\nsys.stdout.flush()\nprint('two')",
    "import ipywidgets as widgets\nwidgets.VBox([widgets.IntSlider(3), widgets.Output(), widgets.Label('x')])",
    "widgets.FloatSlider(0.5, description='lr')",
]


def test_make_notebooks_uses_cpu_and_an_unchanged_rerun_gives_the_same_file(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in TINY_NOTEBOOK])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    runs = []
    for _ in range(2):
        result = subprocess.run(make_command("notebooks", f"NB={path}"), capture_output=True, text=True,
                                timeout=300, env=make_env(RESNET_PRESET="smoke"))
        assert result.returncode == 0, result.stdout + result.stderr
        runs.append(path.read_text())
    assert runs[0] == runs[1]
    done = nbformat.reads(runs[1], as_version=4)
    assert done.cells[0].outputs[0].text == "preset: cpu\n"  # an exported RESNET_PRESET does not leak in
    assert [o.text for o in done.cells[1].outputs] == ["one\ntwo\n"]
    assert not any("execution" in cell.metadata for cell in done.cells)
