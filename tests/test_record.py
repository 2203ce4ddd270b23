"""The one record format (resnet_lib.record.Record) and the committed records converted to it without changing a
number."""

import json
import subprocess
from pathlib import Path

import pytest

from resnet_lib.history import History
from resnet_lib.lessons.degradation import CONTROLS_RECORD, load_controls
from resnet_lib.lessons.input_size import RECORD as SIZE_RECORD
from resnet_lib.lessons.input_size import SizeRecord
from resnet_lib.lessons.recipe_ablation import RECORD as ABLATION_RECORD
from resnet_lib.lessons.recipe_ablation import load_ablation
from resnet_lib.record import Record

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "74b6cbd"  # the last commit with the records in their own layouts
# lesson 05's controls were re-made (with the refactored short_run) after that commit, still in their own layout
BEFORE_OF = {"degradation_controls-cpu.json": "2df27a6"}


def test_a_record_round_trips_with_integer_seeds(tmp_path):
    record = Record({"how": "test"})
    record.add("plain-20", 1, {"losses": [2.5, 1.25]})
    record.add("plain-20", 0, {"losses": [3.0]})
    record.save(tmp_path / "r.json")
    loaded = Record.load(tmp_path / "r.json")
    assert loaded == record and list(loaded.runs["plain-20"]) == [1, 0]


def test_a_missing_or_foreign_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make one with: python x.py"):
        Record.load(tmp_path / "none.json", made_by="python x.py")
    (tmp_path / "old.json").write_text(json.dumps({"info": {}, "arms": {}}))
    with pytest.raises(ValueError, match="not a record.*'arms'"):
        Record.load(tmp_path / "old.json")


def test_a_history_without_its_seed_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="does not record its seed"):
        History(test_acc=[0.5]).save(tmp_path / "h.json")


def numbers(value: object) -> list[float]:
    """Every number in a JSON value (not its keys), sorted."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return sorted(n for v in value for n in numbers(v))
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def before(path: Path) -> dict:
    before = BEFORE_OF.get(path.name, BEFORE)
    shown = subprocess.run(["git", "show", f"{before}:{path.relative_to(ROOT)}"], cwd=ROOT, capture_output=True,
                           text=True)
    if shown.returncode != 0:
        pytest.skip(f"the records before the conversion need the git history ({before}): {shown.stderr.strip()}")
    return json.loads(shown.stdout)


@pytest.mark.content
@pytest.mark.parametrize("path", [CONTROLS_RECORD, ABLATION_RECORD, SIZE_RECORD], ids=lambda p: p.name)
def test_the_committed_records_were_converted_without_changing_a_number(path):
    """Every number of the old file is in the new one and no other: seeds, depths and sizes became run names."""
    old, new = before(path), json.loads(path.read_text())
    for run in old["runs"] if isinstance(old.get("runs"), list) else ():  # input_size: image_size and seed -> the name
        del run["image_size"], run["seed"]
    assert numbers(new) == numbers(old) and numbers(new["info"]) == numbers({k: v for k, v in old.items() if k not in
                                                                             ("runs", "arms")})


@pytest.mark.content
def test_the_lesson_readers_see_what_they_saw_before_the_conversion():
    old = before(CONTROLS_RECORD)
    assert load_controls()[0] == {name: {int(d): {int(s): v for s, v in by_seed.items()} for d, by_seed in runs.items()}
                                  for name, runs in old["runs"].items()}
    old = before(ABLATION_RECORD)
    assert {arm: [h.test_acc for h in hs] for arm, hs in load_ablation()[0].items()} == {
        arm: [h["test_acc"] for h in hs] for arm, hs in old["arms"].items()}
    old, record = before(SIZE_RECORD), SizeRecord.load()
    assert sorted((r.image_size, r.seed, r.test_acc, r.train_s) for r in record.runs) == sorted(
        (r["image_size"], r["seed"], r["test_acc"], r["train_s"]) for r in old["runs"])
    assert record.info == old["info"] and list(record.plan.sizes) == old["budget"]["sizes"]
