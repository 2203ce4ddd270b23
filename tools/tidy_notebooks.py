"""Make re-executed notebooks diff only where their outputs changed (``make notebooks`` runs this after nbconvert).

An unchanged notebook, executed again (``make notebooks`` asks nbclient for no timestamps), differs in two ways that
carry no information: the random ids of its widget models, and where printed text was split into several stream
outputs (it depends on when the kernel flushed). This joins adjacent outputs of the same stream (nbconvert's
``CoalesceStreamsPreprocessor``) and renames every widget model id to one derived from the notebook's name and the
model's place (outputs in cell order, then the models their state refers to), so the same run gives the same file.

Usage: ``python -m tools.tidy_notebooks NOTEBOOK...`` (rewrites each file in place).
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
MODEL_ID = re.compile(r"[0-9a-f]{32}")


def _output_views(nb: nbformat.NotebookNode) -> list[str]:
    """Model ids of the widget views in the cells' outputs, in order."""
    return [out["data"][VIEW]["model_id"] for cell in nb.cells for out in cell.get("outputs", [])
            if VIEW in out.get("data", {})]


def _stable_order(views: list[str], state: dict[str, dict]) -> list[str]:
    """Every model id, in an order that does not depend on the ids themselves."""
    order: list[str] = []

    def visit(model_id: str) -> None:
        if model_id in order:
            return
        order.append(model_id)
        if model_id in state:
            for ref in MODEL_ID.findall(json.dumps(state[model_id], sort_keys=True)):
                if ref in state:
                    visit(ref)

    for model_id in views:
        visit(model_id)
    orphans = [m for m in state if m not in order]  # models nothing displays or refers to: order by content
    for model_id in sorted(orphans, key=lambda m: MODEL_ID.sub("", json.dumps(state[m], sort_keys=True))):
        visit(model_id)
    return order


def tidy(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """``nb`` with adjacent outputs of one stream joined, widget model ids derived from ``name`` and their place."""
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    state = nb.metadata.get("widgets", {}).get(STATE, {}).get("state", {})
    order = _stable_order(_output_views(nb), state)
    new_ids = {old: uuid.uuid5(uuid.NAMESPACE_URL, f"resnet-notebooks/{name}/{i}").hex for i, old in enumerate(order)}
    text = MODEL_ID.sub(lambda m: new_ids.get(m.group(), m.group()), json.dumps(nb))
    return nbformat.from_dict(json.loads(text))


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nbformat.write(tidy(nb, path.stem), path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
