"""Committed notebooks are the product and nbval's reference: check they are clean and follow CONTRIBUTING.md."""

import ast
import builtins
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
    assert path.stat().st_size < 1_200_000  # lesson 05 holds eleven figures
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


# What a learner reads must not be the course's plumbing (issue: "a lesson, not a lab notebook"): the words a
# learner does not know, files and commands of the repository, provenance checked in view.
PLUMBING_WORDS = {
    "preset": re.compile(r"\bpresets?\b", re.I),
    "budget": re.compile(r"\bbudgets?\b", re.I),
    "arm": re.compile(r"\barms?\b(?! and legs)"),
    "record (a file)": re.compile(r"\b(?:a|the|this|that|its|their|our|committed|recorded|benchmark|longer)"
                                  r"\s+records?\b", re.I),
    ".json": re.compile(r"\.json\b"),
    "benchmarks/": re.compile(r"benchmarks/"),
    "make target": re.compile(r"\bmake (?:lab|test|unit|notebooks|student|hub|hub-load|bench|bench-record|data|book|"
                              r"setup|nbval|gpu-record|notebook-times)\b"),
}
PROVENANCE_IN_ASSERT = re.compile(r"^\s*assert\b.*(?:\b(?:info|about|record)\s*\[|load_average|\bfinished\b|\bwall_s\b)"
                                  r"|^\s*assert\b.*(?:\.json|[\"'][^\"'\n]*/[^\"'\n]*[\"'])", re.M)


def visible(cell: dict) -> bool:
    """Shown in JupyterLab and on the site: not collapsed (``source_hidden``) and not removed (``remove-input``)."""
    hidden = cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False)
    return not hidden and "remove-input" not in cell.get("metadata", {}).get("tags", [])


def learner_text(path: Path) -> list[tuple[str, str]]:
    """``(where, text)`` for every markdown cell and every printed output of a notebook."""
    texts = []
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "markdown":  # inline code (an API's own names, e.g. arms=) is not prose
            texts.append((f"markdown cell {i}", re.sub(r"`[^`]*`", "", "".join(cell["source"]))))
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            texts.append((f"output of cell {i}", "".join(text)))
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_plumbing_words_on_screen(path):
    found = [f"{where}: {word!r} in …{text[max(0, m.start() - 40):m.end() + 20]!r}"
             for where, text in learner_text(path) for word, pattern in PLUMBING_WORDS.items()
             for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


# The same words as names in the code a learner reads (``budget = lesson05_plan(preset)``); hidden cells may use them.
PLUMBING_NAMES = re.compile(r"\b\w*(?:preset|budget)\w*\b", re.I)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_plumbing_names_in_visible_code(path):
    shown = [f"code cell {i}: {m.group(0)}" for i, c in enumerate(code_cells(path)) if visible(c)
             for m in PLUMBING_NAMES.finditer("".join(c["source"]))]
    assert not shown, "names a learner does not know, in code they read (say settings, plan):\n" + "\n".join(shown)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_visible_assert_on_provenance(path):
    shown = [f"code cell {i}: {m.group(0).strip()[:100]}" for i, c in enumerate(code_cells(path)) if visible(c)
             for m in PROVENANCE_IN_ASSERT.finditer("".join(c["source"]))]
    assert not shown, "checks of records, paths or provenance belong in tests or hidden cells:\n" + "\n".join(shown)


def test_the_plumbing_checks_can_fail(tmp_path):
    """The two checks above catch what they are for (a notebook written to fail them)."""
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": "The preset and its budget, from a record in benchmarks/x.json.",
         "metadata": {}},
        {"cell_type": "code", "source": "assert info['load_average'] < 2\nbudget = lesson05_budget(preset)",
         "metadata": {},
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "run `make notebooks` for this arm"}]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(AssertionError) as words:
        test_no_plumbing_words_on_screen(bad)
    for word in ("preset", "budget", "record (a file)", ".json", "benchmarks/", "make target", "arm"):
        assert repr(word) in str(words.value), word
    with pytest.raises(AssertionError, match="load_average"):
        test_no_visible_assert_on_provenance(bad)
    with pytest.raises(AssertionError, match="lesson05_budget"):
        test_no_plumbing_names_in_visible_code(bad)


# Visible code runs on what visible code made: a learner reading the lesson sees where every name comes from. The
# nbgrader answer cells count as visible (they are the learner's own cells in the student edition).
DEFINES_WHAT_IT_USES = tuple(p.name for p in NOTEBOOKS)  # every lesson


def names_made_and_used(source: str) -> tuple[set[str], set[str]]:
    """``(made, used)``: the names a cell's code binds (assignments, imports, definitions) and those it reads."""
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    made: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else made).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            made |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            made.add(node.name)
        elif isinstance(node, ast.arg):
            made.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            made.add(node.name)
    return made, used


def hidden_names_in_visible_code(path: Path) -> list[str]:
    shown_made: set[str] = set()
    found = []
    for i, cell in enumerate(code_cells(path)):
        made, used = names_made_and_used("".join(cell["source"]))
        if visible(cell) or cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            missing = sorted(used - shown_made - made - set(dir(builtins)))
            found += [f"code cell {i}: {name}" for name in missing]
            shown_made |= made
    return found


@pytest.mark.parametrize("name", DEFINES_WHAT_IT_USES)
def test_visible_code_uses_only_names_made_in_visible_code(name):
    found = hidden_names_in_visible_code(NOTEBOOKS[0].parent / name)
    assert not found, "visible code reads names made only in hidden cells (import or define them where seen):\n" + \
        "\n".join(found)


def test_the_hidden_names_check_can_fail(tmp_path):
    bad = tmp_path / "bad.ipynb"
    hidden = {"tags": ["remove-input"], "jupyter": {"source_hidden": True}}
    bad.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": "import torch\nsecret = 3", "metadata": hidden, "outputs": []},
        {"cell_type": "code", "source": "from math import pi\nprint(torch.ones(secret) * pi)", "metadata": {},
         "outputs": []},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert hidden_names_in_visible_code(bad) == ["code cell 1: secret", "code cell 1: torch"]


# A hidden check (a collapsed cell that asserts) must be tagged ``remove-input``: otherwise tools.classroom.is_solution
# takes it for a reference solution, the site shows it as "Show the reference solution" and the slides skip it.
def unmarked_hidden_checks(path: Path) -> list[str]:
    import nbformat

    from tools.classroom import is_solution

    found = []
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if not is_solution(cell) or cell.metadata.get("nbgrader", {}).get("solution"):
            continue  # shown, removed from the site, shown collapsed for its output, or an exercise's reference
        if any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(cell.source))):
            found.append(f"cell {i} (id {cell.get('id')}): {cell.source.splitlines()[0][:80]}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_hidden_checks_are_removed_from_the_site(path):
    found = unmarked_hidden_checks(path)
    assert not found, "hidden cells that assert but are not tagged remove-input (the site calls them reference " \
        "solutions):\n" + "\n".join(found)


def test_the_hidden_checks_check_can_fail(tmp_path):
    bad = tmp_path / "bad.ipynb"
    collapsed = {"jupyter": {"source_hidden": True}}
    bad.write_text(json.dumps({"cells": [
        {"cell_type": "code", "id": "a", "source": "assert 1 + 1 == 2", "metadata": collapsed, "outputs": [],
         "execution_count": None},
        {"cell_type": "code", "id": "b", "source": "assert 2 + 2 == 4",
         "metadata": {**collapsed, "tags": ["remove-input"]}, "outputs": [], "execution_count": None},
        {"cell_type": "code", "id": "c",
         "source": "### BEGIN SOLUTION\nanswer = 3\nassert answer\n### END SOLUTION",
         "metadata": {**collapsed, "nbgrader": {"solution": True, "grade": False, "grade_id": "a", "locked": False,
                                                "schema_version": 3, "task": False}},
         "outputs": [], "execution_count": None},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert unmarked_hidden_checks(bad) == ["cell 0 (id a): assert 1 + 1 == 2"]
