"""Prepare lesson notebooks for teaching: default slide types, the kernelspec JupyterLab would write, and exercises
in nbgrader's format.

    python -m tools.classroom notebooks/*.ipynb           # rewrite the notebooks that need it
    python -m tools.classroom --check notebooks/*.ipynb   # list what would change; exit 1 if anything would

Idempotent. A cell's ``slideshow.slide_type`` set by a teacher is never changed: only cells without one get a default.
The defaults (each makes one beat of the lesson fit a 1280x720 projector):

- the first cell and every ``#``/``##`` heading start a slide;
- a ``###`` heading, prose that follows a code cell, and a code cell that follows another code cell start a
  sub-slide (so a slide holds one paragraph, one short cell and its output);
- reference solutions (code cells whose source is hidden) are skipped;
- everything else continues the current slide.

Exercises (what ``nbgrader generate_assignment``, and so ``make student``, needs to make the student edition): each
exercise is a prompt (markdown, read-only), the cell a learner answers in (an nbgrader solution cell: its reference
code, collapsed, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, sets ``answer``) and a test cell
``solved = check_exercise("NN.k", answer)`` (autograded, 1 point, locked). An exercise still laid out the older way, a
starter cell ``check_exercise("NN.k", None)`` followed by the collapsed reference ending in
``assert check_exercise("NN.k", <expression>, quiet=True)``, is converted: the reference becomes the solution cell
(the assert becomes ``answer = <expression>``) and the starter, placed after it, the test cell.

The kernelspec: JupyterLab rewrites ``metadata.kernelspec`` with the running kernel's own spec as soon as the kernel
starts; when the stored one differs (``"Python 3"`` where ipykernel says ``"Python 3 (ipykernel)"``), a notebook that
nobody touched is already marked modified.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
# what ipykernel's standard kernel reports, and so what JupyterLab writes into the notebook on opening
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _heading_level(cell: NotebookNode) -> int:
    """1-6 for a markdown cell whose first non-blank line is a heading, else 0."""
    if cell.cell_type != "markdown":
        return 0
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    match = re.match(r"(#{1,6})\s", first)
    return len(match.group(1)) if match else 0


def is_solution(cell: NotebookNode) -> bool:
    """A reference solution: a code cell whose source is collapsed (CONTRIBUTING.md's convention) and that is not
    plumbing removed from the site altogether (tag ``remove-input``, e.g. the settings cell or hidden checks) nor
    code shown collapsed for its output (tag ``hide-input``, e.g. the drawing code under a figure)."""
    tags = cell.metadata.get("tags", [])
    return (cell.cell_type == "code" and bool(cell.metadata.get("jupyter", {}).get("source_hidden"))
            and "remove-input" not in tags and "hide-input" not in tags)


def default_slide_type(cells: list[NotebookNode], index: int) -> str:
    """The slide type the rules in this module's docstring give ``cells[index]``."""
    cell, previous = cells[index], cells[index - 1] if index else None
    level = _heading_level(cell)
    if previous is None or level in (1, 2):
        return "slide"
    if is_solution(cell):
        return "skip"
    if level == 3 or (previous.cell_type == "code" and cell.cell_type in ("markdown", "code")):
        return "subslide"
    return "-"


def apply_slide_defaults(nb: NotebookNode) -> int:
    """Give every cell without ``slideshow.slide_type`` its default; return how many cells changed."""
    changed = 0
    for index, cell in enumerate(nb.cells):
        slideshow = cell.metadata.get("slideshow", {})
        chosen = slideshow.get("slide_type")
        if chosen is not None:
            if chosen not in SLIDE_TYPES:
                raise ValueError(f"cell {index + 1}: slide_type {chosen!r} is not one of {', '.join(SLIDE_TYPES)}; "
                                 "fix it in JupyterLab's property inspector (the gear icon)")
            continue
        cell.metadata["slideshow"] = {**slideshow, "slide_type": default_slide_type(nb.cells, index)}
        changed += 1
    return changed


def fix_kernelspec(nb: NotebookNode) -> bool:
    """Store the Python kernelspec JupyterLab writes on opening; return whether it changed."""
    if nb.metadata.get("kernelspec") == KERNELSPEC:
        return False
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return True


BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ANSWER = "answer"  # the name every solution cell sets and every test cell checks (ClearSolutions' stub sets it to None)
# a starter (argument None) or test cell's (argument answer) call; older test cells ended in ";" instead of assigning,
# which nbval ignores (it runs cells without storing them in IPython's history) and then sees the returned bool
_CHECK = re.compile(r"""^(?:\w+[ \t]*=[ \t]*)?check_exercise\([ \t]*(["'])(?P<key>\d\d\.\d+)\1[ \t]*,[ \t]*"""
                    r"""(?P<arg>None|answer)[ \t]*\)[ \t]*;?[ \t]*$""", re.M)


def _test_call(match: re.Match) -> str:
    """The test cell's line: assigned, so that the cell shows only the printed verdict (no ``True`` under it)."""
    return f'solved = check_exercise("{match["key"]}", {ANSWER})'


def _exercise_call(cell: NotebookNode, arg: str) -> str | None:
    """The key of a visible code cell calling ``check_exercise(key, <arg>)`` (a starter or a test cell), else None."""
    if cell.cell_type != "code" or is_solution(cell):
        return None
    match = _CHECK.search(cell.source)
    return match["key"] if match and match["arg"] == arg else None


def _reference_to_solution(source: str, key: str) -> str:
    """A reference solution's source as an nbgrader solution region that sets ``answer``.

    Its last statement ``assert check_exercise(key, <expression>, quiet=True)`` (at any depth, a trailing comment
    kept) becomes ``answer = <expression>``, or goes when the expression is ``answer`` itself.
    """
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert | ast.Expr)
             and isinstance(call := node.test if isinstance(node, ast.Assert) else node.value, ast.Call)
             and getattr(call.func, "id", None) == "check_exercise"]
    if len(calls) != 1 or not calls[0].lineno:
        raise ValueError(f"exercise {key}: its reference solution must call check_exercise({key!r}, <answer>) once")
    node = calls[0]
    call = node.test if isinstance(node, ast.Assert) else node.value
    if len(call.args) < 2 or not isinstance(call.args[0], ast.Constant) or call.args[0].value != key:
        raise ValueError(f"exercise {key}: its reference solution checks another key; check_exercise({key!r}, ...)")
    lines = source.splitlines()
    expression = ast.get_source_segment(source, call.args[1])
    head, tail = lines[node.lineno - 1][:node.col_offset], lines[node.end_lineno - 1][node.end_col_offset:]
    dropped = expression == ANSWER and not head and not tail.strip()  # a top-level check of `answer` itself
    replacement = [] if dropped else f"{head}{ANSWER} = {expression}{tail}".splitlines()
    body = "\n".join(lines[:node.lineno - 1] + replacement + lines[node.end_lineno:]).strip("\n")
    ast.parse(body)  # still valid Python
    return f"{BEGIN}\n{body}\n{END}"


def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False) -> dict:
    cell = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    return {**cell, "points": 1} if grade else cell


def mark_exercises(nb: NotebookNode) -> int:
    """Lay every exercise out in nbgrader's format (this module's docstring); return how many cells changed."""
    cells, changed = nb.cells, 0
    for index in range(len(cells) - 1):  # the older layout: starter, then reference
        key = _exercise_call(cells[index], "None")
        if key and is_solution(cells[index + 1]) and "check_exercise(" in cells[index + 1].source:
            starter, reference = cells[index], cells[index + 1]
            if f'"{key}"' not in reference.source and f"'{key}'" not in reference.source:
                raise ValueError(f"exercise {key}: the collapsed cell after its starter does not check {key}")
            reference.source = _reference_to_solution(reference.source, key)
            starter.source = _CHECK.sub(_test_call, starter.source)
            cells[index], cells[index + 1] = reference, starter
            changed += 2
    for index, cell in enumerate(cells):
        key = _exercise_call(cell, ANSWER)
        if key is None:
            continue
        prompt, solution = cells[index - 2] if index > 1 else None, cells[index - 1]
        if not (is_solution(solution) and BEGIN in solution.source and END in solution.source
                and prompt is not None and prompt.cell_type == "markdown"):
            raise ValueError(f"exercise {key}: expected its prompt (markdown), then its collapsed solution between "
                             f"{BEGIN!r} and {END!r}, then the test cell check_exercise({key!r}, {ANSWER})")
        if (source := _CHECK.sub(_test_call, cell.source)) != cell.source:
            cell.source = source
            changed += 1
        name = "ex" + key.replace(".", "_")
        tags = cell.metadata.get("tags", [])
        wanted = [(prompt, _nbgrader(f"{name}_prompt", locked=True)),
                  (solution, _nbgrader(f"{name}_answer", solution=True)),
                  (cell, _nbgrader(f"{name}_check", grade=True, locked=True))]
        for target, metadata in wanted:
            if target.metadata.get("nbgrader") != metadata:
                target.metadata["nbgrader"] = metadata
                changed += 1
        if "nbval-check-output" not in tags:  # the committed verdict is nbval's reference: a wrong solution fails
            cell.metadata["tags"] = [*tags, "nbval-check-output"]
            changed += 1
    return changed


def prepare(path: Path, write: bool) -> list[str]:
    """What :func:`apply_slide_defaults`, :func:`fix_kernelspec` and :func:`mark_exercises` change in ``path``
    (written if ``write``)."""
    nb = nbformat.read(path, as_version=4)
    changes = []
    if fix_kernelspec(nb):
        changes.append("kernelspec")
    if exercises := mark_exercises(nb):
        changes.append(f"nbgrader exercise layout for {exercises} cell(s)")
    if slides := apply_slide_defaults(nb):
        changes.append(f"slide types for {slides} cell(s)")
    if changes and write:
        nbformat.write(nb, path)
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs changes")
    args = parser.parse_args(argv)
    pending = 0
    for path in args.notebooks:
        if changes := prepare(path, write=not args.check):
            pending += 1
            print(f"{path}: {'needs' if args.check else 'set'} {', '.join(changes)}")
    return 1 if args.check and pending else 0


if __name__ == "__main__":
    sys.exit(main())
