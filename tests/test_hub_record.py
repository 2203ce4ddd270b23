"""The class-on-one-server figures: students per server size from a load-test record, and the committed record of
8 simulated students (benchmarks/results/hub_load-cpu.json) against what the README says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
hub_load = pytest.importorskip("benchmarks.hub_load")  # its packages come with the hub extra
RECORD = ROOT / "benchmarks" / "results" / "hub_load-cpu.json"


def tiny_record(uss: int = 500, rss: int = 1100, server_uss: int = 100, cpu_s: float = 60) -> dict:
    run = {"peak_uss_mib": uss, "peak_rss_mib": rss, "kernel_cpu_s": cpu_s / 3}
    student = {"notebooks": {lesson: dict(run) for lesson in hub_load.LESSONS}, "server_peak_uss_mib": server_uss}
    return {"students": [student, student], "server": {"hub_proxy_culler_peak_pss_mib": 200}}


def test_students_per_server_are_what_fits_after_the_os_the_hub_and_one_copy_of_the_shared_pages():
    rows = hub_load.capacity(tiny_record(), sizes=[(4, 16)])
    # 16 GiB * 0.9 - 1024 (OS) - 200 (hub) - 600 (shared once) = 12921.6 MiB; 600 MiB per student -> 21
    assert rows == [{"cores": 4, "ram_gib": 16, "students": 21, "all_at_once_min": round(21 * 60 / 4 / 60, 1)}]
    assert hub_load.capacity(tiny_record(uss=1200, rss=1800), sizes=[(4, 16)])[0]["students"] == 9  # more memory, fewer


def test_the_committed_class_of_eight_ran_every_lesson_and_the_readme_gives_its_figures():
    if not RECORD.exists():
        pytest.skip("no committed record yet: make hub-load N=8")
    record = json.loads(RECORD.read_text())
    assert len(record["students"]) == 8 and record["preset"] == "cpu"
    assert [s["client"] for s in record["students"]].count("chromium") == 1
    for student in record["students"]:
        assert student["errors"] == []
        assert list(student["notebooks"]) == list(hub_load.LESSONS)
        for run in student["notebooks"].values():
            assert run["errors"] == [] and run["cells_run"] == run["code_cells"]
    server = record["server"]
    # the server holds the students' private memory plus the shared pages once (within 10 %), not N copies
    once = server["their_uss_then_mib"] + server["one_kernels_shared_pages_then_mib"]
    assert server["peak_distinct_memory_of_hub_processes_mib"] <= 1.1 * once
    readme = (ROOT / "README.md").read_text()
    assert hub_load.capacity_table(record).split("\n", 1)[1] in readme  # the table, computed from the record


class _SlowKernelSocket:
    """A kernel websocket that is silent for longer than one receive timeout before the kernel answers (a kernel
    still importing torch on a crowded server, or a cell that prints nothing for a minute)."""

    def __init__(self, silences: int):
        self.silences, self.sent, self.timeouts = silences, None, []

    def send(self, frame: str) -> None:
        self.sent = json.loads(frame)

    def settimeout(self, seconds: float) -> None:
        self.timeouts.append(seconds)

    def recv(self) -> str:
        import websocket

        if self.silences:
            self.silences -= 1
            raise websocket.WebSocketTimeoutException("Connection timed out")
        parent = {"msg_id": self.sent["header"]["msg_id"]}
        if not hasattr(self, "_replied"):
            self._replied = True
            return json.dumps({"channel": "shell", "parent_header": parent, "content": {"status": "ok"}})
        return json.dumps({"channel": "iopub", "msg_type": "status", "parent_header": parent,
                           "content": {"execution_state": "idle"}})


def test_a_kernel_silent_for_longer_than_one_receive_waits_until_the_request_deadline():
    """A silent stretch is not an error: only the request's own deadline is (student05's lesson 05 in the class of
    2026-12-07 stopped after 30 s of a crowded kernel's silence)."""
    pytest.importorskip("websocket")
    from benchmarks.hub_load import Kernel

    kernel = Kernel.__new__(Kernel)
    kernel.session, kernel.ws = "s", _SlowKernelSocket(silences=3)
    reply, iopub = kernel.request("kernel_info_request", {}, timeout=600)
    assert reply["content"]["status"] == "ok" and iopub == []
    kernel.ws = _SlowKernelSocket(silences=10**6)
    with pytest.raises(TimeoutError, match="no reply within"):
        kernel.request("kernel_info_request", {}, timeout=0.05)
