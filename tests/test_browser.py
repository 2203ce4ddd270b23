"""Real-browser test: every notebook runs clean in JupyterLab (Chromium driven by playwright) and its main
widget, the first slider, answers a key press with a new ``updated: <name>=<value>`` line.

One JupyterLab server (smoke preset, 127.0.0.1, random token) serves a temporary copy of ``notebooks/`` plus
throwaway self-test notebooks, widgets built like the lessons' (``Explorer``), showing that the checks pass on a
working slider and catch each way one can break (a raising callback, a wrong marker, no slider, a dying kernel),
each within seconds.
Without Chromium or playwright the tests skip, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from browser_support import (
    LabServer,
    host_addresses,
    lab_server,
    listening_addresses,
    move_first_slider,
    new_page,
    screenshot_on_failure,
)

from benchmarks.lab_page import BrowserCheckError, NotebookRun, close_documents, open_notebook, run_all_cells

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts"

PRESET_CELL = 'import os\nassert os.environ.get("RESNET_PRESET") == "smoke", "the kernel must use smoke"'
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
IMAGE_CELL = f"from base64 import b64decode\nfrom IPython.display import Image\nImage(b64decode('{PNG_1PX}'))"
# A widget built the way the lessons build theirs (resnet_lib's Explorer: outputs set directly, a hidden marker),
# whose redraw for a moved slider can be made to misbehave.
PROBE_CELL = """import os

import ipywidgets as widgets

from resnet_lib.ui.widget_output import Explorer


class Probe(Explorer):
    def __init__(self, value, when_moved="works"):
        self.controls = {"k": widgets.IntSlider(value=value, min=0, max=10, description="k")}
        self.start, self.when_moved = value, when_moved
        super().__init__()

    def draw(self):
        k = self.controls["k"].value
        if k != self.start and self.when_moved == "raises":
            raise RuntimeError("broken callback")
        if k != self.start and self.when_moved == "kills the kernel":
            os._exit(1)
        return None, f"k is {k}"

    def update(self, name=None, value=None):
        super().update(name, value)
        if self.when_moved == "marks the wrong value":
            self.marker.value = f"updated: k={self.controls['k'].value + 1}"
"""
SELFTEST = {
    # starts at its maximum, so the check has to move it left
    "working_slider.ipynb": [PRESET_CELL, IMAGE_CELL, PROBE_CELL, "Probe(10).show()"],
    # a second widget further down: its marker is not the first slider's answer
    "two_widgets.ipynb": [IMAGE_CELL, PROBE_CELL, "Probe(3).show()", "Probe(7).show()"],
    "broken_callback.ipynb": [IMAGE_CELL, PROBE_CELL, 'Probe(3, "raises").show()'],
    "wrong_marker.ipynb": [IMAGE_CELL, PROBE_CELL, 'Probe(3, "marks the wrong value").show()'],
    "callback_kills_kernel.ipynb": [IMAGE_CELL, PROBE_CELL, 'Probe(3, "kills the kernel").show()'],
    "no_slider.ipynb": [IMAGE_CELL, "import ipywidgets as widgets\nwidgets.Button(description='not a slider')"],
    "kernel_dies.ipynb": [IMAGE_CELL, "import os\nos._exit(1)", "print('never runs')"],
    "failing_cell.ipynb": ["1 / 0", "print('never runs')"],
}
FAST = 25  # seconds: a failing check must say why well before its timeout (60 s) runs out



def _write_selftest(folder: Path) -> None:
    folder.mkdir()
    for name, cells in SELFTEST.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LabServer]:
    work = tmp_path_factory.mktemp("browser")
    root = work / "root"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    _write_selftest(root / "selftest")
    failed_before = request.session.testsfailed
    with lab_server(root, work / "lab", {"RESNET_PRESET": "smoke"}) as server:
        yield server
        if request.session.testsfailed > failed_before:
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(server.log, ARTIFACTS / "jupyter-lab.log")


@pytest.fixture(scope="module")
def lab_page(browser: Browser) -> Iterator[Page]:
    """One page for all notebooks: loading JupyterLab costs more than opening a notebook in it."""
    with new_page(browser, 1400, 1000) as page:
        yield page


@pytest.fixture
def page(lab_page: Page, lab: LabServer) -> Iterator[Page]:
    """The shared page; afterwards its documents are closed and every kernel is stopped."""
    yield lab_page
    close_documents(lab_page)
    lab.shutdown_kernels()


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, f"no notebooks found in {ROOT / 'notebooks'}"


# make test runs this lesson in JupyterLab here (the quickest in the smoke preset; the hub test runs lesson 02 in Lab);
# make test-all runs every lesson
IN_MAKE_TEST = "06_plain_vs_residual"


@pytest.mark.parametrize("notebook", [
    pytest.param(nb, id=nb.stem, marks=() if nb.stem == IN_MAKE_TEST else pytest.mark.full) for nb in NOTEBOOKS])
def test_notebook_runs_and_its_slider_responds(page: Page, lab: LabServer, notebook: Path) -> None:
    with screenshot_on_failure(page, ARTIFACTS / f"browser-{notebook.stem}.png"):
        open_notebook(page, lab, f"notebooks/{notebook.name}")
        run = run_all_cells(page)
        assert not run.problems(), f"{notebook.name} in JupyterLab: {run.problems()}"
        change = move_first_slider(page)
    print(f"{notebook.name}: Run All {run.seconds:.1f} s, {run.images} image(s); {change}")


def run_selftest(page: Page, lab: LabServer, name: str) -> NotebookRun:
    open_notebook(page, lab, f"selftest/{name}")
    return run_all_cells(page, timeout=60)


@pytest.mark.full  # make test's Run All of a lesson already passes these checks on a working slider
def test_checks_pass_on_a_working_slider(page: Page, lab: LabServer) -> None:
    with screenshot_on_failure(page, ARTIFACTS / "browser-selftest-working.png"):
        assert run_selftest(page, lab, "working_slider.ipynb").problems() == []
        change = move_first_slider(page, timeout=20)
    assert change.key == "ArrowLeft"
    assert (change.marker_before, change.marker_after) == ("updated: k=10", "updated: k=9")


@pytest.mark.full  # the checks' own tests: make test keeps one per kind of failure
def test_checks_read_the_marker_of_the_sliders_own_widget(page: Page, lab: LabServer) -> None:
    with screenshot_on_failure(page, ARTIFACTS / "browser-selftest-two-widgets.png"):
        assert run_selftest(page, lab, "two_widgets.ipynb").problems() == []
        change = move_first_slider(page, timeout=20)
    assert (change.marker_before, change.marker_after) == ("updated: k=3", "updated: k=4")


def test_checks_catch_a_broken_widget_callback_at_once(page: Page, lab: LabServer) -> None:
    """The lessons' style: the exception reaches no cell, only JupyterLab's log console."""
    assert run_selftest(page, lab, "broken_callback.ipynb").problems() == []
    start = time.monotonic()
    with pytest.raises(BrowserCheckError, match="the widget callback raised") as caught:
        move_first_slider(page, timeout=60)
    assert time.monotonic() - start < FAST
    assert "RuntimeError: broken callback" in str(caught.value)
    assert "'3' -> '4'" in str(caught.value), "the slider itself should have moved"


@pytest.mark.full  # the checks' own tests: make test keeps one per kind of failure
def test_checks_catch_a_marker_with_the_wrong_value(page: Page, lab: LabServer) -> None:
    """A new marker is not enough: it must carry the value the slider now shows."""
    assert run_selftest(page, lab, "wrong_marker.ipynb").problems() == []
    expected = r"no 'updated: <name>=<value>' marker for the slider's value '4' within 5 s"
    with pytest.raises(BrowserCheckError, match=expected) as caught:
        move_first_slider(page, timeout=5)
    assert "now: 'updated: k=5'" in str(caught.value)


@pytest.mark.full
@pytest.mark.parametrize("notebook, message", [
    ("callback_kills_kernel.ipynb", r"the kernel died after pressing ArrowRight .*'3' -> '4'"),
    ("no_slider.ipynb", r"no ipywidgets slider \(.widget-slider\) was rendered"),
], ids=["kernel killed by a callback", "missing slider"])
def test_slider_checks_catch_a_broken_notebook_at_once(page: Page, lab: LabServer, notebook: str, message: str) -> None:
    assert run_selftest(page, lab, notebook).problems() == []
    start = time.monotonic()
    with pytest.raises(BrowserCheckError, match=message):
        move_first_slider(page, timeout=60)
    assert time.monotonic() - start < FAST


@pytest.mark.full  # the checks' own tests: make test keeps one per kind of failure
def test_checks_catch_a_kernel_that_dies_during_run_all_at_once(page: Page, lab: LabServer) -> None:
    open_notebook(page, lab, "selftest/kernel_dies.ipynb")
    start = time.monotonic()
    with pytest.raises(BrowserCheckError, match="the kernel died during Run All"):
        run_all_cells(page, timeout=120)
    assert time.monotonic() - start < FAST


def test_checks_catch_an_error_output(page: Page, lab: LabServer) -> None:
    problems = run_selftest(page, lab, "failing_cell.ipynb").problems()
    assert problems == [
        "error output in cell 1: ZeroDivisionError: division by zero",
        "only 1 of 2 code cells ran",
        "no rendered image in any output",
    ]


def test_server_refuses_requests_without_the_token(lab: LabServer) -> None:
    assert lab.request("/api/contents")[0] == 200
    assert lab.request("/api/contents", token=False)[0] == 403
    status, location, _ = lab.request("/lab", token=False)
    assert status == 302 and "/login" in location, (status, location)


def test_server_listens_on_loopback_only(lab: LabServer) -> None:
    addresses = listening_addresses(lab.proc.pid)
    assert addresses and addresses <= {"127.0.0.1", "::1"}, addresses
    for address in host_addresses():
        with socket.socket() as sock, pytest.raises(OSError):
            sock.settimeout(3)
            sock.connect((address, lab.port))
