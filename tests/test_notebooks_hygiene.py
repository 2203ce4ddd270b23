"""Committed notebooks are the product and nbval's reference: check they are clean and follow CONTRIBUTING.md."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/root/|/home/\w+/|ipykernel_\d+)")


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb: nbval would have nothing to run"


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_without_errors(path):
    cells = code_cells(path)
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    for i, cell in enumerate(cells):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"code cell {i} holds an error output"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            assert not MACHINE_PATH.search(text), f"code cell {i} output shows a machine path"
            assert "image/svg+xml" not in out.get("data", {}), "keep figures PNG (SVG reruns differ under nbval)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_follows_the_conventions(path):
    cells = code_cells(path)
    sources = ["".join(c["source"]) for c in cells]
    assert "active_preset()" in sources[0], "the first code cell reads the preset through resnet_lib"
    assert sum("nbval-check-output" in c.get("metadata", {}).get("tags", []) for c in cells) >= 5
    branching = [s for s in sources if re.search(r"preset\.name\s*[!=]=", s)]
    assert not branching, "a cell branches on the preset's name: learners read it (pin such claims in tests instead)"
    shown = [s for s in sources if re.search(r"^\s*#\s*NBVAL_", s, re.M)]
    assert not shown, "nbval markers are cell tags (nbval-check-output ...), not comments a learner reads"
    assert sum(len(re.findall(r"^assert ", s, re.M)) for s in sources) >= 2
    assert path.stat().st_size < 1_000_000
    views = [out for cell in cells for out in cell["outputs"]
             if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
    assert views, "the notebook displays no ipywidgets control"


FIGURE_TYPES = ("image/png", "application/vnd.jupyter.widget-view+json")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_a_description_for_readers_who_cannot_see_it(path):
    """The site and the slides give each figure its cell's ``mystnb.image.alt`` (what is drawn, not what it shows)."""
    for i, cell in enumerate(code_cells(path)):
        if any(kind in out.get("data", {}) for out in cell["outputs"] for kind in FIGURE_TYPES):
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.split()) >= 8, f"code cell {i} draws a figure but has no description (mystnb.image.alt)"
