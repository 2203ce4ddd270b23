"""environment.yml (conda, Binder) and pyproject.toml must list the same runtime packages."""

import re
from pathlib import Path

import tomllib
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch-cpu": "torch", "pytorch": "torch"}
CONDA_ONLY = {"python", "pip"}
REPO2DOCKER_PYTHON = re.compile(r"^python=(\d+\.\d+)$")  # the only form Binder's repo2docker reads


def names(requirements: list[str]) -> dict[str, str]:
    parsed = (re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", r.strip()).groups() for r in requirements)
    return {CONDA_TO_PIP.get(n.lower(), n.lower()): spec.replace(" ", "") for n, spec in parsed}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_names = {k: v for k, v in names(conda).items() if k not in CONDA_ONLY}
    assert conda_names == names(project["dependencies"])  # same packages, same lower bounds
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(line.endswith("-e .") for line in pip_section), "environment.yml must install resnet_lib itself"


def test_python_is_pinned_for_binder_within_the_project_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = [m.group(1) for d in env["dependencies"] if isinstance(d, str) and (m := REPO2DOCKER_PYTHON.match(d))]
    assert len(pins) == 1, "environment.yml needs exactly one `python=X.Y` line (repo2docker ignores `python>=`)"
    assert pins[0] in SpecifierSet(project["requires-python"])


def test_the_wheel_ships_resnet_lib_alone():
    # tools/ and benchmarks/ are packages too (run with python -m from a clone): discovery must leave them out
    from setuptools import find_packages

    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = find_packages(str(ROOT), include=find["include"], exclude=find.get("exclude", ()))
    assert "resnet_lib" in packages and all(p.split(".")[0] == "resnet_lib" for p in packages)
    assert {"tools", "benchmarks"} <= set(find_packages(str(ROOT)))  # what discovery without the filter would ship
