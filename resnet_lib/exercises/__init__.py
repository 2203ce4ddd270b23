"""Exercise checkers: ``check_exercise("02.1", answer)`` says right or wrong, with a hint.

Each lesson's exercises live in their own module (``lesson01`` …) as a list of :class:`Exercise`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..checks import is_int


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``check(answer)`` returns True when the answer is right; ``hint`` is shown otherwise."""

    key: str
    question: str
    check: Callable[[Any], bool]
    hint: str


def is_int_equal(answer: object, expected: int) -> bool:
    """True when ``answer`` is an int (not a bool) equal to ``expected``."""
    return is_int(answer) and answer == expected


def _registry() -> dict[str, Exercise]:
    from . import lesson01, lesson02, lesson03, lesson04, lesson05

    exercises = [ex for mod in (lesson01, lesson02, lesson03, lesson04, lesson05) for ex in mod.EXERCISES]
    return {ex.key: ex for ex in exercises}


def check_exercise(key: str, answer: Any) -> bool:
    """Check ``answer`` for exercise ``key`` (e.g. ``"02.1"``), print the verdict and return it."""
    exercises = _registry()
    if key not in exercises:
        raise ValueError(f"unknown exercise {key!r}; known exercises: {', '.join(sorted(exercises))}")
    exercise = exercises[key]
    try:
        right = bool(exercise.check(answer))
    except Exception as exc:  # a malformed answer is a wrong answer, with the reason shown
        print(f"✗ {key}: could not check {answer!r} ({type(exc).__name__}: {exc}). Hint: {exercise.hint}")
        return False
    print(f"✓ {key}: correct." if right else f"✗ {key}: not yet. Hint: {exercise.hint}")
    return right
