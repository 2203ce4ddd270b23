"""The one file format of every recorded experiment: a :class:`Record` is how it was made (``info``: script,
recipe, machine, date) and its runs, keyed by run name then seed, each run's numbers under their names. Lesson
readers (``load_record``, ``load_ablation``, ``SizeRecord``, ``load_controls``, ``load_converged``) and
:class:`~resnet_lib.history.History` are typed views on it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Numbers = dict[str, Any]  # one run's numbers by name ("losses": [...], "test_acc": [...], ...), plain JSON values


@dataclass
class Record:
    """``info`` (how the runs were made) and ``runs``: ``{run name: {seed: numbers}}``. ``save``/``load`` write
    and read it as JSON: ``{"info": {...}, "runs": {name: {"<seed>": {...}}}}``."""

    info: dict[str, Any] = field(default_factory=dict)
    runs: dict[str, dict[int, Numbers]] = field(default_factory=dict)

    def add(self, name: str, seed: int, numbers: Mapping[str, Any]) -> None:
        """Keep one run's numbers under its name and seed."""
        self.runs.setdefault(name, {})[seed] = dict(numbers)

    def save(self, path: str | Path) -> None:
        runs = {name: {str(seed): numbers for seed, numbers in by_seed.items()} for name, by_seed in self.runs.items()}
        Path(path).write_text(json.dumps({"info": self.info, "runs": runs}, indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: str | Path, made_by: str = "") -> Record:
        """Read a record; a missing file is an error that names ``made_by``, the command that makes it."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no record at {path}" + (f"; make one with: {made_by}" if made_by else ""))
        raw = json.loads(path.read_text())
        if not isinstance(raw, dict) or set(raw) != {"info", "runs"}:
            found = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
            raise ValueError(f"{path} is not a record (a JSON object with 'info' and 'runs'); it has {found}")
        runs = {name: {int(seed): numbers for seed, numbers in by_seed.items()}
                for name, by_seed in raw["runs"].items()}
        return cls(raw["info"], runs)
