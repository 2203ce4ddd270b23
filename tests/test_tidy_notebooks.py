"""tools/tidy_notebooks.py: two executions of an unchanged notebook become the same file, and nothing else changes."""

import uuid

import nbformat

from tools import tidy_notebooks

VIEW, STATE = tidy_notebooks.VIEW, tidy_notebooks.STATE


def executed(split_print: bool) -> nbformat.NotebookNode:
    """A notebook as nbclient leaves it: a slider in a box (with a layout), an orphan model."""
    box, slider, layout, orphan = (uuid.uuid4().hex for _ in range(4))
    text = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in (["a\n", "b\n"] if split_print
                                                                               else ["a\nb\n"])]
    view = nbformat.v4.new_output("display_data", data={VIEW: {"model_id": box, "version_major": 2,
                                                               "version_minor": 0}, "text/plain": "VBox()"})
    cells = [nbformat.v4.new_code_cell("print('a'); print('b')", outputs=text, execution_count=1),
             nbformat.v4.new_code_cell("VBox([IntSlider()])", outputs=[view], execution_count=2)]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"  # kept from the source notebook
        cell.metadata["tags"] = ["nbval-ignore-output"]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["widgets"] = {STATE: {"version_major": 2, "version_minor": 0, "state": {
        orphan: {"model_name": "LayoutModel", "state": {"width": "10px"}},
        layout: {"model_name": "LayoutModel", "state": {}},
        slider: {"model_name": "IntSliderModel", "state": {"layout": f"IPY_MODEL_{layout}", "value": 3}},
        box: {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{slider}"]}},
    }}}
    return nbformat.reads(nbformat.writes(nb), as_version=4)  # as read back from disk: keys sorted by id


def test_two_runs_of_an_unchanged_notebook_become_identical():
    first = tidy_notebooks.tidy(executed(split_print=True), "01_x")
    second = tidy_notebooks.tidy(executed(split_print=False), "01_x")
    assert nbformat.writes(first) == nbformat.writes(second)
    assert first.cells[0].outputs == [nbformat.v4.new_output("stream", name="stdout", text="a\nb\n")]
    assert all(c.metadata["tags"] == ["nbval-ignore-output"] for c in first.cells)


def test_renaming_keeps_every_reference_and_the_models_apart():
    before = executed(split_print=False)
    after = tidy_notebooks.tidy(before, "01_x")
    state = after.metadata["widgets"][STATE]["state"]
    box = after.cells[1].outputs[0]["data"][VIEW]["model_id"]
    slider = state[box]["state"]["children"][0].removeprefix("IPY_MODEL_")
    layout = state[slider]["state"]["layout"].removeprefix("IPY_MODEL_")
    assert [state[m]["model_name"] for m in (box, slider, layout)] == ["VBoxModel", "IntSliderModel", "LayoutModel"]
    assert len(state) == 4 and state[slider]["state"]["value"] == 3
    assert box != tidy_notebooks.tidy(before, "02_y").cells[1].outputs[0]["data"][VIEW]["model_id"]  # per notebook
