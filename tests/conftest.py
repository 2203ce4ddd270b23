"""Shared fixtures."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from resnet_lib import check_exercise


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (``browser_support.chromium``: the test is skipped, or fails under CI,
    when there is none). Pages come from ``browser_support.new_page``."""
    from browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def judge(capsys) -> Callable[[str, Any, Iterable[Any]], None]:
    """``judge(key, right, wrongs)``: the right answer passes; each wrong one fails, and a hint is printed."""

    def judge(key: str, right: Any, wrongs: Iterable[Any]) -> None:
        assert check_exercise(key, right)
        for wrong in wrongs:
            assert check_exercise(key, wrong) is False
        assert "Hint:" in capsys.readouterr().err

    return judge
