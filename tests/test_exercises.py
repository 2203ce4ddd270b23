import pytest
import torch

from resnet_lib.exercises import _registry, check_exercise


def test_every_exercise_has_a_unique_well_formed_key():
    keys = list(_registry())
    assert len(keys) == len(set(keys))
    for key, ex in _registry().items():
        assert key[:2].isdigit() and key[2] == "." and ex.question and ex.hint


def test_unknown_key_lists_known_ones():
    with pytest.raises(ValueError, match="unknown exercise '99.9'"):
        check_exercise("99.9", 1)


def test_two_lessons_cannot_register_the_same_key(monkeypatch):
    from resnet_lib.exercises import Exercise, lesson01, lesson02

    clash = Exercise("01.1", "a second 01.1", lambda a: True, "none")
    monkeypatch.setattr(lesson02, "EXERCISES", [*lesson02.EXERCISES, clash])
    assert lesson01.EXERCISES[0].key == "01.1"
    with pytest.raises(ValueError, match="01.1"):
        _registry()


def test_an_unanswered_exercise_gets_no_verdict_and_no_hint(capsys):
    assert check_exercise("01.2", None) is False
    out = capsys.readouterr().err
    assert "not answered yet" in out and "Hint" not in out and "✗" not in out


def test_quiet_checks_print_nothing(capsys):
    key = "01.3"
    right = next(a for a in range(20) if _registry()[key].check(a))  # brute force: no stored answer here
    assert check_exercise(key, right, quiet=True) and not check_exercise(key, right + 1, quiet=True)
    assert capsys.readouterr() == ("", "")


def test_only_a_right_answer_is_reported_on_stdout_and_every_verdict_is_one_line(capsys):
    """nbgrader scores a grade cell 0 when it writes to stderr: a wrong or missing answer must, without raising
    (so "Run all" goes on); a right one must not. The verdict is one line; after a right answer (only) one more
    line gives the model explanation."""
    key = "01.3"
    right = next(a for a in range(20_000) if _registry()[key].check(a))
    for answer, stream, lines in ((right, "out", 2), (right + 1, "err", 1), (None, "err", 1), ("12", "err", 1)):
        check_exercise(key, answer)
        captured = capsys.readouterr()
        said, silent = (captured.out, captured.err) if stream == "out" else (captured.err, captured.out)
        assert silent == "" and said.count("\n") == lines, said
        assert said.startswith(("✓", "✗", f"{key}: not answered")), said
        assert ("Why: " in said) == (answer == right), said


class _Unreadable:
    """An answer no checker can read: every exercise judges it wrong (a type problem, or a failed check)."""

    def __repr__(self) -> str:
        return "<unreadable>"


@pytest.mark.parametrize("key", sorted(_registry()))
def test_no_exercise_shows_its_explanation_after_a_wrong_answer(key, capsys):
    """The "Why:" is a model answer (04.2's gives the target probability, 04.5's the warm-up fraction): shown after
    a wrong guess it would give the answer away, so only a right answer earns it."""
    assert _registry()[key].explanation, key  # every exercise has one to withhold
    assert check_exercise(key, _Unreadable()) is False
    said = "".join(capsys.readouterr())
    assert said.startswith("✗") and "Why:" not in said and _registry()[key].explanation not in said, said


def test_natural_types_are_accepted_and_a_wrong_type_is_named():
    from resnet_lib.exercises import AnswerTypeError, number, whole_number, whole_numbers

    assert whole_number(3.0) == 3 and whole_number(torch.tensor(7)) == 7 and number(0) == 0.0
    assert whole_numbers([2, 12, 5.0, 5]) == (2, 12, 5, 5) and whole_numbers(torch.Size([1, 2])) == (1, 2)
    for bad, convert in ((True, whole_number), (2.5, whole_number), ("3", number), (float("nan"), number),
                         ("2, 3", whole_numbers)):
        with pytest.raises(AnswerTypeError, match="answer with"):
            convert(bad)


def test_a_wrong_type_is_reported_as_such(capsys):
    assert check_exercise("01.3", "12") is False
    assert "answer with a whole number" in "".join(capsys.readouterr())


def test_every_lesson_says_when_the_explanation_appears_as_the_checker_shows_it():
    """The checker shows 'Why:' only after a right answer; each lesson's exercise introduction says so."""
    import json
    from pathlib import Path

    said = {}
    for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        text = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        said[path.name] = ("(*Why:*) after any answer" in text, "(*Why:*) after a right answer" in text)
    assert all(right and not wrong for wrong, right in said.values()), said
