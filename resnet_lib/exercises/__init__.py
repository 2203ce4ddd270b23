"""Exercise checkers: ``check_exercise("02.1", answer)`` says right or wrong; a hint comes only after a wrong try,
the explanation ("Why: ...") only after a right one.

Each lesson's exercises live in their own module (``lesson01`` …) as a list of :class:`Exercise`. A checker
computes the right answer itself (never a stored number) and may convert the answer with :func:`whole_number`,
:func:`number` or :func:`whole_numbers`, which accept the natural types (``0`` for ``0.0``, a list for a tuple)
and raise :class:`AnswerTypeError` with a plain message when the type itself is the problem.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..checks import is_int

LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson05", "lesson06")


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``check(answer)`` returns True when the answer is right; ``hint`` is shown otherwise;
    ``explanation`` (a model answer to the exercise's "why") is shown after a right answer only: it may state the
    answer itself (04.2's gives the target probability), so a wrong guess must not be followed by it."""

    key: str
    question: str
    check: Callable[[Any], bool]
    hint: str
    explanation: str = ""


class AnswerTypeError(TypeError):
    """The answer has a type the exercise cannot read (its message says what to give instead)."""


def whole_number(answer: Any) -> int:
    """``answer`` as an int: ints, and floats or tensors holding a whole number, are accepted."""
    value = answer.item() if hasattr(answer, "item") and getattr(answer, "numel", lambda: 1)() == 1 else answer
    if is_int(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise AnswerTypeError(f"answer with a whole number such as 42 (got {type(answer).__name__} {answer!r})")


def number(answer: Any) -> float:
    """``answer`` as a finite float: ints, floats and one-element tensors are accepted."""
    value = answer.item() if hasattr(answer, "item") and getattr(answer, "numel", lambda: 1)() == 1 else answer
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AnswerTypeError(f"answer with a number such as 0.25 (got {type(answer).__name__} {answer!r})")
    return float(value)


def whole_numbers(answer: Any) -> tuple[int, ...]:
    """``answer`` as a tuple of ints: a tuple, list or ``torch.Size`` of whole numbers is accepted."""
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        raise AnswerTypeError(f"answer with a tuple of whole numbers such as (4, 6, 3, 3) (got {answer!r})")
    return tuple(whole_number(a) for a in answer)


def is_int_equal(answer: object, expected: int) -> bool:
    """True when ``answer`` reads as the whole number ``expected``."""
    return whole_number(answer) == expected


def _registry() -> dict[str, Exercise]:
    from importlib import import_module

    registry: dict[str, Exercise] = {}
    for lesson in LESSONS:
        for exercise in import_module(f"{__name__}.{lesson}").EXERCISES:
            if exercise.key in registry:
                raise ValueError(f"exercise key {exercise.key!r} is defined twice; give each exercise its own key")
            registry[exercise.key] = exercise
    return registry


def _verdict(exercise: Exercise, answer: Any) -> tuple[bool, str]:
    """Whether ``answer`` is right, and the one line that says so (with the hint when it is not)."""
    key = exercise.key
    if answer is None:
        return False, f"{key}: not answered yet. Replace None with your answer in the cell above and run both cells."
    try:
        right = bool(exercise.check(answer))
    except AnswerTypeError as exc:
        return False, f"✗ {key}: {exc}."
    except Exception as exc:  # a malformed answer is a wrong answer, with the reason shown
        return False, f"✗ {key}: could not check {answer!r} ({type(exc).__name__}: {exc}). Hint: {exercise.hint}"
    return right, f"✓ {key}: correct." if right else f"✗ {key}: not yet. Hint: {exercise.hint}"


def check_exercise(key: str, answer: Any, quiet: bool = False) -> bool:
    """Check ``answer`` for exercise ``key`` (e.g. ``"02.1"``), print the verdict and return it.

    ``None`` means "not answered yet": nothing is judged and no hint is given. The verdict is one line, followed
    after a right answer (only) by the explanation ("Why: ..."); a wrong answer's line carries the hint instead. A
    right answer is reported on stdout, anything else on stderr, without raising: "Run all" goes on past an
    exercise, and an autograder that scores a cell by its output (nbgrader gives no points to a cell that writes to
    stderr) gives the cell nothing. ``quiet=True`` prints nothing.
    """
    exercises = _registry()
    if key not in exercises:
        raise ValueError(f"unknown exercise {key!r}; known exercises: {', '.join(sorted(exercises))}")
    right, verdict = _verdict(exercises[key], answer)
    if not quiet:
        stream = sys.stdout if right else sys.stderr
        print(verdict, file=stream)
        if right and exercises[key].explanation:  # a model answer: after a right answer only, never after a guess
            print(f"Why: {exercises[key].explanation}", file=stream)
    return right
