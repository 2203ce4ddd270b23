"""nbgrader settings for this course: `make student` uses them, and a teacher copies this file into an nbgrader
course folder (next to ``source/``) so that ``nbgrader generate_assignment`` and ``nbgrader autograde`` do the same.

- An unanswered exercise sets ``answer = None`` instead of nbgrader's default stub, which raises
  ``NotImplementedError`` and would stop "Run all" at the first exercise; the test cell then says
  "not answered yet" on stderr, which nbgrader scores 0.
- The cell a learner answers in is shown open (the reading edition collapses its reference solution), and the
  widget state the reading edition stores in its metadata (pictures of its last run) is left out.
- A lesson cell may train for minutes in the ``cpu`` preset: autograde waits up to 10 minutes per cell (its
  default is 30 s). With ``RESNET_PRESET=smoke`` it re-runs a notebook in seconds.
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import NbGraderPreprocessor

c = get_config()  # noqa: F821 (nbgrader runs this file with get_config defined)

c.ClearSolutions.code_stub = {"python": "answer = None  # YOUR ANSWER: work it out here, then put it in place of None"}


class OpenSolutionCells(NbGraderPreprocessor):
    """Show the source of every solution cell: in the student edition it is where the learner writes."""

    def preprocess_cell(self, cell, resources, index):
        if cell.metadata.get("nbgrader", {}).get("solution") and "jupyter" in cell.metadata:
            cell.metadata.jupyter.pop("source_hidden", None)
            if not cell.metadata.jupyter:
                del cell.metadata["jupyter"]
        return cell, resources


c.GenerateAssignment.preprocessors = [
    ClearMetadataPreprocessor,
    OpenSolutionCells,
    *GenerateAssignment.class_traits()["preprocessors"].default(),
]
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.clear_cell_metadata = False  # nbgrader's and the slides' cell metadata stay
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {"kernelspec", "language_info"}

c.Execute.timeout = 600
