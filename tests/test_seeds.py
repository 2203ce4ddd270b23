"""The course's one rule for telling two nets apart across seeds."""

import math

import pytest

from resnet_lib.lessons.seeds import compare_seeds


def test_compare_seeds_decides_only_beyond_the_spread_between_seeds():
    clear = compare_seeds({0: 0.40, 1: 0.42}, {0: 0.20, 1: 0.25})
    assert clear.differences == pytest.approx({0: 0.20, 1: 0.17}) and clear.spread == pytest.approx(0.05)
    assert clear.decided
    assert clear.describe("a", "b").startswith("a ended with a higher training error than b on both seeds "
                                               "(+0.200, +0.170); each difference is larger")
    close = compare_seeds({0: 0.23, 1: 0.38}, {0: 0.22, 1: 0.25})
    assert not close.decided and "do not tell a and b apart" in close.describe("a", "b")
    lower = compare_seeds({0: 0.1, 1: 0.1, 2: 0.1}, {0: 0.5, 1: 0.5, 2: 0.5})
    assert "a lost less than b on all 3 seeds" in lower.describe("a", "b", "lost more", "lost less")


def test_compare_seeds_says_when_seeds_disagree_or_a_run_diverged():
    mixed = compare_seeds({0: 0.3, 1: 0.2}, {0: 0.2, 1: 0.3})
    assert not mixed.decided
    assert "a and b did not differ in the same direction on every seed" in mixed.describe("a", "b")
    tied = compare_seeds({0: 0.5, 1: 0.5}, {0: 0.5, 1: 0.5})
    assert not tied.decided and "a and b ended level at the digits shown on both seeds" in tied.describe("a", "b")
    diverged = compare_seeds({0: math.nan, 1: 0.2}, {0: 0.2, 1: 0.3})
    assert not diverged.decided and "diverged" in diverged.describe("a", "b")
    with pytest.raises(ValueError, match="same seeds, at least 2"):
        compare_seeds({0: 0.1}, {0: 0.2})
    with pytest.raises(ValueError, match="same seeds"):
        compare_seeds({0: 0.1, 1: 0.2}, {0: 0.2, 2: 0.2})


def test_a_difference_that_rounds_to_zero_is_neither_higher_nor_lower():
    """Printed at three decimals, +0.0002 reads "+0.000": the sentence must not call that "higher"."""
    tiny = compare_seeds({0: 0.2002, 1: 0.2999}, {0: 0.2, 1: 0.3})
    text = tiny.describe("a", "b")
    assert "a and b ended level at the digits shown on both seeds (0.000, 0.000)" in text
    assert "higher" not in text and "+0.000" not in text and "-0.000" not in text
    one_tiny = compare_seeds({0: 0.2002, 1: 0.35}, {0: 0.2, 1: 0.3})
    assert "did not differ in the same direction on every seed (0.000, +0.050)" in one_tiny.describe("a", "b")


def test_a_table_row_names_a_side_only_when_the_rule_decides():
    from resnet_lib.lessons.seeds import seed_table

    assert compare_seeds({0: 0.40, 1: 0.42}, {0: 0.20, 1: 0.25}).in_words("a") == "a higher"
    assert compare_seeds({0: 0.1, 1: 0.1, 2: 0.1}, {0: 0.5, 1: 0.5, 2: 0.5}).in_words("a") == "a lower"
    # one sign on every seed, but a spread as large as a difference: not "close", just not told apart
    assert compare_seeds({0: 0.23, 1: 0.38}, {0: 0.22, 1: 0.25}).in_words("a") == "not told apart"
    assert compare_seeds({0: 0.9, 1: 0.1}, {0: 0.1, 1: 0.9}).in_words("a") == "seeds disagree"  # large, mixed signs
    # a difference that prints as 0.000 beside positive ones: no seed says the opposite, so only "not told apart"
    assert compare_seeds({0: 0.137, 1: 0.148, 2: 0.1364}, {0: 0.136, 1: 0.140, 2: 0.1362}).in_words("a") == \
        "not told apart"
    assert compare_seeds({0: 0.2002, 1: 0.2999}, {0: 0.2, 1: 0.3}).in_words("a") == "level"
    assert compare_seeds({0: math.nan, 1: 0.2}, {0: 0.2, 1: 0.3}).in_words("a") == "a run diverged"
    table = seed_table({"net-56 vs net-20 (test)": compare_seeds({0: 0.40, 1: 0.42}, {0: 0.20, 1: 0.25}),
                        "x vs y": compare_seeds({0: 0.2002, 1: 0.35}, {0: 0.2, 1: 0.3})})
    assert table.splitlines() == ["   A vs B                 A - B:  seed 0  seed 1  spread  verdict",
                                  "1  net-56 vs net-20 (test)        +0.200  +0.170   0.050  net-56 higher",
                                  "2  x vs y                          0.000  +0.050   0.150  not told apart"]


def test_differences_agree_with_the_values_at_the_digits_printed():
    """A reader checks a table by hand: 0.1236 and 0.1224 print as 0.124 and 0.122, so the difference must print
    +0.002 (their unrounded difference, 0.0012, would print +0.001)."""
    c = compare_seeds({0: 0.1236, 1: 0.5004}, {0: 0.1224, 1: 0.2996})
    assert [f"{d:+.3f}" for d in c.differences.values()] == ["+0.002", "+0.200"]
    assert f"{c.spread:.3f}" == "0.376"  # the larger of 0.500 - 0.124 and 0.300 - 0.122, as printed


def test_an_undecided_comparison_blames_the_seeds_not_the_run():
    """Seeds made in advance are not "this run": the sentence says what did not decide."""
    text = compare_seeds({0: 0.23, 1: 0.38}, {0: 0.22, 1: 0.25}).describe("a", "b")
    assert text.endswith("so these seeds do not tell a and b apart")
