"""A clean classroom screen in JupyterLab (Chromium driven by playwright), with the settings `make lab` installs
(lab-settings/overrides.json as JupyterLab's settings overrides) and no user settings: no news pop-up, a freshly
opened lesson is not marked modified, and RISE presents a notebook as slides that advance.

Without Chromium or playwright the tests skip, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

import json
import platform
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
from browser_support import LabServer, lab_server, new_page

from benchmarks.lab_page import close_documents

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OVERRIDES = ROOT / "lab-settings" / "overrides.json"
NEWS = "Would you like to get notified about official Jupyter news?"
DECK = "selftest/deck.ipynb"

# open every notebook at once (their kernels start side by side), then read each one's model once its kernel is ready
_OPEN_ALL_JS = """async (paths) => {
  const app = window.jupyterapp;
  await app.restored;
  const panels = [];
  for (const path of paths) panels.push(await app.commands.execute('docmanager:open', {path}));
  for (const panel of panels) {
    await panel.sessionContext.ready;
    await panel.sessionContext.session.kernel.info;
  }
  // JupyterLab writes the kernel's spec and language_info into the model just after the kernel connects
  await new Promise(resolve => setTimeout(resolve, 1000));
  return panels.map(panel => ({path: panel.context.path, dirty: panel.context.model.dirty,
                               json: panel.context.model.toJSON()}));
}"""
_TOASTS_JS = "() => [...document.querySelectorAll('.Toastify__toast')].map(node => node.innerText)"



def _write_deck(path: Path) -> None:
    cells = [nbformat.v4.new_markdown_cell(f"# Slide {i}", metadata={"slideshow": {"slide_type": "slide"}})
             for i in range(3)]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab with the shipped overrides as its app settings, and no user settings at all."""
    work = tmp_path_factory.mktemp("classroom")
    root = work / "root"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    _write_deck(root / DECK)
    app_settings = work / "app-settings"
    app_settings.mkdir()
    shutil.copy(OVERRIDES, app_settings / "overrides.json")
    with lab_server(root, work / "lab", {"RESNET_PRESET": "smoke"}, user_settings=None,
                    extra_args=[f"--LabApp.app_settings_dir={app_settings}"]) as server:
        yield server


@pytest.fixture(scope="module")
def page(browser: Browser, lab: LabServer) -> Iterator[Page]:
    with new_page(browser) as page:
        yield page


def _metadata_changes(on_disk: dict, in_lab: dict) -> dict[str, tuple]:
    keys = set(on_disk["metadata"]) | set(in_lab["metadata"])
    return {key: (on_disk["metadata"].get(key), in_lab["metadata"].get(key)) for key in sorted(keys)
            if on_disk["metadata"].get(key) != in_lab["metadata"].get(key)}


def _opening_problems(notebook: Path, dirty: bool, in_lab: dict) -> list[str]:
    """How opening ``notebook`` changed it: metadata JupyterLab rewrote, or a modified mark with no reason shown."""
    on_disk = json.loads(notebook.read_text())
    changes = _metadata_changes(on_disk, in_lab)
    recorded = on_disk["metadata"].get("language_info", {}).get("version")
    if recorded != platform.python_version():
        # JupyterLab records the running Python's version: a notebook run elsewhere may differ in that alone
        before, after = changes.pop("language_info", ({}, {}))
        if {**before, "version": None} != {**after, "version": None}:
            changes["language_info"] = (before, after)
    elif dirty and not changes:
        return [f"{notebook.name} is marked modified on opening"]
    return [f"{notebook.name}: opening it rewrote metadata.{key} from {old} to {new}"
            for key, (old, new) in changes.items()]


def test_freshly_opened_lessons_are_not_modified_and_no_news_pop_up_shows(page: Page, lab: LabServer) -> None:
    page.goto(f"{lab.url}/lab/workspaces/classroom?reset&token={lab.token}")
    page.wait_for_function("() => Boolean(window.jupyterapp)")
    try:
        opened = page.evaluate(_OPEN_ALL_JS, [f"notebooks/{nb.name}" for nb in NOTEBOOKS])
        toasts = page.evaluate(_TOASTS_JS)
    finally:
        close_documents(page)
        lab.shutdown_kernels()
    assert not [text for text in toasts if NEWS in text], f"the news pop-up shows: {toasts}"
    assert [state["path"] for state in opened] == [f"notebooks/{nb.name}" for nb in NOTEBOOKS]
    problems = [problem for nb, state in zip(NOTEBOOKS, opened, strict=True)
                for problem in _opening_problems(nb, state["dirty"], state["json"])]
    assert not problems, "\n".join(problems)


def test_the_overrides_are_read(lab: LabServer) -> None:
    """The pop-up check has teeth only if JupyterLab uses the shipped settings (they become the defaults)."""
    plugin = "@jupyterlab/apputils-extension:notification"
    status, _, body = lab.request(f"/lab/api/settings/{plugin}")
    assert status == 200
    defaults = {name: spec.get("default") for name, spec in json.loads(body)["schema"]["properties"].items()}
    assert json.loads(OVERRIDES.read_text())[plugin].items() <= defaults.items()


def test_rise_presents_a_notebook_as_slides_that_advance(page: Page, lab: LabServer) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.goto(f"{lab.url}/rise/{DECK}?token={lab.token}")
    page.wait_for_function("() => document.querySelectorAll('.reveal .slides > section').length === 3", timeout=90_000)
    page.wait_for_url("**#/slide-0-0")
    for _ in range(10):  # the deck takes keys only once reveal.js has bound them: press until it advances
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_url("**#/slide-1-0", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
    else:
        pytest.fail(f"the RISE deck did not advance to its second slide after 10 ArrowRight presses ({page.url})")
    lab.shutdown_kernels()
