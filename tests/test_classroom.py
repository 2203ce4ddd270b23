"""tools/classroom.py: default slide types that never override a teacher's choice, and the kernelspec that keeps a
freshly opened notebook from being marked modified in JupyterLab."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from tool_loader import load_tool

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


classroom = load_tool("classroom")


def _lesson(*cells: tuple[str, str], solution: int | None = None) -> nbformat.NotebookNode:
    """A notebook from (kind, source) pairs; cell ``solution`` (an index) is a collapsed reference solution."""
    nb = nbformat.v4.new_notebook()
    make = {"md": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nb.cells = [make[kind](source) for kind, source in cells]
    if solution is not None:
        nb.cells[solution].metadata["jupyter"] = {"source_hidden": True}
    return nb


def _types(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.metadata["slideshow"]["slide_type"] for cell in nb.cells]


def test_sections_are_slides_and_each_beat_a_subslide():
    nb = _lesson(("md", "# Title\n\nintro"), ("code", "setup()"), ("md", "## 1. Section"), ("md", "prose"),
                 ("code", "x"), ("code", "y"), ("md", "more prose"), ("md", "### Detail"), ("code", "z"),
                 ("md", "## Exercises"), ("code", "check(None)"), ("code", "check(answer)"), solution=11)
    assert classroom.apply_slide_defaults(nb) == len(nb.cells)
    assert _types(nb) == ["slide", "-", "slide", "-", "-", "subslide", "subslide", "subslide", "-", "slide", "-",
                          "skip"]


def test_a_teachers_choice_is_kept_and_a_second_run_changes_nothing():
    nb = _lesson(("md", "# Title"), ("md", "## Section"), ("code", "x"), ("code", "y"))
    nb.cells[1].metadata["slideshow"] = {"slide_type": "-"}
    nb.cells[3].metadata["slideshow"] = {"slide_type": "fragment"}
    assert classroom.apply_slide_defaults(nb) == 2
    assert _types(nb) == ["slide", "-", "-", "fragment"]
    before = json.dumps(nb, sort_keys=True)
    assert classroom.apply_slide_defaults(nb) == 0
    assert json.dumps(nb, sort_keys=True) == before


def test_an_unknown_slide_type_is_refused_with_the_valid_ones():
    nb = _lesson(("md", "# Title"), ("code", "x"))
    nb.cells[1].metadata["slideshow"] = {"slide_type": "Slide"}
    with pytest.raises(ValueError, match=r"cell 2: slide_type 'Slide' is not one of slide, subslide"):
        classroom.apply_slide_defaults(nb)


def test_the_command_fixes_a_notebook_once_and_check_mode_reports_it(tmp_path, capsys):
    nb = _lesson(("md", "# Title"), ("code", "x"))
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    assert classroom.main(["--check", str(path)]) == 1
    assert "needs kernelspec, slide types for 2 cell(s)" in capsys.readouterr().out
    assert classroom.main([str(path)]) == 0
    fixed = path.read_bytes()
    assert classroom.main(["--check", str(path)]) == 0
    assert classroom.main([str(path)]) == 0
    assert path.read_bytes() == fixed


def test_the_kernelspec_is_the_one_ipykernel_installs():
    """JupyterLab writes the running kernel's spec into the notebook when the kernel starts."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert classroom.KERNELSPEC == {"display_name": spec.display_name, "language": spec.language,
                                    "name": "python3"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_carry_that_kernelspec(path):
    """Otherwise JupyterLab marks the notebook modified as soon as it is opened."""
    stored = json.loads(path.read_text())["metadata"].get("kernelspec")
    assert stored == classroom.KERNELSPEC, (
        f"{path.name} stores kernelspec {stored}; JupyterLab rewrites it to {classroom.KERNELSPEC} on opening and "
        f"marks the notebook modified. Fix: python tools/classroom.py {path.relative_to(ROOT)}")
