"""Helpers for the real-browser test: a throwaway JupyterLab server, and the slider check of one notebook in its page
(opening a notebook and Run All are ``benchmarks.lab_page``'s, shared with the hub's load test).

The slider check drives JupyterLab through ``window.jupyterapp`` (exposed by ``--LabApp.expose_app_in_browser``)
and the keyboard; it raises :class:`~benchmarks.lab_page.BrowserCheckError` with a message that says what the page
showed.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import quote

import psutil
import pytest

from benchmarks.lab_page import STATE_JS, BrowserCheckError, poll

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SETTINGS_FILE = Path(__file__).with_name("browser_lab_settings.json")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# ``updated: <name>=<value>``, optionally followed by more text (e.g. other settings) after a space
MARKER = re.compile(r"^updated: (?P<name>[^=\s]+)=(?P<value>\S+)(?:[ \t].*)?$", re.MULTILINE)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on ``PATH`` (Debian's ``chromium`` first), or ``None``."""
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


CHROMIUM_FIX = "install Debian's chromium (apt-get install chromium) and the dev extras"


def missing(what: str, fix: str = CHROMIUM_FIX) -> NoReturn:
    """Skip on a user's machine, fail under CI: a browser or site test must not silently vanish there."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{what} (CI is set, so this test cannot be skipped); {fix}")
    pytest.skip(f"{what}; {fix} to run it")


@contextmanager
def new_page(browser: Browser, width: int = 1280, height: int = 720, timeout_ms: int = 30_000) -> Iterator[Page]:
    """A page in a fresh browser context of ``width`` x ``height``; actions wait at most ``timeout_ms``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    try:
        yield page
    finally:
        context.close()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Playwright driving the system's Chromium (no browser download); closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("python playwright is not installed")
    if (executable := find_chromium()) is None:
        missing("no chromium executable on PATH")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _no_redirect_opener() -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


@dataclass
class LabServer:
    """A running ``jupyter lab`` process, its address, token and log file."""

    proc: subprocess.Popen[bytes]
    port: int
    token: str
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, path: str, *, token: bool = True, method: str = "GET") -> tuple[int, str, bytes]:
        """HTTP status, ``Location`` header and body of a request (redirects are not followed)."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        req = urllib.request.Request(self.url + path, headers=headers, method=method)
        try:
            with _no_redirect_opener().open(req, timeout=10) as resp:
                return resp.status, resp.headers.get("Location", ""), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Location", ""), b""

    def shutdown_kernels(self) -> None:
        """Stop every kernel session (between notebooks, so that only one kernel runs at a time)."""
        for session in json.loads(self.request("/api/sessions")[2]):
            self.request(f"/api/sessions/{session['id']}", method="DELETE")

    def page_url(self, notebook: str) -> str:
        """URL that opens ``notebook`` (relative to the server's root) in a freshly reset workspace."""
        return f"{self.url}/lab/workspaces/browser-test/tree/{quote(notebook)}?reset&token={self.token}"

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log, for error messages."""
        return self.log.read_text(errors="replace")[-chars:]


def _write_user_settings(settings_dir: Path, settings_file: Path) -> None:
    for plugin, values in json.loads(settings_file.read_text()).items():
        package, name = plugin.split(":")
        target = settings_dir / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


@contextmanager
def lab_server(root: Path, workdir: Path, env: dict[str, str], timeout: float = 120,
               user_settings: Path | None = SETTINGS_FILE, extra_args: Sequence[str] = ()) -> Iterator[LabServer]:
    """Start JupyterLab from this Python on 127.0.0.1 with a random token, isolated config/data/settings dirs
    under ``workdir`` (user settings from ``user_settings``, none if ``None``), ``env`` added to the environment
    and ``extra_args`` on its command line; always stop it and every process it started."""
    token = secrets.token_hex(24)
    port = free_port()
    dirs = {name: workdir / name for name in ("config", "data", "runtime", "settings", "workspaces")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    if user_settings is not None:
        _write_user_settings(dirs["settings"], user_settings)
    full_env = os.environ | env | {
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
    }
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={dirs['settings']}", f"--LabApp.workspaces_dir={dirs['workspaces']}",
        *extra_args,
    ]
    log = workdir / "jupyter-lab.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = LabServer(proc, port, token, log)
    try:
        _wait_until_ready(server, timeout)
        yield server
    finally:
        stop_server(server)


def _wait_until_ready(server: LabServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            if server.request("/api/status")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: LabServer, grace: float = 15) -> None:
    """Ask the server to shut down (it stops its kernels), then kill whatever of its process tree is left."""
    try:
        tree = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    try:
        server.request("/api/shutdown", method="POST")
    except OSError:
        pass
    _, alive = psutil.wait_procs(tree, timeout=grace)
    for proc in alive:
        proc.kill()
    _, alive = psutil.wait_procs(alive, timeout=5)
    server.proc.wait(timeout=5)
    if alive:
        raise RuntimeError(f"processes of the jupyter lab server survived SIGKILL: {alive}")


def listening_addresses(pid: int) -> set[str]:
    """IP addresses on which process ``pid`` or any of its descendants listens for TCP connections."""
    root = psutil.Process(pid)
    found = set()
    for proc in [root, *root.children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        found |= {c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN}
    return found


def host_addresses() -> list[str]:
    """This host's IPv4 addresses outside 127.0.0.0/8."""
    return [
        addr.address
        for addrs in psutil.net_if_addrs().values()
        for addr in addrs
        if addr.family == socket.AF_INET and not addr.address.startswith("127.")
    ]


# --- the slider check of one notebook in a JupyterLab page ----------------------------------------------------

# The slider's state and the hidden marker of its own widget: the nearest enclosing element, inside the slider's
# cell, that holds a ``.resnet-marker`` label (another widget's marker further down the page is not its answer).
_SLIDER_JS = """(handle) => {
  const slider = handle.closest('.widget-slider');
  const readout = slider.querySelector('.widget-readout');
  const cell = handle.closest('.jp-Cell');
  let marker = null;
  for (let node = slider; node && node !== cell && marker === null; node = node.parentElement) {
    const label = node.querySelector('.resnet-marker');
    if (label) marker = label.textContent.trim();
  }
  return {now: handle.getAttribute('aria-valuenow'), max: handle.getAttribute('aria-valuemax'),
          readout: readout ? readout.innerText.trim() : '', marker};
}"""

# what the notebook's output areas say about widgets that could not be shown
_WIDGET_PROBLEMS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
  .map(node => node.innerText.trim())
  .filter(text => /Error displaying widget|Loading widget|model not found/i.test(text))"""


@dataclass
class SliderChange:
    """The first slider's readout and its widget's ``updated: <name>=<value>`` marker, before and after a key."""

    key: str
    readout_before: str
    readout_after: str
    marker_before: str | None
    marker_after: str


def _values_agree(marker_value: str, shown: str) -> bool:
    try:
        decimals = len(shown.split("e")[0].partition(".")[2])
        return math.isclose(float(marker_value), float(shown), rel_tol=1e-3, abs_tol=0.51 * 10**-decimals)
    except ValueError:
        return marker_value.strip() == shown.strip()


def move_first_slider(page: Page, timeout: float = 60, render_timeout: float = 10) -> SliderChange:
    """Focus the first slider's handle, press an arrow key, and wait until the hidden marker of the slider's own
    widget reads ``updated: <name>=<value>`` for the value the slider now shows. Fail at once when the kernel
    reports an error (a callback raised) or dies, and within ``render_timeout`` when no slider is shown."""
    handle = page.locator(".jp-Notebook .widget-slider .noUi-handle").first
    if not poll(lambda: handle.count() > 0 and handle.is_visible() or None, render_timeout):
        raise BrowserCheckError(f"no ipywidgets slider (.widget-slider) was rendered within {render_timeout:.0f} "
                                f"s of Run All; widget outputs: {page.evaluate(_WIDGET_PROBLEMS_JS) or 'none'}")
    handle.scroll_into_view_if_needed()
    before = handle.evaluate(_SLIDER_JS)
    if before["marker"] is None:
        raise BrowserCheckError("the first slider's widget has no hidden marker (an element of class "
                                "resnet-marker); build the widget on resnet_lib.ui.widget_output.Explorer")
    errors_before = len(page.evaluate(STATE_JS)["kernelErrors"])
    at_max = before["now"] is not None and before["now"] == before["max"]
    key = "ArrowLeft" if at_max else "ArrowRight"
    handle.focus()
    page.keyboard.press(key)

    def shown(state: dict) -> str:
        return state["readout"] or state["now"] or ""

    def outcome() -> tuple[str, str | None] | None:
        page_state, slider = page.evaluate(STATE_JS), handle.evaluate(_SLIDER_JS)
        if page_state["died"]:
            return "died", None
        if len(page_state["kernelErrors"]) > errors_before:
            return "raised", "; ".join(e["text"] for e in page_state["kernelErrors"][errors_before:])
        marker = MARKER.match(slider["marker"] or "")
        # a marker for another value (say, a late initial one) is not the answer: keep waiting
        fresh = marker is not None and slider["marker"] != before["marker"]
        return ("ok", slider["marker"]) if fresh and _values_agree(marker["value"], shown(slider)) else None

    how, detail = poll(outcome, timeout) or ("timeout", None)
    after = handle.evaluate(_SLIDER_JS)
    moved = f"after pressing {key} on the first slider (readout {before['readout']!r} -> {after['readout']!r})"
    if how == "died":
        raise BrowserCheckError(f"the kernel died {moved}")
    if how == "raised":
        raise BrowserCheckError(f"the widget callback raised {moved}: {detail}")
    if how == "timeout":
        raise BrowserCheckError(
            f"no 'updated: <name>=<value>' marker for the slider's value {shown(after)!r} within {timeout:.0f} s "
            f"{moved}; its widget's marker before: {before['marker']!r}, now: {after['marker']!r}")
    return SliderChange(key, before["readout"], after["readout"], before["marker"], detail)


@contextmanager
def screenshot_on_failure(page: Page, path: Path) -> Iterator[None]:
    """Save a screenshot of ``page`` to ``path`` if the block raises."""
    try:
        yield
    except Exception:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        raise
