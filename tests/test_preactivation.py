"""Lesson 02, section 5: the original block against the pre-activation block, read from the runs made in advance."""

import pytest

from resnet_lib.lessons.plain_vs_residual import PREACT_RECORD, Run, load_record, tail_errors
from resnet_lib.lessons.preactivation import BLOCKS, preactivation_runs
from resnet_lib.lessons.seeds import compare_seeds


@pytest.fixture(scope="module")
def runs():
    return preactivation_runs()


def test_the_errors_are_the_runs_tail_errors_rounded_as_printed(runs):
    curves, info = load_record(PREACT_RECORD)
    tails = tail_errors(curves)
    assert list(runs.errors) == list(info["recipe"]["depths"])
    for depth, by_block in runs.errors.items():
        assert list(by_block) == list(BLOCKS)
        for block, kind in BLOCKS.items():
            assert by_block[block] == {s: round(e, 3) for s, e in tails[Run(kind, depth)].items()}
        assert runs.verdicts[depth] == compare_seeds(by_block["pre-activation"], by_block["original block"])


def test_the_printed_lines_name_each_depth_and_its_verdict(runs):
    text = str(runs)
    for depth, by_block in runs.errors.items():
        original = ", ".join(f"{e:.3f}" for e in by_block["original block"].values())
        assert f"{depth} layers, by seed: original block {original}; pre-activation " in text
        assert runs.verdicts[depth].describe(f"pre-activation ResNet-{depth}", f"ResNet-{depth}") + "." in text
    assert runs.describe().startswith("He et al.'s CIFAR-style nets at depths ")
    assert "seeds " in runs.describe() and ".json" not in text + runs.describe()
