"""The student edition (`make student`, made by nbgrader): no outputs and no solutions; graded by nbgrader itself.

A teacher's course is built in a temporary folder as the README tells teachers (``tools/nbgrader_config.py``,
the lessons in ``source/``, ``nbgrader generate_assignment``, ``nbgrader autograde``). Two learners hand in the
copies ``make student`` wrote: one unchanged, one with the reference solutions put back. Autograde runs each
notebook top to bottom in a fresh kernel, in the preset of this run (``smoke`` under ``make test``;
``RESNET_PRESET=cpu`` for the classroom's own sizes).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from test_make import BIN, ROOT, make_command, make_env

pytestmark = [pytest.mark.notebook, pytest.mark.skipif(shutil.which("make") is None, reason="needs make")]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STUB = "answer = None"
CHECK = re.compile(r"""^solved = check_exercise\("(\d\d\.\d+)", answer\)$""", re.M)


def nbgrader_role(cell: nbformat.NotebookNode) -> str:
    meta = cell.metadata.get("nbgrader", {})
    return "solution" if meta.get("solution") else "test" if meta.get("grade") else ""


def nbgrader(*args: str, course: Path) -> subprocess.CompletedProcess:
    """The nbgrader command line, as a teacher runs it from the course folder (its bin/ on PATH: nbgrader runs
    ``alembic`` by name to create the gradebook)."""
    env = make_env(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("student")
    done = subprocess.run(make_command("student", f"DEST={dest}"), capture_output=True, text=True, timeout=300,
                          env=make_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("added ") == len(NOTEBOOKS), done.stdout
    return dest


def test_six_notebooks_without_outputs_or_solutions(edition):
    assert sorted(p.name for p in edition.iterdir()) == [p.name for p in NOTEBOOKS] and len(NOTEBOOKS) == 6
    for path in NOTEBOOKS:
        reading, student = (nbformat.read(p, as_version=4) for p in (path, edition / path.name))
        solutions = [c for c in reading.cells if nbgrader_role(c) == "solution"]
        assert len(solutions) >= 3, f"{path.name}: its exercises carry no nbgrader metadata (tools/classroom.py)"
        # every line of a solution that the lesson itself never shows must be gone
        shown = {line.strip() for c in reading.cells if nbgrader_role(c) != "solution" for line in c.source.split("\n")}
        secret = {line.strip() for c in solutions for line in c.source.split("\n")} - shown - {""}
        text = "\n".join(line.strip() for c in student.cells for line in c.source.split("\n"))
        assert secret and not [line for line in secret if line in text.split("\n")], path.name
        assert "BEGIN SOLUTION" not in text and "widgets" not in student.metadata
        for cell in student.cells:
            if cell.cell_type == "code":  # a prediction is answered only by running its cell
                assert cell.outputs == [] and cell.execution_count is None, path.name
            if nbgrader_role(cell) == "solution":
                assert cell.source.startswith(STUB) and not cell.metadata.get("jupyter", {}).get("source_hidden")
            if nbgrader_role(cell) == "test":
                assert CHECK.search(cell.source) and cell.metadata["editable"] is False, cell.source
        assert sum(nbgrader_role(c) == "test" for c in student.cells) == len(solutions)


SOLVED = "02_residual_block.ipynb"  # the learner who puts the reference solutions back hands in this one


@pytest.mark.parametrize("blank", [
    pytest.param((SOLVED,), id="one lesson"),
    pytest.param(tuple(p.name for p in NOTEBOOKS), id="every lesson", marks=pytest.mark.full),
])
def test_nbgrader_grades_it_unanswered_cells_fail_cleanly_and_the_reference_solutions_pass(edition, tmp_path, blank):
    """The lessons in ``blank`` handed in unanswered (the costly part: each is a whole lesson run; every lesson in the
    slow tier, one under ``make test``); the reference solutions put back in one. That they pass in every notebook,
    top to bottom in a fresh kernel, nbval checks on the reading edition: the same code in the same order, with each
    test cell's verdict compared with its committed "✓ … correct."."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "notebooks", course / "source" / "resnet")
    shutil.copy(ROOT / "tools" / "nbgrader_config.py", course / "nbgrader_config.py")
    nbgrader("generate_assignment", "resnet", course=course)
    for path in NOTEBOOKS:  # what the teacher releases is what `make student` wrote
        assert (course / "release" / "resnet" / path.name).read_bytes() == (edition / path.name).read_bytes()
    (course / "submitted" / "blank" / "resnet").mkdir(parents=True)
    for name in blank:
        shutil.copy(edition / name, course / "submitted" / "blank" / "resnet" / name)
    solved = course / "submitted" / "solved" / "resnet" / SOLVED
    reference = {c.metadata.nbgrader.grade_id: c.source for c in nbformat.read(ROOT / "notebooks" / SOLVED,
                                                                                as_version=4).cells
                 if nbgrader_role(c) == "solution"}
    nb = nbformat.read(edition / SOLVED, as_version=4)
    for cell in nb.cells:
        if nbgrader_role(cell) == "solution":
            cell.source = reference[cell.metadata.nbgrader.grade_id]
    solved.parent.mkdir(parents=True)
    nbformat.write(nb, solved)
    nbgrader("autograde", "resnet", course=course)

    from nbgrader.api import Gradebook

    graded = [("blank", name) for name in blank] + [("solved", SOLVED)]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for learner, name in graded:
            notebook = nbformat.read(course / "autograded" / learner / "resnet" / name, as_version=4)
            # one print may reach the notebook as several stream outputs (the kernel flushes on a timer)
            notebook, _ = CoalesceStreamsPreprocessor().preprocess(notebook, {})
            tests = [c for c in notebook.cells if nbgrader_role(c) == "test"]
            score = gradebook.find_submission_notebook(name.removesuffix(".ipynb"), "resnet", learner)
            assert score.max_score == len(tests) > 0
            assert score.score == (0 if learner == "blank" else len(tests)), (learner, name)
            errors = [c.source for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
            assert not errors, f"{learner} {name}: Run all would stop at {errors[0]!r}"
            for cell in tests:
                key = CHECK.search(cell.source)[1]
                said = [(o.name, o.text.split("\n")[0]) for o in cell.outputs]  # the verdict; then "Why: …" if judged
                expected = (("stderr", f"{key}: not answered yet. Replace None with your answer in the cell above "
                             "and run both cells.") if learner == "blank" else ("stdout", f"✓ {key}: correct."))
                assert said == [expected], f"{learner} {name} {key}: {said}"
