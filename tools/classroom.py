"""Prepare lesson notebooks for teaching: default slide types, and the kernelspec JupyterLab would write.

    python tools/classroom.py notebooks/*.ipynb           # rewrite the notebooks that need it
    python tools/classroom.py --check notebooks/*.ipynb   # list what would change; exit 1 if anything would

Idempotent. A cell's ``slideshow.slide_type`` set by a teacher is never changed: only cells without one get a default.
The defaults (each makes one beat of the lesson fit a 1280x720 projector):

- the first cell and every ``#``/``##`` heading start a slide;
- a ``###`` heading, prose that follows a code cell, and a code cell that follows another code cell start a
  sub-slide (so a slide holds one paragraph, one short cell and its output);
- reference solutions (code cells whose source is hidden) are skipped;
- everything else continues the current slide.

The kernelspec: JupyterLab rewrites ``metadata.kernelspec`` with the running kernel's own spec as soon as the kernel
starts; when the stored one differs (``"Python 3"`` where ipykernel says ``"Python 3 (ipykernel)"``), a notebook that
nobody touched is already marked modified.
"""

from __future__ import annotations

import argparse
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
    """A reference solution: a code cell whose source is collapsed (CONTRIBUTING.md's convention)."""
    return cell.cell_type == "code" and bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


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


def prepare(path: Path, write: bool) -> list[str]:
    """What :func:`apply_slide_defaults` and :func:`fix_kernelspec` change in ``path`` (written if ``write``)."""
    nb = nbformat.read(path, as_version=4)
    changes = []
    if fix_kernelspec(nb):
        changes.append("kernelspec")
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
