"""tools/classroom.py: default slide types that never override a teacher's choice, and the kernelspec that keeps a
freshly opened notebook from being marked modified in JupyterLab."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from tools import classroom

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


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
        f"marks the notebook modified. Fix: python -m tools.classroom {path.relative_to(ROOT)}")


OLD_EXERCISE = (("md", "**01.1** How many? (a whole number)"), ("code", 'check_exercise("01.1", None);'),
                ("code", 'n = 3\nwith torch.no_grad():\n    assert check_exercise("01.1", n + 1, quiet=True)  # why'),
                ("md", "**01.2** And now? (a number)"), ("code", 'check_exercise("01.2", None);'),
                ("code", 'answer = 0.5\nassert check_exercise("01.2", answer, quiet=True)'))


def test_an_exercise_becomes_prompt_solution_and_autograded_test_cell_once():
    nb = _lesson(*OLD_EXERCISE)
    for index in (2, 5):
        nb.cells[index].metadata["jupyter"] = {"source_hidden": True}
    ids = [cell.id for cell in nb.cells]
    assert classroom.mark_exercises(nb) > 0
    assert [cell.id for cell in nb.cells] == [ids[i] for i in (0, 2, 1, 3, 5, 4)]  # the test cell after the solution
    assert [cell.source for cell in nb.cells[1:3]] == [
        "### BEGIN SOLUTION\nn = 3\nwith torch.no_grad():\n    answer = n + 1  # why\n### END SOLUTION",
        'solved = check_exercise("01.1", answer)']
    assert nb.cells[4].source == "### BEGIN SOLUTION\nanswer = 0.5\n### END SOLUTION"
    meta = [cell.metadata["nbgrader"] for cell in nb.cells[:3]]
    assert [(m["grade_id"], m["solution"], m["grade"], m["locked"]) for m in meta] == [
        ("ex01_1_prompt", False, False, True), ("ex01_1_answer", True, False, False),
        ("ex01_1_check", False, True, True)]
    assert meta[2]["points"] == 1 and "nbval-check-output" in nb.cells[2].metadata["tags"]
    assert classroom.is_solution(nb.cells[1])  # still collapsed in the reading edition
    before = json.dumps(nb, sort_keys=True)
    assert classroom.mark_exercises(nb) == 0
    assert json.dumps(nb, sort_keys=True) == before


def test_a_test_cell_ending_in_a_semicolon_is_given_the_assignment_nbval_needs():
    """nbval runs a cell without storing it in IPython's history, so a trailing ";" hides nothing there."""
    nb = _lesson(("md", "**01.1**"), ("code", "### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION"),
                 ("code", 'from resnet_lib import check_exercise\n\ncheck_exercise("01.1", answer);'), solution=1)
    classroom.mark_exercises(nb)
    assert nb.cells[2].source == 'from resnet_lib import check_exercise\n\nsolved = check_exercise("01.1", answer)'


def test_a_reference_that_checks_another_exercise_is_refused():
    nb = _lesson(("md", "**01.1**"), ("code", 'check_exercise("01.1", None);'),
                 ("code", 'assert check_exercise("01.2", 3, quiet=True)  # "01.1" in a comment'), solution=2)
    with pytest.raises(ValueError, match=r"exercise 01.1: its reference solution checks another key"):
        classroom.mark_exercises(nb)


def test_a_test_cell_without_its_solution_cell_is_refused():
    nb = _lesson(("md", "**01.1**"), ("code", "x = 1"), ("code", 'solved = check_exercise("01.1", answer)'))
    with pytest.raises(ValueError, match=r"exercise 01.1: expected its prompt \(markdown\), then its collapsed"):
        classroom.mark_exercises(nb)


def test_committed_notebooks_need_nothing_from_the_classroom_tool(capsys):
    """Their exercises are in nbgrader's format (make student needs it): rerun the tool after editing a lesson."""
    assert classroom.main(["--check", *map(str, NOTEBOOKS)]) == 0, capsys.readouterr().out
