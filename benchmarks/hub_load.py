"""A class on one server: N simulated students log in to a throwaway JupyterHub (``hub/jupyterhub_config.py``),
start their servers and run lessons 01, 02 and 05 top to bottom, as JupyterHub's traffic simulators do (hub REST API,
then each notebook's cells over the kernel's websocket); one of them does it in a real Chromium page. Then they stop.

Recorded per student: seconds to a running server, each notebook's wall time (kernel start + every cell, as Run All),
its kernel's peak private (USS), proportional (PSS) and resident (RSS) memory, and errors. For the server: the peak
of the hub's processes' memory (their PSS summed: every shared page counted once), the peak rise of the machine's used
memory, CPU use and the load average. Each student's notebooks are checked afterwards: saved, theirs, valid, with
the outputs of the run. Loopback only; every wait is bounded, and the whole run stops at ``--time-limit``.

    python -m benchmarks.hub_load --students 8 --record     # -> benchmarks/results/hub_load-cpu.json (make hub-load)
    python -m benchmarks.hub_load --students 2 --preset smoke --out /tmp/hub.json
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import numpy as np
import psutil
import requests
import torch
import websocket

from benchmarks.lab_page import close_documents, open_notebook, run_all_cells
from benchmarks.machine_info import BUILD, RESULTS, ROOT, load_average, machine_info, utc_now

LESSONS = ("01_function_classes.ipynb", "02_residual_block.ipynb", "05_gradients.ipynb")
CONFIG = ROOT / "hub" / "jupyterhub_config.py"
BIN = Path(sys.executable).parent
MIB = 2**20
LAB_READY = "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')"


def free_port_block(count: int = 3) -> int:
    """A port p on 127.0.0.1 such that p .. p+count-1 were free a moment ago (the hub uses three)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + count > 65535:
            continue
        try:
            sockets = [socket.socket() for _ in range(count)]
            for offset, sock in enumerate(sockets):
                sock.bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports on 127.0.0.1")


# --- the hub ------------------------------------------------------------------------------------------------------

@dataclass
class Hub:
    """A running hub: its process (``make hub`` or ``jupyterhub``), address, state folder and a service token."""

    proc: subprocess.Popen[bytes]
    port: int
    folder: Path
    token: str
    log: Path
    killed: list[str] = field(default_factory=list)  # what had to be killed after the stop request

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def password(self) -> str:
        return (self.folder / "state" / "class-password").read_text().strip()

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A hub REST API call (``/hub/api`` + ``path``) with the load-test service's token."""
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=30,
                                headers={"Authorization": f"token {self.token}"}, **kwargs)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def hub_environment(folder: Path, port: int, token: str, preset: str, course: Path | None = None,
                    threads: int | None = None) -> dict[str, str]:
    """The settings ``hub/jupyterhub_config.py`` reads, for a hub in ``folder`` on ``port``."""
    env = {**os.environ, "HUB_DIR": str(folder), "HUB_PORT": str(port), "HUB_SERVICE_TOKEN": token,
           "RESNET_PRESET": preset}
    if course is not None:
        env["HUB_COURSE"] = str(course)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    return {k: v for k, v in env.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}


def start_hub(folder: Path, env: dict[str, str], port: int, token: str,
              command: Sequence[str] | None = None, timeout: float = 120) -> Hub:
    """Start ``command`` (default: this Python's ``jupyterhub`` on the course's config) in a new session and wait
    until the hub answers through its proxy."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "hub.log"
    command = list(command or [str(BIN / "jupyterhub"), "-f", str(CONFIG)])
    with log.open("ab") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    hub = Hub(proc, port, folder, token, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the hub exited with {proc.returncode}:\n{hub.log_tail()}")
        try:
            if hub.api("GET", "/").status_code == 200:
                return hub
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop_hub(hub)
    raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n{hub.log_tail()}")


def stop_hub(hub: Hub, grace: float = 60) -> list[str]:
    """Stop the hub as Ctrl-C does (SIGINT to its process group: it stops the students' servers and its proxy);
    kill whatever of its process tree is left after ``grace`` seconds. Returns what had to be killed."""
    try:
        tree = [psutil.Process(hub.proc.pid), *psutil.Process(hub.proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    try:
        os.killpg(hub.proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    _, alive = psutil.wait_procs(tree, timeout=grace)
    killed = [" ".join(p.cmdline()[:3]) for p in alive if p.is_running()]
    for proc in alive:
        proc.kill()
    psutil.wait_procs(alive, timeout=10)
    hub.proc.wait(timeout=10)
    hub.killed = killed
    return killed


@contextmanager
def running_hub(folder: Path, preset: str, course: Path | None = None, command: Sequence[str] | None = None,
                threads: int | None = None) -> Iterator[Hub]:
    port, token = free_port_block(), secrets.token_hex(24)
    env = hub_environment(folder, port, token, preset, course, threads)
    hub = start_hub(folder, env, port, token, command)
    try:
        yield hub
    finally:
        stop_hub(hub)


# --- one simulated student ----------------------------------------------------------------------------------------

def log_in(hub: Hub, name: str, password: str) -> requests.Session:
    """The log-in form, as a browser posts it; the session then holds the student's hub cookie."""
    session = requests.Session()
    page = session.get(f"{hub.url}/hub/login", timeout=30)
    page.raise_for_status()
    reply = session.post(f"{hub.url}/hub/login", timeout=30, allow_redirects=False,
                         data={"username": name, "password": password, "_xsrf": session.cookies.get("_xsrf", "")})
    if reply.status_code != 302:
        raise RuntimeError(f"{name}: log-in answered {reply.status_code}, not a redirect")
    return session


def start_server(hub: Hub, name: str, timeout: float = 180) -> float:
    """Ask the hub to start ``name``'s server; seconds until the hub says it is ready."""
    start = time.monotonic()
    reply = hub.api("POST", f"/users/{name}/server")
    if reply.status_code not in (201, 202, 400):  # 400: already running
        raise RuntimeError(f"{name}: starting the server answered {reply.status_code} {reply.text}")
    while time.monotonic() - start < timeout:
        server = hub.api("GET", f"/users/{name}").json().get("servers", {}).get("", {})
        if server.get("ready"):
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError(f"{name}: server not ready within {timeout:.0f} s")


def stop_server(hub: Hub, name: str, timeout: float = 60) -> None:
    hub.api("DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not hub.api("GET", f"/users/{name}").json().get("servers"):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{name}: server still running {timeout:.0f} s after the stop request")


def user_token(hub: Hub, name: str) -> str:
    reply = hub.api("POST", f"/users/{name}/tokens", json={"note": "simulated student", "expires_in": 7200})
    reply.raise_for_status()
    return reply.json()["token"]


class Kernel:
    """A kernel of a student's server, driven over its websocket (Jupyter's JSON message protocol)."""

    def __init__(self, hub: Hub, name: str, token: str, kernel_id: str):
        url = f"ws://127.0.0.1:{hub.port}/user/{name}/api/kernels/{kernel_id}/channels"
        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(f"{url}?session_id={self.session}", timeout=30,
                                              header=[f"Authorization: token {token}"])

    def request(self, msg_type: str, content: dict[str, Any], timeout: float) -> tuple[dict, list[dict]]:
        """Send a shell request; its reply and the iopub messages it caused, once the kernel is idle again."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session, "username": "student",
                       "version": "5.3", "date": utc_now()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": [],
        }))
        reply, iopub, idle = None, [], False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{msg_type}: no reply within {timeout:.0f} s")
            self.ws.settimeout(min(left, 30))
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:  # silence (a kernel starting, a cell printing nothing):
                continue  # only the request's deadline ends the wait
            if isinstance(frame, bytes):  # a message with binary buffers (widget state): no cell output
                continue
            msg = json.loads(frame)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["channel"] == "shell":
                reply = msg
            elif msg["channel"] == "iopub":
                if msg["msg_type"] == "status":
                    idle = msg["content"]["execution_state"] == "idle"
                else:
                    iopub.append(msg)
        return reply, iopub

    def close(self) -> None:
        self.ws.close()


def run_notebook(hub: Hub, name: str, token: str, path: str, timeout: float) -> dict[str, Any]:
    """Open the student's ``path``, run its code cells in order in a new kernel (stopping at the first error, as
    Run All does), save the outputs into the student's file and shut the kernel down."""
    base = f"{hub.url}/user/{name}/api"
    headers = {"Authorization": f"token {token}"}
    model = requests.get(f"{base}/contents/{quote(path)}", headers=headers, timeout=30)
    model.raise_for_status()
    nb = nbformat.from_dict(model.json()["content"])
    start = time.monotonic()
    session = requests.post(f"{base}/sessions", headers=headers, timeout=60,
                            json={"path": path, "type": "notebook", "name": path, "kernel": {"name": "python3"}})
    session.raise_for_status()
    session_id, kernel_id = session.json()["id"], session.json()["kernel"]["id"]
    errors: list[str] = []
    ran = 0
    try:
        kernel = Kernel(hub, name, token, kernel_id)
        try:
            kernel.request("kernel_info_request", {}, timeout=120)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = timeout - (time.monotonic() - start)
                reply, iopub = kernel.request("execute_request", {
                    "code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}, timeout=max(left, 1))
                cell.outputs = [nbformat.v4.output_from_msg(m) for m in iopub
                                if m["msg_type"] in ("stream", "display_data", "execute_result", "error")]
                cell.execution_count = reply["content"].get("execution_count")
                ran += 1
                if reply["content"]["status"] != "ok":
                    content = reply["content"]
                    errors.append(f"cell {index + 1}: {content.get('ename')}: {content.get('evalue')}")
                    break
        finally:
            kernel.close()
    except (TimeoutError, websocket.WebSocketException, OSError) as err:
        errors.append(f"{type(err).__name__}: {err}")
    wall = time.monotonic() - start
    saved = requests.put(f"{base}/contents/{quote(path)}", headers=headers, timeout=60,
                         json={"type": "notebook", "format": "json", "content": nb})
    if saved.status_code != 200:
        errors.append(f"saving answered {saved.status_code}")
    requests.delete(f"{base}/sessions/{session_id}", headers=headers, timeout=60)
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    return {"wall_s": round(wall, 1), "code_cells": code_cells, "cells_run": ran, "errors": errors}


def browser_student(hub: Hub, name: str, lessons: Sequence[str], tracker: Tracker, timeout: float,
                    chromium: str = "/usr/bin/chromium") -> dict[str, Any]:
    """The same lessons in a real Chromium page: the log-in form, the spawn page, JupyterLab's Run All and Save."""
    from playwright.sync_api import sync_playwright

    record: dict[str, Any] = {"name": name, "client": "chromium", "notebooks": {}, "errors": []}

    class Page:  # what open_notebook needs of a server: the address of a notebook in the student's JupyterLab
        @staticmethod
        def page_url(notebook: str) -> str:
            return f"{hub.url}/user/{name}/lab/workspaces/load-test/tree/{quote(notebook)}?reset"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page()
            page.set_default_timeout(timeout * 1000)
            start = time.monotonic()
            page.goto(f"{hub.url}/hub/login")
            page.fill("input[name=username]", name)
            page.fill("input[name=password]", hub.password)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_url(f"**/user/{name}/lab**", timeout=180_000)
            page.wait_for_function(LAB_READY, timeout=180_000)
            record["server_s"] = round(time.monotonic() - start, 1)  # log-in + spawn + JupyterLab loaded
            token = user_token(hub, name)
            for lesson in lessons:
                tracker.now[name] = lesson
                begin = time.monotonic()
                page.goto(Page.page_url(lesson))  # JupyterLab with this notebook open, as a link to it does
                page.wait_for_function(LAB_READY, timeout=180_000)
                open_notebook(page, Page, lesson, timeout=180)
                run = run_all_cells(page, timeout=timeout)
                page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
                page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                                       timeout=60_000)
                close_documents(page)
                record["notebooks"][lesson] = {"wall_s": round(time.monotonic() - begin, 1),
                                               "code_cells": run.code_cells, "cells_run": run.executed,
                                               "errors": run.problems()}
                shut_down_kernels(hub, name, token)
        except Exception as err:  # recorded, and the run goes on for the other students
            record["errors"].append(f"{type(err).__name__}: {err}")
            page.screenshot(path=str(hub.folder / f"{name}-failure.png"))
        finally:
            browser.close()
    tracker.now.pop(name, None)
    return record


def shut_down_kernels(hub: Hub, name: str, token: str) -> None:
    base, headers = f"{hub.url}/user/{name}/api", {"Authorization": f"token {token}"}
    for session in requests.get(f"{base}/sessions", headers=headers, timeout=30).json():
        requests.delete(f"{base}/sessions/{session['id']}", headers=headers, timeout=60)


def api_student(hub: Hub, name: str, lessons: Sequence[str], tracker: Tracker, timeout: float) -> dict[str, Any]:
    """Log in, start the server, run each lesson over the kernel websocket."""
    record: dict[str, Any] = {"name": name, "client": "REST API + kernel websocket", "notebooks": {}, "errors": []}
    try:
        begin = time.monotonic()
        log_in(hub, name, hub.password)
        record["login_s"] = round(time.monotonic() - begin, 2)
        record["server_s"] = round(start_server(hub, name), 1)
        token = user_token(hub, name)
        for lesson in lessons:
            tracker.now[name] = lesson
            record["notebooks"][lesson] = run_notebook(hub, name, token, lesson, timeout)
    except Exception as err:  # recorded, and the run goes on for the other students
        record["errors"].append(f"{type(err).__name__}: {err}")
    tracker.now.pop(name, None)
    return record


# --- memory and CPU -----------------------------------------------------------------------------------------------

PRESENT, PFN = np.uint64(1 << 63), np.uint64((1 << 55) - 1)


def resident_frames(pid: int) -> np.ndarray:
    """The physical page frames a process has in memory (``/proc/PID/pagemap``; needs root, else all zeros).
    The frames of several processes together, counted once, are the memory they hold: each shared page once."""
    frames = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            if line.rstrip().endswith("[vsyscall]"):
                continue
            low, high = (int(x, 16) for x in line.split()[0].split("-"))
            pagemap.seek(low // 4096 * 8)
            entries = np.frombuffer(pagemap.read((high - low) // 4096 * 8), dtype=np.uint64)
            frames.append(entries[(entries & PRESENT) != 0] & PFN)
    return np.concatenate(frames) if frames else np.zeros(0, dtype=np.uint64)


def distinct_memory(processes: Sequence[psutil.Process]) -> int | None:
    """Bytes of physical memory the processes hold together, every shared page counted once (None without root:
    the kernel then hides the frame numbers)."""
    frames = []
    for proc in processes:
        try:
            frames.append(resident_frames(proc.pid))
        except (OSError, ValueError):
            continue
    joined = np.concatenate(frames) if frames else np.zeros(0, dtype=np.uint64)
    if joined.size and not joined.any():
        return None
    return int(np.unique(joined).size) * 4096


@dataclass
class Tracker:
    """Samples, every ``interval`` seconds, each student kernel's USS/PSS/RSS (psutil's ``memory_full_info``), the
    PSS summed over the hub's whole process tree, the machine's used memory and its CPU use."""

    hub_pid: int
    interval: float = 1.0
    now: dict[str, str] = field(default_factory=dict)  # student -> the lesson it is running
    kernels: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # peak USS/PSS/RSS, CPU s
    servers: dict[str, int] = field(default_factory=dict)  # student -> peak USS of their JupyterLab server
    peak: dict[str, float] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    samples: int = 0
    distinct_every: int = 10  # samples between two counts of distinct pages (each takes ~0.15 s per process)

    def __post_init__(self) -> None:
        self.baseline_used = psutil.virtual_memory().used
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Tracker:
        psutil.cpu_percent(None)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except psutil.Error:
                continue

    def sample(self) -> None:
        try:
            tree = psutil.Process(self.hub_pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        total = {"pss": 0, "uss": 0, "rss": 0}
        kernel_uss = hub_own_pss = shared = 0
        for proc in tree:
            try:
                mem = proc.memory_full_info()
                cmdline = " ".join(proc.cmdline())
                user = proc.environ().get("JUPYTERHUB_USER", "")
                cpu = sum(proc.cpu_times()[:2])
            except psutil.Error:
                continue
            for key in total:
                total[key] += getattr(mem, key)
            if "ipykernel" in cmdline:
                kernel_uss += mem.uss
                shared = max(shared, mem.rss - mem.uss)  # pages this kernel shares (libtorch, ...)
                lesson = self.now.get(user)
                if lesson is not None:
                    peak = self.kernels.setdefault((user, lesson), {"uss": 0, "pss": 0, "rss": 0, "cpu_s": 0})
                    for key in ("uss", "pss", "rss"):
                        peak[key] = max(peak[key], getattr(mem, key))
                    peak["cpu_s"] = max(peak["cpu_s"], cpu)
            elif "jupyterhub-singleuser" in cmdline:
                self.servers[user] = max(self.servers.get(user, 0), mem.uss)
            else:  # the hub, its proxy and the idle culler
                hub_own_pss += mem.pss
        used = psutil.virtual_memory().used - self.baseline_used
        if total["pss"] > self.peak.get("tree_pss", 0):
            self.peak.update(tree_pss=total["pss"], tree_uss_at_peak=total["uss"], tree_rss_at_peak=total["rss"],
                             kernels_uss_at_peak=kernel_uss, processes_at_peak=len(tree), shared_at_peak=shared)
        if self.samples % self.distinct_every == 0:
            distinct = distinct_memory(tree)
            if distinct is not None and distinct > self.peak.get("distinct", 0):
                self.peak.update(distinct=distinct, distinct_uss=total["uss"], distinct_shared=shared)
        self.peak["hub_own_pss"] = max(self.peak.get("hub_own_pss", 0), hub_own_pss)
        self.peak["used_rise"] = max(self.peak.get("used_rise", 0), used)
        self.cpu.append(psutil.cpu_percent(None))
        self.load.append(os.getloadavg()[0])
        self.samples += 1


# --- checks after the run -----------------------------------------------------------------------------------------

def check_saved(folder: Path, name: str, lessons: Sequence[str]) -> list[str]:
    """What is wrong with the student's saved notebooks: each is valid, has outputs, and is in their own folder."""
    problems = []
    for lesson in lessons:
        path = folder / "students" / name / lesson
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except (OSError, nbformat.ValidationError, json.JSONDecodeError) as err:
            problems.append(f"{lesson}: {type(err).__name__}: {err}")
            continue
        if not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"):
            problems.append(f"{lesson}: saved without outputs")
    return problems


# --- the run ------------------------------------------------------------------------------------------------------

def simulate(students: int, preset: str, folder: Path, lessons: Sequence[str] = LESSONS, browsers: int = 1,
             timeout: float = 1800, threads: int | None = 1, command: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the class; the record (see the module's docstring)."""
    names = [f"student{i + 1:02d}" for i in range(students)]
    started = time.monotonic()
    load_before = load_average()
    with running_hub(folder, preset, threads=threads, command=command) as hub, Tracker(hub.proc.pid) as tracker:
        results: dict[str, dict[str, Any]] = {}

        def student(index: int, name: str) -> None:
            run = browser_student if index < browsers else api_student
            results[name] = run(hub, name, lessons, tracker, timeout)

        workers = [threading.Thread(target=student, args=(i, n), daemon=True) for i, n in enumerate(names)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=max(1.0, timeout - (time.monotonic() - started)))
        for name in names:
            results.setdefault(name, {"name": name, "notebooks": {}, "errors": [f"not finished in {timeout:.0f} s"]})
            try:
                stop_server(hub, name)
            except (RuntimeError, requests.RequestException) as err:
                results[name]["errors"].append(f"stopping the server: {err}")
    for name in names:
        results[name]["errors"] += check_saved(folder, name, lessons)
        for lesson, run in results[name]["notebooks"].items():
            peak = tracker.kernels.get((name, lesson), {})
            run.update({f"peak_{k}_mib": round(peak[k] / MIB) for k in ("uss", "pss", "rss") if k in peak})
            run["kernel_cpu_s"] = round(peak["cpu_s"], 1) if peak else None
        results[name]["server_peak_uss_mib"] = round(tracker.servers.get(name, 0) / MIB)
    return {"students": [results[n] for n in names], "server": server_figures(tracker, results, names),
            "killed_after_stop": hub.killed,
            "load_before": load_before, "load_after": load_average(),
            "wall_s": round(time.monotonic() - started, 1)}


def server_figures(tracker: Tracker, results: dict[str, dict[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    peak = {k: round(v / MIB) if k != "processes_at_peak" else v for k, v in tracker.peak.items()}
    return {
        "hub_proxy_culler_peak_pss_mib": peak.get("hub_own_pss"),
        "peak_memory_of_hub_processes_pss_mib": peak.get("tree_pss"),
        "their_uss_at_that_moment_mib": peak.get("tree_uss_at_peak"),
        "their_rss_at_that_moment_mib": peak.get("tree_rss_at_peak"),
        "kernels_uss_at_that_moment_mib": peak.get("kernels_uss_at_peak"),
        "processes_at_that_moment": peak.get("processes_at_peak"),
        # PSS splits a shared page among every process mapping it, here also other programs using the same torch
        # files; the frames the hub's processes hold, each counted once, are what the server holds for the class.
        # The claim to check: that is their private memory (USS) plus one kernel's shared pages, not N copies.
        "peak_distinct_memory_of_hub_processes_mib": peak.get("distinct"),
        "their_uss_then_mib": peak.get("distinct_uss"),
        "one_kernels_shared_pages_then_mib": peak.get("distinct_shared"),
        "peak_rise_of_machine_used_memory_mib": peak.get("used_rise"),
        "cpu_percent_mean": round(sum(tracker.cpu) / len(tracker.cpu), 1) if tracker.cpu else None,
        "cpu_percent_peak": max(tracker.cpu, default=None),
        "load_average_1min_peak": max(tracker.load, default=None),
        "samples": tracker.samples,
    }


SERVER_SIZES = ((2, 8), (4, 16), (8, 32), (16, 64), (32, 128))  # (cores, GiB of RAM)
OS_RESERVE_MIB = 1024  # the operating system and its page cache's minimum
HEADROOM = 0.9  # plan for 90 % of RAM


def per_student(record: dict[str, Any]) -> dict[str, float]:
    """From a record: the largest private memory one student adds (kernel peak USS + their server's USS), the
    shared pages of a kernel (peak RSS - USS: held once however many kernels run), the hub's own memory, and the
    kernel CPU seconds of one student's three lessons (the largest of the class)."""
    runs = [run for s in record["students"] for run in s["notebooks"].values()]
    return {
        "student_mib": max(run["peak_uss_mib"] for run in runs)
        + max(s["server_peak_uss_mib"] for s in record["students"]),
        "shared_mib": max(run["peak_rss_mib"] - run["peak_uss_mib"] for run in runs),
        "hub_mib": record["server"]["hub_proxy_culler_peak_pss_mib"],
        "cpu_s": max(sum(run["kernel_cpu_s"] for run in s["notebooks"].values()) for s in record["students"]),
    }


def capacity(record: dict[str, Any], sizes: Sequence[tuple[int, int]] = SERVER_SIZES) -> list[dict[str, Any]]:
    """Students per server size: as many as fit in 90 % of RAM after the OS (1 GiB), the hub, and one copy of
    the shared pages; and how long the three lessons take when all of them press Run All at the same moment
    (their kernels' CPU seconds spread over the cores, one thread per kernel)."""
    f = per_student(record)
    rows = []
    for cores, gib in sizes:
        room = gib * 1024 * HEADROOM - OS_RESERVE_MIB - f["hub_mib"] - f["shared_mib"]
        students = max(0, int(room // f["student_mib"]))
        rows.append({"cores": cores, "ram_gib": gib, "students": students,
                     "all_at_once_min": round(students * f["cpu_s"] / cores / 60, 1)})
    return rows


def capacity_table(record: dict[str, Any]) -> str:
    f = per_student(record)
    lines = [f"per student {f['student_mib']:.0f} MiB private, shared pages {f['shared_mib']:.0f} MiB once, hub "
             f"{f['hub_mib']:.0f} MiB, {f['cpu_s']:.0f} CPU s for lessons 01, 02 and 05",
             "| server | students (memory) | lessons 01+02+05, all students at once |", "|---|---|---|"]
    for row in capacity(record):
        lines.append(f"| {row['cores']} cores, {row['ram_gib']} GiB | {row['students']} | "
                     f"~{row['all_at_once_min']} min |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=8, help="how many (1-40)")
    parser.add_argument("--preset", default="cpu", help="RESNET_PRESET of every kernel (default cpu)")
    parser.add_argument("--browsers", type=int, default=1, help="how many of them use Chromium (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of every kernel (default 1)")
    parser.add_argument("--time-limit", type=float, default=2400, help="seconds for the whole class (default 2400)")
    parser.add_argument("--record", action="store_true", help="write benchmarks/results/hub_load-<preset>.json")
    parser.add_argument("--out", type=Path, help="where to write the record (default build/hub_load/...)")
    parser.add_argument("--label", default="", help="a note on the machine's state, kept in the record")
    parser.add_argument("--table", type=Path, metavar="RECORD", help="print students per server size from a record")
    args = parser.parse_args(argv)
    if args.table:
        print(capacity_table(json.loads(args.table.read_text())))
        return 0
    if not 1 <= args.students <= 40:
        parser.error(f"--students {args.students}: use 1 to 40 (a load test here is bounded)")
    out = args.out or (RESULTS if args.record else BUILD / "hub_load") / f"hub_load-{args.preset}.json"
    folder = BUILD / "hub_load" / f"hub-{os.getpid()}"
    result = simulate(args.students, args.preset, folder, browsers=min(args.browsers, args.students),
                      timeout=args.time_limit, threads=args.threads)
    record = {"what": "simulated students on one JupyterHub (benchmarks/hub_load.py)", "label": args.label,
              "finished": utc_now(), "preset": args.preset, "lessons": list(LESSONS), "kernel_threads": args.threads,
              "machine": machine_info(torch.device("cpu")), **result}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    failed = [f"{s['name']}: {e}" for s in result["students"] for e in s["errors"]]
    failed += [f"{s['name']} {lesson}: {e}" for s in result["students"]
               for lesson, run in s["notebooks"].items() for e in run["errors"]]
    failed += [f"{s['name']}: {lesson} not run" for s in result["students"] for lesson in LESSONS
               if lesson not in s["notebooks"]]
    print(summary(record))
    print(f"record: {out}")
    if failed:
        print("problems:\n  " + "\n  ".join(failed))
    return 1 if failed else 0


def summary(record: dict[str, Any]) -> str:
    """A Markdown table of the record, one row per student."""
    lines = ["| student | client | server (s) | " + " | ".join(f"{n[:2]} s / USS / PSS / RSS MiB" for n in LESSONS)
             + " |", "|---" * (3 + len(LESSONS)) + "|"]
    for s in record["students"]:
        cells = []
        for lesson in LESSONS:
            run = s["notebooks"].get(lesson)
            cells.append("-" if run is None else f"{run['wall_s']} / {run.get('peak_uss_mib')} / "
                         f"{run.get('peak_pss_mib')} / {run.get('peak_rss_mib')}")
        lines.append(f"| {s['name']} | {s.get('client', '')} | {s.get('server_s')} | " + " | ".join(cells) + " |")
    server = record["server"]
    lines.append(f"server: peak PSS of the hub's processes {server['peak_memory_of_hub_processes_pss_mib']} MiB, "
                 f"machine's used memory rose by {server['peak_rise_of_machine_used_memory_mib']} MiB at most, "
                 f"CPU {server['cpu_percent_mean']} % on average, "
                 f"load average up to {server['load_average_1min_peak']}\n"
                 f"hub's processes at most {server['peak_distinct_memory_of_hub_processes_mib']} MiB (each page "
                 f"once); then their USS {server['their_uss_then_mib']} MiB + one kernel's shared pages "
                 f"{server['one_kernels_shared_pages_then_mib']} MiB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
