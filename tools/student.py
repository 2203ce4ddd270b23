"""Write the student edition of the lessons into a folder, never replacing a file that is already there.

    python -m tools.student DEST     # = make student DEST=...; make lab does this for work/ and opens it

The student edition is what ``nbgrader generate_assignment`` makes of ``notebooks/*.ipynb`` (the reading edition,
with outputs and collapsed reference solutions) under this course's settings, ``tools/nbgrader_config.py``: no
outputs, so a prediction is answered only by running its cell; no solutions, each solution cell replaced by
``answer = None``; the test cells locked. A notebook already in DEST (a learner's copy, maybe edited) is kept as
it is; only the missing ones are made, and the command lists which it added and which it kept.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CONFIG = Path(__file__).with_name("nbgrader_config.py")
ASSIGNMENT = "resnet"  # the assignment's name inside nbgrader's course folder


def generate(notebooks: list[Path], course: Path) -> Path:
    """Run ``nbgrader generate_assignment`` on ``notebooks`` in the course folder ``course``; return its release
    folder. Without a gradebook (``--no-db``): a teacher's course keeps its own."""
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy2(notebook, source / notebook.name)
    shutil.copy2(CONFIG, course / "nbgrader_config.py")
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--no-db",
               f"--CourseDirectory.root={course}"]
    done = subprocess.run(command, cwd=course, capture_output=True, text=True)
    release = course / "release" / ASSIGNMENT
    # nbgrader only logs a broken config file and goes on with its defaults: that is a failure here
    if done.returncode or "Exception while loading config file" in done.stderr or not all(
            (release / nb.name).is_file() for nb in notebooks):
        raise SystemExit(f"nbgrader generate_assignment failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return release


def student_edition(dest: Path, notebooks: list[Path] | None = None) -> tuple[list[Path], list[Path]]:
    """Copy the student edition of each of ``notebooks`` (default: all lessons) missing from ``dest`` into it;
    return (added, kept)."""
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb")) if notebooks is None else notebooks
    kept = [dest / nb.name for nb in notebooks if (dest / nb.name).exists()]
    missing = [nb for nb in notebooks if not (dest / nb.name).exists()]
    added = []
    if missing:
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as course:
            release = generate(missing, Path(course))
            for notebook in missing:
                target = dest / notebook.name
                try:
                    with target.open("xb") as out:  # "x": a file that appeared meanwhile is not replaced either
                        out.write((release / notebook.name).read_bytes())
                except FileExistsError:
                    kept.append(target)
                    continue
                added.append(target)
    return added, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder for the student notebooks (created if missing)")
    args = parser.parse_args(argv)
    added, kept = student_edition(args.dest)
    for path in added:
        print(f"added {path}")
    for path in sorted(kept):
        print(f"kept  {path} (already there, maybe with your work: never replaced; delete it to get a fresh copy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
