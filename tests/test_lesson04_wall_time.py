"""The lesson-04 wall-time benchmark's pieces that do not need a notebook run: unpacking a version from git."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks import lesson04_wall_time as bench


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_unpacks_a_version_with_its_own_library_and_notebook(tmp_path):
    if subprocess.run(["git", "-C", str(bench.ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    root = bench.unpack("HEAD", tmp_path / "version")
    assert (root / bench.NOTEBOOK).is_file() and (root / "resnet_lib" / "__init__.py").is_file()


def test_machine_names_the_cores_and_the_cpu_of_this_machine():
    machine = bench.machine()
    assert machine["cores"] == os.cpu_count()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists() and "model name" in cpuinfo.read_text():
        assert machine["cpu"] and machine["cpu"] in cpuinfo.read_text()
