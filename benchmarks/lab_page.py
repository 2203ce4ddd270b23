"""Run a notebook in a JupyterLab page (Playwright): open it, Run All, read what the page shows, close it. Used by
``benchmarks.hub_load``'s simulated students and by the browser tests (``tests/browser_support.py``).

The checks drive JupyterLab through ``window.jupyterapp`` (exposed by ``--LabApp.expose_app_in_browser``); they
raise :class:`BrowserCheckError` with a message that says what the page showed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from playwright.sync_api import Page

T = TypeVar("T")


class BrowserCheckError(AssertionError):
    """A notebook did not behave in the browser as the test requires."""


class OpensNotebooks(Protocol):
    """What :func:`open_notebook` needs of a server: the address that opens a notebook in its JupyterLab."""

    def page_url(self, notebook: str) -> str: ...


# The page's state: the current notebook, its kernel and cells, and what Run All has left.
STATE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.context) return null;
  const errors = [];
  let codeCells = 0, executed = 0;
  panel.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    codeCells += 1;
    if (cell.model.executionCount !== null) executed += 1;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}`);
    }
  });
  const images = [...panel.content.node.querySelectorAll('.jp-OutputArea-output img')]
    .filter(img => img.complete && img.naturalWidth > 0).length;
  const session = panel.sessionContext.session;
  return {path: panel.context.path, status: panel.sessionContext.kernelDisplayStatus,
          kernel: Boolean(session && session.kernel), dialog: Boolean(document.querySelector('.jp-Dialog')),
          codeCells, executed, errors, images, kernelErrors: window.__kernelErrors || [],
          runAll: window.__runAll ?? null, died: Boolean(window.__kernelDied)};
}"""

# Watch the kernel of the current notebook: its death, and every error it reports on iopub. An error raised in a
# widget callback whose output is set directly (``out.outputs = ...``) belongs to no cell: JupyterLab shows it
# only in its log console, so it is caught here, as the kernel sends it.
_RUN_ALL_JS = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  window.__runAll = undefined;
  window.__kernelDied = false;
  window.__kernelErrors = [];
  if (!panel.__resnetWatched) {
    panel.__resnetWatched = true;
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (status === 'autorestarting' || status === 'dead') window.__kernelDied = true;
    });
    panel.sessionContext.iopubMessage.connect((_, msg) => {
      if (msg.header.msg_type !== 'error') return;
      window.__kernelErrors.push({parent: msg.parent_header.msg_type || '',
                                  text: `${msg.content.ename}: ${msg.content.evalue}`});
    });
  }
  await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    ok => { window.__runAll = String(ok); }, err => { window.__runAll = 'error: ' + err; });
}"""

_CLOSE_JS = """() => {
  if (!window.jupyterapp) return;
  for (const widget of [...window.jupyterapp.shell.widgets('main')]) {
    if (widget.context) widget.context.model.dirty = false;
    widget.dispose();
  }
}"""


@dataclass
class NotebookRun:
    """What Run All left in the page."""

    code_cells: int
    executed: int
    errors: list[str]
    kernel_errors: list[str]
    images: int
    seconds: float

    def problems(self) -> list[str]:
        found = [f"error output in {e}" for e in self.errors]
        found += [f"error outside any cell (JupyterLab's log console): {e}" for e in self.kernel_errors]
        if self.executed < self.code_cells:
            found.append(f"only {self.executed} of {self.code_cells} code cells ran")
        if self.images < 1:
            found.append("no rendered image in any output")
        return found


def poll(probe: Callable[[], T | None], timeout: float, interval: float = 0.25) -> T | None:
    """``probe()`` every ``interval`` s until it returns something other than None, or its last answer after
    ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def open_notebook(page: Page, server: OpensNotebooks, notebook: str, timeout: float = 90) -> None:
    """Open ``notebook`` and wait until its kernel is idle (accepting a kernel dialog). The first call loads
    JupyterLab into ``page`` with a fresh workspace; later ones reuse it (loading it takes seconds)."""
    if page.evaluate("() => Boolean(window.jupyterapp)"):
        page.evaluate("path => window.jupyterapp.commands.execute('docmanager:open', {path})", notebook)
    else:
        page.goto(server.page_url(notebook))

    def ready() -> bool | None:
        state = page.evaluate(STATE_JS)
        if state and state["dialog"]:
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
            return None
        ok = state and state["path"] == notebook and state["kernel"] and state["status"] == "idle"
        return True if ok else None

    if not poll(ready, timeout, 0.5):
        raise BrowserCheckError(f"{notebook}: no idle kernel within {timeout:.0f} s; page state: "
                                f"{page.evaluate(STATE_JS)}")


def close_documents(page: Page) -> None:
    """Dismiss open dialogs and close every document in the main area, discarding changes (the page stays
    loaded for the next notebook)."""
    for _ in range(3):
        if page.locator(".jp-Dialog").count():
            page.keyboard.press("Escape")
    page.evaluate(_CLOSE_JS)


def _outside_cells(state: dict) -> list[str]:
    """Errors the kernel reported for no cell (a cell's own error comes from its execute_request)."""
    return [e["text"] for e in state["kernelErrors"] if e["parent"] != "execute_request"]


def run_all_cells(page: Page, timeout: float = 240) -> NotebookRun:
    """Clear outputs, Run All, and wait until Run All has finished and the kernel is idle; stop at once if the
    kernel dies."""
    start = time.monotonic()
    page.evaluate(_RUN_ALL_JS)

    def finished() -> dict | None:
        state = page.evaluate(STATE_JS)
        if state["died"]:
            raise BrowserCheckError(f"the kernel died during Run All ({state['executed']} of "
                                    f"{state['codeCells']} code cells started; errors: {state['errors']})")
        return state if state["runAll"] is not None and state["status"] == "idle" else None

    state = poll(finished, timeout, 0.5)
    if state is None:
        state = page.evaluate(STATE_JS)
        raise BrowserCheckError(f"Run All did not finish within {timeout:.0f} s ({state['executed']} of "
                                f"{state['codeCells']} code cells started, kernel {state['status']})")
    return NotebookRun(state["codeCells"], state["executed"], state["errors"], _outside_cells(state),
                       state["images"], time.monotonic() - start)
