"""Shared fixtures."""

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from resnet_lib import check_exercise


@pytest.fixture
def judge(capsys) -> Callable[[str, Any, Iterable[Any]], None]:
    """``judge(key, right, wrongs)``: the right answer passes; each wrong one fails, and a hint is printed."""

    def judge(key: str, right: Any, wrongs: Iterable[Any]) -> None:
        assert check_exercise(key, right)
        for wrong in wrongs:
            assert check_exercise(key, wrong) is False
        assert "Hint:" in capsys.readouterr().err

    return judge
