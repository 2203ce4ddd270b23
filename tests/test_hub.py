"""`make hub`: a JupyterHub for a class on one machine, driven by two simulated students (one in Chromium).

One run of ``benchmarks/hub_load.py``'s class (2 students, smoke preset) through ``make hub``: each logs in, gets a
server with their own copy of the course, runs lessons 01, 02 and 05 (``make test``: lesson 02) top to bottom and
saves them; then the hub is stopped (nothing of it may be left running), started again, and each student's saved
work must come back byte for byte. Marked ``hub`` (``pytest -m 'not hub'`` leaves it out): it takes a minute or
two on a 2-core machine.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import psutil
import pytest
from browser_support import find_chromium, missing

ROOT = Path(__file__).resolve().parents[1]
hub_load = pytest.importorskip("benchmarks.hub_load")  # its packages come with the hub extra

pytestmark = [pytest.mark.hub, pytest.mark.skipif(shutil.which("make") is None, reason="needs make")]
BIN = Path(sys.executable).parent


def make_hub(folder: Path) -> list[str]:
    """``make hub`` as the README shows it, with this environment's tools and the hub's state in ``folder``."""
    return ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed", "-o", ".venv/.hub-installed",
            f"BIN={BIN}", "hub", f"HUB_DIR={folder}"]


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


def hub_processes(folder: Path) -> list[psutil.Process]:
    """Processes still running from this hub: the hub and its proxy (``HUB_DIR`` in their environment), the
    students' servers and kernels (working in its folder)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("HUB_DIR") == str(folder) or proc.cwd().startswith(str(folder)):
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize("lessons", [
    pytest.param(("02_residual_block.ipynb",), id="one lesson"),
    pytest.param(hub_load.LESSONS, id="lessons 01, 02, 05", marks=pytest.mark.full),
])
def test_a_class_of_two_runs_its_lessons_and_keeps_its_work_over_a_restart(tmp_path, lessons):
    pytest.importorskip("jupyterhub")
    if not (ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        missing("JupyterHub's proxy is not installed", "run make hub once (npm ci in hub/)")
    if find_chromium() is None:
        missing("no chromium executable on PATH")
    folder = tmp_path / "hub"
    record = hub_load.simulate(2, "smoke", folder, lessons, browsers=1, timeout=600, command=make_hub(folder))

    assert record["killed_after_stop"] == [], "the hub did not stop by itself"
    assert not hub_processes(folder), "stopping the hub left processes running"
    course = digests(ROOT / "notebooks")
    names = [s["name"] for s in record["students"]]
    assert [s.get("client") for s in record["students"]] == ["chromium", "REST API + kernel websocket"]
    for student in record["students"]:
        assert student["errors"] == [], student
        assert set(student["notebooks"]) == set(lessons), student
        for lesson, run in student["notebooks"].items():
            assert run["errors"] == [] and run["cells_run"] == run["code_cells"] > 0, (student["name"], lesson, run)
            assert 0 < run["peak_uss_mib"] <= run["peak_pss_mib"] <= run["peak_rss_mib"], (lesson, run)
        assert student["server_s"] > 0
        mine = digests(folder / "students" / student["name"])
        assert set(mine) == set(course)  # every lesson handed out
        changed = {lesson for lesson in mine if mine[lesson] != course[lesson]}
        assert changed == set(lessons), changed  # the lessons they ran, saved with their outputs
    server = record["server"]
    assert server["peak_memory_of_hub_processes_pss_mib"] > max(
        run["peak_pss_mib"] for s in record["students"] for run in s["notebooks"].values())

    # a restart of the hub and of every student's server hands out nothing over a student's own notebooks
    saved = {name: digests(folder / "students" / name) for name in names}
    (folder / "students" / names[0] / "03_resnet18.ipynb").unlink()  # deleted: handed out again
    with hub_load.running_hub(folder, "smoke", command=make_hub(folder)) as hub:
        for name in names:
            hub_load.log_in(hub, name, hub.password)
            hub_load.start_server(hub, name)
            hub_load.stop_server(hub, name)
    for name in names:
        assert digests(folder / "students" / name) == saved[name], name
    assert hub.killed == [] and not hub_processes(folder)
